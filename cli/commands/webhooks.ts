import { writeFile } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import { temporalConfigFromEnv } from '../../client/config';
import { connectTemporal } from '../../client/connection';
import { HeyGenClient } from '../../heygen/client';
import { heygenConfigFromEnv } from '../../heygen/config';
import { webhookReceiverConfigFromEnv } from '../../webhooks/config';
import { startWebhookReceiver } from '../../webhooks/receiver';
import { ensureWebhookEndpoint, PRODUCT_WEBHOOK_EVENTS } from '../../webhooks/registration';
import { TemporalJobEventSink } from '../../webhooks/temporalSink';
import { info, reportFailure } from '../output';
import { untilSignal } from './services';

/** `webhooks serve`: the receiver, signalling runs through Temporal, until SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  try {
    const config = webhookReceiverConfigFromEnv();
    const temporal = temporalConfigFromEnv();
    const connection = await connectTemporal(temporal);
    const sink = new TemporalJobEventSink(
      new Client({ connection, namespace: temporal.namespace }),
      temporal.taskQueue,
    );
    const receiver = await startWebhookReceiver({
      host: config.host,
      port: config.port,
      secrets: config.secrets,
      sink,
      maxBodyBytes: config.maxBodyBytes,
      toleranceSeconds: config.toleranceSeconds,
      log: {
        info: (message, fields) => info(JSON.stringify({ level: 'info', message, ...fields })),
        warn: (message, fields) => info(JSON.stringify({ level: 'warn', message, ...fields })),
      },
    });
    info(
      `webhook receiver: ${receiver.url} (${config.secrets.length} secret(s)); runs signalled on ${temporal.address}`,
    );
    await untilSignal();
    await receiver.close();
    await connection.close();
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
