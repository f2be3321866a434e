import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'temporal-postgres.sh');

/** PostgreSQL the tests may assume (this machine and CI run one with trust auth). */
export const PG = {
  host: process.env.TEMPORAL_PG_HOST ?? '127.0.0.1',
  port: process.env.TEMPORAL_PG_PORT ?? '5432',
  user: process.env.TEMPORAL_PG_USER ?? 'postgres',
};

const PORT_VARS = [
  'TEMPORAL_PG_FRONTEND_PORT',
  'TEMPORAL_PG_FRONTEND_HTTP_PORT',
  'TEMPORAL_PG_HISTORY_PORT',
  'TEMPORAL_PG_MATCHING_PORT',
  'TEMPORAL_PG_WORKER_PORT',
  'TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT',
  'TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT',
  'TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT',
  'TEMPORAL_PG_WORKER_MEMBERSHIP_PORT',
] as const;

export interface PostgresServer {
  /** host:port of the frontend */
  address: string;
  namespace: string;
  databases: { main: string; visibility: string };
  /** Seconds spent resolving the server build (scripts/temporal-server.sh: a cache hit, or a cold Go build) */
  buildSeconds: number;
  /** Seconds from `temporal-postgres.sh --background` to a ready server (schemas, namespace, search attributes) */
  startSeconds: number;
  /** Runs one SQL statement with psql in one of this server's databases; returns the unaligned output */
  sql(database: string, statement: string): Promise<string>;
  /** Stops the server, drops both databases and removes the state directory (idempotent, never throws) */
  stop(): Promise<void>;
}

/**
 * Ports free right now, all distinct, below 32768: the server records each service's membership port in
 * cluster_membership.rpc_port, a SMALLINT on PostgreSQL, so the kernel's ephemeral ports (32768 and up) are refused.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (tries > 1000) throw new Error('no free ports below 32768');
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      const server = net.createServer();
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (ok) servers.push(server);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function psql(database: string, statement: string): Promise<string> {
  return run(
    'psql',
    ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-tAc', statement],
    { env: { ...process.env, PGCONNECT_TIMEOUT: '5' } },
  ).then(({ stdout }) => stdout.trim());
}

/**
 * The self-hosted Temporal server (go.temporal.io/server, built by scripts/temporal-server.sh) on two fresh, uniquely
 * named PostgreSQL databases and free ports, started with `scripts/temporal-postgres.sh --background`: the same
 * script an operator runs. Whatever happens, `stop()` (also called here when the start fails) leaves nothing behind.
 */
export async function startPostgresServer(namespace = 'default'): Promise<PostgresServer> {
  // A cold cache builds the server from its Go module first (minutes); start-up itself takes seconds.
  const buildStarted = Date.now();
  const build = await run('bash', [path.join(ROOT, 'scripts', 'temporal-server.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const buildSeconds = (Date.now() - buildStarted) / 1000;

  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const databases = { main: `heygen_test_${id}`, visibility: `heygen_test_${id}_vis` };
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'heygen-temporal-pg-'));
  const ports = await freePorts(PORT_VARS.length);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_PG_HOST: PG.host,
    TEMPORAL_PG_PORT: PG.port,
    TEMPORAL_PG_USER: PG.user,
    TEMPORAL_PG_DB: databases.main,
    TEMPORAL_PG_VISIBILITY_DB: databases.visibility,
    TEMPORAL_PG_STATE_DIR: stateDir,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_SERVER_DIR: build.stdout.trim(),
    ...Object.fromEntries(PORT_VARS.map((name, i) => [name, String(ports[i])])),
  };
  const address = `127.0.0.1:${ports[0]}`;

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await run('bash', [SCRIPT, '--stop'], { env }).catch(() => undefined);
      // Should --stop have failed, the pid file still names the server.
      const pid = Number(
        (await readFile(path.join(stateDir, 'temporal-server.pid'), 'utf8').catch(() => '')).trim(),
      );
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const db of [databases.main, databases.visibility]) {
        await psql('postgres', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch((err: unknown) =>
          console.error(`could not drop test database ${db}: ${String(err)}`),
        );
      }
      await rm(stateDir, { recursive: true, force: true });
    })());

  const started = Date.now();
  try {
    const { stdout } = await run('bash', [SCRIPT, '--background'], { env, maxBuffer: 16 * 1024 * 1024 });
    if (stdout.trim() !== address)
      throw new Error(`temporal-postgres.sh printed ${stdout.trim()}, not ${address}`);
  } catch (err) {
    const log = await readFile(path.join(stateDir, 'temporal-server.log'), 'utf8').catch(() => '');
    await stop();
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`temporal-postgres.sh failed: ${String(err)}\n${stderr}\n${log.slice(-4000)}`);
  }
  return {
    address,
    namespace,
    databases,
    buildSeconds,
    startSeconds: (Date.now() - started) / 1000,
    sql: psql,
    stop,
  };
}
