/**
 * Download benchmark, loopback only, bounded (one render, three downloads, time limits on each):
 *  1. The simulator renders a big MP4 (1920x1080, 600 s, 30 fps, a full keyframe every second: about 1.9 GB).
 *  2. `curl -s -o` downloads it: the reference throughput.
 *  3. The worker's path with local storage: the `downloadVideo` activity (status read, signed URL, storage with
 *     temporary name, sha256, size check, fsync, rename) runs in a child Node process, so the RSS measured is that
 *     process's own. Its RSS is sampled every 50 ms before and during the download — by the child itself and, from
 *     outside, by this process reading /proc/<pid>/status — and the kernel's high-water mark (VmHWM, reset just
 *     before the download) is read at the end. Growth = peak - baseline must stay under 64 MiB.
 *  4. The worker's path with S3 storage: the same activity in a fresh child process with `STORAGE=s3` and the rest
 *     of the worker's environment (the storage is built from it as the worker builds it), streaming the video to an
 *     S3-compatible server on loopback (versitygw, `startS3Server()`) as a multipart upload of S3_PART_SIZE_MB [5]
 *     parts, S3_UPLOAD_CONCURRENCY [2] in flight. Measured the same way, same 64 MiB limit.
 *  5. With `--compare-lib-storage`: the S3 run once more with `@aws-sdk/lib-storage`'s `Upload` as the multipart
 *     uploader (same part size, concurrency and part checksums; bench/support/libStorageUploader.ts), the library
 *     the product first used (ADR 0006): its checks are the same, its RSS growth is reported beside the others but
 *     does not fail the run.
 *  Every copy must have curl's size and sha256: the local file is hashed again from disk; the S3 object is read
 *  back through the SDK and hashed, and its size (HEAD) and `sha256` tag are checked as well. Temporary files, the
 *  object and versitygw's directory are deleted (also on Ctrl-C).
 *
 *   npm run bench:download -- [seconds=600] [width=1920] [height=1080] [--api v3|v2] [--compare-lib-storage]
 *   (BENCH_ALLOW_SMALL=1 lets a file under 1 GB through, for a quick try; --api defaults to HEYGEN_API_VERSION, else
 *   v3: the version the render is submitted with and the activity reads the status with. v3 takes exact sizes only:
 *   1920×1080 is its 1080p. S3_PART_SIZE_MB / S3_UPLOAD_CONCURRENCY in the environment reach the S3 child as they
 *   would reach a worker; the report prints the values used)
 *
 * The same file is also the child (`node dist/bench/download.js --child`): only the activity's modules load there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DownloadVideoResult } from '../activities/delivery';
import type { ApiVersion } from '../contracts/apiVersion';
import type { RunningS3Server } from '../lib/s3Server';

const MiB = 1024 * 1024;
const RSS_LIMIT_BYTES = 64 * MiB;
const SAMPLE_MS = 50;
const STEP_TIMEOUT_MS = 10 * 60_000;
const MIN_FILE_BYTES = 1e9;
/** The key prefix of the S3 run (the worker's S3_PREFIX) */
const S3_PREFIX = 'bench-download/';

/** `s3-lib-storage`: S3 storage with lib-storage's uploader instead of the product's (for comparison only) */
type Backend = 'local' | 's3' | 's3-lib-storage';

interface ChildInput {
  apiVersion: ApiVersion;
  apiBaseUrl: string;
  apiKey: string;
  videoId: string;
  outputDir: string;
  backend: Backend;
}

interface ChildReport {
  baselineRss: number;
  peakRss: number;
  /** process.memoryUsage() at the child's own peak sample: where the growth is (V8 heap or Buffers) */
  atPeak?: { heapUsed: number; arrayBuffers: number };
  /** The same at the baseline */
  atBaseline: { heapUsed: number; arrayBuffers: number };
  samples: number;
  /** VmHWM after a reset just before the download; undefined when the kernel refused the reset */
  hwmRss?: number;
  ms: number;
  result: DownloadVideoResult;
  /** The multipart settings the S3 storage was built with (from the child's environment) */
  s3?: { partSize: number; queueSize: number; describe: string };
}

type ChildMessage =
  { type: 'ready' } | { type: 'done'; report: ChildReport } | { type: 'error'; message: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS / VmHWM of a process from /proc (Linux), in bytes. */
async function procMemory(pid: number | 'self'): Promise<{ rss?: number; hwm?: number }> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'mu').exec(text);
      return m?.[1] !== undefined ? Number(m[1]) * 1024 : undefined;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return {};
  }
}

