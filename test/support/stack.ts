import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PipelinesClient } from '../../client/pipelinesClient';
import { API_VERSIONS, DEFAULT_API_VERSION, type ApiVersion } from '../../contracts/apiVersion';
import {
  startSimulator,
  ZERO_DURATIONS,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../simulator';
import type { HeyGenPort } from '../../heygen/port';
import type { WorkerConfig } from '../../worker/config';
import { createWorker } from '../../worker/createWorker';
import { bundleWorkflows, createLocalEnv } from './temporal';
import { localStorageConfig } from '../../storage';

export { ZERO_DURATIONS };

export interface Stack {
  /** The HeyGen API generation this stack's workers speak */
  apiVersion: ApiVersion;
  sim: RunningSimulator;
  client: PipelinesClient;
  config: WorkerConfig;
  outputDir: string;
  /** Starts a worker on this stack's task queue; stop it with `worker.shutdown()` */
  /** `heygen`: a port of the test's own (e.g. an adapter with short client timeouts) instead of the configured one */
  startWorker(
    overrides?: Partial<WorkerConfig>,
    opts?: { heygen?: HeyGenPort },
  ): Promise<{ worker: Worker; done: Promise<void> }>;
  close(): Promise<void>;
}

let counter = 0;

/** A simulator, an output directory and a task queue of its own, on a shared test Temporal environment. */
export async function createStack(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  simOptions: SimulatorOptions = {},
  apiVersion: ApiVersion = DEFAULT_API_VERSION,
): Promise<Stack> {
  const sim = await startSimulator({ durations: ZERO_DURATIONS, ...simOptions });
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'heygen-out-'));
  const taskQueue = `test-${process.pid}-${++counter}`;
  const config: WorkerConfig = {
    temporal: { address: env.address, namespace: env.namespace ?? 'default', taskQueue },
    heygen: { apiVersion, apiBaseUrl: sim.url, uploadBaseUrl: sim.url, apiKey: sim.apiKey },
    storage: localStorageConfig(outputDir),
    outputDir,
    inputDir: outputDir,
    maxConcurrentActivities: 20,
    maxCachedWorkflows: 100,
  };
  const client = new PipelinesClient(env.client, taskQueue);
  const running: Array<{ worker: Worker; done: Promise<void> }> = [];
  return {
    apiVersion,
    sim,
    client,
    config,
    outputDir,
    async startWorker(overrides = {}, opts = {}) {
      const worker = await createWorker({
        config: { ...config, ...overrides },
        ...(opts.heygen ? { heygen: opts.heygen } : {}),
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
  opts: { startWorker?: boolean; apiVersion?: ApiVersion } = {},
): WorkflowSuite {
  const suite = {} as WorkflowSuite;
  beforeAll(async () => {
    [suite.env, suite.bundle] = await Promise.all([createLocalEnv(), bundleWorkflows()]);
    suite.stack = await createStack(suite.env, suite.bundle, simOptions, opts.apiVersion);
    if (opts.startWorker ?? true) await suite.stack.startWorker();
  });
  afterAll(async () => {
    await suite.stack?.close();
    await suite.env?.teardown();
  });
  return suite;
}

/** The API versions a parameterised suite runs in (HEYGEN_TEST_API_VERSIONS=v3 narrows it; default: all). */
export function testedApiVersions(env: NodeJS.ProcessEnv = process.env): ApiVersion[] {
  const wanted = (env.HEYGEN_TEST_API_VERSIONS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const versions = API_VERSIONS.filter((v) => wanted.length === 0 || wanted.includes(v));
  if (versions.length === 0)
    throw new Error(`HEYGEN_TEST_API_VERSIONS=${env.HEYGEN_TEST_API_VERSIONS}: no such version`);
  return versions;
}

export interface VersionedSuite {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
  /** One stack (simulator, task queue, worker) per API version, on the same dev server */
  stacks: Record<ApiVersion, Stack>;
}

/**
 * A workflow test file parameterised over the API versions: one dev server and one bundle, and one stack per version
 * (each with its own simulator, task queue and worker configured for that version). Use with
 * `describe.each(testedApiVersions())('... (%s)', (version) => { const stack = () => suite.stacks[version]; ... })`.
 */
export function versionedWorkflowSuite(
  simOptions: SimulatorOptions = {},
  opts: { startWorker?: boolean } = {},
): VersionedSuite {
  const suite = { stacks: {} } as VersionedSuite;
  beforeAll(async () => {
    [suite.env, suite.bundle] = await Promise.all([createLocalEnv(), bundleWorkflows()]);
    for (const version of testedApiVersions()) {
      const stack = await createStack(suite.env, suite.bundle, simOptions, version);
      suite.stacks[version] = stack;
      if (opts.startWorker ?? true) await stack.startWorker();
    }
  });
  afterAll(async () => {
    for (const stack of Object.values(suite.stacks)) await stack.close();
    await suite.env?.teardown();
  });
  return suite;
}
