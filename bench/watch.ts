/**
 * What watching runs from the CLI costs: ten photo-avatar lifecycles started at once, each by its own
 * `heygen-pipelines lifecycle start --wait` process (as ten users would), against the same ten started by one process
 * that only waits for their results (the reference: nothing watches).
 *
 * The stack is the dev stack's shape: a real Temporal dev server (loopback), the HeyGen simulator with `dev`'s job
 * durations (cli/devStack.ts DEV_DURATIONS), the product's default poll cadence, and one worker in its own process
 * (so its CPU time is its own). For each phase it reports the wall time (first start to last result), each run's
 * time on the server clock, the worker's CPU seconds, the workflow tasks in the runs' histories (lifecycles and their
 * render children), and, from the dev server's own metrics, the frontend requests the phase caused: queries (each one
 * a task on a worker, a replay once the run has closed), workflow tasks the workers completed, describes and history
 * reads (served by the server alone).
 *
 *   npm run bench:watch -- [--runs 10] [--api v3] [--cli dist/cli/main.js] [--timeout-s 180]
 *
 * --cli: the CLI build the watching processes run (measure an older build with, e.g., a copy of its dist/ whose
 * directory holds a `node_modules` link to this checkout's).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { DEV_DURATIONS } from '../cli/devStack';
import { DEV_SERVER_ARGS } from '../cli/temporalDevServer';
import { PipelinesClient } from '../client/pipelinesClient';
import type { LifecycleInput } from '../contracts/lifecycle';
import { startSimulator, ZERO_DURATIONS } from '../simulator';
import { percentile } from './harness';
import { apiVersion as apiVersionArg } from './support/api';
import { Args } from './support/args';
import { readProc } from './support/proc';
import { BENCH_LIFECYCLE } from './support/profiles';
import { fixed, machineLine, mapLimit, progress, sec, table } from './support/report';
import { spawnWorker, writeWorkflowBundle } from './support/workers';
import { freeLoopbackPort } from '../lib/net';

const ROOT = path.join(__dirname, '..', '..');
const EventType = temporal.api.enums.v1.EventType;

/** Poll mode with the product's default cadence, as a user's `lifecycle start` without HEYGEN_WAIT_MODE runs. */
const input = (name: string): LifecycleInput => ({ name, ...BENCH_LIFECYCLE, waitMode: 'poll' });

/** Frontend requests of the `default` namespace, by operation, from the dev server's Prometheus endpoint. */
async function frontendRequests(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m =
      /^service_requests\{(?=[^}]*namespace="default")(?=[^}]*service_name="frontend")[^}]*operation="(\w+)"[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/.exec(
        line,
      );
    if (m) counts.set(m[1]!, Number(m[2]));
  }
  return counts;
}

const OPERATIONS = [
  ['QueryWorkflow', 'queries sent (each answered by a worker)'],
  ['RespondQueryTaskCompleted', 'query tasks the worker answered'],
  ['RespondWorkflowTaskCompleted', 'workflow tasks the worker completed'],
  ['PollWorkflowTaskQueue', 'workflow and query tasks handed to the worker'],
  ['DescribeWorkflowExecution', 'describes (server only)'],
  ['GetWorkflowExecutionHistory', 'history reads (server only)'],
  ['PollWorkflowExecutionHistory', 'history long polls (server only)'],
] as const;

/** Workflow tasks completed in a run's history, plus those of the children it started (its render). */
async function workflowTasks(client: PipelinesClient, workflowId: string): Promise<number> {
  const history = await client.client.workflow.getHandle(workflowId).fetchHistory();
  let tasks = 0;
  const children: string[] = [];
  for (const event of history.events ?? []) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) tasks++;
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) children.push(child);
  }
  for (const child of children) tasks += await workflowTasks(client, child);
  return tasks;
}

interface Phase {
  name: string;
  wallMs: number;
  /** Each run, start to close on the server clock */
  runMs: number[];
  /** Each watching process, spawn to exit (the CLI phase only) */
  processMs: number[];
  /** Each watching process, spawn to "started" (its start-up) and "started" to exit (following the run) */
  startupMs: number[];
  followMs: number[];
  workerCpuSeconds: number;
  workflowTasks: number;
  requests: Map<string, number>;
  /** Stage lines a watching process printed more than once (the CLI phase only) */
  repeatedStageLines: number;
  /** What the first watching process printed on stderr, stamped (the CLI phase only) */
  sample?: string;
  failures: string[];
}