// -------------------------------------------------------------------------------------------------------------------
// Child: the worker-like process

async function child(): Promise<void> {
  const send = (msg: ChildMessage) => process.send?.(msg);
  const input = JSON.parse(process.env.BENCH_CHILD_INPUT ?? '{}') as ChildInput;
  // The activity set the worker registers, with the worker's storage; no Temporal connection needed to call it.
  const { createActivities } = await import('../activities');
  const { createHeyGenPort } = await import('../heygen/select');
  const {
    createStorage,
    describeStorage,
    LocalDirectoryStorage,
    S3Storage,
    s3ClientOf,
    storageConfigFromEnv,
  } = await import('../storage');
  let storage;
  let s3: ChildReport['s3'];
  if (input.backend !== 'local') {
    // As the worker does (worker/config.ts, createWorker.ts): the storage from the environment.
    const config = storageConfigFromEnv(process.env);
    if (config.backend !== 's3') throw new Error(`the S3 child got STORAGE=${config.backend}`);
    if (input.backend === 's3') {
      storage = createStorage(config);
    } else {
      const { uploadWithLibStorage } = await import('./support/libStorageUploader');
      storage = new S3Storage({
        client: s3ClientOf(config),
        bucket: config.bucket,
        prefix: config.prefix,
        partSize: config.partSize,
        queueSize: config.queueSize,
        uploader: uploadWithLibStorage,
      });
    }
    s3 = { partSize: config.partSize, queueSize: config.queueSize, describe: describeStorage(config) };
  } else {
    storage = new LocalDirectoryStorage(input.outputDir);
  }
  const activities = createActivities({
    heygen: createHeyGenPort({
      apiVersion: input.apiVersion,
      apiBaseUrl: input.apiBaseUrl,
      uploadBaseUrl: input.apiBaseUrl,
      apiKey: input.apiKey,
    }),
    storage,
    outputDir: input.outputDir,
    inputDir: input.outputDir,
  });

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  let peak = 0;
  let atPeak: ChildReport['atPeak'];
  const breakdown = (u: NodeJS.MemoryUsage) => ({
    heapUsed: u.heapUsed,
    arrayBuffers: u.arrayBuffers,
  });
  let samples = 0;
  const baselineSamples: number[] = [];
  for (let i = 0; i < 10; i++) {
    baselineSamples.push(process.memoryUsage.rss());
    await sleep(SAMPLE_MS);
  }
  baselineSamples.sort((a, b) => a - b);
  const baselineRss = baselineSamples[Math.floor(baselineSamples.length / 2)] ?? process.memoryUsage.rss();
  const atBaseline = breakdown(process.memoryUsage());
  let hwmReset = false;
  try {
    await writeFile('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
    hwmReset = true;
  } catch {
    // not Linux, or not allowed
  }
  send({ type: 'ready' });
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    if (usage.rss > peak) {
      peak = usage.rss;
      atPeak = breakdown(usage);
    }
    samples++;
  }, SAMPLE_MS);
  const started = performance.now();
  const result = await activities.downloadVideo({
    api: input.apiVersion,
    videoId: input.videoId,
    directory: 'bench',
    extras: false,
  });
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  const { hwm } = hwmReset ? await procMemory('self') : {};
  send({
    type: 'done',
    report: {
      baselineRss,
      peakRss: peak,
      atBaseline,
      ...(atPeak ? { atPeak } : {}),
      samples,
      ...(hwm !== undefined ? { hwmRss: hwm } : {}),
      ms,
      result,
      ...(s3 ? { s3 } : {}),
    },
  });
}

// -------------------------------------------------------------------------------------------------------------------
// Parent

async function sha256Stream(stream: AsyncIterable<unknown>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const sha256File = (file: string) => sha256Stream(createReadStream(file, { highWaterMark: MiB }));

/** Bytes of the regular files under `dir` (0 when it is gone). */
async function bytesUnder(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesUnder(full);
    else if (entry.isFile()) total += (await lstat(full)).size;
  }
  return total;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function headRequest(url: string): Promise<{ status: number; length: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'HEAD', timeout: 60_000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, length: Number(res.headers['content-length']) });
    });
    req.on('timeout', () => req.destroy(new Error('HEAD timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** `curl -s -o file url` as a child process (asynchronous: the simulator serves from this process meanwhile). */
function curl(url: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(
      'curl',
      ['-s', '-S', '--fail', '--max-time', String(STEP_TIMEOUT_MS / 1000), '-o', file, url],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`curl exited with ${code}: ${stderr.trim()}`));
    });
  });
}

