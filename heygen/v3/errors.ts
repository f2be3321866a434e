import type { HeyGenErrorKind } from '../../contracts/retries';
import { HeyGenError, parseRetryAfter } from '../errors';
import { v3ErrorSchema, type V3ErrorBody } from '../schemas/envelope';

/**
 * HeyGen API v3 errors: `{ error: { code, message, param?, doc_url? } }` on non-2xx answers and on some HTTP 200s
 * (heygen-v3-notes.md §2.2, §2.3). The code decides the kind; a missing code (or the literal "error") is filled
 * from the HTTP status the way HeyGen's own CLI does. The official code table was not found, so every code any
 * public source names is listed, compared case-insensitively (the changelog spells some in upper case).
 */

export const INSUFFICIENT_CREDIT_MESSAGE =
  'HeyGen account has insufficient credits: add credits at HeyGen, then start the run again';

/** Every known v3 error code (lower case) and what it means to the product. */
export const V3_ERROR_KINDS: Readonly<Record<string, HeyGenErrorKind>> = {
  validation_error: 'InvalidRequest',
  invalid_parameter: 'InvalidRequest',
  download_failed: 'InvalidRequest',
  unclassified_client_error: 'InvalidRequest',
  unauthorized: 'Unauthorized',
  insufficient_credit: 'InsufficientCredit',
  forbidden: 'Forbidden',
  resource_access_denied: 'Forbidden',
  ai_vendor_access_restricted: 'Forbidden',
  not_found: 'NotFound',
  resource_not_found: 'NotFound',
  avatar_not_found: 'NotFound',
  video_not_found: 'NotFound',
  voice_not_found: 'NotFound',
  request_in_progress: 'InProgress',
  conflict: 'Conflict',
  payload_too_large: 'PayloadTooLarge',
  rate_limit_exceeded: 'RateLimited',
  rate_limited: 'RateLimited',
  unclassified_server_error: 'ServerError',
};

/** The code a status stands for when HeyGen sends none (heygen-cli `FromAPIError`, notes §2.3). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'validation_error';
    case 401:
      return 'unauthorized';
    case 402:
      return 'insufficient_credit';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limit_exceeded';
    default:
      return status >= 500 ? 'unclassified_server_error' : 'unclassified_client_error';
  }
}

/** The error object of a v3 body, or undefined when there is none (absent or null). */
export function readV3Error(body: unknown): V3ErrorBody | undefined {
  if (!body || typeof body !== 'object' || !('error' in body)) return undefined;
  const error = body.error;
  if (error === null || error === undefined) return undefined;
  if (typeof error === 'string') return { message: error };
  const parsed = v3ErrorSchema.safeParse(error);
  return parsed.success ? parsed.data : { message: JSON.stringify(error) };
}

export interface V3Answer {
  operation: string;
  status: number;
  body: unknown;
  requestId?: string;
  retryAfter?: string;
}

/** The HeyGenError a v3 answer stands for, or undefined when it is a success. */
export function v3ErrorFor(answer: V3Answer): HeyGenError | undefined {
  const { status } = answer;
  const error = readV3Error(answer.body);
  const ok = status >= 200 && status < 300;
  if (ok && !error) return undefined;
  const given = error?.code === undefined || error.code === null ? undefined : String(error.code);
  const code = (given === undefined || given === 'error') && !ok ? codeForStatus(status) : given;
  const kind = kindFor(status, code);
  const heygenMessage = error?.message ?? `HTTP ${status} from HeyGen`;
  let message = heygenMessage;
  if (kind === 'InsufficientCredit') message = INSUFFICIENT_CREDIT_MESSAGE;
  else if (error?.param) message = `${heygenMessage} (param: ${error.param})`;
  return new HeyGenError({
    kind,
    operation: answer.operation,
    httpStatus: status,
    code,
    message,
    requestId: answer.requestId,
    retryAfterMs: kind === 'RateLimited' ? parseRetryAfter(answer.retryAfter) : undefined,
    // A 5xx may have been acted on; a request in progress is being acted on. Everything else was refused.
    mayHaveBeenProcessed: kind === 'ServerError' || kind === 'InProgress',
  });
}

function kindFor(status: number, code: string | undefined): HeyGenErrorKind {
  // A 5xx is a server failure whatever its code says: retrying is the only sensible answer.
  if (status >= 500) return 'ServerError';
  const known = code === undefined ? undefined : V3_ERROR_KINDS[code.toLowerCase()];
  if (known) return known;
  if (status >= 200 && status < 300) return 'ApiError';
  return V3_ERROR_KINDS[codeForStatus(status)] ?? 'InvalidRequest';
}
