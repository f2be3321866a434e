import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PipelinesClient } from '../../client/pipelinesClient';
import {
  startSimulator,
  ZERO_DURATIONS,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../simulator';
import type { WorkerConfig } from '../../worker/config';
import { createWorker } from '../../worker/createWorker';
import { bundleWorkflows, createLocalEnv } from './temporal';

export { ZERO_DURATIONS };

export interface Stack {
  sim: RunningSimulator;
  client: PipelinesClient;
  config: WorkerConfig;
  outputDir: string;
  /** Starts a worker on this stack's task queue; stop it with `worker.shutdown()` */
  startWorker(overrides?: Partial<WorkerConfig>): Promise<{ worker: Worker; done: Promise<void> }>;
  close(): Promise<void>;
}

let counter = 0;

/** A simulator, an output directory and a task queue of its own, on a shared test Temporal environment. */
export async function createStack(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  simOptions: SimulatorOptions = {},
): Promise<Stack> {
  const sim = await startSimulator({ durations: ZERO_DURATIONS, ...simOptions });
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'heygen-out-'));
  const taskQueue = `test-${process.pid}-${++counter}`;
  const config: WorkerConfig = {
    temporal: { address: env.address, namespace: env.namespace ?? 'default', taskQueue },
    heygen: { apiBaseUrl: sim.url, uploadBaseUrl: sim.url, apiKey: sim.apiKey },
    outputDir,
    inputDir: outputDir,
    maxConcurrentActivities: 20,
    maxCachedWorkflows: 100,
  };
  const client = new PipelinesClient(env.client, taskQueue);
  const running: Array<{ worker: Worker; done: Promise<void> }> = [];
  return {
    sim,
    client,
    config,
    outputDir,
    async startWorker(overrides = {}) {
      const worker = await createWorker({
        config: { ...config, ...overrides },
        connection: env.nativeConnection,
        client: env.client,
        workflowBundle: bundle,
      });
      const entry = { worker, done: worker.run() };
      running.push(entry);
      return entry;
    },
    async close() {
      for (const { worker, done } of running) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch(() => undefined);
      }
      await sim.close();
      await rm(outputDir, { recursive: true, force: true });
    },
  };
}

export interface WorkflowSuite {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
  stack: Stack;
}

/**
 * Registers beforeAll/afterAll for a workflow test file: one real Temporal dev server, one workflow bundle, one
 * stack (simulator, task queue, output directory) and, unless told otherwise, one worker.
 */
export function workflowSuite(
  simOptions: SimulatorOptions = {},
  opts: { startWorker?: boolean } = {},
): WorkflowSuite {
  const suite = {} as WorkflowSuite;
  beforeAll(async () => {
    [suite.env, suite.bundle] = await Promise.all([createLocalEnv(), bundleWorkflows()]);
    suite.stack = await createStack(suite.env, suite.bundle, simOptions);
    if (opts.startWorker ?? true) await suite.stack.startWorker();
  });
  afterAll(async () => {
    await suite.stack?.close();
    await suite.env?.teardown();
  });
  return suite;
}