interface OutsideSamples {
  peak: number;
  count: number;
}

/** Runs the activity in a child process (with `env` added to this one's) and samples its RSS from outside too. */
function runChild(
  input: ChildInput,
  env: Record<string, string> = {},
): Promise<{ report: ChildReport; outside: OutsideSamples }> {
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, ['--expose-gc', __filename, '--child'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env, BENCH_CHILD_INPUT: JSON.stringify(input) },
    });
    const outside: OutsideSamples = { peak: 0, count: 0 };
    let sampler: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (err: Error | undefined, report?: ChildReport) => {
      if (settled) return;
      settled = true;
      clearInterval(sampler);
      clearTimeout(deadline);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill();
      if (err || !report) reject(err ?? new Error('child ended without a report'));
      else resolve({ report, outside });
    };
    const deadline = setTimeout(() => finish(new Error('child timed out')), STEP_TIMEOUT_MS);
    proc.on('message', (msg: ChildMessage) => {
      if (msg.type === 'ready') {
        sampler = setInterval(() => {
          const pid = proc.pid;
          if (pid === undefined) return;
          void procMemory(pid).then(({ rss }) => {
            if (rss === undefined) return;
            outside.peak = Math.max(outside.peak, rss);
            outside.count++;
          });
        }, SAMPLE_MS);
      } else if (msg.type === 'done') {
        finish(undefined, msg.report);
      } else {
        finish(new Error(`child failed: ${msg.message}`));
      }
    });
    proc.on('error', (err) => finish(err));
    proc.on('exit', (code) => finish(new Error(`child exited with ${code} before reporting`)));
  });
}

/** One activity run, measured: its report, the peak RSS from every source and the copy's own checks. */
interface ActivityRun {
  backend: Backend;
  report: ChildReport;
  outside: OutsideSamples;
  peak: number;
  growth: number;
  /** The stored copy, hashed again by this process (from disk, or read back from S3) */
  copy: { sha256: string; bytes: number };
  /** What the storage says about the copy besides (S3: HEAD size, `sha256` tag, uploads left in progress) */
  s3Object?: { uri: string; headBytes?: number; tagSha256?: string; uploadsLeft: number };
}

function measured(
  backend: Backend,
  run: { report: ChildReport; outside: OutsideSamples },
  copy: ActivityRun['copy'],
): ActivityRun {
  const peak = Math.max(run.report.peakRss, run.outside.peak, run.report.hwmRss ?? 0);
  return { backend, ...run, peak, growth: peak - run.report.baselineRss, copy };
}

/**
 * Reads the S3 object of the run back (HEAD, tags, GET through the SDK, hashed), checks no multipart upload is left
 * in progress, then deletes the object.
 */
async function checkAndDeleteS3Object(
  s3: RunningS3Server,
  uri: string,
): Promise<{ copy: ActivityRun['copy']; s3Object: NonNullable<ActivityRun['s3Object']> }> {
  const { DeleteObjectCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand } =
    await import('@aws-sdk/client-s3');
  const { SHA256_TAG } = await import('../storage');
  const head = `s3://${s3.bucket}/`;
  if (!uri.startsWith(head)) throw new Error(`the S3 run stored ${uri}, not in s3://${s3.bucket}`);
  const Key = uri.slice(head.length);
  const Bucket = s3.bucket;
  const client = s3.client();
  try {
    const object = await client.send(new HeadObjectCommand({ Bucket, Key }));
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket, Key }));
    const got = await client.send(new GetObjectCommand({ Bucket, Key }));
    if (!got.Body) throw new Error(`GET ${uri} returned no body`);
    const copy = await sha256Stream(got.Body as Readable);
    const uploadsLeft = (await s3.uploadsInProgress()).length;
    const tagSha256 = tags.TagSet?.find((t) => t.Key === SHA256_TAG)?.Value;
    return {
      copy,
      s3Object: {
        uri,
        uploadsLeft,
        ...(object.ContentLength !== undefined ? { headBytes: object.ContentLength } : {}),
        ...(tagSha256 !== undefined ? { tagSha256 } : {}),
      },
    };
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket, Key }));
  }
}

