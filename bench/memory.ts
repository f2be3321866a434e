/**
 * Worker memory with many lifecycles in flight: N lifecycles are started and held in their training wait (the
 * simulator's training takes 6 hours; every other job is instant), so every run is open and, with the product's
 * cache size, cached in the worker. Once all N have started training, the worker processes' resident set is
 * sampled for a while and compared with the same workers idle after warm-up; then every run is terminated.
 *
 *   node dist/bench/memory.js [--api v3] [--n 1000] [--workers 1] [--cache default] [--mode poll]
 *                             [--settle-s 10] [--sample-s 10] [--timeout-min 10] [--preload zod,...]
 *
 * --api: the HeyGen API version(s) the workers speak (default HEYGEN_API_VERSION, else v3; a list measures each).
 * v2 holds each lifecycle in its training wait; v3 has no training, so there it is held in the wait for the
 * avatar's first look (made from the prompt: the photo generation takes the 6 hours).
 *
 * --workers and --cache take lists (e.g. --cache default,100: the product default, 1000, then 100) and measure
 * every combination. Poll mode waits read the training status with the product's default backoff (5 s ×1.5 → 30 s);
 * webhook mode waits on a timer (10 min fallback) and a mailbox route per job.
 *
 * --preload (an experiment, not the shipped configuration) builds the workflow bundle with the SDK's
 * `preloadModules`, e.g. `--preload zod`: those modules are then evaluated once per worker instead of once per
 * cached workflow run. What it showed led elsewhere: preloading zod alone saved heap but no RSS or CPU, and the
 * contract schemas cannot be preloaded (the SDK freezes preloaded modules; zod defines methods on first use); the
 * product instead keeps zod out of the sandbox (inputs validated by a local activity).
 */
import { API_CAPABILITIES, type ApiVersion } from '../contracts/apiVersion';
import type { WaitMode } from '../contracts/polling';
import { ZERO_DURATIONS, type LedgerKind } from '../simulator';
import { startTemporalEnv } from './harness';
import { apiVersions } from './support/api';
import { Args, waitMode } from './support/args';
import { readProc, ProcSampler, type SampledProc } from './support/proc';
import { openProductStack, warmUp, type ProductStack } from './support/productRun';
import { benchLifecycleInput, type DurationProfile } from './support/profiles';
import { fixed, machineLine, mapLimit, mib, progress, sec, sleep, table, type Cell } from './support/report';
import { tuningTable } from './support/tables';
import { writeWorkflowBundle } from './support/workers';
import type { ChildStats } from './support/workerChild';

const HOLD_MS = 6 * 60 * 60 * 1000;

/**
 * Where a lifecycle is held, per version: its first long wait after the avatar exists (v2 training; v3 the avatar's
 * look), and the ledger entry that says a lifecycle has reached it.
 */
function heldProfile(version: ApiVersion): DurationProfile & { reached: LedgerKind } {
  if (API_CAPABILITIES[version].training) {
    return {
      name: 'held in training',
      durations: { ...ZERO_DURATIONS, trainingMs: HOLD_MS },
      scale: 1,
      description: 'every job instant except training (6 h): each lifecycle stops in its training wait',
      reached: 'training',
    };
  }
  return {
    name: 'held in the wait for the avatar',
    durations: { ...ZERO_DURATIONS, photoGenerationMs: HOLD_MS },
    scale: 1,
    description:
      "every job instant except the avatar's look from the prompt (6 h): each lifecycle stops in its wait for it " +
      '(v3 has no training)',
    reached: 'avatar',
  };
}

interface WorkerMemory {
  label: string;
  idleRss: number;
  idle: ChildStats;
  heldRss: number;
  held: ChildStats;
  /** highest VmRSS sampled from the first start to the end of the hold window */
  peak: SampledProc | undefined;
}

interface MemoryRun {
  version: ApiVersion;
  workers: number;
  cache: string;
  n: number;
  /** Lifecycles that reached the held wait */
  inHold: number;
  running: number;
  rampMs: number;
  perWorker: WorkerMemory[];
  server: SampledProc | undefined;
  tuning: Record<string, unknown>;
  env: Record<string, string>;
}

/** Lifecycles that reached the held wait (from the simulator's billing ledger), after `since` (a ledger seq). */
function reachedHold(stack: ProductStack, kind: LedgerKind, since: number): number {
  return stack.sim.ledger().filter((e) => e.kind === kind && e.seq > since).length;
}

