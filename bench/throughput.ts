/**
 * Throughput benchmark: N photo-avatar lifecycles started at once, on one and on two worker processes, with zero
 * and with realistic simulated job durations, on a real Temporal dev server and the HeyGen simulator (loopback).
 *
 * For every configuration it reports completed lifecycles per second, each lifecycle's end-to-end orchestration
 * overhead (its wall time, start to close on the server clock, minus the simulated job time on its critical path),
 * the peak resident set and CPU seconds of every worker process (and of the Temporal server and this process, which
 * hosts the client, the simulator and the webhook receiver), and the HeyGen calls per lifecycle.
 *
 * Every worker is a separate process (`bench/support/workerChild.ts`: the product's createWorker, configured from
 * the same environment variables as `heygen-pipelines worker`, loading a workflow bundle built once), started fresh
 * for each configuration on a fresh task queue and a fresh simulator, and warmed up with a few lifecycles first.
 *
 *   node dist/bench/throughput.js [--api v3] [--n 10,100,1000] [--durations zero,realistic] [--workers 1,2]
 *                                 [--modes poll] [--scale 0.1] [--warmup 2] [--timeout-min 10] [--budget-min 13]
 *
 * --api: the HeyGen API version(s) the workers speak (default HEYGEN_API_VERSION, else v3); `--api v3,v2` measures
 * the whole matrix for each, one version after the other.
 *
 * Runs go smallest N first. --budget-min bounds the whole command (default 13 minutes, so that `npm run` with its
 * build stays under 15): a run gets at most what is left (lifecycles still running at its end are terminated and
 * the row says "time limit"), and runs that no longer fit are listed as not run. --timeout-min bounds each run.
 * --modes poll,webhook also measures webhook mode (the product's receiver registered with the simulator).
 * --scale: realistic = the simulator's DEFAULT_DURATIONS × scale, product polling scaled alike (0.1 by default: a
 * lifecycle's simulated critical path is 17 s instead of 170 s, so the whole matrix fits the time budget; at
 * N=1,000 the runs are CPU-bound either way); --scale 1 uses DEFAULT_DURATIONS (about 4 minutes a lifecycle).
 */
import type { ApiVersion } from '../contracts/apiVersion';
import type { WaitMode } from '../contracts/polling';
import { startTemporalEnv } from './harness';
import { apiVersions } from './support/api';
import { Args, waitMode } from './support/args';
import type { CallCounts } from './support/calls';
import { ProcSampler, type SampledProc } from './support/proc';
import { openProductStack, runLifecycles, summarize, warmUp, type RunOutcome } from './support/productRun';
import {
  benchLifecycleInput,
  criticalPathMs,
  durationProfile,
  LOOK_POLLING_NOTE,
  type DurationProfile,
} from './support/profiles';
import { fixed, machineLine, ms, progress, sec, table, type Cell } from './support/report';
import { callsByEndpointTable, PROCESS_HEADERS, processRows, tuningTable } from './support/tables';
import { writeWorkflowBundle } from './support/workers';

/** Kept free at the end of the budget for stopping workers and the dev server. */
const TEARDOWN_RESERVE_MS = 45_000;
/** A run is not started with less time than this left. */
const MIN_RUN_MS = 60_000;

interface Measured {
  version: ApiVersion;
  mode: WaitMode;
  profile: DurationProfile;
  workers: number;
  n: number;
  outcome: RunOutcome;
  calls: CallCounts;
  procs: SampledProc[];
  tuning: Record<string, unknown>;
  env: Record<string, string>;
}