/** Cleanups that run once, at the end or on SIGINT/SIGTERM (a 1 GB object must not stay in /tmp). */
function cleanupRegistry() {
  const tasks: (() => Promise<unknown>)[] = [];
  let ran: Promise<void> | undefined;
  const run = () =>
    (ran ??= (async () => {
      for (const task of tasks.reverse()) {
        await task().catch((err: unknown) => console.error('cleanup failed:', err));
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: removing temporary data ...`);
    void run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    add: (task: () => Promise<unknown>) => tasks.push(task),
    run: async () => {
      await run();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const positional: string[] = [];
  while (argv[0] !== undefined && !argv[0].startsWith('--')) positional.push(argv.shift()!);
  const { Args } = await import('./support/args');
  const { apiVersion: versionOf } = await import('./support/api');
  const args = new Args(argv).only(['api', 'compare-lib-storage']);
  const apiVersion = versionOf(args);
  const compareLibStorage = args.flag('compare-lib-storage');
  const seconds = Number(positional[0] ?? 600);
  const width = Number(positional[1] ?? 1920);
  const height = Number(positional[2] ?? 1080);
  const { startSimulator } = await import('../simulator');
  const { createHeyGenPort } = await import('../heygen/select');
  const { startS3Server } = await import('../lib/s3Server');

  const cleanup = cleanupRegistry();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-download-'));
  cleanup.add(() => rm(tmp, { recursive: true, force: true }));
  try {
    // Started first: a versitygw that cannot be built or started fails the run before the render.
    const s3 = await startS3Server({ bucket: 'bench-download' });
    cleanup.add(() => s3.stop());
    const words = Math.max(1, Math.round(seconds / 10));
    const sim = await startSimulator({
      host: '127.0.0.1',
      durations: { renderMs: 0 },
      // `words` words at 0.1 word/s make a `seconds`-long video.
      wordsPerSecond: 0.1,
      maxVideoSeconds: Math.max(3600, seconds),
      mediaFps: 30,
      mediaKeyframeIntervalSeconds: 1,
    });
    cleanup.add(() => sim.close());
    const heygen = createHeyGenPort({
      apiVersion,
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: sim.apiKey,
    });
    const { videoId } = await heygen.submitRender({
      kind: 'scenes',
      dimension: { width, height },
      scenes: [
        {
          character: { type: 'avatar', avatarId: 'Angela-inblackskirt-20220820' },
          speech: {
            type: 'text',
            voiceId: '1bd001e7e50f421d891986aad5158bc8',
            text: Array.from({ length: words }, (_, i) => `word${i}`).join(' '),
          },
        },
      ],
    });
    let status = await heygen.getRender(videoId);
    for (let i = 0; i < 100 && status.state !== 'completed'; i++) {
      await sleep(100);
      status = await heygen.getRender(videoId);
    }
    const videoUrl = status.media.video;
    if (status.state !== 'completed' || !videoUrl) throw new Error(`render is ${status.rawStatus}`);
    // Builds (and caches) the simulator's plan of the file, so no download pays for it.
    const head = await headRequest(videoUrl);
    if (head.status !== 200) throw new Error(`HEAD answered ${head.status}`);
    if (!(head.length >= MIN_FILE_BYTES) && process.env.BENCH_ALLOW_SMALL !== '1') {
      throw new Error(
        `the file is only ${head.length} bytes (< 1 GB); set BENCH_ALLOW_SMALL=1 to run anyway`,
      );
    }
    console.error(
      `Rendered ${videoId}: ${width}x${height}, ${status.durationSeconds ?? '?'} s, ${(head.length / 1e6).toFixed(0)} MB`,
    );

    // (a) curl
    const curlFile = path.join(tmp, 'curl.mp4');
    console.error('curl ...');
    const curlMs = await curl(videoUrl, curlFile);
    const curlHash = await sha256File(curlFile);
    await rm(curlFile, { force: true }); // keep at most one big file on disk

    const childInput = (backend: Backend): ChildInput => ({
      apiVersion,
      apiBaseUrl: sim.url,
      apiKey: sim.apiKey,
      videoId,
      outputDir: path.join(tmp, `worker-${backend}`),
      backend,
    });

    // (b) the worker's path with local storage, in a child process
    console.error('downloadVideo activity in a child process, local storage ...');
    const localInput = childInput('local');
    const localChild = await runChild(localInput);
    const localFile = localChild.report.result.path ?? '';
    const stored = await stat(localFile);
    const local = measured('local', localChild, await sha256File(localFile));
    await rm(localInput.outputDir, { recursive: true, force: true });

    // (c) the worker's path with S3 storage, in another child process (its environment is the worker's)
    const s3Backend = async (backend: Exclude<Backend, 'local'>): Promise<ActivityRun> => {
      console.error(`downloadVideo activity in a child process, ${backend} storage at ${s3.endpoint} ...`);
      const input = childInput(backend);
      const run = await runChild(input, s3.env(S3_PREFIX));
      const check = await checkAndDeleteS3Object(s3, run.report.result.media.video.uri);
      await rm(input.outputDir, { recursive: true, force: true });
      return { ...measured(backend, run, check.copy), s3Object: check.s3Object };
    };
    const s3Run = await s3Backend('s3');
    // (d) the same with lib-storage's uploader, for comparison
    const libStorageRun = compareLibStorage ? await s3Backend('s3-lib-storage') : undefined;
    const s3LeftAfterDelete = await bytesUnder(s3.dataDir);

    const s3Runs = libStorageRun ? [s3Run, libStorageRun] : [s3Run];
    const runs = [local, ...s3Runs];
    const sameAsCurl = (run: ActivityRun) =>
      run.copy.sha256 === curlHash.sha256 &&
      run.report.result.sha256 === curlHash.sha256 &&
      run.report.result.media.video.sha256 === curlHash.sha256 &&
      run.copy.bytes === curlHash.bytes &&
      run.report.result.bytes === curlHash.bytes &&
      curlHash.bytes === head.length &&
      (run.backend === 'local'
        ? stored.size === head.length
        : run.s3Object?.headBytes === head.length && run.s3Object.tagSha256 === curlHash.sha256);
    const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
    const mib = (b: number) => (b / MiB).toFixed(1);
    const multipart = s3Run.report.s3;

    console.log(
      `\n### Download of a ${(head.length / 1e6).toFixed(0)} MB MP4 (${width}x${height}, ${seconds} s, 30 fps, keyframe every 1 s) from the simulator, HeyGen API ${apiVersion}, loopback, ${os.cpus().length} CPUs, Node ${process.version}\n`,
    );
    console.log(
      '| path | storage | bytes | time | throughput | baseline RSS | peak RSS | RSS growth | same sha256 and size as curl |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    console.log(
      `| \`curl -s -o\` (reference) | file | ${curlHash.bytes} | ${(curlMs / 1000).toFixed(2)} s | ${mbps(curlHash.bytes, curlMs).toFixed(0)} MB/s | – | – | – | – |`,
    );
    const parts = multipart
      ? `${multipart.partSize / MiB} MiB parts × ${multipart.queueSize} in flight`
      : '?';
    const what: Record<Backend, string> = {
      local: 'local (temp file, sha256, size check, fsync, rename)',
      s3: `s3, versitygw (multipart from a fixed buffer pool: ${parts}, part checksums, size and sha256 checked before completing, \`sha256\` tag)`,
      's3-lib-storage': `s3, versitygw, the same checks with \`@aws-sdk/lib-storage\`'s \`Upload\` (${parts}; comparison, not the product's path)`,
    };
    for (const run of runs) {
      const { result, ms, baselineRss } = run.report;
      console.log(
        `| \`downloadVideo\` activity in a child process | ${what[run.backend]} | ${result.bytes} | ${(ms / 1000).toFixed(2)} s | ${mbps(result.bytes, ms).toFixed(0)} MB/s (${((ms > 0 ? curlMs / ms : 0) * 100).toFixed(0)} % of curl) | ${mib(baselineRss)} MiB | ${mib(run.peak)} MiB | **${mib(run.growth)} MiB** (${run.backend === 's3-lib-storage' ? 'not a product path' : 'limit 64 MiB'}) | ${sameAsCurl(run) ? 'yes' : '**NO**'} |`,
      );
    }
    console.log('');
    for (const run of runs) {
      const { report, outside } = run;
      console.log(
        `- ${run.backend}: RSS samples every ${SAMPLE_MS} ms: ${report.samples} in the child (peak ${mib(report.peakRss)} MiB), ${outside.count} from /proc outside (peak ${mib(outside.peak)} MiB)` +
          (report.hwmRss !== undefined
            ? `, kernel VmHWM since the download began ${mib(report.hwmRss)} MiB`
            : '') +
          (report.atPeak
            ? `; at the child's peak sample, against the baseline: V8 heap used ${mib(report.atBaseline.heapUsed)} → ${mib(report.atPeak.heapUsed)} MiB, Buffers (arrayBuffers) ${mib(report.atBaseline.arrayBuffers)} → ${mib(report.atPeak.arrayBuffers)} MiB`
            : '') +
          '.',
      );
    }
    console.log(
      `- S3 settings: S3_PART_SIZE_MB=${multipart ? multipart.partSize / MiB : '?'}, S3_UPLOAD_CONCURRENCY=${multipart?.queueSize ?? '?'} (buffers ≈ part size × (concurrency + 1) = ${multipart ? (multipart.partSize * (multipart.queueSize + 1)) / MiB : '?'} MiB), storage ${multipart?.describe ?? '?'}; S3 throughput ${mbps(s3Run.report.result.bytes, s3Run.report.ms).toFixed(0)} MB/s = ${((local.report.ms / s3Run.report.ms) * 100).toFixed(0)} % of local storage's ${mbps(local.report.result.bytes, local.report.ms).toFixed(0)} MB/s (versitygw on the same cores, writing to the same disk).`,
    );
    console.log(
      `- sha256 ${curlHash.sha256} (curl, ${curlHash.bytes} bytes). local: ${local.copy.sha256} re-hashed from disk, ${local.copy.bytes} bytes (the activity reported ${local.report.result.sha256}).` +
        s3Runs
          .map(
            (run) =>
              ` ${run.backend}: ${run.copy.sha256} read back through the SDK, ${run.copy.bytes} bytes; HEAD ${run.s3Object?.headBytes ?? '?'} bytes, tag sha256=${run.s3Object?.tagSha256 ?? 'none'} (the activity reported ${run.report.result.sha256}, ${run.s3Object?.uri ?? '?'}); multipart uploads left in progress: ${run.s3Object?.uploadsLeft ?? '?'}.`,
          )
          .join(''),
    );
    console.log(
      '- MB = 10^6 bytes, MiB = 2^20 bytes. MB/s are wall-clock, including hashing and fsync (local) or the multipart completion and tagging (S3) for the activity.',
    );

    const failures: string[] = [];
    for (const run of runs) {
      if (!sameAsCurl(run)) failures.push(`the ${run.backend} copy differs from curl's`);
      if (run.growth >= RSS_LIMIT_BYTES && run.backend !== 's3-lib-storage') {
        failures.push(`RSS grew by ${mib(run.growth)} MiB with ${run.backend} storage (limit 64 MiB)`);
      }
    }
    for (const run of s3Runs) {
      if (run.s3Object && run.s3Object.uploadsLeft > 0) {
        failures.push(
          `${run.s3Object.uploadsLeft} multipart upload(s) left in progress after ${run.backend}`,
        );
      }
    }
    if (s3LeftAfterDelete > MiB) {
      failures.push(`versitygw still holds ${s3LeftAfterDelete} bytes after the object was deleted`);
    }
    // The cleanup runs here rather than only in `finally`, so the report can say it left nothing behind.
    await cleanup.run();
    const remaining: string[] = [];
    for (const dir of [tmp, s3.dataDir]) if (await exists(dir)) remaining.push(dir);
    console.log(
      `- Temporary data removed: ${remaining.length === 0 ? 'yes' : `NO (${remaining.join(', ')})`} (${tmp}, versitygw's ${s3.dataDir}; ${s3LeftAfterDelete} bytes were left there after the object's delete).`,
    );
    if (remaining.length > 0) failures.push(`left behind: ${remaining.join(', ')}`);
    if (failures.length > 0) throw new Error(failures.join('; '));
  } finally {
    await cleanup.run();
  }
}

if (process.argv[2] === '--child') {
  child().catch((err: unknown) => {
    const msg: ChildMessage = { type: 'error', message: err instanceof Error ? err.message : String(err) };
    process.send?.(msg);
    process.exitCode = 1;
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
