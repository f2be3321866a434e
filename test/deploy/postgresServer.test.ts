import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PipelinesClient } from '../../client/pipelinesClient';
import { startSimulator, ZERO_DURATIONS, type RunningSimulator } from '../../simulator';
import { countApplied, findRuns, lifecycleInput } from '../support/inputs';
import { startPostgresServer, type PostgresServer } from '../support/postgresServer';
import { spawnWorker, until, type WorkerProcess } from '../support/workerProcess';

/**
 * The production deployment shape without Docker: the real Temporal server (go.temporal.io/server v1.29.1, the
 * version of the dev server) on PostgreSQL, its schema set up by its own temporal-sql-tool, two worker processes of
 * one task queue, and one of them killed with SIGKILL while it holds the run.
 */
const TASK_QUEUE = 'heygen-pipelines-deploy-test';

let server: PostgresServer | undefined;
let sim: RunningSimulator | undefined;
let connection: Connection | undefined;
let outputDir: string | undefined;
const workers: WorkerProcess[] = [];

afterAll(async () => {
  // Everything this file started, whatever failed: workers, client connection, simulator, server, databases.
  await Promise.all(workers.map((w) => w.kill().catch(() => undefined)));
  await connection?.close().catch(() => undefined);
  await sim?.close().catch(() => undefined);
  await server?.stop();
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
}, 120_000);

/** `<pid>@<host>`: the identity the TypeScript SDK gives a worker by default. */
function identityOf(worker: WorkerProcess): string {
  return `${worker.child.pid}@${os.hostname()}`;
}

test(
  'a lifecycle on the Postgres-backed server survives SIGKILL of the worker holding it: one group, one training, one video',
  async () => {
    server = await startPostgresServer();
    console.log(
      `Postgres-backed Temporal server: build ${server.buildSeconds.toFixed(1)} s, ` +
        `start (schemas, namespace, search attributes) ${server.startSeconds.toFixed(1)} s`,
    );
    connection = await Connection.connect({ address: server.address });

    // It really is the self-hosted server on PostgreSQL (the dev server reports sqlite).
    const info = await connection.workflowService.getClusterInfo({});
    expect(info.serverVersion).toBe('1.29.1');
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');

    // Real job durations, so that the run is still in its training stage when a worker dies.
    sim = await startSimulator({
      durations: {
        ...ZERO_DURATIONS,
        photoGenerationMs: 500,
        trainingMs: 6000,
        lookGenerationMs: 500,
        renderMs: 1000,
      },
    });
    outputDir = await mkdtemp(path.join(os.tmpdir(), 'heygen-deploy-out-'));
    const workerEnv = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      HEYGEN_API_BASE_URL: sim.url,
      HEYGEN_API_KEY: sim.apiKey,
      // One volume shared by both workers, as in docker-compose.yml.
      OUTPUT_DIR: outputDir,
      INPUT_DIR: outputDir,
      LOG_LEVEL: 'ERROR',
    };
    for (let i = 0; i < 2; i++) workers.push(await spawnWorker(workerEnv));

    const client = new PipelinesClient(new Client({ connection, namespace: server.namespace }), TASK_QUEUE);
    const { workflowId } = await client.startLifecycle(lifecycleInput());
    const groupOf = () => sim!.snapshot().groups.find((g) => g.name.includes(workflowId));

    // Work in progress: HeyGen is training the group and the run is waiting on it.
    await until(
      async () => (await client.lifecycleProgress(workflowId).catch(() => undefined))?.stage === 'training',
      120_000,
      'the training stage',
    );
    await until(() => groupOf()?.trainingsStarted === 1, 60_000, 'HeyGen to start training');

    // The worker holding the run: the one that took its latest workflow task (the run sits in that worker's cache,
    // and its status reads run there too, eagerly).
    const history = await client.lifecycleHandle(workflowId).fetchHistory();
    const lastIdentity = [...(history.events ?? [])]
      .reverse()
      .find((e) => e.workflowTaskStartedEventAttributes)?.workflowTaskStartedEventAttributes?.identity;
    const holder = workers.find((w) => identityOf(w) === lastIdentity);
    expect(holder).toBeDefined();
    const survivor = workers.find((w) => w !== holder)!;
    expect(groupOf()?.trainStatus).not.toBe('ready');
    await holder!.kill();
    const killedAt = Date.now();

    const result = await client.waitForLifecycle(workflowId);
    console.log(
      `SIGKILL of worker ${holder!.child.pid} (holding the run, training in progress); ` +
        `worker ${survivor.child.pid} completed it ${((Date.now() - killedAt) / 1000).toFixed(1)} s later`,
    );

    // Completed, with the video on disk and the checksum it reports.
    expect((await client.describe(workflowId)).status).toBe('COMPLETED');
    const bytes = await readFile(result.videoPath);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.sha256);
    expect(path.dirname(path.dirname(result.videoPath))).toBe(outputDir);

    // HeyGen saw each billable create exactly once, despite the kill.
    const log = sim.log();
    expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/create')).toBe(1);
    expect(countApplied(log, 'POST', '/v2/photo_avatar/train')).toBe(1);
    expect(groupOf()?.trainingsStarted).toBe(1);
    expect(countApplied(log, 'POST', '/v2/video/generate')).toBe(1);

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
        await server.sql(
          server.databases.main,
          `SELECT count(*) FROM current_executions WHERE workflow_id = '${workflowId}'`,
        ),
      ),
    ).toBe(1);
    await until(
      async () =>
        (await server!.sql(
          server!.databases.visibility,
          `SELECT status FROM executions_visibility WHERE workflow_id = '${workflowId}'`,
        )) === '2',
      30_000,
      'the completed run in the visibility database',
    );

    // The product's custom search attributes work on PostgreSQL visibility: the run is found by its video id.
    expect(
      await findRuns(
        client.client,
        `HeyGenIds = '${result.videoId}' AND WorkflowType = 'photoAvatarLifecycle'`,
      ),
    ).toEqual([workflowId]);

    await survivor.stop();
  },
  20 * 60_000,
);
