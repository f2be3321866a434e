import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { MediaError, type MediaErrorKind } from '../client/media';
import { MEDIA_NAMES, mediaNameSchema } from '../contracts/media';
import { InputValidationError, describeIssue } from '../contracts/validation';
import { DEFAULT_LINK_TTL_SECONDS, type VideoStorage } from '../storage';
import { authenticate } from './auth';
import type { ApiToken } from './config';
import { answerMedia } from './media';
import { openApiDocument } from './openapi';
import { listFilterSchema, RunNotFoundError, RunStateError, type RunKind, type RunsService } from './runs';

/**
 * The HTTP API for services that do not embed a Temporal client. Every route but `GET /healthz` needs
 * `Authorization: Bearer <token>`. JSON in, JSON out; errors are `{ "error": { "type", "message", "field"? } }`.
 *
 *   POST /v1/lifecycles | /v1/renders | /v1/batches   { "reference"?, "input" } -> 201 new run, 200 existing run
 *   GET  /v1/runs?kind=&status=&reference=&limit=       recent runs, newest first
 *   GET  /v1/runs/{workflowId}                          status, progress, result or failure
 *   GET  /v1/runs/{workflowId}/progress                 the progress query alone
 *   GET  /v1/runs/{workflowId}/result                   200 when closed, 202 while running
 *   POST /v1/runs/{workflowId}/cancel                   202; 409 when the run is already closed
 *   GET  /v1/runs/{workflowId}/media/{name}             name: video|captions|thumbnail|gif. S3: 302 to a presigned
 *                                                       URL; local: the bytes (Range); ?format=json: its description
 *   GET  /openapi.json                                  this API's OpenAPI 3.1 description
 *
 * The idempotency reference may also come as an `Idempotency-Key` header. Stateless: any number of instances.
 */

export interface ApiServerOptions {
  runs: RunsService;
  tokens: readonly ApiToken[];
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  /** Where the workers store media (the same STORAGE settings), for the media route; none: that route answers 503 */
  storage?: VideoStorage;
  /** Lifetime of a presigned media link; default DEFAULT_LINK_TTL_SECONDS */
  linkTtlSeconds?: number;
  /** Called once per request after the answer (no tokens, no bodies) */
  onRequest?: (entry: ApiRequestLog) => void;
}

export interface ApiRequestLog {
  method: string;
  route: string;
  status: number;
  caller?: string;
  workflowId?: string;
  durationMs: number;
  errorType?: string;
  /** The unexpected error behind a 500 (redacted by the logger like every line) */
  error?: string;
}

export interface RunningApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
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

const START_ROUTES: Record<string, RunKind> = {
  '/v1/lifecycles': 'lifecycle',
  '/v1/renders': 'render',
  '/v1/batches': 'batch',
};

const startBodySchema = z
  .object({
    reference: z.string().trim().min(1).max(200).optional(),
    input: z.unknown(),
  })
  .strict();

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(payload);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'UnsupportedMediaType', 'Send the body as application/json');
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    throw new HttpError(413, 'PayloadTooLarge', `Body over ${limit} bytes`, undefined, {
      Connection: 'close',
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new HttpError(413, 'PayloadTooLarge', `Body over ${limit} bytes`, undefined, {
        Connection: 'close',
      });
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, 'InvalidJson', `Body is not valid JSON: ${(err as Error).message}`);
  }
}

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

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof InputValidationError) {
    const field = err.field === '(input)' ? 'input' : `input.${err.field}`;
    return new HttpError(400, 'InvalidInput', `${field}: ${err.detail}`, field);
  }
  if (err instanceof RunNotFoundError) return new HttpError(404, 'RunNotFound', err.message);
  if (err instanceof RunStateError) return new HttpError(409, 'RunNotRunning', err.message);
  if (err instanceof MediaError) {
    const status = MEDIA_ERROR_STATUS[err.kind];
    return new HttpError(
      status,
      err.kind,
      err.message,
      undefined,
      status === 409 ? { 'Retry-After': '5' } : {},
    );
  }
  return fromTemporal(err) ?? new HttpError(500, 'InternalError', 'Unexpected error; see the API logs');
}

const MEDIA_ERROR_STATUS: Record<MediaErrorKind, number> = {
  RunNotFound: 404,
  RunNotFinished: 409,
  NoMedia: 404,
  MediaNotFound: 404,
  MediaUnreachable: 503,
};

const mediaQuerySchema = z.object({ format: z.enum(['redirect', 'json']).default('redirect') }).strict();

