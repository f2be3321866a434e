import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { HeyGenConfig } from './config';
import { HeyGenError, RATE_LIMIT_CODES, kindForHttpStatus, parseRetryAfter } from './errors';
import { v1EnvelopeSchema, v2EnvelopeSchema, type EnvelopeStyle } from './schemas/envelope';
import { recordHeyGenCall } from '../telemetry/metrics';

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
  signal?: AbortSignal;
}

const SECOND = 1000;
/** Timeouts per kind of call: status reads are quick, lists can be large, uploads carry files. */
export const TIMEOUTS = {
  status: 15 * SECOND,
  create: 30 * SECOND,
  list: 30 * SECOND,
  catalog: 60 * SECOND,
  upload: 5 * 60 * SECOND,
} as const;
export type TimeoutKind = keyof typeof TIMEOUTS;
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
  }

  /** Every request is counted by endpoint and outcome (heygen_calls_total) and timed. */
  async call<T>(op: Operation<T>, args: CallArgs): Promise<T> {
    const started = performance.now();
    try {
      const value = await this.send(op, args);
      recordHeyGenCall(op.name, 'ok', (performance.now() - started) / 1000);
      return value;
    } catch (err) {
      const outcome = err instanceof HeyGenError ? err.kind : 'Error';
      recordHeyGenCall(op.name, outcome, (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async send<T>(op: Operation<T>, args: CallArgs): Promise<T> {
    const instance = op.host === 'upload' ? this.upload : this.api;
    let response: AxiosResponse<unknown>;
    try {
      response = await instance.request<unknown>({
        method: op.method,
        url: args.path,
        params: args.query ? dropUndefined(args.query) : undefined,
        data: args.raw ? args.raw.data : args.body,
        headers: args.raw
          ? {
              'Content-Type': args.raw.contentType,
              ...(args.raw.contentLength !== undefined
                ? { 'Content-Length': String(args.raw.contentLength) }
                : {}),
            }
          : args.body !== undefined
            ? { 'Content-Type': 'application/json' }
            : undefined,
        timeout: this.timeouts[op.timeout],
        signal: args.signal,
        responseType: 'json',
      });
    } catch (err) {
      throw transportError(op, this.timeouts[op.timeout], err);
    }
    return parseResponse(op, response);
  }
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
  if (!data.success) {
    const issue = data.error.issues[0];
    const where = issue && issue.path.length > 0 ? `data.${issue.path.join('.')}` : 'data';
    throw invalidResponse(op, requestId, status, `${where}: ${issue?.message ?? 'invalid'}`);
  }
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
  op: Operation<unknown>,
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

function transportError(op: Operation<unknown>, timeoutMs: number, err: unknown): HeyGenError {
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
