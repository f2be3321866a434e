import type { FastifyError, FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { MediaError, type MediaErrorKind } from '../client/media';
import { InputValidationError, describeIssue } from '../contracts/validation';
import { RunNotFoundError, RunStateError } from './runs';

/** An answer other than 2xx: the body is `{ "error": { "type", "message", "field"? } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A request part that failed its zod schema. */
class RequestPartError extends Error {
  constructor(
    readonly part: string,
    readonly issues: z.ZodError,
  ) {
    super(issues.message);
  }
}

/** Checks one request part (`body`, `querystring`, `params`, `headers`) with its zod schema. */
export const partValidator = (schema: z.ZodType, part: string) => (data: unknown) => {
  const parsed = schema.safeParse(data);
  return parsed.success ? { value: parsed.data } : { error: new RequestPartError(part, parsed.error) };
};

/** fastify validates each request part with its zod schema; the error keeps the ZodError to name the field. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) =>
  partValidator(schema, httpPart ?? 'body');

/** How each request part is named in `error.field`, and the error type its refusal has. */
const PARTS: Record<string, { root?: string; type: string }> = {
  body: { type: 'InvalidRequest' },
  headers: { root: 'headers', type: 'InvalidRequest' },
  querystring: { root: 'query', type: 'InvalidQuery' },
  params: { type: 'InvalidPath' },
};

function fromRequestPart(err: RequestPartError, paramsError?: string): HttpError {
  const part = PARTS[err.part] ?? { type: 'InvalidRequest' };
  const described = describeIssue(err.issues, part.root);
  const field = described.field === '(input)' ? `(${err.part})` : described.field;
  const type = err.part === 'params' && paramsError ? paramsError : part.type;
  return new HttpError(400, type, `${field}: ${described.message}`, field);
}

/** fastify's own refusals (body type and size), by code. */
const FASTIFY_ERRORS: Record<string, (context: ErrorContext) => HttpError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new HttpError(415, 'UnsupportedMediaType', 'Send the body as application/json'),
  // The rest of an oversized body is not read: close the connection (a keep-alive client learns it here).
  FST_ERR_CTP_BODY_TOO_LARGE: ({ bodyLimit }) =>
    new HttpError(413, 'PayloadTooLarge', `Body over ${bodyLimit} bytes`, undefined, { Connection: 'close' }),
};

/** What the answer to an error depends on besides the error. */
export interface ErrorContext {
  bodyLimit: number;
  /** The route's error type for a path parameter that fails its schema */
  paramsError?: string | undefined;
}

const MEDIA_ERROR_STATUS: Record<MediaErrorKind, number> = {
  RunNotFound: 404,
  RunNotFinished: 409,
  NoMedia: 404,
  MediaNotFound: 404,
  MediaUnreachable: 503,
};

/** Temporal errors the API answers with a status of its own instead of a 500. */
function fromTemporal(err: unknown): HttpError | undefined {
  const grpcCode = (e: unknown) => (e as { code?: unknown } | undefined)?.code;
  const code = grpcCode(err) ?? grpcCode((err as { cause?: unknown } | undefined)?.cause);
  // gRPC INVALID_ARGUMENT (3): Temporal refused the request itself (e.g. a payload over its size limit).
  if (code === 3) {
    const message = err instanceof Error ? err.message : String(err);
    return new HttpError(400, 'RejectedByTemporal', `Temporal refused the request: ${message.slice(0, 300)}`);
  }
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the cluster is down or overloaded.
  if (code === 14 || code === 4) {
    return new HttpError(503, 'TemporalUnavailable', 'Temporal is not reachable; retry later', undefined, {
      'Retry-After': '5',
    });
  }
  return undefined;
}

/** The answer for anything a request threw. */
export function toHttpError(err: unknown, context: ErrorContext): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof RequestPartError) return fromRequestPart(err, context.paramsError);
  if (err instanceof InputValidationError) {
    const field = err.field === '(input)' ? 'input' : `input.${err.field}`;
    return new HttpError(400, 'InvalidInput', `${field}: ${err.detail}`, field);
  }
  if (err instanceof RunNotFoundError) return new HttpError(404, 'RunNotFound', err.message);
  if (err instanceof RunStateError) return new HttpError(409, 'RunNotRunning', err.message);
  if (err instanceof MediaError) {
    const status = MEDIA_ERROR_STATUS[err.kind];
    const headers: Record<string, string> = status === 409 ? { 'Retry-After': '5' } : {};
    return new HttpError(status, err.kind, err.message, undefined, headers);
  }
  const temporal = fromTemporal(err);
  if (temporal) return temporal;
  const { code, statusCode, message } = (err ?? {}) as Partial<FastifyError>;
  const known = code ? FASTIFY_ERRORS[code] : undefined;
  if (known) return known(context);
  // Any other client error fastify raised (e.g. a Content-Length that does not match the body).
  if (code?.startsWith('FST_') && statusCode && statusCode >= 400 && statusCode < 500) {
    return new HttpError(statusCode, 'InvalidRequest', message ?? 'Invalid request');
  }
  return new HttpError(500, 'InternalError', 'Unexpected error; see the API logs');
}
