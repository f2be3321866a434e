import { z } from 'zod';
import { parseEnv } from '../lib/env';

/** METRICS_PORT (0 = a free port); each service has its own default so they can share a host. */
export function metricsPortFromEnv(defaultPort: number, env: NodeJS.ProcessEnv = process.env): number {
  return parseEnv(
    z.object({ METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort) }),
    env,
  ).METRICS_PORT;
}
