import { z } from 'zod';
import type { WaitMode } from '../contracts/polling';
import { waitModeSchema } from '../contracts/pollingSchema';
import { envFlag, parseEnv } from '../lib/env';

/** TLS to the Temporal frontend: Temporal Cloud, or a self-hosted cluster with TLS/mTLS. */
export interface TemporalTlsConfig {
  /** SNI / host-name check override (a proxy in front of the frontend) */
  serverName?: string;
  /** PEM file of a private CA; unset = the system's trust store (Temporal Cloud) */
  caPath?: string;
  /** PEM files of the client certificate and key (mTLS, e.g. a Temporal Cloud namespace with certificates) */
  clientCertPath?: string;
  clientKeyPath?: string;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Undefined = plaintext (dev server, a cluster inside a private network) */
  tls?: TemporalTlsConfig;
  /** Temporal Cloud API key (sent as a bearer token; implies TLS). Never logged. */
  apiKey?: string;
}

/**
 * HEYGEN_WAIT_MODE, when set. On a worker: how the runs it validates wait unless their input says otherwise (set it
 * to `webhook` where a receiver delivers HeyGen's events: the deployment knows, not each caller). On a client: a
 * default it writes into the inputs it starts. Unset: the client leaves the choice to the workers, which poll.
 */
export function defaultWaitModeFromEnv(env: NodeJS.ProcessEnv = process.env): WaitMode | undefined {
  return parseEnv(z.object({ HEYGEN_WAIT_MODE: waitModeSchema.optional() }), env).HEYGEN_WAIT_MODE;
}

export const DEFAULT_TASK_QUEUE = 'heygen-pipelines';

const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_TLS: envFlag.optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().trim().min(1).optional(),
  TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
});

/**
 * Connection settings from the environment. TLS is on when TEMPORAL_TLS=true, when any TEMPORAL_TLS_* file is
 * given, or with TEMPORAL_API_KEY (Temporal Cloud accepts API keys over TLS only). mTLS needs both the certificate
 * and the key; a half-configured pair is refused at start-up rather than failing at the first call.
 */
export function temporalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const v = parseEnv(temporalEnvSchema, env);
  if (Boolean(v.TEMPORAL_TLS_CERT_PATH) !== Boolean(v.TEMPORAL_TLS_KEY_PATH)) {
    const missing = v.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH';
    throw new Error(
      `Invalid environment variable ${missing}: mTLS needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH`,
    );
  }
  const anyTlsFile = Boolean(
    v.TEMPORAL_TLS_CA_PATH || v.TEMPORAL_TLS_CERT_PATH || v.TEMPORAL_TLS_SERVER_NAME,
  );
  if (v.TEMPORAL_TLS === false && (anyTlsFile || v.TEMPORAL_API_KEY)) {
    throw new Error(
      'Invalid environment variable TEMPORAL_TLS: false contradicts the TLS settings or TEMPORAL_API_KEY that are set',
    );
  }
  const tlsOn = v.TEMPORAL_TLS ?? (anyTlsFile || Boolean(v.TEMPORAL_API_KEY));
  return {
    address: v.TEMPORAL_ADDRESS,
    namespace: v.TEMPORAL_NAMESPACE,
    taskQueue: v.TEMPORAL_TASK_QUEUE,
    ...(tlsOn
      ? {
          tls: {
            ...(v.TEMPORAL_TLS_SERVER_NAME ? { serverName: v.TEMPORAL_TLS_SERVER_NAME } : {}),
            ...(v.TEMPORAL_TLS_CA_PATH ? { caPath: v.TEMPORAL_TLS_CA_PATH } : {}),
            ...(v.TEMPORAL_TLS_CERT_PATH
              ? { clientCertPath: v.TEMPORAL_TLS_CERT_PATH, clientKeyPath: v.TEMPORAL_TLS_KEY_PATH }
              : {}),
          },
        }
      : {}),
    ...(v.TEMPORAL_API_KEY ? { apiKey: v.TEMPORAL_API_KEY } : {}),
  };
}
