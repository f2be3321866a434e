import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PipelinesClient } from '../../client/pipelinesClient';
import type { ApiVersion } from '../../contracts/apiVersion';
import { startSimulator, ZERO_DURATIONS, type JobDurations, type RunningSimulator } from '../../simulator';
import { findRuns } from '../support/inputs';
import { startPostgresServer, type PostgresServer } from '../support/postgresServer';
import { testedApiVersions } from '../support/stack';
import { billed, lifecycleInputFor, WIRE } from '../support/versions';
import { spawnWorker, until, type WorkerProcess } from '../support/workerProcess';
import { localVideoPath } from '../support/media';

/**
 * The production deployment shape without Docker: the real Temporal server (go.temporal.io/server v1.29.1, the
 * version of the dev server) on PostgreSQL, its schema set up by its own temporal-sql-tool, two worker processes of
 * one task queue per HeyGen API version, and one of them killed with SIGKILL while it holds the run.
 */
const TASK_QUEUE = 'heygen-pipelines-deploy-test';

/**
 * Real job durations, so that the run is still waiting for the avatar to be ready when a worker dies: v2 trains the
 * group, v3 (no train step) waits for the prompt avatar's first look.
 */
const DURATIONS: Record<ApiVersion, JobDurations> = {
  v2: { ...ZERO_DURATIONS, photoGenerationMs: 500, trainingMs: 6000, lookGenerationMs: 500, renderMs: 1000 },
  v3: { ...ZERO_DURATIONS, photoGenerationMs: 6000, lookGenerationMs: 500, renderMs: 1000 },
};

let server: PostgresServer | undefined;
let connection: Connection | undefined;
const sims: RunningSimulator[] = [];
const outputDirs: string[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startPostgresServer();
  console.log(
    `Postgres-backed Temporal server: build ${server.buildSeconds.toFixed(1)} s, ` +
      `start (schemas, namespace, search attributes) ${server.startSeconds.toFixed(1)} s`,
  );
  connection = await Connection.connect({ address: server.address });
}, 20 * 60_000);

afterAll(async () => {
  // Everything this file started, whatever failed: workers, client connection, simulators, server, databases.
  await Promise.all(workers.map((w) => w.kill().catch(() => undefined)));
  await connection?.close().catch(() => undefined);
  await Promise.all(sims.map((s) => s.close().catch(() => undefined)));
  await server?.stop();
  await Promise.all(outputDirs.map((d) => rm(d, { recursive: true, force: true })));
}, 120_000);

/** `<pid>@<host>`: the identity the TypeScript SDK gives a worker by default. */
function identityOf(worker: WorkerProcess): string {
  return `${worker.child.pid}@${os.hostname()}`;
}

test('it really is the self-hosted server on PostgreSQL (the dev server reports sqlite)', async () => {
  const info = await connection!.workflowService.getClusterInfo({});
  expect(info.serverVersion).toBe('1.29.1');
  expect(info.persistenceStore).toBe('postgres12');
  expect(info.visibilityStore).toBe('postgres12');
});

