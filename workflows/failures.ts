import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { FailureInfo } from '../contracts/results';
import { InputValidationError } from '../contracts/validation';

interface FailureDetails {
  stage?: string;
  code?: string | number;
  field?: string;
}

function firstDetails(failure: ApplicationFailure): FailureDetails {
  const d: FailureDetails | undefined = failure.details?.[0] as FailureDetails | undefined;
  return d && typeof d === 'object' ? d : {};
}

/** The ApplicationFailure at the bottom of an ActivityFailure / ChildWorkflowFailure chain. */
function rootApplicationFailure(err: unknown): ApplicationFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current instanceof ApplicationFailure) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Describes why a stage failed, with HeyGen's code when there is one (served by the `progress` query). */
export function describeFailure(err: unknown, stage: string): FailureInfo {
  if (err instanceof InputValidationError) return { stage, type: 'InvalidInput', message: err.message };
  const app = rootApplicationFailure(err);
  if (!app) return { stage, type: 'Error', message: err instanceof Error ? err.message : String(err) };
  const details = firstDetails(app);
  return {
    stage: details.stage ?? stage,
    type: app.type ?? 'Error',
    message: app.message,
    ...(details.code !== undefined ? { code: details.code } : {}),
  };
}

/**
 * What a workflow throws when a stage fails: a non-retryable ApplicationFailure carrying the failure type
 * (e.g. HeyGenJobFailed), HeyGen's code and message, and the stage. Cancellation passes through unchanged.
 */
export function toWorkflowFailure(err: unknown, info: FailureInfo): unknown {
  if (isCancellation(err)) return err;
  const code =
    info.code !== undefined && !info.message.includes('HeyGen code') ? ` [HeyGen code ${info.code}]` : '';
  const alreadyStaged = info.message.startsWith('Stage ');
  return ApplicationFailure.create({
    type: info.type,
    message: alreadyStaged ? info.message : `Stage ${info.stage} failed${code}: ${info.message}`,
    nonRetryable: true,
    details: [{ stage: info.stage, code: info.code, message: info.message }],
  });
}