async function measure(
  stack: ProductStack,
  o: { n: number; mode: WaitMode; settleMs: number; sampleMs: number; timeoutMs: number; taskQueue: string },
): Promise<Omit<MemoryRun, 'version' | 'workers' | 'cache' | 'tuning' | 'env'>> {
  const HELD = heldProfile(stack.apiVersion);
  await warmUp(stack, o.mode, HELD, 2 * stack.workers.length);
  await sleep(2000);
  const idle = await Promise.all(
    stack.workers.map(async (w) => ({ rss: readProc(w.pid)?.rssBytes ?? NaN, stats: await w.stats() })),
  );
  stack.sim.setDurations(HELD.durations);
  stack.counter.reset();
  const since = stack.sim.ledger().at(-1)?.seq ?? 0;
  const heldSoFar = () => reachedHold(stack, HELD.reached, since);
  const sampler = new ProcSampler(stack.processes()).start();
  const started: string[] = [];
  const t0 = Date.now();
  const ids = Array.from({ length: o.n }, (_, i) => i);
  const ticker = setInterval(() => {
    progress(`  ${started.length}/${o.n} started, ${heldSoFar()} held`);
  }, 10_000);
  let inHold = 0;
  try {
    await mapLimit(ids, 50, async () => {
      started.push((await stack.client.startLifecycle(benchLifecycleInput(o.mode, HELD, 'Held'))).workflowId);
    });
    while ((inHold = heldSoFar()) < o.n && Date.now() - t0 < o.timeoutMs) await sleep(500);
  } finally {
    clearInterval(ticker);
  }
  const rampMs = Date.now() - t0;
  progress(`  ${inHold}/${o.n} held (${HELD.name}) after ${sec(rampMs / 1000)}; settling, then sampling`);
  await sleep(o.settleMs);
  const window = new ProcSampler(
    stack.workers.map((w) => ({ label: w.label, pid: w.pid })),
    200,
  ).start();
  await sleep(o.sampleMs);
  const held = await Promise.all(stack.workers.map((w) => w.stats()));
  const windowStats = window.stop();
  const ramp = sampler.stop();
  const { count } = await stack.client.client.workflow.count(
    `TaskQueue = '${o.taskQueue}' AND WorkflowType = 'photoAvatarLifecycle' AND ExecutionStatus = 'Running'`,
  );
  progress(`  terminating ${started.length} lifecycles`);
  await mapLimit(started, 50, (id) =>
    stack.client.client.workflow
      .getHandle(id)
      .terminate('memory benchmark done')
      .catch(() => undefined),
  );
  return {
    n: o.n,
    inHold,
    running: count,
    rampMs,
    perWorker: stack.workers.map((w, i) => ({
      label: w.label,
      idleRss: idle[i]!.rss,
      idle: idle[i]!.stats,
      heldRss: windowStats.find((s) => s.label === w.label)?.meanRssBytes ?? NaN,
      held: held[i]!,
      peak: ramp.find((s) => s.label === w.label),
    })),
    server: ramp.find((s) => s.label === 'temporal server'),
  };
}

