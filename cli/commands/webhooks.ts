import type { Client } from '@temporalio/client';
import { temporalConfigFromEnv } from '../../client/config';
import { connectTemporalClient } from '../../client/connection';
import { heygenConfigFromEnv } from '../../heygen/config';
import type { HeyGenPort } from '../../heygen/port';
import { createHeyGenPort } from '../../heygen/select';
import { createLogger, registerSecret, type Logger } from '../../telemetry/log';
import { metricsPortFromEnv } from '../../telemetry/config';
import { startMetricsServer } from '../../telemetry/metrics';
import {
  parseGraceSeconds,
  webhookReceiverConfigFromEnv,
  webhookRotationConfigFromEnv,
} from '../../webhooks/config';
import { trackReceiver } from '../../webhooks/metrics';
import {
  startWebhookReceiver,
  type ReceiverStats,
  type RunningWebhookReceiver,
} from '../../webhooks/receiver';
import { ensureWebhookEndpoint, PRODUCT_WEBHOOK_EVENTS } from '../../webhooks/registration';
import { rotateEndpointSecret, type RotationResult } from '../../webhooks/rotation';
import { planRegistration, updateSecretsFile, WatchedSecretsFile } from '../../webhooks/secrets';
import { TemporalJobEventSink } from '../../webhooks/temporalSink';
import type { JobEventSink } from '../../webhooks/types';
import { info, reportFailure } from '../output';
import { untilSignal } from './services';

const portFromEnv = (): HeyGenPort => createHeyGenPort(heygenConfigFromEnv());

/**
 * Starts the receiver from its environment (WEBHOOK_*, HEYGEN_WEBHOOK_SECRETS, HEYGEN_WEBHOOK_SECRETS_FILE) on an
 * existing Temporal client, with JSON logs and its counters on /metrics. The secrets file is watched, so
 * `webhooks rotate` takes effect without a restart. Shared by `webhooks serve` and `api --with-webhooks`.
 */
export function startReceiverFromEnv(
  client: Client,
  taskQueue: string,
  log: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  return startReceiverWithSink(new TemporalJobEventSink(client, taskQueue), log);
}

