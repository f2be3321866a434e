import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type MultipartUpload,
} from '@aws-sdk/client-s3';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DownloadProgress } from '../../activities/delivery';
import { PipelinesClient } from '../../client/pipelinesClient';
import { DEFAULT_API_VERSION } from '../../contracts/apiVersion';
import { freeLoopbackPort } from '../../lib/net';
import { startS3Server, type RunningS3Server } from '../../lib/s3Server';
import { SHA256_TAG } from '../../storage/s3Storage';
import { createLocalEnv } from '../support/temporal';
import { sceneRender } from '../support/versions';
import { spawnCliService, spawnWorker, until, type WorkerProcess } from '../support/workerProcess';

/**
 * Crash safety of the S3 backend end to end: a worker process (the compiled CLI) is SIGKILLed while the multipart
 * upload of a ~190 MB video to a real S3-compatible server (versitygw) is under way. Nothing may appear under the
 * final key, the retry on a second worker process must store the complete object (its bytes hash to the result's
 * sha256, and so does its `sha256` tag) and abort the killed attempt's unfinished upload.
 *
 * Duration: Temporal notices the dead worker only when the downloadVideo heartbeat timeout (45 s,
 * workflows/activityOptions.ts) has passed since the last heartbeat it received (the SDK throttles heartbeats to
 * 80 % of the timeout, so that is usually the attempt's first one), then retries after 2 s: the test takes about a
 * minute by design.
 */
const TASK_QUEUE = `s3-crash-${process.pid}`;
const PREFIX = 'crash/';
// 60 s of 1080p at 30 fps with a full keyframe every second: about 190 MB from the simulator, 38 parts of 5 MiB.
const VIDEO_SECONDS = 60;
const PART_SIZE_MB = 5;
const PARTS_BEFORE_KILL = 4;

interface SimulatorProcess {
  url: string;
  apiKey: string;
  stop(): Promise<void>;
}

/**
 * The simulator as its own process (`heygen-pipelines simulator`): serving a big video blocks its event loop for
 * seconds at a time, which in this process would delay the polls that decide when to kill the worker.
 */
async function startSimulatorProcess(simEnv: Record<string, string>): Promise<SimulatorProcess> {
  const port = await freeLoopbackPort();
  const apiKey = randomBytes(12).toString('hex');
  const child = await spawnCliService(
    'simulator',
    { SIMULATOR_HOST: '127.0.0.1', SIMULATOR_PORT: String(port), SIMULATOR_API_KEY: apiKey, ...simEnv },
    'HeyGen simulator listening on',
  );
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    async stop() {
      const timer = setTimeout(() => void child.kill(), 5000);
      await child.stop();
      clearTimeout(timer);
    },
  };
}

let env: TestWorkflowEnvironment | undefined;
let s3: RunningS3Server | undefined;
let sim: SimulatorProcess | undefined;
let outputDir: string | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [env, s3, sim, outputDir] = await Promise.all([
    createLocalEnv(),
    startS3Server({ bucket: 'heygen-crash' }),
    startSimulatorProcess({
      SIM_DURATION_RENDER_MS: '0',
      // 0.1 word/s: a `VIDEO_SECONDS / 10`-word script makes a `VIDEO_SECONDS`-long video.
      SIM_WORDS_PER_SECOND: '0.1',
      SIM_MEDIA_FPS: '30',
      SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS: '1',
    }),
    mkdtemp(path.join(os.tmpdir(), 'heygen-s3crash-')),
  ]);
}, 300_000);

afterAll(async () => {
  // Whatever failed: both workers, the simulator, the S3 server (and its data directory), the dev server.
  await Promise.all(workers.map((w) => w.kill().catch(() => undefined)));
  await sim?.stop().catch(() => undefined);
  await s3?.stop().catch(() => undefined);
  await env?.teardown().catch(() => undefined);
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
}, 60_000);

