import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { HeyGenConfig } from './config';
import { HeyGenError, RATE_LIMIT_CODES, kindForHttpStatus, parseRetryAfter } from './errors';
import { v1EnvelopeSchema, v2EnvelopeSchema, v3EnvelopeSchema, type EnvelopeStyle } from './schemas/envelope';
import { v3ErrorFor } from './v3/errors';
import { recordHeyGenCall } from '../telemetry/metrics';
import { CALL_TIMEOUTS_MS, type CallKind } from '../contracts/retries';

/** Static description of one HeyGen endpoint. */
export interface Operation<T> {
  /** Name used in errors and metrics, e.g. 'photoAvatar.generatePhotos' */
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  host: 'api' | 'upload';
  envelope: EnvelopeStyle;
  /** Per-operation timeout class: a status read should not wait as long as an upload. */
  timeout: TimeoutKind;
  /** Schema of `data` inside the envelope. */
  schema: z.ZodType<T>;
}

export interface CallArgs {
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Raw body (uploads): sent as-is with this content type. */
  raw?: { data: Buffer | Readable; contentType: string; contentLength?: number };
  /** Extra request headers (v3: `Idempotency-Key`). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One page of a v3 list: `data` plus the cursor (`has_more`, `next_token`). */
export interface Page<T> {
  data: T;
  hasMore: boolean;
  nextToken?: string;
}

/** A PUT of bytes to a presigned URL HeyGen handed out (v3 direct uploads). */
export interface PresignedPut {
  url: string;
  data: Buffer | Readable;
  contentLength: number;
  /** Sent verbatim: they are part of the URL's signature. */
  headers: Record<string, string>;
  /** Sent as Content-Type when `headers` carry none (axios would otherwise call the bytes a form). */
  contentType: string;
  signal?: AbortSignal;
}

/** Timeouts per kind of call: contracts/retries.ts (activity time limits are derived from the same table). */
const TIMEOUTS = CALL_TIMEOUTS_MS;
export type TimeoutKind = CallKind;
export type Timeouts = Record<TimeoutKind, number>;

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * The transport: one axios instance per host, no retries of its own (Temporal owns retries), success decided by the
 * envelope rather than the HTTP status, every `data` parsed by the operation's schema.
 */
export class HeyGenHttp {
  private readonly api: AxiosInstance;
  private readonly upload: AxiosInstance;
  /** For presigned URLs: no API key (the URL is its own credential and may point at another host). */
  private readonly presigned: AxiosInstance;

  private readonly timeouts: Timeouts;

  constructor(config: HeyGenConfig, timeouts: Partial<Timeouts> = {}) {
    this.timeouts = { ...TIMEOUTS, ...timeouts };
    const common = {
      headers: { 'X-Api-Key': config.apiKey, Accept: 'application/json' },
      validateStatus: () => true,
      maxRedirects: 0,
      // Uploads may be large; responses are small JSON documents.
      maxBodyLength: Infinity,
      maxContentLength: 50 * 1024 * 1024,
      transitional: { clarifyTimeoutError: true },
    };
    this.api = axios.create({ ...common, baseURL: config.apiBaseUrl });
    this.upload = axios.create({ ...common, baseURL: config.uploadBaseUrl });
    this.presigned = axios.create({ ...common, headers: {} });
  }

  /** Every request is counted by endpoint and outcome (heygen_calls_total) and timed. */
  async call<T>(op: Operation<T>, args: CallArgs): Promise<T> {
    return (await this.measured(op.name, () => this.send(op, args))).data;
  }

  /** A v3 list page: `data` and the cursor beside it. */
  async callPage<T>(op: Operation<T>, args: CallArgs): Promise<Page<T>> {
    if (op.envelope !== 'v3')
      throw new Error(`callPage needs a v3 operation, got ${op.name} (${op.envelope})`);
    return this.measured(op.name, () => this.send(op, args));
  }

