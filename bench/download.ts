/**
 * Download benchmark, loopback only, bounded (one render, two downloads, time limits on each):
 *  1. The simulator renders a big MP4 (1920x1080, 600 s, 30 fps, a full keyframe every second: about 1.9 GB).
 *  2. `curl -s -o` downloads it: the reference throughput.
 *  3. The worker's path: the `downloadVideo` activity (status read, signed URL, storage with temporary name, sha256,
 *     size check, fsync, rename) runs in a child Node process, so the RSS measured is that process's own. Its RSS is
 *     sampled every 50 ms before and during the download — by the child itself and, from outside, by this process
 *     reading /proc/<pid>/status — and the kernel's high-water mark (VmHWM, reset just before the download) is read at
 *     the end. Growth = peak - baseline must stay under 64 MiB.
 *  Both files must have the same size and sha256 (hashed again from disk here). Temporary files are deleted.
 *
 *   npm run bench:download -- [seconds=600] [width=1920] [height=1080] [--api v3|v2]
 *   (BENCH_ALLOW_SMALL=1 lets a file under 1 GB through, for a quick try; --api defaults to HEYGEN_API_VERSION, else
 *   v3: the version the render is submitted with and the activity reads the status with. v3 takes exact sizes only:
 *   1920×1080 is its 1080p)
 *
 * The same file is also the child (`node dist/bench/download.js --child`): only the activity's modules load there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { DownloadVideoResult } from '../activities/delivery';
import type { ApiVersion } from '../contracts/apiVersion';

const MiB = 1024 * 1024;
const RSS_LIMIT_BYTES = 64 * MiB;
const SAMPLE_MS = 50;
const STEP_TIMEOUT_MS = 10 * 60_000;
const MIN_FILE_BYTES = 1e9;

interface ChildInput {
  apiVersion: ApiVersion;
  apiBaseUrl: string;
  apiKey: string;
  videoId: string;
  outputDir: string;
}

interface ChildReport {
  baselineRss: number;
  peakRss: number;
  samples: number;
  /** VmHWM after a reset just before the download; undefined when the kernel refused the reset */
  hwmRss?: number;
  ms: number;
  result: DownloadVideoResult;
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
  const { LocalDirectoryStorage } = await import('../storage');
  const activities = createActivities({
    heygen: createHeyGenPort({
      apiVersion: input.apiVersion,
      apiBaseUrl: input.apiBaseUrl,
      uploadBaseUrl: input.apiBaseUrl,
      apiKey: input.apiKey,
    }),
    storage: new LocalDirectoryStorage(input.outputDir),
    outputDir: input.outputDir,
    inputDir: input.outputDir,
  });

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  let peak = 0;
  let samples = 0;
  const baselineSamples: number[] = [];
  for (let i = 0; i < 10; i++) {
    baselineSamples.push(process.memoryUsage.rss());
    await sleep(SAMPLE_MS);
  }
  baselineSamples.sort((a, b) => a - b);
  const baselineRss = baselineSamples[Math.floor(baselineSamples.length / 2)] ?? process.memoryUsage.rss();
  let hwmReset = false;
  try {
    await writeFile('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
    hwmReset = true;
  } catch {
    // not Linux, or not allowed
  }
  send({ type: 'ready' });
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
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
      samples,
      ...(hwm !== undefined ? { hwmRss: hwm } : {}),
      ms,
      result,
    },
  });
}

// -------------------------------------------------------------------------------------------------------------------
// Parent

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
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

