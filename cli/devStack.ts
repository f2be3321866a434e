import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { simulatorOptionsFromEnv, startSimulator, type RunningSimulator } from '../simulator';
import type { JobDurations } from '../simulator/types';
import { workerConfigFromEnv } from '../worker/config';
import { createWorker } from '../worker/createWorker';
import { resolveTemporalCli, startTemporalDevServer, type DevServer } from './temporalDevServer';

/** The repository root: the nearest folder above this file with a package.json (works from dist/ and from source). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Short job durations so a demo lifecycle finishes in seconds while still passing through every status. */
export const DEV_DURATIONS: JobDurations = {
  photoGenerationMs: 1500,
  lookGenerationMs: 1500,
  lookProcessingMs: 500,
  trainingMs: 3000,
  renderMs: 3000,
};

export interface DevStack {
  temporal: DevServer;
  simulator?: RunningSimulator;
  worker: Worker;
  workerDone: Promise<void>;
  namespace: string;
  stop(): Promise<void>;
}

export interface DevStackOptions {
  withSimulator: boolean;
  dbFile: string;
  uiPort: number;
  port: number;
  log: (line: string) => void;
}

/**
 * Everything needed on one machine: a Temporal dev server (with its Web UI and a database file, so runs survive
 * restarts), the HeyGen simulator (unless pointed at the real API), and a worker.
 */
export async function startDevStack(opts: DevStackOptions): Promise<DevStack> {
  const env = { ...process.env };
  const cliPath = await resolveTemporalCli(REPO_ROOT);
  opts.log(`Starting Temporal dev server (${cliPath}) with database ${opts.dbFile} ...`);
  const temporal = await startTemporalDevServer({
    cliPath,
    dbFile: opts.dbFile,
    port: opts.port,
    uiPort: opts.uiPort,
  });
  env.TEMPORAL_ADDRESS = temporal.address;
  let simulator: RunningSimulator | undefined;
  try {
    if (opts.withSimulator) {
      const simOptions = simulatorOptionsFromEnv(env);
      simulator = await startSimulator({
        ...simOptions,
        port: simOptions.port ?? 4010,
        durations: { ...DEV_DURATIONS, ...simOptions.durations },
      });
      env.HEYGEN_API_BASE_URL = simulator.url;
      env.HEYGEN_UPLOAD_BASE_URL = simulator.url;
      env.HEYGEN_API_KEY = simulator.apiKey;
      opts.log(`HeyGen simulator listening on ${simulator.url}`);
    }
    const config = workerConfigFromEnv(env);
    const worker = await createWorker({ config });
    const workerDone = worker.run();
    opts.log(`Worker polling task queue "${config.temporal.taskQueue}"; videos go to ${config.outputDir}`);
    const sim = simulator;
    return {
      temporal,
      simulator,
      worker,
      workerDone,
      namespace: config.temporal.namespace,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerDone.catch(() => undefined);
        await sim?.close();
        await temporal.stop();
      },
    };
  } catch (err) {
    await simulator?.close();
    await temporal.stop();
    throw err;
  }
}
