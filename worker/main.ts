import { workerConfigFromEnv } from './config';
import { createWorker } from './createWorker';

/**
 * Runs a worker until SIGINT/SIGTERM: the Temporal runtime then stops polling, lets running activities finish
 * within the grace time, and `run()` resolves.
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = workerConfigFromEnv(env);
  const worker = await createWorker({ config });
  console.error(
    `worker: task queue ${config.temporal.taskQueue} on ${config.temporal.address}/${config.temporal.namespace}; ` +
      `HeyGen at ${config.heygen.apiBaseUrl}; files to ${config.outputDir}`,
  );
  await worker.run();
  console.error('worker: stopped');
}
