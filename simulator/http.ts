import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { isRecord } from './util';

/** The response envelopes HeyGen uses side by side: v1 (numeric codes), v2 (`{error, data}`), v3 (`{data}`). */
export type EnvelopeStyle = 'v1' | 'v2' | 'v3';

/** HeyGen's numeric error codes used by the simulator (see heygen-api-notes.md "Errors and limits"). */
export const CODES = {
  SUCCESS: 100,
  MISSING_PARAMETER: 40001,
  INVALID_PARAMETER: 400175,
  UNAUTHORIZED: 40102,
  NOT_FOUND: 40004,
  INVALID_VIDEO_ID: 40031,
  VIDEO_TOO_LONG: 40119,
  RATE_LIMITED: 400123,
  PAYLOAD_TOO_LARGE: 40013,
  INTERNAL: 50000,
} as const;

/**
 * An error answer. `code` goes into the v1 envelope (always numeric there); `v2Code` (default `code`) into the v2
 * envelope's `error.code`; `v3.code` (default: derived from the status, see `v3CodeForStatus`) and `v3.param` into
 * the v3 envelope.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly v2Code: string | number = code,
    readonly headers: Record<string, string> = {},
    readonly v3: { code?: string; param?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The v3 code of an error that carries none, from its HTTP status: the mapping HeyGen's CLI applies to answers
 * without a code (notes §2.3).
 */
export function v3CodeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'validation_error',
    401: 'unauthorized',
    402: 'insufficient_credit',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'payload_too_large',
    429: 'rate_limit_exceeded',
  };
  return codes[status] ?? (status >= 500 ? 'unclassified_server_error' : 'unclassified_client_error');
}

export const apiErrors = {
  missing: (field: string) =>
    new ApiError(400, CODES.MISSING_PARAMETER, `Missing required parameter: ${field}`, undefined, undefined, {
      param: field,
    }),
  invalid: (field: string, detail: string) =>
    new ApiError(
      400,
      CODES.INVALID_PARAMETER,
      `Invalid parameter ${field}: ${detail}`,
      undefined,
      undefined,
      { param: field },
    ),
  notFound: (message: string, code: number = CODES.NOT_FOUND) =>
    new ApiError(404, code, message, 'not_found'),
  unauthorized: () =>
    new ApiError(
      401,
      CODES.UNAUTHORIZED,
      'Unauthorized: missing or invalid X-Api-Key header',
      'unauthorized',
    ),
  tooLarge: (message: string) => new ApiError(413, CODES.PAYLOAD_TOO_LARGE, message, 'payload_too_large'),
};

/** `extra`: v3 top-level fields beside `data` (lists: `has_more`, `next_token`). */
export function successEnvelope(
  style: EnvelopeStyle,
  data: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  if (style === 'v3') return { data, ...extra };
  return style === 'v1'
    ? { code: CODES.SUCCESS, data, message: 'Success', msg: null }
    : { error: null, data };
}

/** HeyGen's v3 errors link their code's section of the error-codes page (notes §2.2). */
const v3DocUrl = (code: string) =>
  `https://developers.heygen.com/docs/error-codes#${code.toLowerCase().replace(/_/gu, '-')}`;

export function errorEnvelope(
  style: EnvelopeStyle,
  code: number | string,
  message: string,
  param?: string,
): Record<string, unknown> {
  if (style === 'v3') {
    const text = String(code);
    return {
      error: { code: text, message, ...(param !== undefined ? { param } : {}), doc_url: v3DocUrl(text) },
    };
  }
  if (style === 'v1') {
    const numeric = typeof code === 'number' ? code : Number(code);
    return {
      code: Number.isInteger(numeric) && numeric !== CODES.SUCCESS ? numeric : CODES.INTERNAL,
      data: null,
      message,
      msg: message,
    };
  }
  return { error: { code, message }, data: null };
}

export function apiErrorEnvelope(style: EnvelopeStyle, err: ApiError): Record<string, unknown> {
  if (style === 'v3') {
    return errorEnvelope('v3', err.v3.code ?? v3CodeForStatus(err.status), err.message, err.v3.param);
  }
  return errorEnvelope(style, style === 'v1' ? err.code : err.v2Code, err.message);
}

// ---------------------------------------------------------------------------------------------------------------
// Routes

export interface RequestContext {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Capture groups of the route pattern. */
  params: string[];
  headers: IncomingHttpHeaders;
  /** Parsed JSON body ({} when empty); undefined for raw routes. */
  body: unknown;
  rawBody: Buffer;
  requestId: string;
  /** The simulator's clock when the request is handled */
  now: number;
  /** v3 idempotent routes: the request's valid Idempotency-Key */
  idempotencyKey?: string;
}

export interface RouteResult {
  status?: number;
  data: unknown;
  /** v3: top-level envelope fields beside `data` (lists: `has_more`, `next_token`). */
  extra?: Record<string, unknown>;
  /** For creates: what was created, recorded in the call log. */
  createdId?: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  envelope: EnvelopeStyle;
  /** v3: honours the Idempotency-Key header (notes §2.6). */
  idempotent?: boolean;
  /**
   * What identifies the request's body for the "same key, different body" warning. Default: a hash of the JSON body
   * (raw routes: of the bytes); multipart routes leave the random boundary out.
   */
  fingerprint?: (rawBody: Buffer, headers: IncomingHttpHeaders) => string;
  /** Raw body (uploads) instead of JSON. */
  raw?: boolean;
  /** Body size limit for this route (default 5 MB); may depend on the request (e.g. the upload's type). */
  maxBodyBytes?: (headers: IncomingHttpHeaders) => number;
  handle(ctx: RequestContext): RouteResult | Promise<RouteResult>;
}

export const DEFAULT_JSON_LIMIT = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** `video_inputs[0].voice.input_text` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'body' : out;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (Array.isArray(current) && typeof part === 'number') current = current[part];
    else if (isRecord(current)) current = current[String(part)];
    else return undefined;
  }
  return current;
}

/** Parses with zod; the first issue becomes a 400 naming the field (40001 when missing, 400175 when invalid). */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw apiErrors.invalid('body', 'invalid request');
  const field = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  if (
    (value === undefined || value === null) &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_union')
  ) {
    throw apiErrors.missing(field);
  }
  throw apiErrors.invalid(field, issue.message);
}
