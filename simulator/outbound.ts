import http from 'node:http';
import https from 'node:https';

export interface OutboundOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Whole-request limit: connection, sending and the response headers. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One HTTP request to the outside (webhook deliveries, OPTIONS probes), on a fresh connection that is closed
 * afterwards so nothing lingers. Resolves with the status code once the response headers arrive.
 */
export function outboundRequest(target: string, options: OutboundOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      reject(new Error(`invalid URL ${target}`));
      return;
    }
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new Error(`unsupported protocol ${url.protocol}`));
      return;
    }
    const headers: Record<string, string> = { 'User-Agent': 'HeyGen-Simulator/1.0', ...options.headers };
    if (options.body) headers['Content-Length'] = String(options.body.length);
    let settled = false;
    const req = client.request(
      url,
      { method: options.method, headers, agent: false, signal: options.signal },
      (res) => {
        settled = true;
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
        res.resume();
        res.on('error', () => undefined);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    timer.unref();
    req.on('error', (err) => {
      clearTimeout(timer);
      if (!settled) reject(err);
    });
    req.end(options.body);
  });
}
