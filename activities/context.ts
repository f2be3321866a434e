import { Context } from '@temporalio/activity';

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
 * True when this is a retry of the activity (attempt > 1), or when called outside an activity. Only a retry can
 * follow a request HeyGen accepted without our seeing the answer, so only a retry needs to look for it first.
 */
export function isRetry(): boolean {
  try {
    return Context.current().info.attempt > 1;
  } catch {
    return true;
  }
}