async function main(): Promise<void> {
  const args = new Args().only([
    'api',
    'n',
    'durations',
    'workers',
    'modes',
    'scale',
    'warmup',
    'timeout-min',
    'budget-min',
  ]);
  const versions = apiVersions(args);
  const ns = args.nums('n', '10,100,1000');
  const scale = args.num('scale', 0.1);
  const profiles = args.list('durations', 'zero,realistic').map((d) => durationProfile(d, scale));
  const workerCounts = args.nums('workers', '1,2');
  const modes = args.list('modes', 'poll').map(waitMode);
  const warmupPerWorker = args.num('warmup', 2);
  const timeoutMs = args.num('timeout-min', 10) * 60_000;
  const budgetMs = args.num('budget-min', 13) * 60_000;
  const skipped: string[] = [];

  const began = Date.now();
  const machine = machineLine();
  progress('starting the Temporal dev server and bundling the workflows');
  const [env, bundle] = await Promise.all([startTemporalEnv(), writeWorkflowBundle()]);
  const results: Measured[] = [];
  let run = 0;
  try {
    // Smallest N first: when the time budget runs out, what is left out is the largest runs, and it is said so.
    const plan = versions.flatMap((version) =>
      ns.flatMap((n) =>
        modes.flatMap((mode) =>
          profiles.flatMap((profile) =>
            workerCounts.map((workers) => ({ version, n, mode, profile, workers })),
          ),
        ),
      ),
    );
    for (const { version, n, mode, profile, workers } of plan) {
      run += 1;
      const what = `${version}, ${mode} mode, ${profile.name}, ${workers} worker(s), N=${n}`;
      const left = budgetMs - (Date.now() - began) - TEARDOWN_RESERVE_MS;
      if (left < MIN_RUN_MS) {
        skipped.push(what);
        progress(`run ${run} skipped: time budget spent (${what})`);
        continue;
      }
      progress(`run ${run}/${plan.length}: ${what}`);
      const stack = await openProductStack({
        env,
        apiVersion: version,
        codePath: bundle.codePath,
        taskQueue: `bench-throughput-${run}`,
        mode,
        workers,
      });
      try {
        await warmUp(stack, mode, profile, warmupPerWorker * workers);
        stack.sim.setDurations(profile.durations);
        stack.counter.reset();
        const sampler = new ProcSampler(stack.processes()).start();
        const remaining = budgetMs - (Date.now() - began) - TEARDOWN_RESERVE_MS;
        const outcome = await runLifecycles(
          stack.client,
          n,
          () => benchLifecycleInput(mode, profile),
          Math.min(timeoutMs, Math.max(MIN_RUN_MS, remaining)),
        );
        const procs = sampler.stop();
        const calls = stack.counter.read();
        results.push({
          version,
          mode,
          profile,
          workers,
          n,
          outcome,
          calls,
          procs,
          tuning: stack.workers[0]!.tuning,
          env: stack.workers[0]!.env,
        });
        progress(
          `  ${outcome.completed}/${n} completed in ${sec(outcome.spanMs / 1000)}` +
            (outcome.failures.length > 0 ? `; ${outcome.failures.length} did not complete` : ''),
        );
      } finally {
        await stack.close();
      }
    }
  } finally {
    await env.teardown();
    await bundle.dispose();
  }
  printReport(results, skipped, machine, (Date.now() - began) / 1000);
}

