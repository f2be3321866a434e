import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The request and error layer the product's two plain `node:http` servers share: the webhook receiver
 * (webhooks/receiver.ts) and the HeyGen simulator (simulator/server.ts). The HTTP API is on fastify (api/), which
 * has its own. One way to read a body under a hard limit, to answer JSON, and to answer what the HTTP parser
 * refuses (malformed requests, oversized headers, timeouts).
 */

/** The whole body, or why there is none: over `limit` (reading stopped), or the client went away first. */
export type BodyResult =
  { kind: 'ok'; body: Buffer } | { kind: 'too_large'; limit: number } | { kind: 'aborted' };

/** Whether the request's Content-Length alone is over `limit` (refuse before reading a byte). */
function declaresMoreThan(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Reads the whole body, refusing anything over `limit` bytes: from Content-Length before reading, or while
 * streaming (the request is paused at once; the caller answers 413 and closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  if (declaresMoreThan(req, limit)) return Promise.resolve({ kind: 'too_large', limit });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ kind: 'too_large', limit });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: 'ok', body: Buffer.concat(chunks, size) });
    const onClose = () => finish({ kind: 'aborted' });
    const onError = () => finish({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onError);
  });
}

/** A JSON answer; nothing when the response has already started or the socket is gone. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  try {
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  } catch {
    res.destroy();
  }
}

/** What a server answers on a socket its HTTP parser gave up on, by Node's error code. */
export interface ClientErrorBodies {
  headersTooLarge: unknown;
  timeout: unknown;
  badRequest: unknown;
}

function rawJsonAnswer(status: number, reason: string, body: unknown): string {
  const payload = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`
  );
}

/**
 * The `clientError` handler: answers 431 (headers too large), 408 (request timeout) or 400 (malformed HTTP) in
 * JSON unless the peer reset the connection or an answer already started, then closes the socket (destroyed after
 * a second if the peer never reads). Returns Node's error code, for the server's log and counters.
 */
export function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Socket,
  bodies: ClientErrorBodies,
): string {
  const code = typeof err.code === 'string' ? err.code : 'unknown';
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  try {
    if (code !== 'ECONNRESET' && socket.writable && (!inFlight || !inFlight.headersSent)) {
      if (code === 'HPE_HEADER_OVERFLOW') {
        socket.write(rawJsonAnswer(431, 'Request Header Fields Too Large', bodies.headersTooLarge));
      } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        socket.write(rawJsonAnswer(408, 'Request Timeout', bodies.timeout));
      } else {
        socket.write(rawJsonAnswer(400, 'Bad Request', bodies.badRequest));
      }
    }
  } catch {
    // The socket is going away anyway.
  }
  socket.end();
  // end() lets the answer flush first; a peer that never reads must not hold the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
  return code;
}
