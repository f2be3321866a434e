/**
 * Retries, in one place and without zod (workflows import it): which HeyGen failures a retry can fix, how long a
 * Retry-After is honoured, how long each kind of HTTP call may take, and from those the time limit of each kind of
 * activity. The HeyGen clients (heygen/http.ts), the errors (heygen/errors.ts), the activities' failure mapping
 * (activities/errors.ts) and the workflows' retry policies (workflows/activityOptions.ts) all read it from here.
 */

/**
 * Every kind of HeyGen failure, and whether trying the same call again can succeed. Activities fail with type
 * `HeyGen<Kind>` (failureTypeOf), non-retryable when `retryable` is false.
 */
export const HEYGEN_ERROR_KINDS = {
  /** 400/422, or a request our own schemas refused before sending */
  InvalidRequest: { retryable: false },
  /** 401: missing or wrong API key */
  Unauthorized: { retryable: false },
  /** 403: forbidden (v2 also says "out of credits" this way) */
  Forbidden: { retryable: false },
  /** v3 402 `insufficient_credit`: add credits, then start the run again */
  InsufficientCredit: { retryable: false },
  /** v3 409 `request_in_progress`: the same Idempotency-Key is still being processed; retry after a backoff */
  InProgress: { retryable: true },
  /** 409 other than request_in_progress: the resource's state refuses the request */
  Conflict: { retryable: false },
  /** The chosen API version has no such operation or cannot honour a field (refused before any call) */
  Unsupported: { retryable: false },
  /** 404: unknown id */
  NotFound: { retryable: false },
  /** 413 */
  PayloadTooLarge: { retryable: false },
  /** 429, or HeyGen's rate-limit code in an envelope: retried after Retry-After (capped) */
  RateLimited: { retryable: true },
  /** 5xx */
  ServerError: { retryable: true },
  /** HTTP 2xx whose envelope carries an error */
  ApiError: { retryable: false },
  /** The response did not match what the code relies on */
  InvalidResponse: { retryable: false },
  /** No answer in time */
  Timeout: { retryable: true },
  /** Connection refused, reset, DNS failure... */
  Network: { retryable: true },
  /** A signed media URL answered 403/404/410: the next attempt reads the status again for a fresh one */
  UrlExpired: { retryable: true },
  /** A job (generation, training, render) ended in failure */
  JobFailed: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type HeyGenErrorKind = keyof typeof HEYGEN_ERROR_KINDS;

/** The ApplicationFailure type of a HeyGen failure. */
export function failureTypeOf(kind: HeyGenErrorKind): `HeyGen${HeyGenErrorKind}` {
  return `HeyGen${kind}`;
}

export function isRetryable(kind: HeyGenErrorKind): boolean {
  return HEYGEN_ERROR_KINDS[kind].retryable;
}

/** Failure types (ApplicationFailure.type) that workflows and callers see, besides `HeyGen<Kind>`. */
export const FAILURE_TYPES = {
  invalidInput: 'InvalidInput',
  jobFailed: failureTypeOf('JobFailed'),
  fileError: 'FileError',
  stageTimeout: 'StageTimeout',
} as const;

/** Failure types that retrying cannot fix: every activity retry policy stops at once on them. */
export const NON_RETRYABLE_TYPES: string[] = [
  ...(Object.keys(HEYGEN_ERROR_KINDS) as HeyGenErrorKind[]).filter((k) => !isRetryable(k)).map(failureTypeOf),
  FAILURE_TYPES.invalidInput,
  FAILURE_TYPES.fileError,
];

/**
 * The longest a Retry-After is honoured: a server asking for an hour (or a day) must not park a run that long on
 * one answer; the activity retries after this and asks again (heygen-cli clamps at 30 s for the same reason).
 */
export const RETRY_AFTER_CAP_MS = 60_000;

/** The delay before the retry of a rate-limited call: HeyGen's Retry-After, capped. */
export function retryDelayMs(retryAfterMs: number): number {
  return Math.min(Math.max(0, retryAfterMs), RETRY_AFTER_CAP_MS);
}

const SECOND = 1000;

/** The time each kind of HTTP call to HeyGen may take: status reads are quick, lists can be large, uploads carry files. */
export const CALL_TIMEOUTS_MS = {
  status: 15 * SECOND,
  create: 30 * SECOND,
  list: 30 * SECOND,
  catalog: 60 * SECOND,
  upload: 5 * 60 * SECOND,
} as const;
export type CallKind = keyof typeof CALL_TIMEOUTS_MS;

/**
 * The calls one attempt of each kind of activity makes at most, in order. A billable create may reconcile first
 * (v2: list what HeyGen has) and then create; a render submission may check the avatar against the catalog (WebM,
 * refreshed once on a miss: two catalog reads) before it creates; a status read is one read (a bulk read of many
 * videos is one list); an upload creates its asset or direct-upload slot, sends the file and reads the result back.
 */
export const ACTIVITY_CALLS = {
  create: ['list', 'create'],
  render: ['catalog', 'catalog', 'create'],
  statusRead: ['list'],
  upload: ['create', 'upload', 'status'],
} as const satisfies Record<string, readonly CallKind[]>;
export type ActivityKind = keyof typeof ACTIVITY_CALLS;

/** What an attempt needs beyond its calls' own timeouts (scheduling, parsing, a worker under load). */
export const ATTEMPT_MARGIN_MS = 10 * SECOND;

/**
 * An activity's start-to-close timeout: the sum of the timeouts of the calls it makes, plus the margin. A lost
 * attempt (its worker died) is retried after this long; a live one never hits it before its own calls time out.
 */
export function activityTimeLimitMs(kind: ActivityKind): number {
  return ACTIVITY_CALLS[kind].reduce((sum, call) => sum + CALL_TIMEOUTS_MS[call], ATTEMPT_MARGIN_MS);
}
