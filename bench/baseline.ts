/**
 * Baseline benchmark: the product against the seed's approach (bench/naive/: plain axios, each endpoint in turn, a
 * status check every 5 s; naiveLifecycle.ts on v2, naiveLifecycleV3.ts on v3), in the same run, against the same
 * simulator code with the same job durations, in each HeyGen API version asked for (`--api v3,v2`: both, one after
 * the other, then side by side; default HEYGEN_API_VERSION, else v3). Per version it prints the wall time of N
 * lifecycles and the HeyGen calls per lifecycle for:
 *
 *  - the product in poll mode (capped exponential backoff) and in webhook mode (the product's receiver registered
 *    with the simulator), N lifecycles started at once, on worker processes;
 *  - the naive script with Promise.all over the same N;
 *  - the naive script one lifecycle after another, on `--seq-n` lifecycles, extrapolated linearly to N (labelled).
 *
 * Each measured group gets a fresh simulator instance (same options, same durations), so calls are counted per
 * group. The sequential naive lifecycles run on their own simulator alongside the other groups (one lifecycle at a
 * time, a status check every 5 s: negligible load), which keeps the whole command within 15 minutes.
 *
 *   node dist/bench/baseline.js [--api v3,v2] [--n 100] [--seq-n 3] [--scale 1] [--naive-poll-ms 5000] [--jitter 0.2]
 *                               [--workers 1] [--modes poll,webhook] [--warmup 2] [--timeout-min 10] [--budget-min 13]
 *
 * --budget-min bounds, per API version, the product groups so that the naive groups still fit (a product group cut
 * short says "time limit" and its unfinished runs are terminated); --timeout-min bounds each product group.
 * --scale 1 = the simulator's DEFAULT_DURATIONS (the comparison that matters: the naive script polls every 5 s).
 * For a quick smoke run: --n 5 --seq-n 2 --scale 0.05 --naive-poll-ms 250.
 */
import os from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { API_CAPABILITIES, type ApiVersion } from '../contracts/apiVersion';
import type { WaitMode } from '../contracts/polling';
import { startSimulator } from '../simulator';
import type { JobDurations } from '../simulator/types';
import { startTemporalEnv } from './harness';
import { naiveLifecycleFor, type NaiveOptions } from './naive';
import { apiVersions } from './support/api';
import { Args, waitMode } from './support/args';
import { CallCounter, type CallCounts } from './support/calls';
import { ProcSampler, type SampledProc } from './support/proc';
import {
  describeError,
  openProductStack,
  runLifecycles,
  summarize,
  warmUp,
  type RunOutcome,
} from './support/productRun';
import { benchLifecycleInput, criticalPathMs, durationProfile, LOOK_POLLING_NOTE } from './support/profiles';
import { fixed, machineLine, ms, progress, ratio, sec, table, type Cell } from './support/report';
import { NAIVE_POLL_MS } from './naive/common';
import { callsByEndpointTable, PROCESS_HEADERS, processRows } from './support/tables';
import { jobTimesPerLifecycle } from './support/jobTime';
import { writeWorkflowBundle } from './support/workers';

interface NaiveRun {
  n: number;
  /** Simulated job time of each lifecycle (bench/support/jobTime.ts) */
  jobMs: number[];
  /** Each completed lifecycle's wall time minus its own job time */
  lagMs: number[];
  wallMs: number;
  lifecycleMs: number[];
  failures: string[];
  calls: CallCounts;
}

interface ProductRun {
  mode: WaitMode;
  /** Simulated job time of each lifecycle (bench/support/jobTime.ts) */
  jobMs: number[];
  /** Each completed lifecycle's wall time minus its own job time */
  lagMs: number[];
  outcome: RunOutcome;
  calls: CallCounts;
  procs: SampledProc[];
}

/**
 * Simulated job time on the naive script's critical path. v2: it does not wait for the added looks before training.
 * v3: the same steps as the product (avatar's look, generated look, render).
 */
function naiveCriticalPathMs(d: JobDurations, version: ApiVersion): number {
  if (!API_CAPABILITIES[version].training) return criticalPathMs(d, version);
  return d.photoGenerationMs + d.trainingMs + d.lookGenerationMs + d.lookProcessingMs + d.renderMs;
}

