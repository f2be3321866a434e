import { Context } from '@temporalio/activity';
import type { CallOptions } from '../heygen/port';
import { idempotencyKeyFor } from './idempotency';

/** The running activity's cancellation signal, so HTTP calls stop when Temporal cancels the activity. */
export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
}

export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // outside an activity
  }
}

/**
 * Options for the HeyGen calls of the running activity: its cancellation signal, its attempt (v2 reconciles on a
 * retry) and, for billable creates, the step's Idempotency-Key (v3 replays the first answer instead of creating
 * again). Outside an activity (unit tests) only an attempt that forces reconciliation is given.
 */
export function callOptions(opts: { billable?: boolean } = {}): CallOptions {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return { attempt: 2 };
  }
  const { info } = ctx;
  const run = info.workflowExecution;
  return {
    signal: ctx.cancellationSignal,
    attempt: info.attempt,
    ...(opts.billable && run
      ? {
          idempotencyKey: idempotencyKeyFor({
            workflowId: run.workflowId,
            runId: run.runId,
            activityId: info.activityId,
            step: info.activityType,
          }),
        }
      : {}),
  };
}
