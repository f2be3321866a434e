import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PipelinesClient } from '../../client/pipelinesClient';
import type { ApiVersion } from '../../contracts/apiVersion';
import type { WaitMode } from '../../contracts/polling';
import type { LifecycleInput } from '../../contracts/lifecycle';
import { createHeyGenPort } from '../../heygen/select';
import {
  startSimulator,
  ZERO_DURATIONS,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../simulator';
import { startWebhookReceiver, type RunningWebhookReceiver } from '../../webhooks/receiver';
import { ensureWebhookEndpoint } from '../../webhooks/registration';
import { TemporalJobEventSink } from '../../webhooks/temporalSink';
import { percentile } from '../harness';
import { CallCounter } from './calls';
import { descendants } from './proc';
import { benchLifecycleInput, type DurationProfile } from './profiles';
import { mapLimit, progress } from './report';
import { spawnWorkers, type BenchWorker } from './workers';

/** The Temporal dev server process (a child of this process, started by TestWorkflowEnvironment.createLocal). */
export function temporalServerPid(): number | undefined {
  return descendants(process.pid, /^temporal/)[0]?.pid;
}

export interface ProductStackOptions {
  env: TestWorkflowEnvironment;
  /** The HeyGen API the workers speak (and the webhook endpoint is registered with) */
  apiVersion: ApiVersion;
  codePath: string;
  taskQueue: string;
  mode: WaitMode;
  workers: number;
  maxCachedWorkflows?: number;
  maxConcurrentActivities?: number;
  sim?: SimulatorOptions;
}

/** One measured configuration: a fresh simulator (and webhook receiver), fresh worker processes, a fresh queue. */
export interface ProductStack {
  apiVersion: ApiVersion;
  sim: RunningSimulator;
  counter: CallCounter;
  workers: BenchWorker[];
  client: PipelinesClient;
  receiver?: RunningWebhookReceiver;
  /** Worker processes, the Temporal server and this process (client, simulator, receiver), for sampling */
  processes(): Array<{ label: string; pid: number }>;
  close(): Promise<void>;
}

export async function openProductStack(o: ProductStackOptions): Promise<ProductStack> {
  const sim = await startSimulator({ durations: ZERO_DURATIONS, ...o.sim });
  let receiver: RunningWebhookReceiver | undefined;
  const workers: BenchWorker[] = [];
  const counter = new CallCounter(sim);
  try {
    if (o.mode === 'webhook') {
      // As `dev` wires it: the product's receiver, registered with the simulator, delivering into Temporal.
      const secrets: string[] = [];
      receiver = await startWebhookReceiver({
        secrets,
        sink: new TemporalJobEventSink(o.env.client, o.taskQueue),
      });
      const heygen = createHeyGenPort({
        apiVersion: o.apiVersion,
        apiBaseUrl: sim.url,
        uploadBaseUrl: sim.url,
        apiKey: sim.apiKey,
      });
      const { endpoint } = await ensureWebhookEndpoint(heygen, receiver.url);
      if (endpoint.secret) secrets.push(endpoint.secret);
    }
    workers.push(
      ...(await spawnWorkers(o.workers, {
        apiVersion: o.apiVersion,
        temporalAddress: o.env.address,
        taskQueue: o.taskQueue,
        heygenUrl: sim.url,
        heygenApiKey: sim.apiKey,
        codePath: o.codePath,
        ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
        ...(o.maxConcurrentActivities !== undefined
          ? { maxConcurrentActivities: o.maxConcurrentActivities }
          : {}),
      })),
    );
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    await receiver?.close();
    counter.stop();
    await sim.close();
    throw err;
  }
  const serverPid = temporalServerPid();
  const rcv = receiver;
  return {
    apiVersion: o.apiVersion,
    sim,
    counter,
    workers,
    client: new PipelinesClient(o.env.client, o.taskQueue, o.mode),
    ...(rcv ? { receiver: rcv } : {}),
    processes: () => [
      ...workers.map((w) => ({ label: w.label, pid: w.pid })),
      ...(serverPid ? [{ label: 'temporal server', pid: serverPid }] : []),
      { label: 'bench process (client, simulator, receiver)', pid: process.pid },
    ],
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await rcv?.close();
      counter.stop();
      await sim.close();
    },
  };
}