async function sha256OfObject(
  server: RunningS3Server,
  key: string,
): Promise<{ sha256: string; bytes: number }> {
  const got = await server.client().send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of got.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function headStatus(server: RunningS3Server, key: string): Promise<number> {
  try {
    const head = await server.client().send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    return head.$metadata.httpStatusCode ?? 0;
  } catch (err) {
    return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  }
}

/** The bytes the server holds in the parts of a multipart upload. */
async function partBytes(
  server: RunningS3Server,
  upload: MultipartUpload,
): Promise<{ parts: number; bytes: number }> {
  const listed = await server
    .client()
    .send(new ListPartsCommand({ Bucket: server.bucket, Key: upload.Key, UploadId: upload.UploadId }));
  const parts = listed.Parts ?? [];
  return { parts: parts.length, bytes: parts.reduce((sum, p) => sum + (p.Size ?? 0), 0) };
}

test('SIGKILL of the worker mid-upload to S3: nothing under the key, the retry stores the whole video and cleans up', async () => {
  const server = s3!;
  const temporal = env!;
  const workerEnv = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    HEYGEN_API_VERSION: DEFAULT_API_VERSION,
    HEYGEN_API_BASE_URL: sim!.url,
    HEYGEN_UPLOAD_BASE_URL: sim!.url,
    HEYGEN_API_KEY: sim!.apiKey,
    OUTPUT_DIR: outputDir!,
    INPUT_DIR: outputDir!,
    LOG_LEVEL: 'ERROR',
    ...server.env(PREFIX),
    S3_PART_SIZE_MB: String(PART_SIZE_MB),
  };
  const started = Date.now();
  const first = await spawnWorker(workerEnv);
  workers.push(first);

  const client = new PipelinesClient(temporal.client, TASK_QUEUE);
  const words = Array.from({ length: VIDEO_SECONDS / 10 }, (_, i) => `word${i}`).join(' ');
  const input = sceneRender(words);
  const { workflowId } = await client.startRender({
    ...input,
    video: { ...input.video!, dimension: { width: 1920, height: 1080 } },
  });
  const handle = temporal.client.workflow.getHandle(workflowId);

  // The video's multipart upload is well under way: some parts on the server, most still to come.
  let upload: MultipartUpload | undefined;
  let partsSeen = 0;
  const endedEarly = () =>
    new Error(`the upload of ${upload?.Key} ended before the kill: make the video bigger`);
  await until(
    async () => {
      const uploads = await server.uploadsInProgress();
      if (upload && !uploads.some((u) => u.UploadId === upload?.UploadId)) throw endedEarly();
      upload ??= uploads.find((u) => u.Key?.endsWith('.mp4'));
      if (!upload) return false;
      const listed = await partBytes(server, upload).catch((err: unknown) => {
        throw (err as { name?: string }).name === 'NoSuchUpload' ? endedEarly() : err;
      });
      partsSeen = listed.parts;
      return partsSeen >= PARTS_BEFORE_KILL;
    },
    120_000,
    'the multipart upload of the video to be in progress',
  );
  // At once: the upload goes on until the process dies.
  await first.kill();
  const killedAt = Date.now();
  const key = upload!.Key!;

  // Right after the kill: nothing under the final key, and the killed attempt's upload is still unfinished.
  expect(await headStatus(server, key)).toBe(404);
  const leftover = await server.uploadsInProgress();
  expect(leftover.map((u) => u.UploadId)).toContain(upload!.UploadId);
  const leftoverParts = await partBytes(server, upload!);
  // Temporal holds the killed attempt as pending until its heartbeat timeout, with the last heartbeat it received
  // (the SDK throttles them: it may still be the first one).
  const download = ((await handle.describe()).raw.pendingActivities ?? []).find(
    (a) => a.activityType?.name === 'downloadVideo',
  );
  expect(download?.attempt).toBe(1);
  expect(download?.lastWorkerIdentity).toBe(`${first.child.pid}@${os.hostname()}`);
  const beat = download?.heartbeatDetails?.payloads?.[0];
  expect(beat).toBeDefined();
  const heartbeat = defaultPayloadConverter.fromPayload<DownloadProgress | { phase: string }>(beat!);

  const second = await spawnWorker(workerEnv);
  workers.push(second);
  // When the retry starts (seen while it runs; the run ending first would leave it unknown, and fail below).
  let retryStartedAt: number | undefined;
  await until(
    async () => {
      const described = await handle.describe();
      const d = described.raw.pendingActivities?.find((a) => a.activityType?.name === 'downloadVideo');
      if ((d?.attempt ?? 0) >= 2) retryStartedAt ??= Date.now();
      return retryStartedAt !== undefined || described.status.name !== 'RUNNING';
    },
    120_000,
    'the second attempt of downloadVideo',
  );
  const result = await client.waitForRender(workflowId);
  const doneAt = Date.now();

  // The result names the object, in the bucket under the prefix, and no local path.
  expect(result.media.video.uri).toBe(`s3://${server.bucket}/${key}`);
  expect(key).toBe(`${PREFIX}${workflowId}/${result.videoId}.mp4`);
  expect(result).not.toHaveProperty('videoPath');
  expect(result.media.video.sha256).toBe(result.sha256);
  expect(result.bytes).toBeGreaterThan(leftoverParts.bytes);

  // The stored bytes are the whole video: their sha256 is the result's, and so is the object's tag.
  const stored = await sha256OfObject(server, key);
  expect(stored).toEqual({ sha256: result.media.video.sha256, bytes: result.media.video.bytes });
  const tags = await server.client().send(new GetObjectTaggingCommand({ Bucket: server.bucket, Key: key }));
  expect(tags.TagSet?.find((t) => t.Key === SHA256_TAG)?.Value).toBe(result.media.video.sha256);

  // The retry aborted the killed attempt's upload; no other upload was left behind.
  expect(await server.uploadsInProgress()).toEqual([]);

  // The second worker finished it, on the activity's second attempt.
  const history = await handle.fetchHistory();
  const scheduled = (history.events ?? []).find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'downloadVideo',
  );
  const startedEvent = (history.events ?? []).find(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(scheduled?.eventId),
  )?.activityTaskStartedEventAttributes;
  expect(startedEvent?.attempt).toBe(2);
  expect(retryStartedAt).toBeDefined();
  expect(startedEvent?.identity).toBe(`${second.child.pid}@${os.hostname()}`);

  const mb = (n: number) => (n / 1e6).toFixed(1);
  console.log(
    `s3 crash: ${mb(result.bytes)} MB video, ${PART_SIZE_MB} MiB parts; ${partsSeen} parts seen when killing, ` +
      `${leftoverParts.parts} parts (${mb(leftoverParts.bytes)} MB) left by the killed attempt, ` +
      `${leftover.length} upload(s) in progress after the kill, last heartbeat Temporal held ${JSON.stringify(heartbeat)}; ` +
      `kill -> retry seen ${(((retryStartedAt ?? doneAt) - killedAt) / 1000).toFixed(1)} s, ` +
      `retry -> done ${((doneAt - (retryStartedAt ?? doneAt)) / 1000).toFixed(1)} s, ` +
      `whole test ${((doneAt - started) / 1000).toFixed(1)} s`,
  );
}, 300_000);
