import { createHash } from 'node:crypto';

/** v3's documented Idempotency-Key alphabet and length (notes §2.6). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/;

export interface StepIdentity {
  workflowId: string;
  runId: string;
  /** Temporal's id of the scheduled activity: stable across its retries, distinct for every step of the run */
  activityId: string;
  /** The activity type, for a key a person can read in HeyGen's logs */
  step: string;
}

/**
 * The Idempotency-Key of one billable step of one run: the same on every retry of that step (across worker crashes
 * and Temporal server restarts, since every part comes from the run's history), never the same for two steps or two
 * runs. Workflow ids can hold any character and be long, so they are hashed; the step name stays readable.
 * Format: `hp1.<step>.<43 chars of base64url SHA-256>` (≤ 255 chars, within [A-Za-z0-9_:.-]).
 */
export function idempotencyKeyFor(id: StepIdentity): string {
  const digest = createHash('sha256')
    .update(`${id.workflowId}\u0000${id.runId}\u0000${id.activityId}`)
    .digest('base64url');
  const step = id.step.replace(/[^A-Za-z0-9]/g, '').slice(0, 60) || 'step';
  return `hp1.${step}.${digest}`;
}
