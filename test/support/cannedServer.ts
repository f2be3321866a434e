import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless it is a string */
  body?: unknown;
  /** Write this many bytes of the body, then destroy the socket */
  truncateAt?: number;
}

/**
 * A tiny HTTP server answering with whatever the test sets: for response shapes HeyGen is documented to send but
 * the simulator does not emit (string errors, non-JSON gateway pages, truncated downloads).
 */
export async function startCannedServer() {
  let next: CannedResponse = { status: 200, body: {} };
  const requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    const body =
      typeof next.body === 'string' || Buffer.isBuffer(next.body) ? next.body : JSON.stringify(next.body);
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    res.writeHead(next.status ?? 200, {
      'content-type': 'application/json',
      'content-length': String(buf.length),
      ...next.headers,
    });
    if (next.truncateAt !== undefined) {
      res.write(buf.subarray(0, next.truncateAt), () => res.destroy());
    } else {
      res.end(buf);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(response: CannedResponse) {
      next = response;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
