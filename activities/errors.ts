import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES, failureTypeOf, retryDelayMs } from '../contracts/retries';
import { InputValidationError } from '../contracts/validation';
import { HeyGenError } from '../heygen/errors';

export interface HeyGenFailureDetails {
  kind: string;
  operation?: string;
  httpStatus?: number;
  code?: string | number;
  requestId?: string;
  message: string;
  /** False when the request certainly never reached HeyGen (or was refused unprocessed): nothing was billed */
  mayHaveBeenProcessed?: boolean;
}

/**
 * Converts anything an activity throws into an ApplicationFailure Temporal can classify:
 * - HeyGenError: type `HeyGen<Kind>`, retryable as the error says, 429 retried after Retry-After (nextRetryDelay);
 * - InputValidationError: `InvalidInput`, not retryable;
 * - anything else is rethrown untouched (Temporal retries it with the activity's policy).
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof HeyGenError) {
    const details: HeyGenFailureDetails = {
      kind: err.kind,
      operation: err.operation,
      httpStatus: err.httpStatus,
      code: err.code,
      requestId: err.requestId,
      message: err.message,
      mayHaveBeenProcessed: err.mayHaveBeenProcessed,
    };
    const code = err.code !== undefined ? ` (HeyGen code ${err.code})` : '';
    const status = err.httpStatus !== undefined ? ` [HTTP ${err.httpStatus}]` : '';
    return ApplicationFailure.create({
      type: failureTypeOf(err.kind),
      message: `${err.operation}: ${err.message}${code}${status}`,
      nonRetryable: !err.retryable,
      nextRetryDelay:
        err.kind === 'RateLimited' && err.retryAfterMs !== undefined
          ? retryDelayMs(err.retryAfterMs)
          : undefined,
      details: [details],
      cause: err,
    });
  }
  if (err instanceof InputValidationError) {
    return ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: err.message,
      nonRetryable: true,
      details: [{ field: err.field, message: err.detail }],
    });
  }
  return err;
}

/** A HeyGen job (generation, training, render) that ended in failure: final, with HeyGen's code and message. */
export function jobFailed(what: string, message: string | null | undefined, code?: string | number | null) {
  const text = message && message.trim() ? message : 'no reason given by HeyGen';
  const details: HeyGenFailureDetails = { kind: 'JobFailed', code: code ?? undefined, message: text };
  return ApplicationFailure.create({
    type: FAILURE_TYPES.jobFailed,
    message: `${what} failed${code !== undefined && code !== null ? ` (HeyGen code ${code})` : ''}: ${text}`,
    nonRetryable: true,
    details: [details],
  });
}

/** The HeyGen ids in an activity's input or result (fields named *Id / *Ids), for log lines. */
function heygenIds(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!value || typeof value !== 'object') return out;
  for (const [key, v] of Object.entries(value)) {
    if (/Ids?$/.test(key) && (typeof v === 'string' || Array.isArray(v))) out[key] = v;
  }
  return out;
}

/** The activity's logger (workflowId, runId, activityType, attempt attached by the SDK), outside tests too. */
function activityLog(): Context['log'] | undefined {
  try {
    return Context.current().log;
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
}

/**
 * Wraps an activity implementation so every error leaves it classified, and each outcome is logged with the
 * HeyGen ids of its input and result.
 */
export function classified<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      const result = await fn(...args);
      activityLog()?.info('activity done', { ...heygenIds(args[0]), ...heygenIds(result) });
      return result;
    } catch (err) {
      const failure = toActivityFailure(err);
      activityLog()?.warn('activity failed', {
        ...heygenIds(args[0]),
        ...(failure instanceof ApplicationFailure
          ? { failureType: failure.type, retryable: !failure.nonRetryable, error: failure.message }
          : { error: failure instanceof Error ? failure.message : String(failure) }),
      });
      throw failure;
    }
  };
}
