import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeyGenError } from '../../../heygen/errors';
import type { Timeouts } from '../../../heygen/http';
import { V3Adapter } from '../../../heygen/v3/adapter';

/**
 * A scripted stand-in for HeyGen v3 on loopback: each route answers what the test sets, and every request is
 * recorded (method, path, query, headers, and the body: parsed JSON when small, otherwise only its size and hash,
 * so a large upload is never held in memory here either).
 */

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  /** The body when it is at most 1 MB */
  raw?: Buffer;
  json?: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless it is a string */
  body?: unknown;
  /** Wait this long before answering */
  delayMs?: number;
  /** Destroy the socket instead of answering */
  drop?: boolean;
}

type Handler = (req: Recorded) => Reply;

const KEEP_BYTES = 1024 * 1024;

export async function startFakeV3() {
  const routes = new Map<string, Handler>();
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
      if (bytes <= KEEP_BYTES) kept.push(chunk);
    });
    req.on('end', () => {
      const raw = bytes <= KEEP_BYTES ? Buffer.concat(kept) : undefined;
      let json: unknown;
      if (raw && raw.length > 0 && String(req.headers['content-type']).startsWith('application/json')) {
        json = JSON.parse(raw.toString('utf8')) as unknown;
      }
      const recorded: Recorded = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        bytes,
        sha256: hash.digest('hex'),
        raw,
        json,
      };
      requests.push(recorded);
      const handler = routes.get(`${recorded.method} ${recorded.path}`);
      const reply: Reply = handler
        ? handler(recorded)
        : { status: 404, body: { error: { code: 'not_found', message: `no route ${recorded.path}` } } };
      const send = () => {
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          ...reply.headers,
        });
        res.end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    /** Sets the handler of `METHOD /path`. */
    on(route: string, handler: Handler | Reply) {
      routes.set(route, typeof handler === 'function' ? handler : () => handler);
    },
    /** The recorded requests of `METHOD /path`. */
    calls(route: string) {
      return requests.filter((r) => `${r.method} ${r.path}` === route);
    },
    reset() {
      routes.clear();
      requests.length = 0;
    },
    adapter(timeouts: Partial<Timeouts> = {}) {
      return new V3Adapter(
        { apiVersion: 'v3', apiBaseUrl: url, uploadBaseUrl: 'http://127.0.0.1:9', apiKey: 'test-key' },
        timeouts,
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeV3 = Awaited<ReturnType<typeof startFakeV3>>;

/** `{data}` */
export const ok = (data: unknown): Reply => ({ body: { data } });

/**
 * Serves `items` in pages of `size` with opaque tokens (`page-<n>`), checking that each follow-up request keeps
 * the first request's filters.
 */
export function paged(items: unknown[], size: number): (req: Recorded) => Reply {
  return (req) => {
    const token = req.query.get('token');
    const page = token ? Number(token.replace('page-', '')) : 0;
    const slice = items.slice(page * size, page * size + size);
    const hasMore = (page + 1) * size < items.length;
    return { body: { data: slice, has_more: hasMore, next_token: hasMore ? `page-${page + 1}` : null } };
  };
}

/** Parses a one-part multipart/form-data body (test-side check of what the adapter built). */
export function parseMultipart(contentType: string | undefined, body: Buffer) {
  const boundary = /boundary=(.+)$/.exec(contentType ?? '')?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const open = Buffer.from(`--${boundary}\r\n`);
  const close = Buffer.from(`\r\n--${boundary}--\r\n`);
  if (!body.subarray(0, open.length).equals(open)) throw new Error('body does not start with the boundary');
  if (!body.subarray(body.length - close.length).equals(close)) throw new Error('body does not end with it');
  const inner = body.subarray(open.length, body.length - close.length);
  const split = inner.indexOf('\r\n\r\n');
  const headers = inner.subarray(0, split).toString('utf8').split('\r\n');
  return { headers, content: inner.subarray(split + 4) };
}

/** The HeyGenError a promise rejects with (anything else fails the test). */
export async function caught(promise: Promise<unknown>): Promise<HeyGenError> {
  const err = await promise.then(
    () => new Error('expected a rejection, got a value'),
    (e: unknown) => e,
  );
  if (!(err instanceof HeyGenError)) throw err;
  return err;
}
