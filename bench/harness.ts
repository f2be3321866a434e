import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { PipelinesClient } from '../client/pipelinesClient';
import { DEV_SERVER_ARGS } from '../cli/temporalDevServer';
import type { ApiVersion } from '../contracts/apiVersion';
import type { WaitMode } from '../contracts/polling';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { createWorker } from '../worker/createWorker';
import { localStorageConfig } from '../storage';

export interface BenchStack {
  apiVersion: ApiVersion;
  env: TestWorkflowEnvironment;
  sim: RunningSimulator;
  worker: Worker;
  client: PipelinesClient;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * A real Temporal dev server (built from its Go module, or `env` when given: it is then left running), the simulator
 * and one worker speaking `apiVersion`, for a benchmark run.
 */
export async function startBenchStack(opts: {
  apiVersion: ApiVersion;
  env?: TestWorkflowEnvironment;
  taskQueue: string;
  sim: SimulatorOptions;
  waitMode?: WaitMode;
  maxConcurrentActivities?: number;
  maxCachedWorkflows?: number;
}): Promise<BenchStack> {
  const ownEnv = opts.env === undefined;
  const env = opts.env ?? (await startTemporalEnv());
  const sim = await startSimulator(opts.sim);
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'bench-'));
  const worker = await createWorker({
    connection: env.nativeConnection,
    client: env.client,
    config: {
      temporal: { address: env.address, namespace: 'default', taskQueue: opts.taskQueue },
      heygen: {
        apiVersion: opts.apiVersion,
        apiBaseUrl: sim.url,
        uploadBaseUrl: sim.url,
        apiKey: sim.apiKey,
      },
      storage: localStorageConfig(outputDir),
      outputDir,
      inputDir: outputDir,
      maxConcurrentActivities: opts.maxConcurrentActivities ?? 100,
      maxCachedWorkflows: opts.maxCachedWorkflows ?? 1000,
    },
  });
  const running = worker.run();
  return {
    apiVersion: opts.apiVersion,
    env,
    sim,
    worker,
    client: new PipelinesClient(env.client, opts.taskQueue, opts.waitMode ?? 'poll'),
    taskQueue: opts.taskQueue,
    async close() {
      worker.shutdown();
      await running;
      await sim.close();
      if (ownEnv) await env.teardown();
      await rm(outputDir, { recursive: true, force: true });
    },
  };
}

let runtimeInstalled = false;

/**
 * A real Temporal dev server (the Temporal CLI built from its Go module by scripts/temporal-cli.sh) with the
 * product's dev-server settings (eager activity execution, search attributes), logging errors only.
 */
export async function startTemporalEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const cli = execFileSync('bash', [path.join(__dirname, '..', '..', 'scripts', 'temporal-cli.sh')], {
    encoding: 'utf8',
  }).trim();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, extraArgs: DEV_SERVER_ARGS },
  });
}

/** The p-th percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