describe.each(testedApiVersions())('the Postgres-backed server (HeyGen API %s)', (version) => {
  test(
    'a lifecycle survives SIGKILL of the worker holding it while the avatar gets ready: every create billed once, one video',
    async () => {
      const pg = server!;
      const sim = await startSimulator({ durations: DURATIONS[version] });
      sims.push(sim);
      const outputDir = await mkdtemp(path.join(os.tmpdir(), 'heygen-deploy-out-'));
      outputDirs.push(outputDir);
      const taskQueue = `${TASK_QUEUE}-${version}`;
      const workerEnv = {
        TEMPORAL_ADDRESS: pg.address,
        TEMPORAL_NAMESPACE: pg.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        HEYGEN_API_VERSION: version,
        HEYGEN_API_BASE_URL: sim.url,
        HEYGEN_API_KEY: sim.apiKey,
        // One volume shared by both workers, as in docker-compose.yml.
        OUTPUT_DIR: outputDir,
        INPUT_DIR: outputDir,
        LOG_LEVEL: 'ERROR',
      };
      const pair: WorkerProcess[] = [];
      for (let i = 0; i < 2; i++) pair.push(await spawnWorker(workerEnv));
      workers.push(...pair);

      const client = new PipelinesClient(
        new Client({ connection: connection!, namespace: pg.namespace }),
        taskQueue,
      );
      const { workflowId } = await client.startLifecycle(lifecycleInputFor(version));
      const groupOf = () => sim.snapshot().groups.find((g) => g.name.includes(workflowId));
      const firstLookOf = () => sim.snapshot().looks.find((l) => l.groupId === groupOf()?.id);

      // Work in progress: HeyGen is readying the avatar (v2: training it) and the run is waiting on it.
      await until(
        async () => (await client.lifecycleProgress(workflowId).catch(() => undefined))?.stage === 'training',
        120_000,
        'the training stage',
      );
      if (version === 'v2') {
        await until(() => groupOf()?.trainingsStarted === 1, 60_000, 'HeyGen to start training');
      }

      // The worker holding the run: the one that took its latest workflow task (the run sits in that worker's cache,
      // and its status reads run there too, eagerly).
      const history = await client.lifecycleHandle(workflowId).fetchHistory();
      const lastIdentity = [...(history.events ?? [])]
        .reverse()
        .find((e) => e.workflowTaskStartedEventAttributes)?.workflowTaskStartedEventAttributes?.identity;
      const holder = pair.find((w) => identityOf(w) === lastIdentity);
      expect(holder).toBeDefined();
      const survivor = pair.find((w) => w !== holder)!;
      if (version === 'v2') expect(groupOf()?.trainStatus).not.toBe('ready');
      else expect(firstLookOf()?.status).not.toBe('completed');
      await holder!.kill();
      const killedAt = Date.now();

      const result = await client.waitForLifecycle(workflowId);
      console.log(
        `${version}: SIGKILL of worker ${holder!.child.pid} (holding the run, avatar not ready yet); ` +
          `worker ${survivor.child.pid} completed it ${((Date.now() - killedAt) / 1000).toFixed(1)} s later`,
      );

      // Completed, in the run's API version, with the video on disk and the checksum it reports.
      expect((await client.describe(workflowId)).status).toBe('COMPLETED');
      expect(result.apiVersion).toBe(version);
      const bytes = await readFile(localVideoPath(result));
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.sha256);
      expect(path.dirname(path.dirname(localVideoPath(result)))).toBe(outputDir);

      // HeyGen billed each create exactly once, despite the kill (from the simulator's ledger).
      expect(billed(sim.ledger())).toEqual(WIRE[version].lifecycleBilling);
      expect(sim.snapshot().groups.filter((g) => g.name.includes(workflowId))).toHaveLength(1);
      if (version === 'v2') expect(groupOf()?.trainingsStarted).toBe(1);

      // The surviving worker finished the run.
      const after = await client.lifecycleHandle(workflowId).fetchHistory();
      const identities = (after.events ?? []).flatMap((e) => {
        const identity = e.workflowTaskStartedEventAttributes?.identity;
        return identity ? [identity] : [];
      });
      expect(identities).toContain(identityOf(holder!));
      expect(identities[identities.length - 1]).toBe(identityOf(survivor));

      // The run's rows are in PostgreSQL: the execution in the main database, its closed record in visibility.
      expect(
        Number(
          await pg.sql(
            pg.databases.main,
            `SELECT count(*) FROM current_executions WHERE workflow_id = '${workflowId}'`,
          ),
        ),
      ).toBe(1);
      await until(
        async () =>
          (await pg.sql(
            pg.databases.visibility,
            `SELECT status FROM executions_visibility WHERE workflow_id = '${workflowId}'`,
          )) === '2',
        30_000,
        'the completed run in the visibility database',
      );

      // The product's custom search attributes work on PostgreSQL visibility: the run is found by its video id and
      // its API version.
      expect(
        await findRuns(
          client.client,
          `HeyGenIds = '${result.videoId}' AND HeyGenApiVersion = '${version}' AND WorkflowType = 'photoAvatarLifecycle'`,
        ),
      ).toEqual([workflowId]);

      await survivor.stop();
    },
    10 * 60_000,
  );
});
