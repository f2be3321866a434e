import path from 'node:path';
import { simulatorOptionsFromEnv, startSimulator } from '../../simulator';
import { writeWorkflowBundle } from '../../worker/bundle';
import { runWorker } from '../../worker/main';
import { installRuntime } from '../../worker/runtime';
import { REPO_ROOT, startDevStack } from '../devStack';
import { info } from '../output';

export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export interface DevFlags {
  simulator: boolean;
  dbFile?: string;
  uiPort: string;
  port: string;
  webhookPort: string;
}

export function devStackOptions(flags: DevFlags) {
  return {
    withSimulator: flags.simulator,
    dbFile: path.resolve(flags.dbFile ?? path.join(REPO_ROOT, '.data', 'temporal.db')),
    uiPort: Number(flags.uiPort),
    port: Number(flags.port),
    webhookPort: Number(flags.webhookPort),
    log: info,
  };
}

/** `dev`: Temporal dev server + simulator + worker, until Ctrl-C. */
export async function dev(flags: DevFlags): Promise<void> {
  installRuntime('WARN');
  const stack = await startDevStack(devStackOptions(flags));
  info(`\nTemporal Web UI: ${stack.temporal.uiUrl}/namespaces/${stack.namespace}/workflows`);
  info(`Temporal frontend: ${stack.temporal.address}. Press Ctrl-C to stop.`);
  await Promise.race([untilSignal(), stack.workerDone]);
  info('stopping ...');
  await stack.stop();
}

export async function bundle(flags: { out: string }): Promise<void> {
  const written = await writeWorkflowBundle(flags.out);
  info(`workflow bundle: ${written.path} (${(written.bytes / 1024).toFixed(0)} KiB)`);
}

export async function worker(): Promise<void> {
  await runWorker();
}

export async function simulator(): Promise<void> {
  const options = simulatorOptionsFromEnv(process.env);
  const sim = await startSimulator({ ...options, port: options.port ?? 4010 });
  info(
    `HeyGen simulator listening on ${sim.url} (X-Api-Key: ${sim.apiKey === 'sim-api-key' ? sim.apiKey : '<set>'})`,
  );
  await untilSignal();
  await sim.close();
}