async function measure(
  name: string,
  ctx: { client: PipelinesClient; workerPid: number; metricsUrl: string; runs: number },
  body: () => Promise<{
    workflowIds: string[];
    processMs?: number[];
    startupMs?: number[];
    followMs?: number[];
    repeated?: number;
    sample?: string;
    failures: string[];
  }>,
): Promise<Phase> {
  const before = await frontendRequests(ctx.metricsUrl);
  const cpu0 = readProc(ctx.workerPid)?.cpuSeconds ?? NaN;
  const t0 = performance.now();
  const out = await body();
  const wallMs = performance.now() - t0;
  const cpu1 = readProc(ctx.workerPid)?.cpuSeconds ?? NaN;
  // Counted before this bench's own describes and history reads below.
  const after = await frontendRequests(ctx.metricsUrl);
  const requests = new Map([...after].map(([op, n]) => [op, n - (before.get(op) ?? 0)]));
  const runMs = await mapLimit(out.workflowIds, 10, async (id) => {
    const d = await ctx.client.describe(id);
    return (d.closeTime?.getTime() ?? NaN) - d.startTime.getTime();
  });
  let tasks = 0;
  for (const id of out.workflowIds) tasks += await workflowTasks(ctx.client, id);
  return {
    name,
    wallMs,
    runMs: runMs.sort((a, b) => a - b),
    processMs: (out.processMs ?? []).sort((a, b) => a - b),
    startupMs: (out.startupMs ?? []).sort((a, b) => a - b),
    followMs: (out.followMs ?? []).sort((a, b) => a - b),
    workerCpuSeconds: cpu1 - cpu0,
    workflowTasks: tasks,
    requests,
    repeatedStageLines: out.repeated ?? 0,
    ...(out.sample !== undefined ? { sample: out.sample } : {}),
    failures: out.failures,
  };
}

interface CliRun {
  code: number | null;
  ms: number;
  /** Spawn to the line saying the run was started: the CLI's own start-up, connection and start call */
  startedMs: number;
  stdout: string;
  stderr: string;
}