  /**
   * PUTs bytes to a presigned URL, once, with its signed headers verbatim. A 403 there means the signature no
   * longer holds (expired): `UrlExpired`, retryable — a new attempt asks HeyGen for a fresh URL.
   */
  async putPresigned(name: string, put: PresignedPut): Promise<void> {
    const timeout = this.timeouts.upload;
    await this.measured(name, async () => {
      const has = (name: string) => Object.keys(put.headers).some((h) => h.toLowerCase() === name);
      const headers = {
        ...(has('content-type') ? {} : { 'Content-Type': put.contentType }),
        ...(has('content-length') ? {} : { 'Content-Length': String(put.contentLength) }),
        ...put.headers,
      };
      let response: AxiosResponse<unknown>;
      try {
        response = await this.presigned.request<unknown>({
          method: 'PUT',
          url: put.url,
          data: put.data,
          headers,
          timeout,
          signal: put.signal,
          responseType: 'text',
        });
      } catch (err) {
        throw transportError({ name }, timeout, err);
      }
      if (response.status < 200 || response.status >= 300) {
        const kind = response.status === 403 ? 'UrlExpired' : kindForHttpStatus(response.status);
        throw new HeyGenError({
          kind,
          operation: name,
          httpStatus: response.status,
          message: `The presigned upload URL answered HTTP ${response.status}`,
          mayHaveBeenProcessed: kind === 'ServerError',
        });
      }
    });
  }

