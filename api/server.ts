import fastifySwagger from '@fastify/swagger';
import { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type HTTPMethods } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { PipelinesClient } from '../client/pipelinesClient';
import { DEFAULT_LINK_TTL_SECONDS, type VideoStorage } from '../storage';
import { authenticate } from './auth';
import type { ApiToken } from './config';
import { HttpError, toHttpError, validatorCompiler } from './errors';
import { swaggerOptions } from './openapi';
import { mediaRoutes } from './routes/media';
import { runRoutes } from './routes/runs';
import { RunsService } from './runs';
import { COMMON_REFUSALS } from './schemas';

/**
 * The HTTP API for services that do not embed a Temporal client, on fastify: each route's zod schemas validate the
 * request and generate the OpenAPI document (`GET /openapi.json`). Every route but `GET /healthz` needs
 * `Authorization: Bearer <token>`. JSON in, JSON out; errors are `{ "error": { "type", "message", "field"? } }`.
 *
 *   POST /v1/lifecycles | /v1/renders | /v1/batches   { "reference"?, "input" } -> 201 new run, 200 existing run
 *   GET  /v1/runs?kind=&status=&reference=&limit=       recent runs, newest first
 *   GET  /v1/runs/{workflowId}                          status, progress, result or failure
 *   GET  /v1/runs/{workflowId}/progress                 the progress query alone
 *   GET  /v1/runs/{workflowId}/result                   200 when closed, 202 while running
 *   POST /v1/runs/{workflowId}/cancel                   202; 409 when the run is already closed
 *   GET  /v1/runs/{workflowId}/media/{name}             S3: 302 to a presigned URL; local: the bytes (Range)
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
  /** The route's path as the OpenAPI document writes it, `unauthenticated` or `not_found` */
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller's name */
    caller?: string;
    /** The run the request is about, for the request log */
    workflowId?: string;
    /** What the request log says of a refusal */
    refusal?: { type: string; error?: string };
  }
  interface FastifyContextConfig {
    /** Open without a token */
    public?: boolean;
    /** The error type of a path parameter that fails its schema */
    paramsError?: string;
  }
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** `/v1/runs/:workflowId` -> `/v1/runs/{workflowId}`, as the document writes it. */
const documentPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/**
 * fastify answers 404 to a known path with another method: collect each path's methods as routes are added, and
 * call the returned function after the last one to answer the other methods with 405.
 */
function methodNotAllowed(app: FastifyInstance): () => void {
  const paths = new Map<string, { methods: Set<string>; public: boolean }>();
  app.addHook('onRoute', (route) => {
    const entry = paths.get(route.url) ?? { methods: new Set(), public: Boolean(route.config?.public) };
    for (const method of [route.method].flat()) entry.methods.add(method);
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
    paths.set(route.url, entry);
  });
  return () => {
    for (const [url, entry] of [...paths]) {
      const allowed = METHODS.filter((m) => entry.methods.has(m));
      app.route({
        method: METHODS.filter((m) => !entry.methods.has(m)),
        url,
        config: { public: entry.public },
        schema: { hide: true },
        handler: () => {
          throw new HttpError(405, 'MethodNotAllowed', `Use ${allowed.join(' or ')}`, undefined, {
            Allow: allowed.join(', '),
          });
        },
      });
    }
  };
}

/** The API as a fastify instance, not listening (tests may `inject`). */
export async function buildApi(options: ApiServerOptions) {
  const bodyLimit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const app = Fastify({
    bodyLimit,
    requestTimeout: 60_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Answers are documented, not checked again: a result is the workflow's own, and re-validating an older run's
  // result against today's schema would turn it into a 500.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only (any other type is a 415), parsed by JSON.parse itself: its message says what is wrong, and a
  // `__proto__` or `constructor` key stays an own key, refused by name like any unknown key (bodies only reach zod).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, JSON.parse(text.toString()));
    } catch (err) {
      done(new HttpError(400, 'InvalidJson', `Body is not valid JSON: ${(err as Error).message}`));
    }
  });
  for (const name of ['caller', 'workflowId', 'refusal'] as const) app.decorateRequest(name, undefined);

  app.addHook('onRequest', async (request, reply) => {
    reply.headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    if (request.routeOptions.config.public) return;
    request.caller = authenticate(request.headers.authorization, options.tokens);
    if (!request.caller) {
      throw new HttpError(401, 'Unauthorized', 'Send Authorization: Bearer <token>', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const template = request.routeOptions.url;
    const { workflowId = request.workflowId } = (request.params ?? {}) as { workflowId?: string };
    options.onRequest?.({
      method: request.method,
      route:
        !request.caller && reply.statusCode === 401
          ? 'unauthenticated'
          : template
            ? documentPath(template)
            : 'not_found',
      status: reply.statusCode,
      ...(request.caller ? { caller: request.caller } : {}),
      ...(workflowId ? { workflowId } : {}),
      durationMs: Math.round(reply.elapsedTime),
      ...(request.refusal ? { errorType: request.refusal.type } : {}),
      ...(request.refusal?.error ? { error: request.refusal.error } : {}),
    });
  });
  app.setErrorHandler((err, request, reply) => {
    const e = toHttpError(err, { bodyLimit, paramsError: request.routeOptions.config.paramsError });
    request.refusal = {
      type: e.type,
      ...(e.status === 500
        ? { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
        : {}),
    };
    return reply
      .code(e.status)
      .headers(e.headers)
      .send({ error: { type: e.type, message: e.message, ...(e.field ? { field: e.field } : {}) } });
  });
  app.setNotFoundHandler((request) => {
    throw new HttpError(404, 'NotFound', `No route ${request.method} ${request.url.split('?')[0]}`);
  });

  await app.register(fastifySwagger, swaggerOptions);
  const answer405 = methodNotAllowed(app);
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        operationId: 'health',
        summary: 'Liveness (no token needed)',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }).describe('Up') },
      },
    },
    () => ({ status: 'ok' as const }),
  );
  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'openapi',
        summary: "This API's OpenAPI 3.1 document",
        response: {
          200: z.record(z.string(), z.unknown()).describe('This document'),
          401: COMMON_REFUSALS[401],
        },
      },
    },
    () => ({ ...app.swagger() }),
  );
  await app.register(runRoutes, { runs: options.runs });
  await app.register(mediaRoutes, {
    runs: options.runs,
    storage: options.storage,
    linkTtlSeconds: options.linkTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS,
  });
  answer405();
  return app;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const app = await buildApi(options);
  app.server.headersTimeout = 10_000;
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      // In-flight requests get two seconds to finish.
      const force = setTimeout(() => app.server.closeAllConnections(), 2000).unref();
      await app.close();
      clearTimeout(force);
    },
  };
}

/** The OpenAPI document, without a server or a Temporal connection (the client connects lazily, never here). */
export async function openApiDocument() {
  const app = await buildApi({
    runs: new RunsService(new PipelinesClient(new Client(), 'openapi')),
    tokens: [],
  });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}
