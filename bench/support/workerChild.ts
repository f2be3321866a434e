/**
 * A product worker in its own process, for benchmarks: `createWorker()` exactly as `heygen-pipelines worker` builds
 * it (configuration from the same environment variables), except that it loads the workflow bundle the parent built
 * once (BENCH_WORKFLOW_BUNDLE) instead of running webpack at start-up, so its resident set measures the worker, not
 * the bundler. Talks to the parent over IPC: 'ready' with the effective tuning, and memory/status on request.
 */
import inspector from 'node:inspector';
import v8 from 'node:v8';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { workerConfigFromEnv } from '../../worker/config';
import { createWorker } from '../../worker/createWorker';

export interface ChildReady {
  type: 'ready';
  pid: number;
  tuning: Record<string, unknown>;
}

export interface ChildStats {
  type: 'stats';
  memory: NodeJS.MemoryUsage;
  heapSizeLimit: number;
  /** V8 heap of the worker threads (workflows run in one), read through the inspector; NaN if unavailable */
  threadHeapUsed: number;
  threadHeapTotal: number;
  cachedWorkflows: number;
  inFlightActivities: number;
  inFlightWorkflowActivations: number;
}

/**
 * Heap usage of this process's worker threads. Workflows run in a worker thread (workflowThreadPoolSize), whose V8
 * heap process.memoryUsage() does not include; the inspector's NodeWorker domain reaches it.
 */
class ThreadHeaps {
  private session: inspector.Session | undefined;
  private readonly threads = new Set<string>();
  private readonly pending = new Map<
    number,
    (r: { usedSize: number; totalSize: number } | undefined) => void
  >();
  private nextId = 0;

  private async attach(): Promise<inspector.Session> {
    if (this.session) return this.session;
    const session = new inspector.Session();
    session.connect();
    session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string } }) =>
      this.threads.add(m.params.sessionId),
    );
    session.on('NodeWorker.detachedFromWorker', (m: { params: { sessionId: string } }) =>
      this.threads.delete(m.params.sessionId),
    );
    session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { message: string } }) => {
      const msg = JSON.parse(m.params.message) as {
        id?: number;
        result?: { usedSize: number; totalSize: number };
      };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
      if (msg.id !== undefined) this.pending.delete(msg.id);
    });
    await new Promise<void>((resolve) =>
      session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, () => resolve()),
    );
    await new Promise((r) => setTimeout(r, 300)); // existing threads attach right after enable
    this.session = session;
    return session;
  }

  async read(): Promise<{ used: number; total: number }> {
    try {
      const session = await this.attach();
      const results = await Promise.all(
        [...this.threads].map(
          (sessionId) =>
            new Promise<{ usedSize: number; totalSize: number } | undefined>((resolve) => {
              const id = ++this.nextId;
              const timer = setTimeout(() => resolve(undefined), 5000);
              this.pending.set(id, (r) => {
                clearTimeout(timer);
                resolve(r);
              });
              session.post('NodeWorker.sendMessageToWorker', {
                sessionId,
                message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
              });
            }),
        ),
      );
      if (results.length === 0 || results.some((r) => r === undefined)) return { used: NaN, total: NaN };
      return {
        used: results.reduce((a, r) => a + (r?.usedSize ?? 0), 0),
        total: results.reduce((a, r) => a + (r?.totalSize ?? 0), 0),
      };
    } catch {
      return { used: NaN, total: NaN };
    }
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const codePath = process.env.BENCH_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('BENCH_WORKFLOW_BUNDLE is not set');
  const config = workerConfigFromEnv(process.env);
  const worker = await createWorker({ config, workflowBundle: { codePath } });
  const o = worker.options;
  const ready: ChildReady = {
    type: 'ready',
    pid: process.pid,
    tuning: {
      maxCachedWorkflows: o.maxCachedWorkflows,
      tuner: o.tuner,
      workflowTaskPollerBehavior: o.workflowTaskPollerBehavior,
      activityTaskPollerBehavior: o.activityTaskPollerBehavior,
      nonStickyToStickyPollRatio: o.nonStickyToStickyPollRatio,
      maxEagerActivityReservationsPerWorkflowTask: o.maxEagerActivityReservationsPerWorkflowTask,
      workflowThreadPoolSize: o.workflowThreadPoolSize,
      reuseV8Context: o.reuseV8Context,
      stickyQueueScheduleToStartTimeoutMs: o.stickyQueueScheduleToStartTimeoutMs,
      maxTaskQueueActivitiesPerSecond: o.maxTaskQueueActivitiesPerSecond,
      maxActivitiesPerSecond: o.maxActivitiesPerSecond,
      shutdownGraceTimeMs: o.shutdownGraceTimeMs,
      heapSizeLimit: v8.getHeapStatistics().heap_size_limit,
    },
  };
  const threadHeaps = new ThreadHeaps();
  process.on('message', (msg: { type?: string }) => {
    if (msg.type !== 'stats') return;
    void threadHeaps.read().then((threads) => {
      const s = worker.getStatus();
      const stats: ChildStats = {
        type: 'stats',
        memory: process.memoryUsage(),
        heapSizeLimit: v8.getHeapStatistics().heap_size_limit,
        threadHeapUsed: threads.used,
        threadHeapTotal: threads.total,
        cachedWorkflows: s.numCachedWorkflows,
        inFlightActivities: s.numInFlightActivities,
        inFlightWorkflowActivations: s.numInFlightWorkflowActivations,
      };
      process.send?.(stats);
    });
  });
  // The parent went away: stop (SIGTERM/SIGINT are handled by the Temporal runtime, which shuts the worker down).
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const running = worker.run();
  process.send?.(ready);
  await running;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