function parseQuery(url: URL): z.infer<typeof listFilterSchema> {
  const parsed = listFilterSchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error, 'query');
    throw new HttpError(400, 'InvalidQuery', `${field}: ${message}`, field);
  }
  return parsed.data;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const { runs, tokens } = options;
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    log: Partial<ApiRequestLog> & { route: string },
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz') {
      log.route = '/healthz';
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'MethodNotAllowed', 'Use GET');
      return send(res, 200, { status: 'ok' });
    }
    const caller = authenticate(req.headers.authorization, tokens);
    if (!caller) {
      log.route = 'unauthenticated';
      throw new HttpError(401, 'Unauthorized', 'Send Authorization: Bearer <token>', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    log.caller = caller;

    if (path === '/openapi.json') {
      log.route = '/openapi.json';
      if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'Use GET');
      return send(res, 200, openApiDocument());
    }

    const kind = START_ROUTES[path];
    if (kind) {
      log.route = path;
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Use POST');
      const body = startBodySchema.safeParse(await readJson(req, maxBody));
      if (!body.success) {
        const { field: raw, message } = describeIssue(body.error);
        const field = raw === '(input)' ? '(body)' : raw;
        throw new HttpError(400, 'InvalidRequest', `${field}: ${message}`, field);
      }
      const header = req.headers['idempotency-key'];
      const headerRef = typeof header === 'string' && header.trim() ? header.trim() : undefined;
      if (headerRef && body.data.reference && headerRef !== body.data.reference) {
        throw new HttpError(
          400,
          'InvalidRequest',
          'reference: differs from the Idempotency-Key header',
          'reference',
        );
      }
      if (body.data.input === undefined) {
        throw new HttpError(400, 'InvalidRequest', 'input: required', 'input');
      }
      const reference = body.data.reference ?? headerRef;
      const ref = await runs.start(kind, body.data.input, reference);
      log.workflowId = ref.workflowId;
      return send(
        res,
        ref.existing ? 200 : 201,
        {
          workflowId: ref.workflowId,
          runId: ref.runId,
          kind,
          existing: Boolean(ref.existing),
          ...(reference ? { reference } : {}),
        },
        { Location: `/v1/runs/${encodeURIComponent(ref.workflowId)}` },
      );
    }

    if (path === '/v1/runs') {
      log.route = '/v1/runs';
      if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'Use GET');
      return send(res, 200, { runs: await runs.list(parseQuery(url)) });
    }

    const media = /^\/v1\/runs\/([^/]+)\/media\/([^/]+)$/.exec(path);
    if (media?.[1] && media[2]) {
      const workflowId = decodeURIComponent(media[1]);
      log.route = '/v1/runs/{id}/media/{name}';
      log.workflowId = workflowId;
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'MethodNotAllowed', 'Use GET');
      const name = mediaNameSchema.safeParse(decodeURIComponent(media[2]));
      if (!name.success) {
        throw new HttpError(
          400,
          'InvalidMediaName',
          `name: must be one of ${MEDIA_NAMES.join(', ')}`,
          'name',
        );
      }
      const query = mediaQuerySchema.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) {
        const { field, message } = describeIssue(query.error, 'query');
        throw new HttpError(400, 'InvalidQuery', `${field}: ${message}`, field);
      }
      if (!options.storage) {
        throw new HttpError(503, 'MediaUnreachable', 'This API has no storage configured (STORAGE, S3_*)');
      }
      const file = await runs.mediaFile(workflowId, name.data);
      return answerMedia(
        req,
        res,
        file,
        {
          storage: options.storage,
          linkTtlSeconds: options.linkTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS,
          json: query.data.format === 'json',
          selfPath: path,
        },
        (status, body, headers) => send(res, status, body, headers),
      );
    }

    const match = /^\/v1\/runs\/([^/]+)(?:\/(progress|result|cancel))?$/.exec(path);
    if (match?.[1]) {
      const workflowId = decodeURIComponent(match[1]);
      const action = match[2];
      log.route = `/v1/runs/{id}${action ? `/${action}` : ''}`;
      log.workflowId = workflowId;
      if (action === 'cancel') {
        if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Use POST');
        const run = await runs.cancel(workflowId);
        return send(res, 202, { ...run, cancelRequested: true });
      }
      if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'Use GET');
      if (action === 'progress')
        return send(res, 200, { workflowId, progress: await runs.progress(workflowId) });
      const view = await runs.get(workflowId);
      if (action === 'result') {
        const { workflowId: id, kind: k, status, result, failure } = view;
        return send(
          res,
          status === 'running' ? 202 : 200,
          { workflowId: id, kind: k, status, result, failure },
          status === 'running' ? { 'Retry-After': '5' } : {},
        );
      }
      return send(res, 200, view);
    }
    log.route = 'not_found';
    throw new HttpError(404, 'NotFound', `No route ${method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const log: Partial<ApiRequestLog> & { route: string } = { route: 'unknown' };
    route(req, res, log)
      .catch((err: unknown) => {
        const e = toHttpError(err);
        log.errorType = e.type;
        if (e.status === 500) log.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        send(
          res,
          e.status,
          { error: { type: e.type, message: e.message, ...(e.field ? { field: e.field } : {}) } },
          e.headers,
        );
        // The rest of an oversized body is not read: close the connection (a keep-alive client learns it here).
        if (e.status === 413) res.once('finish', () => req.destroy());
      })
      .finally(() => {
        options.onRequest?.({
          method: req.method ?? 'GET',
          ...log,
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        });
      });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => sockets.forEach((s) => s.destroy()), 2000).unref();
      });
    },
  };
}
