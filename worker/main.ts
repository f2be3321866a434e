import type { TemporalConfig } from '../client/config';
import { connectTemporal } from '../client/connection';
import { missingSearchAttributes } from '../client/searchAttributes';
import { workerConfigFromEnv } from './config';

/**
 * Workflows record custom search attributes; on a namespace without them every workflow task would fail. Refuse to
 * start with a clear message instead (when the check itself is not allowed, e.g. no operator rights, go on).
 */
async function checkSearchAttributes(temporal: TemporalConfig): Promise<void> {
  const { namespace } = temporal;
  const connection = await connectTemporal(temporal);
  try {
    const missing = await missingSearchAttributes(connection, namespace).catch((err: unknown) => {
      console.error(
        `worker: could not check search attributes (${err instanceof Error ? err.message : String(err)})`,
      );
      return [];
    });
    if (missing.length > 0) {
      throw new Error(
        `Namespace ${namespace} lacks the search attributes ${missing.join(', ')}: run \`heygen-pipelines search-attributes register\``,
      );
    }
  } finally {
    await connection.close();
  }
}
import { createWorker } from './createWorker';

/**
 * Runs a worker until SIGINT/SIGTERM: the Temporal runtime then stops polling, lets running activities finish
 * within the grace time, and `run()` resolves.
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = workerConfigFromEnv(env);
  await checkSearchAttributes(config.temporal);
  const worker = await createWorker({ config });
  console.error(
    `worker: task queue ${config.temporal.taskQueue} on ${config.temporal.address}/${config.temporal.namespace}; ` +
      `HeyGen at ${config.heygen.apiBaseUrl}; files to ${config.outputDir}`,
  );
  await worker.run();
  console.error('worker: stopped');
}
