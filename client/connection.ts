import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config';

/** What both connection kinds (client and worker) need: address, TLS material read from disk, API key. */
export interface TemporalConnectionSettings {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(
      `Invalid environment variable ${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

/** Resolves a TemporalConfig into connection settings (reads the PEM files; errors name the variable). */
export function connectionSettings(config: TemporalConfig): TemporalConnectionSettings {
  const { tls } = config;
  return {
    address: config.address,
    ...(tls
      ? {
          tls: {
            ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
            ...(tls.caPath ? { serverRootCACertificate: readPem(tls.caPath, 'TEMPORAL_TLS_CA_PATH') } : {}),
            ...(tls.clientCertPath && tls.clientKeyPath
              ? {
                  clientCertPair: {
                    crt: readPem(tls.clientCertPath, 'TEMPORAL_TLS_CERT_PATH'),
                    key: readPem(tls.clientKeyPath, 'TEMPORAL_TLS_KEY_PATH'),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  };
}

/** A client connection (starting runs, queries, signals, operator calls) with the configured TLS / API key. */
export function connectTemporal(config: TemporalConfig): Promise<Connection> {
  return Connection.connect(connectionSettings(config));
}

/** A Temporal client on `config.namespace`. */
export async function connectTemporalClient(config: TemporalConfig): Promise<Client> {
  return new Client({ connection: await connectTemporal(config), namespace: config.namespace });
}

/** The worker's native connection with the same settings. */
export function connectTemporalNative(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionSettings(config));
}
