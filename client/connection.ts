import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
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

/** The variable that sets the address, and what to do when nothing answers there. */
const ADDRESS_HINT =
  'Set TEMPORAL_ADDRESS to your Temporal frontend, or start a local stack with `npm run dev` (`heygen-pipelines dev`).';

/** Temporal could not be reached: names the address, the variable that sets it, and how to start a local stack. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachable';
  constructor(
    readonly address: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${reason}. ${ADDRESS_HINT}`, options);
  }
}

/** How long the TCP handshake with the frontend may take before the address is reported as not answering. */
export const CONNECT_PROBE_MS = 3000;

const PROBE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name did not resolve',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * One TCP handshake with the frontend before the gRPC connection: gRPC keeps retrying a refused connection until its
 * 10 s deadline and then says only "Failed to connect before the deadline", so a stopped server is reported at once
 * instead. Skipped behind a gRPC/HTTP proxy, where the frontend is not dialled directly.
 */
async function probe(address: string, timeoutMs = CONNECT_PROBE_MS): Promise<void> {
  if (
    ['grpc_proxy', 'https_proxy', 'http_proxy'].some((k) => process.env[k] ?? process.env[k.toUpperCase()])
  ) {
    return;
  }
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) return; // gRPC reports a malformed address itself
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (reason: string, cause?: unknown) => {
      socket.destroy();
      reject(new TemporalUnreachableError(address, reason, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs / 1000} s`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      fail(PROBE_REASONS[err.code ?? ''] ?? err.code ?? err.message, err),
    );
  });
}

/** gRPC's own "nothing answered" failures, reported with the address; any other error is left as it is. */
function unreachable(address: string, err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!/Failed to connect before the deadline|UNAVAILABLE|TransportError/i.test(message)) return err;
  return new TemporalUnreachableError(
    address,
    `a connection opened but no Temporal frontend answered (${message}): is it Temporal's gRPC port, and does it need TLS (TEMPORAL_TLS)?`,
    { cause: err },
  );
}

/** A client connection (starting runs, queries, signals, operator calls) with the configured TLS / API key. */
export async function connectTemporal(config: TemporalConfig): Promise<Connection> {
  const settings = connectionSettings(config);
  await probe(settings.address);
  return Connection.connect(settings).catch((err: unknown) => {
    throw unreachable(settings.address, err);
  });
}

/** A Temporal client on `config.namespace`. */
export async function connectTemporalClient(config: TemporalConfig): Promise<Client> {
  return new Client({ connection: await connectTemporal(config), namespace: config.namespace });
}

/**
 * The worker's native connection with the same settings. `@temporalio/worker` is loaded here, on first use: it is
 * the heaviest module a client would otherwise load at start-up (the CLI's run commands never need it).
 */
export async function connectTemporalNative(config: TemporalConfig): Promise<NativeConnection> {
  const settings = connectionSettings(config);
  await probe(settings.address);
  const { NativeConnection } = await import('@temporalio/worker');
  return NativeConnection.connect(settings).catch((err: unknown) => {
    throw unreachable(settings.address, err);
  });
}
