import path from 'node:path';
import { z } from 'zod';
import { defaultWaitModeFromEnv, temporalConfigFromEnv, type TemporalConfig } from '../client/config';
import type { WaitMode } from '../contracts/polling';
import { parseEnv } from '../lib/env';
import { heygenConfigFromEnv, type HeyGenConfig } from '../heygen/config';
import { storageConfigFromEnv, type StorageConfig } from '../storage/config';

export interface WorkerConfig {
  temporal: TemporalConfig;
  heygen: HeyGenConfig;
  /** Where finished media goes (STORAGE=local|s3) */
  storage: StorageConfig;
  /** Local working directory (OUTPUT_DIR): the local backend's root, generated inputs */
  outputDir: string;
  inputDir: string;
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  /** Plan concurrency: renders in flight at HeyGen across all workers (render slots); undefined = unlimited */
  maxConcurrentRenders?: number;
  /** How runs whose input names no waitMode wait (HEYGEN_WAIT_MODE; webhook where a receiver delivers events) */
  defaultWaitMode?: WaitMode;
  /** A render waiting this long for a slot asks again (HEYGEN_RENDER_SLOT_REFRESH_SECONDS) */
  renderSlotRefreshMs?: number;
  /** Cap on activities (≈ HeyGen calls) per second for the whole task queue, enforced by the Temporal server */
  maxCallsPerSecond?: number;
  /** A workflow bundle built by `heygen-pipelines bundle` (no webpack at start-up); undefined = bundle now */
  workflowBundlePath?: string;
  /** Port of GET /metrics (Prometheus); 0 picks a free one, undefined = none (tests, embedded workers) */
  metricsPort?: number;
}

const workerEnvSchema = z.object({
  INPUT_DIR: z.string().trim().min(1).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(1000),
  HEYGEN_MAX_CONCURRENT_RENDERS: z.coerce.number().int().min(1).max(1000).optional(),
  HEYGEN_RENDER_SLOT_REFRESH_SECONDS: z.coerce.number().min(0.1).max(86_400).optional(),
  HEYGEN_MAX_CALLS_PER_SECOND: z.coerce.number().min(0.1).max(10_000).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKFLOW_BUNDLE_PATH: z.string().trim().min(1).optional(),
});

/**
 * Reads and validates the worker's configuration at start-up. Defaults make the demo work against the local
 * simulator; a bad value stops the worker with an error naming the variable.
 */
export function workerConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): WorkerConfig {
  const v = parseEnv(workerEnvSchema, env);
  const storage = storageConfigFromEnv(env, cwd);
  const defaultWaitMode = defaultWaitModeFromEnv(env);
  return {
    temporal: temporalConfigFromEnv(env),
    heygen: heygenConfigFromEnv(env),
    storage,
    outputDir: storage.outputDir,
    ...(defaultWaitMode ? { defaultWaitMode } : {}),
    inputDir: path.resolve(cwd, v.INPUT_DIR ?? '.'),
    maxConcurrentActivities: v.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: v.WORKER_MAX_CACHED_WORKFLOWS,
    ...(v.HEYGEN_MAX_CONCURRENT_RENDERS ? { maxConcurrentRenders: v.HEYGEN_MAX_CONCURRENT_RENDERS } : {}),
    ...(v.HEYGEN_RENDER_SLOT_REFRESH_SECONDS
      ? { renderSlotRefreshMs: Math.round(v.HEYGEN_RENDER_SLOT_REFRESH_SECONDS * 1000) }
      : {}),
    ...(v.HEYGEN_MAX_CALLS_PER_SECOND ? { maxCallsPerSecond: v.HEYGEN_MAX_CALLS_PER_SECOND } : {}),
    metricsPort: v.METRICS_PORT,
    ...(v.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: path.resolve(cwd, v.WORKFLOW_BUNDLE_PATH) } : {}),
  };
}
