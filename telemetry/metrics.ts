import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The product's own Prometheus metrics (one registry per process). Temporal's runtime metrics (workflow and
 * activity task latencies, slots, polls... and the workflows' stage durations, emitted through the workflow
 * metric meter) come from the SDK's core exporter and are appended to the same /metrics answer.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'heygen_pipelines_process_' });

export const heygenCalls = new Counter({
  name: 'heygen_calls_total',
  help: 'HeyGen API calls by endpoint (operation) and outcome (ok or the error kind)',
  labelNames: ['endpoint', 'outcome'] as const,
  registers: [registry],
});

export const heygenCallSeconds = new Histogram({
  name: 'heygen_call_duration_seconds',
  help: 'HeyGen API call latency by endpoint',
  labelNames: ['endpoint'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const apiRequests = new Counter({
  name: 'heygen_api_requests_total',
  help: 'HTTP API requests by route and status',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

export const apiRequestSeconds = new Histogram({
  name: 'heygen_api_request_duration_seconds',
  help: 'HTTP API latency by route',
  labelNames: ['route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

/** Records one HeyGen call (called by the HTTP transport for every request it makes). */
export function recordHeyGenCall(endpoint: string, outcome: string, seconds: number): void {
  heygenCalls.inc({ endpoint, outcome });
  heygenCallSeconds.observe({ endpoint }, seconds);
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format): this registry, followed by the Temporal runtime's own exporter
 * when `temporalMetricsUrl` is given (the core SDK binds it on loopback; see worker/runtime.ts).
 */
export async function startMetricsServer(opts: {
  host?: string;
  port: number;
  temporalMetricsUrl?: string;
}): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    void (async () => {
      const own = await registry.metrics();
      let temporal = '';
      if (opts.temporalMetricsUrl) {
        temporal = await fetch(opts.temporalMetricsUrl, { signal: AbortSignal.timeout(2000) })
          .then((r) => (r.ok ? r.text() : ''))
          .catch(() => '');
      }
      res.writeHead(200, { 'Content-Type': registry.contentType });
      res.end(temporal ? `${own}\n${temporal}` : own);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
