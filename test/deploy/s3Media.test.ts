import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PipelinesClient } from '../../client/pipelinesClient';
import { DEFAULT_API_VERSION } from '../../contracts/apiVersion';
import { startS3Server, type RunningS3Server } from '../../lib/s3Server';
import { freeLoopbackPort } from '../../lib/net';
import { startSimulator, ZERO_DURATIONS, type RunningSimulator } from '../../simulator';
import { createLocalEnv } from '../support/temporal';
import { lifecycleInputFor } from '../support/versions';
import { spawnWorker, until, type WorkerProcess } from '../support/workerProcess';

/**
 * Finished media where the callers can reach it: two worker processes that share no output directory store to a
 * real S3-compatible server (versitygw), and processes that are neither worker get the video through the HTTP API's
 * link (a presigned URL) and through the CLI's `download`, each checking its sha256 against the run's result.
 */
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const TOKEN = 'media-test-token-0123456789';
const version = DEFAULT_API_VERSION;

let env: TestWorkflowEnvironment;
let s3: RunningS3Server;
let sim: RunningSimulator;
const dirs: string[] = [];
const workers: WorkerProcess[] = [];
let api: ChildProcess | undefined;

beforeAll(async () => {
  [env, s3, sim] = await Promise.all([
    createLocalEnv(),
    startS3Server({ bucket: 'media-test' }),
    // Renders take a moment, so the run is still rendering when the first worker hands over.
    startSimulator({ durations: { ...ZERO_DURATIONS, renderMs: 1500 } }),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill().catch(() => undefined)));
  api?.kill('SIGKILL');
  await sim?.close();
  await s3?.stop();
  await env?.teardown();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}, 60_000);

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `heygen-${name}-`));
  dirs.push(dir);
  return dir;
}

/** Every file under `dir` (relative paths). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Starts `heygen-pipelines api` as its own process and resolves with its URL once /healthz answers. */
async function startApiProcess(processEnv: Record<string, string>): Promise<string> {
  const port = await freeLoopbackPort();
  let stderr = '';
  api = spawn(process.execPath, [CLI, 'api'], {
    env: {
      ...process.env,
      ...processEnv,
      API_PORT: String(port),
      API_TOKENS: `caller:${TOKEN}`,
      METRICS_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  api.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (api?.exitCode !== null) throw new Error(`api exited: ${stderr}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    60_000,
    'the API process',
  );
  return url;
}

test('a lifecycle on two workers without a shared directory stores to S3; callers fetch the video through the API link and the CLI', async () => {
  const taskQueue = 'heygen-s3-media';
  const storageEnv = s3.env('videos');
  const common = {
    ...storageEnv,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    HEYGEN_API_VERSION: version,
    HEYGEN_API_BASE_URL: sim.url,
    HEYGEN_API_KEY: sim.apiKey,
    LOG_LEVEL: 'ERROR',
  };
  // Each worker its own working directory: nothing finished may land there.
  const [outA, outB] = [await tempDir('worker-a'), await tempDir('worker-b')];
  const first = await spawnWorker({ ...common, OUTPUT_DIR: outA, INPUT_DIR: outA });
  workers.push(first);

  const client = new PipelinesClient(env.client, taskQueue);
  const { workflowId } = await client.startLifecycle({
    ...lifecycleInputFor(version),
    polling: { initialSeconds: 0.1, maxSeconds: 0.5 },
  });
  // The first worker takes the run up to the render and stops (drained); a second one (another process, another
  // directory) takes over, as in a deploy: it finishes the render and downloads and stores the video.
  await until(
    async () => (await client.lifecycleProgress(workflowId).catch(() => undefined))?.stage === 'rendering',
    120_000,
    'the rendering stage',
  );
  expect((await first.stop()).code).toBe(0);
  const second = await spawnWorker({ ...common, OUTPUT_DIR: outB, INPUT_DIR: outB });
  workers.push(second);

  const result = await client.waitForLifecycle(workflowId);
  const { video } = result.media;
  expect(result.videoPath).toBeUndefined();
  expect(video.uri).toMatch(new RegExp(`^s3://${s3.bucket}/videos/`));
  expect(video.contentType).toBe('video/mp4');
  expect(await filesUnder(outA)).toEqual([]);
  expect((await filesUnder(outB)).filter((f) => /\.(mp4|gif|png|vtt|srt)$/u.test(f))).toEqual([]);

  // Both workers ran activities of this run (from its history's activity-started identities).
  const history = await client.lifecycleHandle(workflowId).fetchHistory();
  const renderId = (history.events ?? [])
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .find((id): id is string => Boolean(id));
  expect(renderId).toBeDefined();
  const identities = new Set<string>();
  for (const id of [workflowId, renderId!]) {
    for (const e of (await env.client.workflow.getHandle(id).fetchHistory()).events ?? []) {
      const identity = e.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity.split('@')[0]!);
    }
  }
  expect([...identities].sort()).toEqual([String(first.child.pid), String(second.child.pid)].sort());

  // The object carries its sha256 as a tag.
  const key = video.uri.slice(`s3://${s3.bucket}/`.length);
  const tags = await s3.client().send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
  expect(tags.TagSet).toEqual([{ Key: 'sha256', Value: video.sha256 }]);

  // The API, its own process with the workers' storage settings: a 302 to a presigned URL, fetched without a token.
  const apiUrl = await startApiProcess({
    ...storageEnv,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
  });
  const route = `${apiUrl}/v1/runs/${encodeURIComponent(workflowId)}/media/video`;
  const redirect = await fetch(route, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const link = redirect.headers.get('location')!;
  expect(link.startsWith(s3.endpoint)).toBe(true);
  const fetched = Buffer.from(await (await fetch(link)).arrayBuffer());
  expect(fetched.length).toBe(video.bytes);
  expect(createHash('sha256').update(fetched).digest('hex')).toBe(video.sha256);
  const described = (await (
    await fetch(`${route}?format=json`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json()) as { url: string; sha256: string; bytes: number; expiresAt: string };
  expect(described).toMatchObject({ sha256: video.sha256, bytes: video.bytes, contentType: 'video/mp4' });
  expect(Date.parse(described.expiresAt)).toBeGreaterThan(Date.now());

  // The CLI's `download`, another process: through the same storage settings, sha256 checked.
  const target = path.join(await tempDir('caller'), 'video.mp4');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI, 'download', workflowId, '--output', target, '--json'],
    { env: { ...process.env, ...storageEnv, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue } },
  );
  expect(JSON.parse(stdout)).toMatchObject({ sha256: video.sha256, bytes: video.bytes, from: video.uri });
  expect(
    createHash('sha256')
      .update(await readFile(target))
      .digest('hex'),
  ).toBe(video.sha256);

  // Nothing half-done left in the bucket.
  expect(await s3.uploadsInProgress()).toEqual([]);
  console.log(
    `S3 media: workers ${first.child.pid} then ${second.child.pid}; ${video.bytes} bytes at ${video.uri}; ` +
      `fetched through the API link and the CLI, sha256 ${video.sha256.slice(0, 12)}… both times`,
  );
}, 300_000);
