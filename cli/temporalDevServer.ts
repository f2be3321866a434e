import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../contracts/searchAttributes';

const run = promisify(execFile);

/** Absolute path of the Temporal CLI: TEMPORAL_CLI_PATH, the cached build, or a fresh build from its Go module. */
export async function resolveTemporalCli(repoRoot: string): Promise<string> {
  const { stdout } = await run('bash', [path.join(repoRoot, 'scripts', 'temporal-cli.sh')], {
    maxBuffer: 1024 * 1024,
  });
  return stdout.trim();
}

/**
 * Dynamic configuration for dev servers started by this product (dev, demo, tests, benchmarks). Eager activity
 * execution hands an activity to the worker in the reply to the workflow task that scheduled it, skipping a
 * matching round trip: a zero-duration lifecycle takes ~0.9 s instead of ~1.55 s (bench/lifecycle.ts).
 */
export const DEV_SERVER_ARGS = [
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  // The product's custom search attributes, registered on every dev server it starts.
  ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]),
];

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file: workflows survive restarts of the dev server */
  dbFile: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with a database file and waits until its frontend answers. */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  await mkdir(path.dirname(opts.dbFile), { recursive: true });
  const child: ChildProcess = spawn(
    opts.cliPath,
    [
      'server',
      'start-dev',
      '--db-filename',
      opts.dbFile,
      '--ip',
      ip,
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--namespace',
      opts.namespace ?? 'default',
      '--log-level',
      'warn',
      ...DEV_SERVER_ARGS,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `${ip}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, sleep(250).then(() => 'running' as const)]);
    if (early !== 'running') {
      throw new Error(`Temporal dev server exited (code ${early}) before it was ready: ${stderr.trim()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address} within 60 s: ${stderr.trim()}`);
      }
    }
  }
  const uiHost = ip === '0.0.0.0' ? 'localhost' : ip === '127.0.0.1' ? 'localhost' : ip;
  return {
    address,
    uiUrl: `http://${uiHost}:${uiPort}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