/** Runs the activity in a child process and samples its RSS from outside too. */
function runChild(input: ChildInput): Promise<{ report: ChildReport; outside: OutsideSamples }> {
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, ['--expose-gc', __filename, '--child'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_CHILD_INPUT: JSON.stringify(input) },
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const positional: string[] = [];
  while (argv[0] !== undefined && !argv[0].startsWith('--')) positional.push(argv.shift()!);
  const { Args } = await import('./support/args');
  const { apiVersion: versionOf } = await import('./support/api');
  const apiVersion = versionOf(new Args(argv).only(['api']));
  const seconds = Number(positional[0] ?? 600);
  const width = Number(positional[1] ?? 1920);
  const height = Number(positional[2] ?? 1080);
  const { startSimulator } = await import('../simulator');
  const { createHeyGenPort } = await import('../heygen/select');

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-download-'));
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
  try {
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
    // Builds (and caches) the simulator's plan of the file, so neither download pays for it.
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

    // (b) the worker's path, in a child process
    console.error('downloadVideo activity in a child process ...');
    const outputDir = path.join(tmp, 'worker');
    const { report, outside } = await runChild({
      apiVersion,
      apiBaseUrl: sim.url,
      apiKey: sim.apiKey,
      videoId,
      outputDir,
    });
    const stored = await stat(report.result.path ?? '');
    const activityHash = await sha256File(report.result.path ?? '');
    await rm(outputDir, { recursive: true, force: true });

    const peak = Math.max(report.peakRss, outside.peak, report.hwmRss ?? 0);
    const growth = peak - report.baselineRss;
    const same =
      curlHash.sha256 === activityHash.sha256 &&
      curlHash.sha256 === report.result.sha256 &&
      curlHash.bytes === activityHash.bytes &&
      curlHash.bytes === report.result.bytes &&
      stored.size === head.length;
    const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
    const mib = (b: number) => (b / MiB).toFixed(1);

    console.log(
      `\n### Download of a ${(head.length / 1e6).toFixed(0)} MB MP4 (${width}x${height}, ${seconds} s, 30 fps, keyframe every 1 s) from the simulator, HeyGen API ${apiVersion}, loopback, ${os.cpus().length} CPUs, Node ${process.version}\n`,
    );
    console.log('| path | bytes | time | throughput | baseline RSS | peak RSS | RSS growth |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(
      `| \`curl -s -o\` (reference) | ${curlHash.bytes} | ${(curlMs / 1000).toFixed(2)} s | ${mbps(curlHash.bytes, curlMs)} MB/s | – | – | – |`,
    );
    console.log(
      `| \`downloadVideo\` activity in a child process (status read + storage: temp file, sha256, size check, fsync, rename) | ${report.result.bytes} | ${(report.ms / 1000).toFixed(2)} s | ${mbps(report.result.bytes, report.ms)} MB/s (${((report.ms > 0 ? curlMs / report.ms : 0) * 100).toFixed(0)} % of curl) | ${mib(report.baselineRss)} MiB | ${mib(peak)} MiB | **${mib(growth)} MiB** (limit 64 MiB) |`,
    );
    console.log(
      `\nRSS samples every ${SAMPLE_MS} ms: ${report.samples} in the child (peak ${mib(report.peakRss)} MiB), ${outside.count} from /proc outside (peak ${mib(outside.peak)} MiB)` +
        (report.hwmRss !== undefined
          ? `, kernel VmHWM since the download began ${mib(report.hwmRss)} MiB`
          : '') +
        '.',
    );
    console.log(
      `Same file: ${same ? 'yes' : 'NO'} — sha256 ${curlHash.sha256} (curl) / ${activityHash.sha256} (activity, re-hashed from disk; the activity reported ${report.result.sha256}), ${curlHash.bytes} / ${activityHash.bytes} bytes.`,
    );
    console.log(
      'MB = 10^6 bytes, MiB = 2^20 bytes. MB/s are wall-clock, including hashing and fsync for the activity.',
    );
    if (!same) throw new Error('the two downloads differ');
    if (growth >= RSS_LIMIT_BYTES) throw new Error(`RSS grew by ${mib(growth)} MiB (limit 64 MiB)`);
  } finally {
    await sim.close();
    await rm(tmp, { recursive: true, force: true });
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
