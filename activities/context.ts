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