function printReport(results: Measured[], skipped: string[], machine: string, elapsedSeconds: number): void {
  const out: string[] = [];
  out.push('\n## Throughput: concurrent photo-avatar lifecycles\n');
  out.push(machine);
  out.push(
    'Each lifecycle on v2: 4 generated photos → group + 3 added looks → training → 1 generated look → render → ' +
      'download; on v3: avatar from the prompt (one look) → 1 generated look → render → download (no training). ' +
      'The video is 1280×720. All N are started at once (50 start calls in flight). Simulator, Temporal dev ' +
      'server (eager activity execution on), workers and this process all share the machine.',
  );
  out.push('\nJob durations:\n');
  for (const p of new Map(results.map((r) => [r.profile.name, r.profile])).values())
    out.push(`- ${p.description}`);
  if (results.some((r) => r.mode === 'webhook')) out.push(`- ${LOOK_POLLING_NOTE}`);
  out.push(
    '\nOverhead = a lifecycle’s wall time (workflow start to close, server clock) minus the simulated job time on ' +
      'its critical path (v2: photo + training or look processing + look generation + look processing + render; ' +
      'v3: photo generation + look generation + render). It ' +
      'includes queueing behind the other lifecycles and, in poll mode, the lag between a job ending and the next ' +
      'status read.\n',
  );
  const rows: Cell[][] = results.map((r) => {
    const cp = criticalPathMs(r.profile.durations, r.version);
    const done = r.outcome.timings.filter((t) => t.status === 'COMPLETED');
    const wall = summarize(done.map((t) => t.wallMs));
    const over = summarize(done.map((t) => t.wallMs - cp));
    const per = r.outcome.completed > 0 ? r.outcome.completed / (r.outcome.spanMs / 1000) : NaN;
    return [
      r.version,
      r.mode,
      r.profile.name,
      r.workers,
      r.n,
      `${r.outcome.completed}${r.outcome.timedOut ? ' (time limit)' : ''}`,
      sec(r.outcome.spanMs / 1000),
      fixed(per, 2),
      ms(wall.p50),
      ms(wall.p99),
      ms(over.p50),
      ms(over.p99),
      `${fixed(r.calls.total / r.n, 1)} (${fixed(r.calls.writes / r.n, 1)} w + ${fixed(r.calls.reads / r.n, 1)} r)`,
    ];
  });
  out.push(
    table(
      [
        'HeyGen API',
        'mode',
        'durations',
        'workers',
        'N',
        'completed',
        'first start → last close',
        'lifecycles/s',
        'wall p50',
        'wall p99',
        'overhead p50',
        'overhead p99',
        'HeyGen calls per lifecycle',
      ],
      rows,
    ),
  );

  out.push('\n### Processes during each measured run\n');
  out.push(
    'Workers are separate processes started fresh for each run; “peak RSS” is the highest VmRSS sampled during the ' +
      'measured run (after warm-up), CPU is user+sys from /proc/<pid>/stat over the same window.\n',
  );
  out.push(
    table(
      ['HeyGen API', 'mode', 'durations', 'workers', 'N', ...PROCESS_HEADERS],
      results.flatMap((r) =>
        processRows([r.version, r.mode, r.profile.name, r.workers, r.n], r.procs, r.outcome.completed),
      ),
    ),
  );

  out.push('\n### HeyGen calls per lifecycle, by endpoint (largest N of each mode and durations)\n');
  const largest = new Map<string, Measured>();
  for (const r of results) {
    const key = `${r.version} ${r.mode} ${r.profile.name}`;
    const prev = largest.get(key);
    if (!prev || r.n > prev.n || (r.n === prev.n && r.workers < prev.workers)) largest.set(key, r);
  }
  out.push(
    callsByEndpointTable(
      [...largest.entries()].map(([key, r]) => ({
        name: `${key}, N=${r.n}`,
        calls: r.calls,
        lifecycles: r.n,
      })),
    ),
  );
  out.push('\nMedia downloads (video file) are not API calls and are not counted.');

  const failed = results.filter((r) => r.outcome.failures.length > 0);
  if (failed.length > 0) {
    out.push('\n### Lifecycles that did not complete\n');
    for (const r of failed) {
      const byStatus = new Map<string, number>();
      for (const f of r.outcome.failures) byStatus.set(f.status, (byStatus.get(f.status) ?? 0) + 1);
      out.push(
        `- ${r.version}, ${r.mode}, ${r.profile.name}, ${r.workers} worker(s), N=${r.n}: ` +
          [...byStatus.entries()].map(([s, c]) => `${c} ${s}`).join(', ') +
          `; first error: ${r.outcome.failures.find((f) => f.error)?.error ?? 'none recorded'}`,
      );
    }
  }

  const first = results[0];
  if (first) {
    out.push('\n### Worker tuning (product defaults, as compiled by the SDK)\n');
    out.push(tuningTable(first.tuning, first.env));
  }
  if (skipped.length > 0) {
    out.push(`\n### Not run: the time budget (--budget-min) was spent\n`);
    for (const k of skipped) out.push(`- ${k}`);
  }
  out.push(`\nTotal benchmark time: ${sec(elapsedSeconds, 0)}.`);
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
