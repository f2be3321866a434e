import { z } from 'zod';
import { parseEnv } from '../lib/env';

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** How runs started by this client wait for HeyGen jobs unless their input says otherwise. */
export function defaultWaitModeFromEnv(env: NodeJS.ProcessEnv = process.env): 'poll' | 'webhook' {
  return parseEnv(z.object({ HEYGEN_WAIT_MODE: z.enum(['poll', 'webhook']).default('poll') }), env)
    .HEYGEN_WAIT_MODE;
}

export const DEFAULT_TASK_QUEUE = 'heygen-pipelines';

const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(DEFAULT_TASK_QUEUE),
});

export function temporalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const v = parseEnv(temporalEnvSchema, env);
  return { address: v.TEMPORAL_ADDRESS, namespace: v.TEMPORAL_NAMESPACE, taskQueue: v.TEMPORAL_TASK_QUEUE };
}
