import type { RenderVideoInput } from '../../contracts/render';
import { RENDER_SLOTS_WORKFLOW_ID, renderSlotsQuery } from '../../workflows/definitions';
import { ZERO_DURATIONS } from '../../simulator';
import { FAST_POLLING, VOICE_ID } from '../support/inputs';
import { workflowSuite } from '../support/stack';
import { spawnWorker } from '../support/workerProcess';

const PLAN_CONCURRENCY = 3;
const RENDER_MS = 150;
const suite = workflowSuite(
  { durations: { ...ZERO_DURATIONS, renderMs: RENDER_MS } },
  { startWorker: false },
);

function render(i: number, avatarId = 'Angela-inblackskirt-20220820'): RenderVideoInput {
  return {
    video: {
      title: `Batch item ${i}`,
      dimension: { width: 128, height: 128 },
      video_inputs: [
        {
          character: { type: 'avatar', avatar_id: avatarId },
          voice: { type: 'text', voice_id: VOICE_ID, input_text: `Item number ${i}.` },
        },
      ],
    },
    polling: FAST_POLLING,
  };
}

/** The most renders HeyGen was working on at the same moment, from the simulator's own records. */
function maxInFlight(videos: Array<{ createdAt: number }>): number {
  const edges = videos.flatMap((v) => [
    { t: v.createdAt, d: 1 },
    { t: v.createdAt + RENDER_MS, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

test('200 renders on two workers never exceed the plan concurrency at HeyGen; every item ends; history stays small', async () => {
  const { stack, env } = suite;
  // Two workers of the same task queue (this process and a CLI worker process), 3 renders in flight *together*.
  await stack.startWorker({ maxConcurrentRenders: PLAN_CONCURRENCY });
  const second = await spawnWorker({
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
    HEYGEN_API_BASE_URL: stack.sim.url,
    HEYGEN_API_KEY: stack.sim.apiKey,
    HEYGEN_MAX_CONCURRENT_RENDERS: String(PLAN_CONCURRENCY),
    OUTPUT_DIR: stack.outputDir,
    LOG_LEVEL: 'ERROR',
  });
  try {
    const items = Array.from({ length: 200 }, (_, i) => ({
      ref: `row-${i}`,
      // Two items name an avatar HeyGen does not know: they fail, the batch does not.
      render: render(i, i === 17 || i === 140 ? 'Nobody-20990101' : undefined),
    }));
    const { workflowId } = await stack.client.startBatch({ items, maxParallel: 20, itemsPerRun: 50 });

    let sampledMax = 0;
    let maxHolders = 0;
    let maxQueued = 0;
    let done = false;
    const sampler = (async () => {
      while (!done) {
        const inFlight = stack.sim
          .snapshot()
          .videos.filter((v) => v.status !== 'completed' && v.status !== 'failed');
        sampledMax = Math.max(sampledMax, inFlight.length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    // The semaphore itself: full (3 holders) while other renders queue — the limit is really in force.
    const slotSampler = (async () => {
      const slots = env.client.workflow.getHandle(RENDER_SLOTS_WORKFLOW_ID);
      while (!done) {
        const state = await slots.query(renderSlotsQuery).catch(() => undefined);
        if (state) {
          maxHolders = Math.max(maxHolders, state.holders.length);
          maxQueued = Math.max(maxQueued, state.queue.length);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await stack.client.waitForBatch(workflowId);
    done = true;
    await Promise.all([sampler, slotSampler]);

    expect(result.total).toBe(200);
    expect(result.completed).toBe(198);
    expect(result.failed).toBe(2);
    expect(result.items.map((o) => o.index)).toEqual(items.map((_, i) => i));
    const failed = result.items.filter((o) => o.status === 'failed');
    expect(failed.map((o) => o.ref)).toEqual(['row-17', 'row-140']);
    expect(failed[0]?.error?.type).toBe('HeyGenInvalidRequest');

    const videos = stack.sim.snapshot().videos;
    expect(videos).toHaveLength(198);
    expect(maxInFlight(videos)).toBeLessThanOrEqual(PLAN_CONCURRENCY);
    expect(sampledMax).toBeLessThanOrEqual(PLAN_CONCURRENCY);
    expect(maxHolders).toBe(PLAN_CONCURRENCY);
    expect(maxQueued).toBeGreaterThan(0);

    // Both workers did part of the work.
    const workersUsed = new Set<string>();
    for (const o of result.items.slice(0, 40)) {
      const history = await env.client.workflow.getHandle(o.workflowId).fetchHistory();
      for (const e of history.events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity;
        if (identity) workersUsed.add(identity);
      }
    }
    expect(workersUsed.size).toBe(2);

    // The batch continued as new every 50 items; no run's history came near Temporal's limits.
    const runs: number[] = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await env.client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
      runs.push(history.events?.length ?? 0);
    }
    expect(runs).toHaveLength(4);
    for (const length of runs) expect(length).toBeLessThan(1500);
    // So does the render-slots semaphore.
    for await (const execution of env.client.workflow.list({
      query: `WorkflowId = '${RENDER_SLOTS_WORKFLOW_ID}'`,
    })) {
      const history = await env.client.workflow
        .getHandle(RENDER_SLOTS_WORKFLOW_ID, execution.runId)
        .fetchHistory();
      expect(history.events?.length ?? 0).toBeLessThan(2600);
    }
  } finally {
    await second.stop();
  }
}, 300_000);