/** One `lifecycle start --wait` process; killed (and reported) when it outlives `timeoutMs`. */
async function runCli(cli: string, inputFile: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'lifecycle', 'start', '--input', inputFile, '--wait'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let startedMs = NaN;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  // Each line stamped with the seconds since spawn: when the display saw each stage, and when the process ended.
  child.stderr.on('data', (c: Buffer) => {
    const now = performance.now() - t0;
    if (Number.isNaN(startedMs) && /started lifecycle/.test(c.toString())) startedMs = now;
    const at = (now / 1000).toFixed(1).padStart(5);
    stderr += c
      .toString()
      .split(/(?<=\n)/)
      .map((l) => `+${at} s ${l}`)
      .join('');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const ms = performance.now() - t0;
  stderr += `+${(ms / 1000).toFixed(1).padStart(5)} s (exit ${code})\n`;
  return { code, ms, startedMs, stdout, stderr } satisfies CliRun;
}

/** Stage lines (`[lifecycle] hh:mm:ss stage: photos`) printed more than once by one process. */
function repeatedStages(stderr: string): number {
  const stages = stderr
    .split('\n')
    .map((l) => /stage: (\w+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
  return stages.length - new Set(stages).size;
}

async function main(): Promise<void> {
  const args = new Args().only(['runs', 'api', 'cli', 'timeout-s']);
  const runs = args.num('runs', 10);
  if (!(Number.isInteger(runs) && runs >= 1 && runs <= 50)) throw new Error('--runs must be 1..50');
  const version = apiVersionArg(args);
  const cli = path.resolve(args.str('cli', path.join(ROOT, 'dist', 'cli', 'main.js')));
  const timeoutMs = args.num('timeout-s', 180) * 1000;
  const machine = machineLine();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const temporalCli = execFileSync('bash', [path.join(ROOT, 'scripts', 'temporal-cli.sh')], {
    encoding: 'utf8',
  }).trim();
  const metricsPort = await freeLoopbackPort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  progress('starting the Temporal dev server and bundling the workflows');
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCli },
        ip: '127.0.0.1',
        extraArgs: [...DEV_SERVER_ARGS, '--metrics-port', String(metricsPort)],
      },
    }),
    writeWorkflowBundle(),
  ]);
  const sim = await startSimulator({ durations: ZERO_DURATIONS });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-watch-'));
  const taskQueue = `bench-watch-${version}`;
  const worker = await spawnWorker('worker', {
    apiVersion: version,
    temporalAddress: env.address,
    taskQueue,
    heygenUrl: sim.url,
    heygenApiKey: sim.apiKey,
    codePath: bundle.codePath,
  });
  const client = new PipelinesClient(env.client, taskQueue, 'poll');
  const ctx = { client, workerPid: worker.pid, metricsUrl, runs };
  const phases: Phase[] = [];
  try {
    progress('warm-up: two lifecycles with zero job durations');
    await Promise.all(
      [1, 2].map(async (i) =>
        client.waitForLifecycle((await client.startLifecycle(input(`Warmup ${i}`))).workflowId),
      ),
    );
    sim.setDurations(DEV_DURATIONS);

    progress(`reference: one process starts ${runs} lifecycles and waits for their results`);
    phases.push(
      await measure('one process starts them and waits (nothing watches)', ctx, async () => {
        const ids = await Promise.all(
          Array.from(
            { length: runs },
            async (_, i) => (await client.startLifecycle(input(`Ref ${i}`))).workflowId,
          ),
        );
        const failures: string[] = [];
        await Promise.all(
          ids.map((id) =>
            client.waitForLifecycle(id).catch((err: unknown) => void failures.push(String(err))),
          ),
        );
        return { workflowIds: ids, failures };
      }),
    );

    const inputFile = path.join(dir, 'lifecycle.json');
    await writeFile(inputFile, JSON.stringify(input('Watched')));
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(childEnv)) if (/^(TEMPORAL_|HEYGEN_)/.test(k)) delete childEnv[k];
    Object.assign(childEnv, {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      HEYGEN_WAIT_MODE: 'poll',
    });
    progress(
      `${runs} \`lifecycle start --wait\` processes at once (${path.relative(process.cwd(), cli) || cli})`,
    );
    phases.push(
      await measure(`${runs} \`lifecycle start --wait\` processes`, ctx, async () => {
        const done = await Promise.all(
          Array.from({ length: runs }, () => runCli(cli, inputFile, childEnv, timeoutMs)),
        );
        const failures = done
          .filter((r) => r.code !== 0)
          .map((r) => `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
        const workflowIds = done.flatMap((r) => {
          const id = /started lifecycle (\S+)/.exec(r.stderr)?.[1];
          return id ? [id] : [];
        });
        return {
          workflowIds,
          processMs: done.map((r) => r.ms),
          startupMs: done.map((r) => r.startedMs),
          followMs: done.map((r) => r.ms - r.startedMs),
          repeated: done.reduce((n, r) => n + repeatedStages(r.stderr), 0),
          ...(done[0] ? { sample: done[0].stderr } : {}),
          failures,
        };
      }),
    );
  } finally {
    await worker.stop();
    await sim.close();
    await env.teardown();
    await bundle.dispose();
    await rm(dir, { recursive: true, force: true });
  }

  const out: string[] = [];
  out.push(`\n## Watching ${runs} lifecycles from the CLI (HeyGen API ${version})\n`);
  out.push(machine);
  out.push(
    `commit ${commit}; watching CLI: ${path.relative(ROOT, cli) || cli}; simulator durations: dev's ` +
      `(${Object.entries(DEV_DURATIONS)
        .map(([k, v]) => `${k.replace(/Ms$/, '')} ${v / 1000} s`)
        .join(', ')}); poll mode at the product's default cadence; one worker process.\n`,
  );
  const col = (f: (p: Phase) => string | number) => phases.map(f);
  out.push(
    table(
      ['metric', ...phases.map((p) => p.name)],
      [
        ['wall time (first start to last result)', ...col((p) => sec(p.wallMs / 1000))],
        [
          'run time, server clock (p50 / max)',
          ...col((p) => `${sec(percentile(p.runMs, 50) / 1000)} / ${sec((p.runMs.at(-1) ?? NaN) / 1000)}`),
        ],
        ...(
          [
            ['watching process, spawn to exit (p50 / max)', (p: Phase) => p.processMs],
            ['… spawn to "started" (CLI start-up, connect, start)', (p: Phase) => p.startupMs],
            ['… "started" to exit (following the run)', (p: Phase) => p.followMs],
          ] as const
        ).map(([label, pick]) => [
          label,
          ...col((p) => {
            const v = pick(p);
            return v.length > 0 ? `${sec(percentile(v, 50) / 1000)} / ${sec((v.at(-1) ?? NaN) / 1000)}` : '–';
          }),
        ]),
        ['worker CPU', ...col((p) => sec(p.workerCpuSeconds, 2))],
        ['workflow tasks in the runs’ histories', ...col((p) => p.workflowTasks)],
        ...OPERATIONS.map(([op, label]) => [
          `${label} (${op})`,
          ...col((p) => fixed(p.requests.get(op) ?? 0, 0)),
        ]),
        [
          'stage lines printed again',
          ...col((p) => (p.name.includes('--wait') ? p.repeatedStageLines : '–')),
        ],
        ['failed', ...col((p) => p.failures.length)],
      ],
    ),
  );
  const ops = [
    ...new Set(phases.flatMap((p) => [...p.requests].filter(([, n]) => n > 0).map(([op]) => op))),
  ].sort();
  out.push("\nEvery frontend request of the phase, by operation (the dev server's service_requests):\n");
  out.push(
    table(
      ['operation', ...phases.map((p) => p.name)],
      ops.map((op) => [op, ...col((p) => p.requests.get(op) ?? 0)]),
    ),
  );
  for (const p of phases) {
    if (p.sample)
      out.push(
        `\nOne watching process's stderr (seconds since it was spawned):\n\n\`\`\`\n${p.sample}\`\`\``,
      );
  }
  for (const p of phases) for (const f of p.failures) out.push(`\n${p.name}: ${f}`);
  console.log(out.join('\n'));
  if (phases.some((p) => p.failures.length > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
