import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { ApiVersion } from '../../contracts/apiVersion';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import type { ChildReady, ChildStats } from './workerChild';

const CHILD = path.join(__dirname, 'workerChild.js');

/**
 * Bundles the workflows once (webpack) into a file that every worker process loads. `preloadModules` (an
 * experiment, not what the product ships) makes the SDK evaluate those modules once per worker, shared by every
 * workflow, instead of once per workflow run (reuseV8Context gives each run its own module cache).
 */
export async function writeWorkflowBundle(
  preloadModules: string[] = [],
): Promise<{ codePath: string; dispose(): Promise<void> }> {
  const noop = () => undefined;
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
    ...(preloadModules.length > 0
      ? {
          preloadModules: preloadModules.map((m) =>
            m.startsWith('.') || m.startsWith('/') ? path.resolve(m) : m,
          ),
        }
      : {}),
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-bundle-'));
  const codePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(codePath, bundle.code);
  return { codePath, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface WorkerSettings {
  /** HEYGEN_API_VERSION of the worker: the version every run it validates speaks */
  apiVersion: ApiVersion;
  temporalAddress: string;
  taskQueue: string;
  heygenUrl: string;
  heygenApiKey: string;
  codePath: string;
  /** WORKER_MAX_CACHED_WORKFLOWS; unset = the product's default (1000) */
  maxCachedWorkflows?: number;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES; unset = the product's default (100) */
  maxConcurrentActivities?: number;
}

export interface BenchWorker {
  label: string;
  pid: number;
  tuning: Record<string, unknown>;
  env: Record<string, string>;
  stats(): Promise<ChildStats>;
  stop(): Promise<number | null>;
}

/** Starts one product worker in a child process and resolves once it polls its task queue. */
export async function spawnWorker(label: string, s: WorkerSettings): Promise<BenchWorker> {
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'bench-out-'));
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: s.taskQueue,
    HEYGEN_API_VERSION: s.apiVersion,
    HEYGEN_API_BASE_URL: s.heygenUrl,
    HEYGEN_UPLOAD_BASE_URL: s.heygenUrl,
    HEYGEN_API_KEY: s.heygenApiKey,
    OUTPUT_DIR: outputDir,
    INPUT_DIR: outputDir,
    BENCH_WORKFLOW_BUNDLE: s.codePath,
    ...(s.maxCachedWorkflows !== undefined
      ? { WORKER_MAX_CACHED_WORKFLOWS: String(s.maxCachedWorkflows) }
      : {}),
    ...(s.maxConcurrentActivities !== undefined
      ? { WORKER_MAX_CONCURRENT_ACTIVITIES: String(s.maxConcurrentActivities) }
      : {}),
  };
  const inherited = { ...process.env };
  // The worker reads its tuning from these: only what this benchmark sets may apply.
  for (const k of Object.keys(inherited)) {
    if (/^(TEMPORAL_|HEYGEN_|WORKER_)/.test(k)) delete inherited[k];
  }
  const child: ChildProcess = fork(CHILD, [], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
    process.stderr.write(`[${label}] ${chunk.toString()}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start within 60 s: ${stderr}`)),
      60_000,
    );
    const onMessage = (msg: { type?: string }) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg as ChildReady);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return {
    label,
    pid: ready.pid,
    tuning: ready.tuning,
    env,
    stats: () =>
      new Promise<ChildStats>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label} did not answer a stats request`)), 10_000);
        const onMessage = (msg: { type?: string }) => {
          if (msg.type !== 'stats') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(msg as ChildStats);
        };
        child.on('message', onMessage);
        child.send({ type: 'stats' });
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(killer);
      await rm(outputDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Starts `count` workers in parallel. */
export async function spawnWorkers(count: number, s: WorkerSettings): Promise<BenchWorker[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => spawnWorker(`worker-${i + 1}`, s)));
}