const JITTER_SEED = 20261121;

async function runNaive(
  version: ApiVersion,
  n: number,
  parallel: boolean,
  durations: JobDurations,
  pollMs: number,
  label: string,
  jitter: number,
): Promise<NaiveRun> {
  const sim = await startSimulator({ durations, durationJitter: jitter, durationJitterSeed: JITTER_SEED });
  const counter = new CallCounter(sim);
  const outDir = path.join(os.tmpdir(), `bench-naive-${process.pid}-${version}-${label}`);
  const naiveLifecycle = naiveLifecycleFor(version);
  const o: NaiveOptions = { baseUrl: sim.url, apiKey: sim.apiKey, pollMs, outDir };
  const lifecycleMs: number[] = [];
  const byName = new Map<string, number>();
  const failures: string[] = [];
  const one = async (i: number) => {
    const t = Date.now();
    const name = `Naive ${label} ${i + 1}`;
    try {
      await naiveLifecycle({ ...o, name });
      lifecycleMs.push(Date.now() - t);
      byName.set(name, Date.now() - t);
    } catch (err) {
      failures.push(describeError(err));
    }
  };
  const started = Date.now();
  try {
    if (parallel) {
      await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
    } else {
      for (let i = 0; i < n; i++) {
        await one(i);
        progress(`  naive sequential: ${i + 1}/${n} done`);
      }
    }
    const wallMs = Date.now() - started;
    const jobs = jobTimesPerLifecycle(sim.snapshot(), version);
    const lagMs = [...byName].flatMap(([name, ms]) => {
      const job = jobs.get(name);
      return job === undefined ? [] : [ms - job];
    });
    return { n, wallMs, lifecycleMs, failures, calls: counter.read(), jobMs: [...jobs.values()], lagMs };
  } finally {
    counter.stop();
    await sim.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

interface BaselineSettings {
  n: number;
  seqN: number;
  profile: ReturnType<typeof durationProfile>;
  naivePollMs: number;
  jitter: number;
  workers: number;
  modes: WaitMode[];
  warmup: number;
  timeoutMs: number;
  budgetMs: number;
}

interface VersionReport {
  version: ApiVersion;
  products: ProductRun[];
  naiveAll: NaiveRun;
  naiveSeq: NaiveRun;
  elapsedSeconds: number;
}

async function main(): Promise<void> {
  const args = new Args().only([
    'api',
    'n',
    'seq-n',
    'scale',
    'naive-poll-ms',
    'workers',
    'modes',
    'warmup',
    'timeout-min',
    'budget-min',
    'jitter',
  ]);
  const versions = apiVersions(args);
  const settings: BaselineSettings = {
    n: args.num('n', 100),
    seqN: args.num('seq-n', 3),
    profile: durationProfile('realistic', args.num('scale', 1)),
    naivePollMs: args.num('naive-poll-ms', NAIVE_POLL_MS),
    // Real HeyGen jobs never take a round number of seconds: without jitter every job would end exactly on one of
    // the naive script's 5 s ticks, which no real run does.
    jitter: args.num('jitter', 0.2),
    workers: args.num('workers', 1),
    modes: args.list('modes', 'poll,webhook').map(waitMode),
    warmup: args.num('warmup', 2),
    timeoutMs: args.num('timeout-min', 10) * 60_000,
    budgetMs: args.num('budget-min', 13) * 60_000,
  };

  const began = Date.now();
  const machine = machineLine();
  progress('starting the Temporal dev server and bundling the workflows');
  const [env, bundle] = await Promise.all([startTemporalEnv(), writeWorkflowBundle()]);
  const reports: VersionReport[] = [];
  try {
    for (const version of versions) reports.push(await runVersion(version, settings, env, bundle.codePath));
  } finally {
    await env.teardown();
    await bundle.dispose();
  }
  const { profile, jitter } = settings;
  const profileDescription =
    jitter > 0
      ? `${profile.description}; each job's duration drawn from ±${Math.round(jitter * 100)} % of it (one seeded stream per kind of job: the k-th photo generation, training, render... of every approach lasts the same; \`--jitter 0\` for exact durations)`
      : profile.description;
  for (const r of reports) {
    printReport({
      machine,
      profileDescription,
      durations: profile.durations,
      n: settings.n,
      naivePollMs: settings.naivePollMs,
      workers: settings.workers,
      ...r,
    });
  }
  if (reports.length > 1) printSideBySide(reports, settings.n);
  console.log(`\nTotal benchmark time: ${sec((Date.now() - began) / 1000, 0)}.`);
}

/** Every group of one API version: product modes, naive Promise.all, naive sequential (alongside). */
async function runVersion(
  version: ApiVersion,
  o: BaselineSettings,
  env: Awaited<ReturnType<typeof startTemporalEnv>>,
  codePath: string,
): Promise<VersionReport> {
  const { n, profile, workers, jitter } = o;
  const began = Date.now();
  progress(
    `HeyGen API ${version}: naive sequential, ${o.seqN} lifecycle(s), alongside the other groups, on a simulator of its own`,
  );
  const sequential = runNaive(version, o.seqN, false, profile.durations, o.naivePollMs, 'seq', jitter);
  const products: ProductRun[] = [];
  let naiveAll: NaiveRun;
  try {
    for (const mode of o.modes) {
      progress(
        `HeyGen API ${version}, product, ${mode} mode: ${n} lifecycles at once on ${workers} worker process(es)`,
      );
      const stack = await openProductStack({
        env,
        apiVersion: version,
        codePath,
        taskQueue: `bench-baseline-${version}-${mode}`,
        mode,
        workers,
        sim: { durationJitter: jitter, durationJitterSeed: JITTER_SEED },
      });
      try {
        await warmUp(stack, mode, profile, o.warmup * workers);
        stack.sim.setDurations(profile.durations);
        stack.counter.reset();
        const warmUpGroups = new Set(stack.sim.snapshot().groups.map((g) => g.id));
        const sampler = new ProcSampler(stack.processes()).start();
        // Leave time for the naive Promise.all group (its lifecycles take the critical path plus polling lag).
        const reserveMs = criticalPathMs(profile.durations, version) * 1.3 + 60_000;
        const left = o.budgetMs - (Date.now() - began) - reserveMs;
        const outcome = await runLifecycles(
          stack.client,
          n,
          () => benchLifecycleInput(mode, profile),
          Math.min(o.timeoutMs, Math.max(60_000, left)),
        );
        const jobs = jobTimesPerLifecycle(stack.sim.snapshot(), version, warmUpGroups);
        // The product names each group `<name> [<workflowId>]`.
        const jobOf = new Map([...jobs].map(([group, ms]) => [/\[(.+)\]$/.exec(group)?.[1] ?? group, ms]));
        products.push({
          mode,
          outcome,
          procs: sampler.stop(),
          calls: stack.counter.read(),
          jobMs: [...jobs.values()],
          lagMs: outcome.timings.flatMap((t) => {
            const job = jobOf.get(t.workflowId);
            return t.status === 'COMPLETED' && job !== undefined ? [t.wallMs - job] : [];
          }),
        });
        progress(`  ${outcome.completed}/${n} completed in ${sec(outcome.spanMs / 1000)}`);
      } finally {
        await stack.close();
      }
    }
    progress(`HeyGen API ${version}, naive script, Promise.all over ${n} lifecycles`);
    naiveAll = await runNaive(version, n, true, profile.durations, o.naivePollMs, 'all', jitter);
    progress(`  ${naiveAll.lifecycleMs.length}/${n} completed in ${sec(naiveAll.wallMs / 1000)}`);
    progress('waiting for the naive sequential lifecycles to finish');
  } finally {
    await sequential.catch(() => undefined);
  }
  return {
    version,
    products,
    naiveAll,
    naiveSeq: await sequential,
    elapsedSeconds: (Date.now() - began) / 1000,
  };
}

/** One row per approach, one column pair per version: wall time and HeyGen calls per lifecycle. */
function printSideBySide(reports: VersionReport[], n: number): void {
  const rows = new Map<string, Cell[]>();
  const put = (approach: string, i: number, wallMs: number, lifecycles: number, calls: CallCounts) => {
    const row = rows.get(approach) ?? Array.from({ length: reports.length * 2 }, (): Cell => '–');
    row[i * 2] = sec(wallMs / 1000);
    row[i * 2 + 1] = fixed(calls.total / lifecycles, 1);
    rows.set(approach, row);
  };
  reports.forEach((r, i) => {
    for (const p of r.products) put(`product, ${p.mode} mode, ${n} at once`, i, p.outcome.spanMs, n, p.calls);
    put(`naive, Promise.all over ${n}`, i, r.naiveAll.wallMs, r.naiveAll.n, r.naiveAll.calls);
    put(`naive, sequential (${r.naiveSeq.n} measured)`, i, r.naiveSeq.wallMs, r.naiveSeq.n, r.naiveSeq.calls);
  });
  console.log('\n## Side by side: HeyGen API versions\n');
  console.log(
    table(
      [
        'approach',
        ...reports.flatMap((r) => [
          `${r.version}: wall time, all lifecycles`,
          `${r.version}: HeyGen calls per lifecycle`,
        ]),
      ],
      [...rows].map(([approach, cells]) => [approach, ...cells]),
    ),
  );
}

function printReport(r: {
  version: ApiVersion;
  machine: string;
  profileDescription: string;
  durations: JobDurations;
  n: number;
  naivePollMs: number;
  workers: number;
  products: ProductRun[];
  naiveAll: NaiveRun;
  naiveSeq: NaiveRun;
  elapsedSeconds: number;
}): void {
  const out: string[] = [];
  const { n, naiveAll, naiveSeq } = r;
  const seqPerLifecycle =
    naiveSeq.lifecycleMs.length > 0 ? naiveSeq.wallMs / naiveSeq.lifecycleMs.length : NaN;
  const seqExtrapolated = seqPerLifecycle * n;
  const productCp = criticalPathMs(r.durations, r.version);
  const naiveCp = naiveCriticalPathMs(r.durations, r.version);

  out.push(`\n## HeyGen API ${r.version}: product vs the seed’s approach (naive script)\n`);
  out.push(r.machine);
  out.push(`\nJob durations: ${r.profileDescription}.`);
  if (r.products.some((p) => p.mode === 'webhook')) out.push(`Note: ${LOOK_POLLING_NOTE}.`);
  out.push(
    `Naive script: plain axios, endpoint after endpoint, a status check every ${r.naivePollMs / 1000} s ` +
      (r.version === 'v2'
        ? '(bench/naive/naiveLifecycle.ts); it trains without waiting for the added looks. '
        : '(bench/naive/naiveLifecycleV3.ts, no Idempotency-Key). ') +
      `Simulated critical path: naive ${sec(naiveCp / 1000, 1)}, product ${sec(productCp / 1000, 1)}. Product runs: ` +
      `${r.workers} worker process(es), all ${n} lifecycles started at once, speaking HeyGen API ${r.version}.\n`,
  );

  const perLifecycle = (values: number[], lags: number[]): Cell[] => {
    const w = summarize(values);
    const o = summarize(lags);
    return [ms(w.p50), ms(w.p99), ms(o.p50), ms(o.p99)];
  };
  // No run of lifecycles started at once ends before its slowest lifecycle's jobs do (one after another: their sum).
  const bound = (jobMs: number[], wallMs: number, sequential = false): Cell[] => {
    if (jobMs.length === 0) return ['–', '–'];
    const b = sequential ? jobMs.reduce((a, v) => a + v, 0) : Math.max(...jobMs);
    return [sec(b / 1000), sec((wallMs - b) / 1000)];
  };
  const callsCell = (c: CallCounts, lifecycles: number) =>
    `${fixed(c.total / lifecycles, 1)} (${fixed(c.writes / lifecycles, 1)} w + ${fixed(c.reads / lifecycles, 1)} r)`;
  const rows: Cell[][] = [];
  for (const p of r.products) {
    const done = p.outcome.timings.filter((t) => t.status === 'COMPLETED');
    rows.push([
      `product, ${p.mode} mode, ${n} at once`,
      `${p.outcome.completed}/${n}`,
      sec(p.outcome.spanMs / 1000),
      ...bound(p.jobMs, p.outcome.spanMs),
      ...perLifecycle(
        done.map((t) => t.wallMs),
        p.lagMs,
      ),
      callsCell(p.calls, n),
    ]);
  }
  rows.push([
    `naive, Promise.all over ${n}`,
    `${naiveAll.lifecycleMs.length}/${n}`,
    sec(naiveAll.wallMs / 1000),
    ...bound(naiveAll.jobMs, naiveAll.wallMs),
    ...perLifecycle(naiveAll.lifecycleMs, naiveAll.lagMs),
    callsCell(naiveAll.calls, naiveAll.n),
  ]);
  rows.push([
    `naive, sequential, ${naiveSeq.n} measured`,
    `${naiveSeq.lifecycleMs.length}/${naiveSeq.n}`,
    sec(naiveSeq.wallMs / 1000),
    ...bound(naiveSeq.jobMs, naiveSeq.wallMs, true),
    ...perLifecycle(naiveSeq.lifecycleMs, naiveSeq.lagMs),
    callsCell(naiveSeq.calls, naiveSeq.n),
  ]);
  rows.push([
    `naive, sequential, ${n} — **extrapolated** linearly from ${naiveSeq.lifecycleMs.length}`,
    '–',
    `**${sec(seqExtrapolated / 1000, 0)}** (extrapolated)`,
    '–',
    '–',
    '–',
    '–',
    '–',
    '–',
    'same as measured',
  ]);
  out.push(
    table(
      [
        'approach',
        'completed',
        'wall time, all lifecycles',
        'job time of the slowest lifecycle (nothing ends sooner; sequential: the sum)',
        'wall − that',
        'lifecycle wall p50',
        'p99',
        'lag p50 (a lifecycle’s wall time − its own job time)',
        'p99',
        'HeyGen calls per lifecycle',
      ],
      rows,
    ),
  );

  out.push('\n### Ratios (product ÷ baseline; below 1 = the product is faster / makes fewer calls)\n');
  out.push(
    table(
      [
        'product mode',
        `wall time vs naive Promise.all (${n})`,
        `wall time vs naive sequential (${n}, extrapolated)`,
        'HeyGen calls per lifecycle vs naive',
      ],
      r.products.map((p) => [
        p.mode,
        ratio(p.outcome.spanMs, naiveAll.wallMs),
        ratio(p.outcome.spanMs, seqExtrapolated),
        ratio(p.calls.total / n, naiveAll.calls.total / naiveAll.n),
      ]),
    ),
  );

  out.push('\n### HeyGen calls per lifecycle: webhook mode, poll mode (backoff), baseline\n');
  out.push(
    callsByEndpointTable([
      ...r.products.map((p) => ({ name: `product, ${p.mode} mode`, calls: p.calls, lifecycles: n })),
      { name: `naive, Promise.all over ${n}`, calls: naiveAll.calls, lifecycles: naiveAll.n },
      { name: `naive, sequential ×${naiveSeq.n}`, calls: naiveSeq.calls, lifecycles: naiveSeq.n },
    ]),
  );
  out.push(
    '\nWebhook mode: registering the receiver (2 calls: list endpoints, add endpoint) happens once per deployment ' +
      'and is not counted. Media downloads are not API calls and are not counted.',
  );

  out.push('\n### Product processes during each measured run\n');
  out.push(
    table(
      ['mode', ...PROCESS_HEADERS],
      r.products.flatMap((p) => processRows([p.mode], p.procs, p.outcome.completed)),
    ),
  );

  const problems = [
    ...r.products.flatMap((p) =>
      p.outcome.failures.map((f) => `product ${p.mode}: ${f.workflowId} ${f.status} ${f.error ?? ''}`),
    ),
    ...naiveAll.failures.map((f) => `naive Promise.all: ${f}`),
    ...naiveSeq.failures.map((f) => `naive sequential: ${f}`),
  ];
  if (problems.length > 0) {
    out.push(`\n### Lifecycles that did not complete (${problems.length})\n`);
    for (const p of problems.slice(0, 20)) out.push(`- ${p}`);
  }
  out.push(`\nBenchmark time for HeyGen API ${r.version}: ${sec(r.elapsedSeconds, 0)}.`);
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
