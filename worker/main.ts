import type { TemporalConfig } from '../client/config';
import { connectTemporal } from '../client/connection';
import { missingSearchAttributes } from '../client/searchAttributes';
import { freeLoopbackPort } from '../lib/net';
import { createLogger, registerSecret } from '../telemetry/log';
import { startMetricsServer, type MetricsServer } from '../telemetry/metrics';
import { workerConfigFromEnv } from './config';
import { createWorker } from './createWorker';
import { installRuntime } from './runtime';
import { describeStorage } from '../storage';

const log = createLogger('worker');

/**
 * Workflows record custom search attributes; on a namespace without them every workflow task would fail. Refuse to
 * start with a clear message instead (when the check itself is not allowed, e.g. no operator rights, go on).
 */
async function checkSearchAttributes(temporal: TemporalConfig): Promise<void> {
  const { namespace } = temporal;
  const connection = await connectTemporal(temporal);
  try {
    const missing = await missingSearchAttributes(connection, namespace).catch((err: unknown) => {
      log.warn('could not check search attributes', { error: err });
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

/**
 * Runs a worker until SIGINT/SIGTERM: the Temporal runtime then stops polling, lets running activities finish
 * within the grace time, and `run()` resolves. Logs are JSON lines on stderr (LOG_FORMAT=text for plain text);
 * GET /metrics on METRICS_PORT serves the product's metrics and Temporal's.
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = workerConfigFromEnv(env);
  registerSecret(config.heygen.apiKey);
  registerSecret(config.temporal.apiKey);
  let metrics: MetricsServer | undefined;
  let temporalMetricsUrl: string | undefined;
  if (config.metricsPort !== undefined) {
    const corePort = await freeLoopbackPort();
    temporalMetricsUrl = `http://127.0.0.1:${corePort}/metrics`;
    installRuntime('INFO', env, { defaultFormat: 'json', metricsBindAddress: `127.0.0.1:${corePort}` });
  } else installRuntime('INFO', env, { defaultFormat: 'json' });
  await checkSearchAttributes(config.temporal);
  const worker = await createWorker({ config });
  if (config.metricsPort !== undefined) {
    metrics = await startMetricsServer({ port: config.metricsPort, temporalMetricsUrl });
  }
  log.info(
    `worker: task queue ${config.temporal.taskQueue} on ${config.temporal.address}/${config.temporal.namespace}, HeyGen API ${config.heygen.apiVersion}, media to ${describeStorage(config.storage)}`,
    {
      taskQueue: config.temporal.taskQueue,
      heygenApiVersion: config.heygen.apiVersion,
      heygen: config.heygen.apiBaseUrl,
      outputDir: config.outputDir,
      storage: describeStorage(config.storage),
      ...(metrics ? { metrics: metrics.url } : {}),
    },
  );
  try {
    await worker.run();
  } finally {
    await metrics?.close();
  }
  log.info('worker: stopped');
}
