import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { ApiVersion } from '../contracts/apiVersion';
import type { WaitMode } from '../contracts/polling';
import { ensureSearchAttributes } from '../client/searchAttributes';
import { connectTemporal } from '../client/connection';
import { createHeyGenPort } from '../heygen/select';
import { ensureWebhookEndpoint } from '../webhooks/registration';
import { startWebhookReceiver } from '../webhooks/receiver';
import { TemporalJobEventSink } from '../webhooks/temporalSink';
import { simulatorOptionsFromEnv, startSimulator, type RunningSimulator } from '../simulator';
import type { JobDurations } from '../simulator/types';
import { workerConfigFromEnv } from '../worker/config';
import { createWorker } from '../worker/createWorker';
import { REPO_ROOT } from './repoRoot';
import { resolveTemporalCli, startTemporalDevServer, type DevServer } from './temporalDevServer';

export { REPO_ROOT };

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
  taskQueue: string;
  /** The webhook receiver's URL when it is registered with the simulator */
  webhookUrl?: string;
  /** 'webhook' when the receiver is registered, else 'poll' */
  waitMode: WaitMode;
  /** The HeyGen API the worker speaks (HEYGEN_API_VERSION) */
  apiVersion: ApiVersion;
  stop(): Promise<void>;
}

export interface DevStackOptions {
  withSimulator: boolean;
  dbFile: string;
  uiPort: number;
  port: number;
  /** Port of the webhook receiver started with the simulator */
  webhookPort: number;
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
    // The receiver below is registered with the simulator: its events arrive, so runs wait on them by default (the
    // deployment decides; a run's input can still say `waitMode: "poll"`).
    if (simulator) env.HEYGEN_WAIT_MODE ??= 'webhook';
    const config = workerConfigFromEnv(env);
    const connection = await connectTemporal(config.temporal);
    const client = new Client({ connection, namespace: config.temporal.namespace });
    // A database file from an older version may lack the search attributes (start-dev adds them only when new).
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length > 0) opts.log(`Registered search attributes ${added.join(', ')}`);
    const worker = await createWorker({ config, client });
    const workerDone = worker.run();
    opts.log(
      `Worker polling task queue "${config.temporal.taskQueue}", speaking HeyGen API ${config.heygen.apiVersion}; videos go to ${config.outputDir}`,
    );

    // The webhook receiver, registered with the simulator (its secret arrives with the registration).
    let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
    if (simulator) {
      const secrets: string[] = [];
      receiver = await startWebhookReceiver({
        port: opts.webhookPort,
        secrets,
        sink: new TemporalJobEventSink(client, config.temporal.taskQueue),
      });
      const { endpoint } = await ensureWebhookEndpoint(createHeyGenPort(config.heygen), receiver.url);
      if (endpoint.secret) secrets.push(endpoint.secret);
      opts.log(
        `Webhook receiver ${receiver.url} registered with the simulator (endpoint ${endpoint.endpointId})`,
      );
    }
    const sim = simulator;
    const hooks = receiver;
    return {
      temporal,
      simulator,
      worker,
      workerDone,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(hooks ? { webhookUrl: hooks.url } : {}),
      waitMode: config.defaultWaitMode ?? 'poll',
      apiVersion: config.heygen.apiVersion,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerDone.catch(() => undefined);
        await hooks?.close();
        await connection.close();
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
