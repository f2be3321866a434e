import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeyGenConfig } from '../../../heygen/config';

/** What a route answers: a status (default 200) and a JSON body. */
export interface DoubleAnswer {
  status?: number;
  body: unknown;
}

export interface DoubleRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** `GET /v2/avatar_group/g1/avatars` → the route's answer; unknown routes answer 404. */
export type DoubleRoutes = Record<string, (req: DoubleRequest) => DoubleAnswer>;

/** v2 envelope */
export const v2 = (data: unknown): DoubleAnswer => ({ body: { error: null, data } });
/** v1 envelope */
export const v1 = (data: unknown): DoubleAnswer => ({ body: { code: 100, data, message: 'Success' } });
export const notFound = (message = 'not found'): DoubleAnswer => ({
  status: 404,
  body: { error: { code: 'not_found', message }, data: null },
});

/**
 * A HeyGen double on loopback: routes by method and path, each answering whatever the test's state says at the time,
 * for answers the simulator does not give (opaque image URLs, image keys on looks, races, failures without errors).
 */
export async function startDouble(routes: DoubleRoutes) {
  const requests: DoubleRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://double.invalid');
      const text = Buffer.concat(chunks).toString('utf8');
      const request: DoubleRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(request);
      const route = routes[`${request.method} ${request.path}`];
      const answer = route ? route(request) : notFound(`no route ${request.method} ${request.path}`);
      const body = JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config: HeyGenConfig = {
    apiVersion: 'v2',
    apiBaseUrl: url,
    uploadBaseUrl: url,
    apiKey: 'double-key',
  };
  return {
    url,
    config,
    requests,
    /** Requests to one route */
    calls: (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An image URL that says nothing about the image's key (as a CDN may serve it). */
export function opaqueImageUrl(): string {
  return `https://cdn.example/x/${Math.random().toString(36).slice(2)}${Date.now().toString(36)}.png`;
}
