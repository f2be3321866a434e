import type { JobEvent } from './results';

/**
 * A HeyGen job event delivered to a waiting workflow (by the webhook receiver, or by any service that learns of a
 * job's end). Workflows treat it as a hint: they read the job's status once more before moving on, so a forged or
 * stale event cannot advance a run by itself.
 */
export const JOB_KINDS = ['photo_generation', 'training', 'render'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export function jobEventKey(kind: JobKind, resourceId: string): string {
  return `${kind}:${resourceId}`;
}

/** What a mailbox receives from the webhook receiver: the event and, when the event names it, its workflow. */
export interface MailboxDelivery {
  event: JobEvent;
  /** Waiting workflow named by the event itself (videos: callback_id) */
  route?: string;
}

export interface MailboxRoute {
  /** The workflow waiting for this job's event */
  workflowId: string;
}

/**
 * One mailbox workflow per HeyGen job: `heygen-event/<kind>/<resourceId>`. Whichever arrives first (the event
 * from the webhook receiver, or the route from the waiting workflow), the mailbox delivers the event once both are
 * known, then closes; deliveries to a closed mailbox are duplicates.
 */
export function mailboxWorkflowId(kind: JobKind, resourceId: string): string {
  return `heygen-event/${kind}/${resourceId}`;
}
