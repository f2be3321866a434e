import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { temporalConfigFromEnv } from '../../client/config';
import { connectTemporalClient } from '../../client/connection';
import { createLogger, registerSecret, type Logger } from '../../telemetry/log';
import { metricsPortFromEnv } from '../../telemetry/config';
import { startMetricsServer } from '../../telemetry/metrics';
import { trackReceiver } from '../../webhooks/metrics';
import { HeyGenClient } from '../../heygen/client';
import { heygenConfigFromEnv } from '../../heygen/config';
import { webhookReceiverConfigFromEnv } from '../../webhooks/config';
import { startWebhookReceiver } from '../../webhooks/receiver';
import { ensureWebhookEndpoint, PRODUCT_WEBHOOK_EVENTS } from '../../webhooks/registration';
import { TemporalJobEventSink } from '../../webhooks/temporalSink';
import { info, reportFailure } from '../output';
import { untilSignal } from './services';

/**
 * Starts the receiver from its environment (WEBHOOK_*, HEYGEN_WEBHOOK_SECRETS) on an existing Temporal client, with
 * JSON logs and its counters on /metrics. Shared by `webhooks serve` and `api --with-webhooks`.
 */
export async function startReceiverFromEnv(
  client: Client,
  taskQueue: string,
  log: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const config = webhookReceiverConfigFromEnv();
  config.secrets.forEach(registerSecret);
  const receiver = await startWebhookReceiver({
    host: config.host,
    port: config.port,
    secrets: config.secrets,
    sink: new TemporalJobEventSink(client, taskQueue),
    maxBodyBytes: config.maxBodyBytes,
    toleranceSeconds: config.toleranceSeconds,
    log: {
      info: (message, fields) => log.info(message, fields),
      warn: (message, fields) => log.warn(message, fields),
    },
  });
  const untrack = trackReceiver(() => receiver.stats());
  log.info(`webhook receiver: ${receiver.url} (${config.secrets.length} secret(s))`, { url: receiver.url });
  return {
    url: receiver.url,
    async close() {
      await receiver.close();
      untrack();
    },
  };
}

/** `webhooks serve`: the receiver, signalling runs through Temporal, until SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  const log = createLogger('webhooks');
  try {
    const temporal = temporalConfigFromEnv();
    registerSecret(temporal.apiKey);
    const client = await connectTemporalClient(temporal);
    const receiver = await startReceiverFromEnv(client, temporal.taskQueue, log);
    const metrics = await startMetricsServer({ port: metricsPortFromEnv(9465) });
    log.info(`runs signalled on ${temporal.address}; metrics on ${metrics.url}`);
    await untilSignal();
    await receiver.close();
    await metrics.close();
    await client.connection.close();
  } catch (err) {
    reportFailure(err, false);
  }
}

/** `webhooks register --url URL [--events a,b] [--json] [--secret-file F]`: idempotent registration with HeyGen. */
export async function register(flags: {
  url: string;
  events?: string;
  json?: boolean;
  secretFile?: string;
}): Promise<void> {
  try {
    const heygen = new HeyGenClient(heygenConfigFromEnv());
    const events = flags.events
      ? flags.events
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)
      : [...PRODUCT_WEBHOOK_EVENTS];
    const { endpoint, action } = await ensureWebhookEndpoint(heygen, flags.url, events);
    if (flags.secretFile && endpoint.secret)
      await writeFile(flags.secretFile, `${endpoint.secret}\n`, { mode: 0o600 });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ action, ...endpoint }, null, 2)}\n`);
    } else {
      info(
        `${action} webhook endpoint ${endpoint.endpoint_id} -> ${endpoint.url} [${(endpoint.events ?? []).join(', ')}]`,
      );
      if (flags.secretFile) info(`signing secret written to ${flags.secretFile}`);
      else process.stdout.write(`HEYGEN_WEBHOOK_SECRETS=${endpoint.secret ?? ''}\n`);
    }
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function list(flags: { json?: boolean }): Promise<void> {
  try {
    const endpoints = await new HeyGenClient(heygenConfigFromEnv()).listWebhookEndpoints();
    if (flags.json) {
      // Secrets stay out of listings; `register --json` or `--secret-file` hands them out on purpose.
      const redacted = endpoints.map(({ secret: _secret, ...rest }) => rest);
      process.stdout.write(`${JSON.stringify(redacted, null, 2)}\n`);
      return;
    }
    for (const e of endpoints) {
      process.stdout.write(`${e.endpoint_id}\t${e.status ?? ''}\t${e.url}\t${(e.events ?? []).join(',')}\n`);
    }
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function remove(endpointId: string): Promise<void> {
  try {
    await new HeyGenClient(heygenConfigFromEnv()).deleteWebhookEndpoint(endpointId);
    info(`deleted webhook endpoint ${endpointId}`);
  } catch (err) {
    reportFailure(err, false);
  }
}
