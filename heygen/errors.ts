import { isRetryable, type HeyGenErrorKind } from '../contracts/retries';

/**
 * One error type for every HeyGen failure. Activities turn it into a Temporal ApplicationFailure whose type is
 * `HeyGen<Kind>` and whose retryability follows `retryable` (see activities/errors.ts).
 */

/** HeyGen's envelope code for "exceeded rate limit". */
export const RATE_LIMIT_CODES = new Set<string>(['400123']);

export interface HeyGenErrorInit {
  kind: HeyGenErrorKind;
  message: string;
  operation: string;
  httpStatus?: number;
  code?: string | number;
  requestId?: string;
  retryAfterMs?: number;
  /** False only when the request certainly did not reach HeyGen or was certainly refused. */
  mayHaveBeenProcessed?: boolean;
  cause?: unknown;
}

export class HeyGenError extends Error {
  override readonly name = 'HeyGenError';
  readonly kind: HeyGenErrorKind;
  readonly operation: string;
  readonly httpStatus?: number;
  readonly code?: string | number;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  readonly mayHaveBeenProcessed: boolean;

  constructor(init: HeyGenErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.operation = init.operation;
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.mayHaveBeenProcessed = init.mayHaveBeenProcessed ?? true;
  }

  /** Whether trying the same call again can succeed. */
  get retryable(): boolean {
    return isRetryable(this.kind);
  }

  /** A plain, serialisable description (no secrets: the API key is never part of an error). */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      operation: this.operation,
      message: this.message,
      httpStatus: this.httpStatus,
      code: this.code,
      requestId: this.requestId,
      retryAfterMs: this.retryAfterMs,
      retryable: this.retryable,
    };
  }
}

export function kindForHttpStatus(status: number): HeyGenErrorKind {
  if (status === 400 || status === 422) return 'InvalidRequest';
  if (status === 401) return 'Unauthorized';
  if (status === 402) return 'InsufficientCredit';
  if (status === 403) return 'Forbidden';
  if (status === 409) return 'Conflict';
  if (status === 404) return 'NotFound';
  if (status === 413) return 'PayloadTooLarge';
  if (status === 429) return 'RateLimited';
  if (status >= 500) return 'ServerError';
  return 'InvalidRequest';
}

/** Parses a Retry-After header (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