/** `startReceiverFromEnv` with any sink (tests hand it a fake one). */
export async function startReceiverWithSink(
  sink: JobEventSink,
  log: Pick<Logger, 'info' | 'warn'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string; stats(): ReceiverStats; close(): Promise<void> }> {
  const config = webhookReceiverConfigFromEnv(env);
  config.secrets.forEach(registerSecret);
  const receiverLog = {
    info: (message: string, fields?: Record<string, unknown>) => log.info(message, fields),
    warn: (message: string, fields?: Record<string, unknown>) => log.warn(message, fields),
  };
  const file = config.secretsFile
    ? new WatchedSecretsFile({
        file: config.secretsFile,
        encoding: config.signature.secretEncoding,
        staticSecrets: config.staticSecrets,
        pollIntervalMs: config.secretsPollMs,
        refreshMinIntervalMs: config.secretsRefreshMinMs,
        log: receiverLog,
        // Every secret read later is redacted from logs too.
        onSecrets: (secrets) => secrets.forEach(registerSecret),
      })
    : undefined;
  let receiver: RunningWebhookReceiver;
  try {
    receiver = await startWebhookReceiver({
      host: config.host,
      port: config.port,
      secrets: file ?? config.staticSecrets,
      signature: config.signature,
      sink,
      maxBodyBytes: config.maxBodyBytes,
      toleranceSeconds: config.toleranceSeconds,
      log: receiverLog,
    });
  } catch (err) {
    file?.close();
    throw err;
  }
  const untrack = trackReceiver(() => receiver.stats());
  const watching = config.secretsFile ? `, watching ${config.secretsFile}` : '';
  log.info(
    `webhook receiver: ${receiver.url} (${config.secrets.length} secret(s)${watching}; schemes ` +
      `${config.signature.schemes.join(',')}, secret encoding ${config.signature.secretEncoding})`,
    { url: receiver.url },
  );
  return {
    url: receiver.url,
    stats: () => receiver.stats(),
    async close() {
      await receiver.close();
      file?.close();
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

/**
 * `webhooks register --url URL [--events a,b] [--json] [--secret-file F]`: idempotent registration with HeyGen.
 * With --secret-file, a new endpoint's secret is written into the secrets file (format in webhooks/secrets.ts,
 * atomically), replacing that endpoint's and untagged entries and keeping other endpoints'.
 */
export async function register(flags: {
  url: string;
  events?: string;
  json?: boolean;
  secretFile?: string;
}): Promise<void> {
  try {
    const { secretEncoding } = webhookRotationConfigFromEnv();
    const events = flags.events
      ? flags.events
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)
      : [...PRODUCT_WEBHOOK_EVENTS];
    const { endpoint, action } = await ensureWebhookEndpoint(portFromEnv(), flags.url, events);
    const { secret } = endpoint;
    if (flags.secretFile && secret !== undefined) {
      await updateSecretsFile(flags.secretFile, secretEncoding, (entries) =>
        planRegistration(entries, { endpointId: endpoint.endpointId, secret, nowMs: Date.now() }),
      );
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ action, ...endpoint }, null, 2)}\n`);
      return;
    }
    info(
      `${action} webhook endpoint ${endpoint.endpointId} -> ${endpoint.url} [${(endpoint.events ?? []).join(', ')}]`,
    );
    if (secret === undefined) {
      // v3 hands the secret out at creation (and rotation) only.
      info('HeyGen returned no signing secret for this endpoint; `webhooks rotate` issues a new one');
    } else if (flags.secretFile) {
      info(`signing secret written to ${flags.secretFile}`);
    } else {
      process.stdout.write(`HEYGEN_WEBHOOK_SECRETS=${secret}\n`);
    }
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export interface RotateFlags {
  url?: string;
  endpointId?: string;
  secretFile?: string;
  graceSeconds?: string;
  json?: boolean;
}

/**
 * `webhooks rotate (--url URL | --endpoint-id ID) [--secret-file F] [--grace-seconds N] [--json]`: a new signing
 * secret for the endpoint (v3 only), written to the secrets file the receivers watch (--secret-file, else
 * HEYGEN_WEBHOOK_SECRETS_FILE), with the previous secret kept for N seconds (default
 * HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS, 600). The secret itself is never printed.
 */
export async function rotate(flags: RotateFlags): Promise<void> {
  try {
    const result = await rotateWithPort(flags, portFromEnv(), process.env);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    info(
      `rotated the signing secret of webhook endpoint ${result.endpointId}; written to ${result.secretFile}`,
    );
    info(
      result.previousValidUntil
        ? `the previous secret is accepted until ${result.previousValidUntil}`
        : 'no previous secret was in the file (a secret in HEYGEN_WEBHOOK_SECRETS stays valid until you remove it)',
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

/** `rotate` on a given port and environment (tests use a simulator-backed port). */
export async function rotateWithPort(
  flags: RotateFlags,
  heygen: HeyGenPort,
  env: NodeJS.ProcessEnv,
): Promise<RotationResult> {
  const config = webhookRotationConfigFromEnv(env);
  const secretFile = flags.secretFile ?? config.secretsFile;
  if (secretFile === undefined) {
    throw new Error(
      'give --secret-file or set HEYGEN_WEBHOOK_SECRETS_FILE: the new secret is written where the receivers read it',
    );
  }
  const graceSeconds =
    flags.graceSeconds === undefined ? config.graceSeconds : parseGraceSeconds(flags.graceSeconds);
  return rotateEndpointSecret(heygen, {
    ...(flags.url !== undefined ? { url: flags.url } : {}),
    ...(flags.endpointId !== undefined ? { endpointId: flags.endpointId } : {}),
    secretFile,
    graceMs: graceSeconds * 1000,
    encoding: config.secretEncoding,
  });
}

export async function list(flags: { json?: boolean }): Promise<void> {
  try {
    const endpoints = await portFromEnv().listWebhookEndpoints();
    if (flags.json) {
      // Secrets stay out of listings; `register --json` or `--secret-file` hands them out on purpose.
      const redacted = endpoints.map(({ secret: _secret, ...rest }) => rest);
      process.stdout.write(`${JSON.stringify(redacted, null, 2)}\n`);
      return;
    }
    for (const e of endpoints) {
      process.stdout.write(`${e.endpointId}\t${e.status ?? ''}\t${e.url}\t${(e.events ?? []).join(',')}\n`);
    }
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function remove(endpointId: string): Promise<void> {
  try {
    await portFromEnv().deleteWebhookEndpoint(endpointId);
    info(`deleted webhook endpoint ${endpointId}`);
  } catch (err) {
    reportFailure(err, false);
  }
}