async function main(): Promise<void> {
  const args = new Args().only([
    'api',
    'n',
    'workers',
    'cache',
    'mode',
    'settle-s',
    'sample-s',
    'timeout-min',
    'preload',
  ]);
  const versions = apiVersions(args);
  const n = args.num('n', 1000);
  const workerCounts = args.nums('workers', '1');
  const caches = args.list('cache', 'default');
  const mode = waitMode(args.str('mode', 'poll'));
  const settleMs = args.num('settle-s', 10) * 1000;
  const sampleMs = args.num('sample-s', 10) * 1000;
  const timeoutMs = args.num('timeout-min', 10) * 60_000;
  const preload = args.list('preload', '');

  const began = Date.now();
  const machine = machineLine();
  progress('starting the Temporal dev server and bundling the workflows');
  const [env, bundle] = await Promise.all([startTemporalEnv(), writeWorkflowBundle(preload)]);
  const runs: MemoryRun[] = [];
  let index = 0;
  try {
    for (const version of versions) {
      for (const workers of workerCounts) {
        for (const cache of caches) {
          index += 1;
          const taskQueue = `bench-memory-${index}`;
          progress(
            `run ${index}: HeyGen API ${version}, ${n} lifecycles ${heldProfile(version).name}, ${workers} worker(s), ` +
              `maxCachedWorkflows ${cache}`,
          );
          const stack = await openProductStack({
            env,
            apiVersion: version,
            codePath: bundle.codePath,
            taskQueue,
            mode,
            workers,
            ...(cache === 'default' ? {} : { maxCachedWorkflows: Number(cache) }),
          });
          try {
            const m = await measure(stack, { n, mode, settleMs, sampleMs, timeoutMs, taskQueue });
            runs.push({
              ...m,
              version,
              workers,
              cache,
              tuning: stack.workers[0]!.tuning,
              env: stack.workers[0]!.env,
            });
          } finally {
            await stack.close();
          }
        }
      }
    }
  } finally {
    await env.teardown();
    await bundle.dispose();
  }

  const out: string[] = [];
  out.push(`\n## Worker memory with ${n} lifecycles in flight (${mode} mode)\n`);
  out.push(machine);
  if (preload.length > 0) {
    out.push(
      `\n**Experiment, not the shipped configuration:** workflow bundle built with preloadModules ` +
        `${preload.map((m) => `\`${m}\``).join(', ')} (evaluated once per worker and shared by every workflow).`,
    );
  }
  out.push(
    `\nJob durations: ${versions.map((v) => `${v}: ${heldProfile(v).description}`).join('; ')}. Workers are ` +
      `separate processes (the product's createWorker), warmed ` +
      `up with two lifecycles each; “idle” is measured after warm-up, “held” is the mean VmRSS over ${sampleMs / 1000} s ` +
      `once every lifecycle has reached its held wait (plus ${settleMs / 1000} s to settle). Δ per lifecycle = ` +
      `(held − idle) ÷ lifecycles held by that worker's share (N ÷ workers).\n`,
  );
  const rows: Cell[][] = runs.flatMap((r) =>
    r.perWorker.map((w) => [
      r.version,
      r.workers,
      r.cache === 'default' ? `${String(r.tuning.maxCachedWorkflows)} (default)` : r.cache,
      `${r.inHold}/${r.n} (${r.running} running)`,
      sec(r.rampMs / 1000),
      w.label,
      mib(w.idleRss),
      mib(w.heldRss),
      mib(w.peak?.peakRssBytes ?? NaN),
      `${fixed((w.heldRss - w.idleRss) / 1024 / (r.n / r.workers), 0)} KiB`,
      `${mib(w.idle.memory.heapUsed)} → ${mib(w.held.memory.heapUsed)}`,
      `${mib(w.idle.threadHeapUsed)} → ${mib(w.held.threadHeapUsed)} (of ${mib(w.held.threadHeapTotal)})`,
      `${mib(w.idle.memory.external)} → ${mib(w.held.memory.external)}`,
      `${w.idle.cachedWorkflows} → ${w.held.cachedWorkflows}`,
      fixed(w.peak?.cpuSeconds ?? NaN, 1),
    ]),
  );
  out.push(
    table(
      [
        'HeyGen API',
        'workers',
        'maxCachedWorkflows',
        'held (running)',
        'time to get all held',
        'worker',
        'RSS idle',
        'RSS held',
        'peak RSS (ramp + hold)',
        'Δ RSS per lifecycle',
        'main-thread V8 heap used idle → held',
        'workflow-thread V8 heap used idle → held',
        'external idle → held',
        'cached workflows idle → held',
        'CPU s (ramp + hold)',
      ],
      rows,
    ),
  );
  out.push('\n| run | Temporal server peak RSS | Temporal server CPU s |\n| --- | --- | --- |');
  for (const r of runs) {
    out.push(
      `| ${r.version}, ${r.workers} worker(s), cache ${r.cache} | ${mib(r.server?.peakRssBytes ?? NaN)} | ${fixed(r.server?.cpuSeconds ?? NaN, 1)} |`,
    );
  }
  const first = runs[0];
  if (first) {
    out.push('\n### Worker tuning (as compiled by the SDK, first run)\n');
    out.push(tuningTable(first.tuning, first.env));
  }
  out.push(`\nTotal benchmark time: ${sec((Date.now() - began) / 1000, 0)}.`);
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
