import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { connectTemporalClient, connectTemporalNative } from '../client/connection';
import { createActivities } from '../activities';
import type { HeyGenPort } from '../heygen/port';
import { createHeyGenPort } from '../heygen/select';
import { API_VERSIONS } from '../contracts/apiVersion';
import { createStorage, type VideoStorage } from '../storage';
import type { WorkerConfig } from './config';

export interface CreateWorkerOptions {
  config: WorkerConfig;
  /** Defaults to a connection to config.temporal.address */
  connection?: NativeConnection;
  /** Defaults to the adapter of config.heygen.apiVersion (v3 unless HEYGEN_API_VERSION=v2) */
  heygen?: HeyGenPort;
  /** Client used by the webhook-routing activity; defaults to a new connection to config.temporal.address */
  client?: Client;
  /** Where finished media goes; defaults to the storage config.storage names */
  storage?: VideoStorage;
  /** A prebuilt workflow bundle (production, tests); defaults to bundling ./workflows at start-up */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Path of the workflows entry point (the .ts source in tests, the compiled .js under dist/). */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Builds the worker that runs both workflows and every HeyGen activity on one task queue. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config } = options;
  const connection = options.connection ?? (await connectTemporalNative(config.temporal));
  const heygen = options.heygen ?? createHeyGenPort(config.heygen);
  // Both API versions' adapters: new runs speak the configured one, and each run keeps the one it started with.
  const ports = Object.fromEntries(
    API_VERSIONS.map((version) => [
      version,
      version === heygen.version ? heygen : createHeyGenPort({ ...config.heygen, apiVersion: version }),
    ]),
  );
  const client = options.client ?? (await connectTemporalClient(config.temporal));
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      heygen,
      ports,
      outputDir: config.outputDir,
      storage: options.storage ?? createStorage(config.storage),
      inputDir: config.inputDir,
      temporal: { client, taskQueue: config.temporal.taskQueue },
      maxConcurrentRenders: config.maxConcurrentRenders,
      ...(config.defaultWaitMode ? { defaultWaitMode: config.defaultWaitMode } : {}),
      ...(config.renderSlotRefreshMs ? { renderSlotRefreshMs: config.renderSlotRefreshMs } : {}),
    }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : config.workflowBundlePath
        ? { workflowBundle: { codePath: config.workflowBundlePath } }
        : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxCachedWorkflows: config.maxCachedWorkflows,
    // HeyGen calls per second, for every worker of the task queue together (the server enforces it).
    ...(config.maxCallsPerSecond ? { maxTaskQueueActivitiesPerSecond: config.maxCallsPerSecond } : {}),
    shutdownGraceTime: '10s',
  });
}
