/**
 * One error type for every HeyGen failure. Activities turn it into a Temporal ApplicationFailure whose type is
 * `HeyGen<Kind>` and whose retryability follows `retryable` (see activities/errors.ts).
 */
export type HeyGenErrorKind =
  /** 400, or a request our own schemas refused before sending */
  | 'InvalidRequest'
  /** 401: missing or wrong API key */
  | 'Unauthorized'
  /** 403: forbidden (v2 also says "out of credits" this way) */
  | 'Forbidden'
  /** v3 402 `insufficient_credit`: the account has no credits left; add credits, then start the run again */
  | 'InsufficientCredit'
  /** v3 409 `request_in_progress`: the same Idempotency-Key is still being processed; retry after a backoff */
  | 'InProgress'
  /** 409 other than request_in_progress: the resource's state refuses the request */
  | 'Conflict'
  /** The chosen API version has no such operation or cannot honour a field (refused before any call) */
  | 'Unsupported'
  /** 404: unknown id */
  | 'NotFound'
  /** 413: payload too large */
  | 'PayloadTooLarge'
  /** 429, or HeyGen's rate-limit code in an envelope */
  | 'RateLimited'
  /** 5xx */
  | 'ServerError'
  /** HTTP 2xx whose envelope carries an error */
  | 'ApiError'
  /** The response did not match what the code relies on */
  | 'InvalidResponse'
  /** No answer in time */
  | 'Timeout'
  /** Connection refused, reset, DNS failure... */
  | 'Network'
  /** A signed media URL answered 403/404: fetch the status again for a fresh one */
  | 'UrlExpired'
  /** A job (generation, training, render) ended in failure */
  | 'JobFailed';

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

const RETRYABLE: ReadonlySet<HeyGenErrorKind> = new Set<HeyGenErrorKind>([
  'RateLimited',
  'InProgress',
  'ServerError',
  'Timeout',
  'Network',
  'UrlExpired',
]);

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
    return RETRYABLE.has(this.kind);
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

/**
 * The longest a Retry-After is honoured: a server asking for an hour (or a day) must not park a run that long on
 * one answer; the activity retries after this and asks again (heygen-cli clamps at 30 s for the same reason).
 */
export const RETRY_AFTER_CAP_MS = 60_000;

/** Parses a Retry-After header (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