  private async measured<T>(name: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await run();
      recordHeyGenCall(name, 'ok', (performance.now() - started) / 1000);
      return value;
    } catch (err) {
      const outcome = err instanceof HeyGenError ? err.kind : 'Error';
      recordHeyGenCall(name, outcome, (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async send<T>(op: Operation<T>, args: CallArgs): Promise<Page<T>> {
    const instance = op.host === 'upload' ? this.upload : this.api;
    const contentHeaders = args.raw
      ? {
          'Content-Type': args.raw.contentType,
          ...(args.raw.contentLength !== undefined
            ? { 'Content-Length': String(args.raw.contentLength) }
            : {}),
        }
      : args.body !== undefined
        ? { 'Content-Type': 'application/json' }
        : undefined;
    let response: AxiosResponse<unknown>;
    try {
      response = await instance.request<unknown>({
        method: op.method,
        url: args.path,
        params: args.query ? dropUndefined(args.query) : undefined,
        data: args.raw ? args.raw.data : args.body,
        headers: args.headers ? { ...contentHeaders, ...args.headers } : contentHeaders,
        timeout: this.timeouts[op.timeout],
        signal: args.signal,
        responseType: 'json',
      });
    } catch (err) {
      throw transportError(op, this.timeouts[op.timeout], err);
    }
    if (op.envelope === 'v3') return parseV3Response(op, response);
    return { data: parseResponse(op, response), hasMore: false };
  }
}

/** v3: the error (on any status, HTTP 200 included) decides first; then `data` and the cursor are parsed. */
function parseV3Response<T>(op: Operation<T>, response: AxiosResponse<unknown>): Page<T> {
  const requestId = headerString(response.headers['x-request-id']);
  const status = response.status;
  const body = typeof response.data === 'string' ? tryJson(response.data) : response.data;
  const error = v3ErrorFor({
    operation: op.name,
    status,
    body,
    requestId,
    retryAfter: headerString(response.headers['retry-after']),
  });
  if (error) throw error;
  const envelope = v3EnvelopeSchema.safeParse(body);
  if (!envelope.success) throw invalidResponse(op, requestId, status, 'the v3 envelope is malformed');
  const data = op.schema.safeParse(envelope.data.data);
  if (!data.success) throw invalidResponse(op, requestId, status, describeIssue(data.error));
  const nextToken = envelope.data.next_token ?? undefined;
  const hasMore = envelope.data.has_more === true;
  if (hasMore && !nextToken) throw invalidResponse(op, requestId, status, 'has_more without a next_token');
  return { data: data.data, hasMore, nextToken };
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `data.${issue.path.join('.')}` : 'data';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

function parseResponse<T>(op: Operation<T>, response: AxiosResponse<unknown>): T {
  const requestId = headerString(response.headers['x-request-id']);
  const status = response.status;
  const body = typeof response.data === 'string' ? tryJson(response.data) : response.data;
  const envelopeError = readEnvelopeError(op.envelope, body);

  if (status === 429 || (envelopeError && RATE_LIMIT_CODES.has(String(envelopeError.code)))) {
    throw new HeyGenError({
      kind: 'RateLimited',
      operation: op.name,
      httpStatus: status,
      code: envelopeError?.code,
      message: envelopeError?.message ?? 'Rate limited by HeyGen',
      requestId,
      retryAfterMs: parseRetryAfter(headerString(response.headers['retry-after'])),
      mayHaveBeenProcessed: false,
    });
  }
  if (status < 200 || status >= 300) {
    const kind = kindForHttpStatus(status);
    throw new HeyGenError({
      kind,
      operation: op.name,
      httpStatus: status,
      code: envelopeError?.code,
      message: envelopeError?.message ?? `HTTP ${status} from HeyGen`,
      requestId,
      mayHaveBeenProcessed: kind === 'ServerError',
    });
  }
  if (envelopeError) {
    const serverSide = isServerSideCode(envelopeError.code);
    throw new HeyGenError({
      kind: serverSide ? 'ServerError' : 'ApiError',
      operation: op.name,
      httpStatus: status,
      code: envelopeError.code,
      message: envelopeError.message,
      requestId,
      mayHaveBeenProcessed: serverSide,
    });
  }
  const envelope = (op.envelope === 'v1' ? v1EnvelopeSchema : v2EnvelopeSchema).safeParse(body);
  if (!envelope.success) {
    throw invalidResponse(op, requestId, status, `the ${op.envelope} envelope is malformed`);
  }
  const data = op.schema.safeParse(envelope.data.data);
  if (!data.success) throw invalidResponse(op, requestId, status, describeIssue(data.error));
  return data.data;
}

interface EnvelopeError {
  code?: string | number;
  message: string;
}

/** Returns the error an envelope carries, or undefined when it reports success or is not an envelope at all. */
function readEnvelopeError(style: EnvelopeStyle, body: unknown): EnvelopeError | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  // Errors on non-2xx answers come in either style whatever the endpoint; look at both.
  if ('error' in record && record.error !== null && record.error !== undefined) {
    const error = record.error;
    if (typeof error === 'string') return { message: error };
    if (typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return {
        code: typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined,
        message: typeof e.message === 'string' ? e.message : JSON.stringify(error),
      };
    }
  }
  if (typeof record.code === 'number' && record.code !== 100 && (style === 'v1' || !('error' in record))) {
    const message =
      typeof record.message === 'string'
        ? record.message
        : typeof record.msg === 'string'
          ? record.msg
          : 'error';
    return { code: record.code, message };
  }
  return undefined;
}

function isServerSideCode(code: string | number | undefined): boolean {
  const n = typeof code === 'number' ? code : Number(code);
  return Number.isInteger(n) && n >= 500 && n < 600;
}

function invalidResponse(
  op: Pick<Operation<unknown>, 'name'>,
  requestId: string | undefined,
  status: number,
  detail: string,
) {
  return new HeyGenError({
    kind: 'InvalidResponse',
    operation: op.name,
    httpStatus: status,
    message: `Unexpected response from HeyGen (${op.name}): ${detail}`,
    requestId,
  });
}

function transportError(op: Pick<Operation<unknown>, 'name'>, timeoutMs: number, err: unknown): HeyGenError {
  if (err instanceof HeyGenError) return err;
  const code = isAxiosError(err) ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (axios.isCancel(err) || code === 'ERR_CANCELED') {
    return new HeyGenError({ kind: 'Timeout', operation: op.name, message: `Request cancelled: ${message}` });
  }
  if (code && TIMEOUT_CODES.has(code)) {
    return new HeyGenError({
      kind: 'Timeout',
      operation: op.name,
      message: `No answer from HeyGen within ${timeoutMs} ms (${op.name})`,
      cause: err,
    });
  }
  return new HeyGenError({
    kind: 'Network',
    operation: op.name,
    message: `Network error calling HeyGen (${op.name}): ${code ?? ''} ${message}`.trim(),
    mayHaveBeenProcessed: !(code && NOT_SENT_CODES.has(code)),
    cause: err,
  });
}

function headerString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function dropUndefined(query: Record<string, string | number | undefined>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v;
  return out;
}