/** Lifecycle results awaited at once. */
const WAITERS = 100;

export interface LifecycleTiming {
  workflowId: string;
  status: string;
  /** Server clock: workflow start and close */
  startMs: number;
  closeMs: number;
  wallMs: number;
  error?: string;
}

export interface RunOutcome {
  n: number;
  completed: number;
  timings: LifecycleTiming[];
  /** First start to last close (server clock) */
  spanMs: number;
  /** Lifecycles that did not complete: status and the first error seen */
  failures: Array<{ workflowId: string; status: string; error?: string }>;
  timedOut: boolean;
}

/**
 * Starts `n` lifecycles at once (50 start calls in flight), waits for all of them (or `timeoutMs`, after which the
 * rest are terminated), then reads each run's start and close time from Temporal.
 */
export async function runLifecycles(
  client: PipelinesClient,
  n: number,
  input: (i: number) => LifecycleInput,
  timeoutMs: number,
): Promise<RunOutcome> {
  const errors = new Map<string, string>();
  let settled = 0;
  const started: string[] = [];
  const t0 = Date.now();
  const ticker = setInterval(
    () => progress(`  ${settled}/${n} lifecycles ended (${started.length} started)`),
    10_000,
  );
  try {
    await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      50,
      async (i) => {
        started.push((await client.startLifecycle(input(i))).workflowId);
      },
    );
    // Results are awaited WAITERS at a time (timings come from the server, so the order does not matter): a
    // thousand concurrent long polls would load this process, which shares the machine with the workers.
    const waiting = mapLimit(started, WAITERS, (workflowId) =>
      client.waitForLifecycle(workflowId).then(
        () => void settled++,
        (err: unknown) => {
          settled++;
          errors.set(workflowId, describeError(err));
        },
      ),
    );
    const remaining = Math.max(0, timeoutMs - (Date.now() - t0));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      waiting.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), remaining))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      progress(`  time limit reached with ${n - settled} lifecycles still running: terminating them`);
      await mapLimit(started, 50, (id) =>
        client.client.workflow
          .getHandle(id)
          .terminate('benchmark time limit')
          .catch(() => undefined),
      );
      await waiting;
    }
    const timings = await mapLimit(started, 50, async (workflowId): Promise<LifecycleTiming> => {
      const d = await client.describe(workflowId);
      const startMs = d.startTime.getTime();
      const closeMs = d.closeTime?.getTime() ?? NaN;
      const error = errors.get(workflowId);
      return {
        workflowId,
        status: d.status,
        startMs,
        closeMs,
        wallMs: closeMs - startMs,
        ...(error ? { error } : {}),
      };
    });
    const done = timings.filter((t) => t.status === 'COMPLETED');
    const spanMs =
      done.length > 0
        ? Math.max(...done.map((t) => t.closeMs)) - Math.min(...timings.map((t) => t.startMs))
        : NaN;
    return {
      n,
      completed: done.length,
      timings,
      spanMs,
      failures: timings
        .filter((t) => t.status !== 'COMPLETED')
        .map((t) => ({ workflowId: t.workflowId, status: t.status, ...(t.error ? { error: t.error } : {}) })),
      timedOut,
    };
  } finally {
    clearInterval(ticker);
  }
}

/** The first lines of a workflow failure and its causes (HeyGen's code and message are in the cause chain). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
  }
  return parts.join(' ← ').slice(0, 300);
}

/** Warm-up: the first lifecycles on fresh workers load the workflow bundle and open connections. */
export async function warmUp(
  stack: ProductStack,
  mode: WaitMode,
  profile: DurationProfile,
  count: number,
): Promise<void> {
  if (count <= 0) return;
  const saved = profile.durations;
  stack.sim.setDurations(ZERO_DURATIONS);
  const out = await runLifecycles(
    stack.client,
    count,
    () => benchLifecycleInput(mode, profile, 'Warmup'),
    120_000,
  );
  stack.sim.setDurations(saved);
  if (out.completed !== count) {
    throw new Error(`warm-up failed: ${out.failures.map((f) => `${f.status} ${f.error ?? ''}`).join('; ')}`);
  }
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): LatencySummary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}
