import { apiConfigFromEnv } from '../../api/config';
import { observeRequests } from '../../api/observe';
import { RunsService } from '../../api/runs';
import { startApiServer } from '../../api/server';
import { defaultWaitModeFromEnv, temporalConfigFromEnv } from '../../client/config';
import { PipelinesClient } from '../../client/pipelinesClient';
import { createStorage, describeStorage, storageConfigFromEnv } from '../../storage';
import { metricsPortFromEnv } from '../../telemetry/config';
import { createLogger, registerSecret } from '../../telemetry/log';
import { startMetricsServer } from '../../telemetry/metrics';
import { reportFailure } from '../output';
import { startReceiverFromEnv } from './webhooks';
import { untilSignal } from './services';

/**
 * `api [--with-webhooks]`: the HTTP API (API_HOST, API_PORT, API_TOKENS), optionally with the webhook receiver in
 * the same process, plus /metrics on METRICS_PORT (default 9465). Stateless: run as many as needed.
 */
export async function serveApi(flags: { withWebhooks?: boolean }): Promise<void> {
  const log = createLogger('api');
  try {
    const config = apiConfigFromEnv();
    const temporal = temporalConfigFromEnv();
    config.tokens.forEach((t) => registerSecret(t.token));
    registerSecret(temporal.apiKey);
    const storage = storageConfigFromEnv();
    const pipelines = await PipelinesClient.connect(temporal, defaultWaitModeFromEnv());
    const api = await startApiServer({
      runs: new RunsService(pipelines),
      tokens: config.tokens,
      host: config.host,
      port: config.port,
      maxBodyBytes: config.maxBodyBytes,
      storage: createStorage(storage),
      linkTtlSeconds: storage.linkTtlSeconds,
      onRequest: observeRequests(log),
    });
    const receiver = flags.withWebhooks
      ? await startReceiverFromEnv(pipelines.client, temporal.taskQueue, createLogger('webhooks'))
      : undefined;
    const metrics = await startMetricsServer({ port: metricsPortFromEnv(9465) });
    log.info(`api: ${api.url} (${config.tokens.length} token(s)); OpenAPI at ${api.url}/openapi.json`, {
      url: api.url,
      temporal: temporal.address,
      storage: describeStorage(storage),
      metrics: metrics.url,
    });
    await untilSignal();
    await api.close();
    await receiver?.close();
    await metrics.close();
    await pipelines.close();
  } catch (err) {
    reportFailure(err, false);
  }
}
