import { PipelinesClient } from '../../client/pipelinesClient';
import type { ApiVersion } from '../../contracts/apiVersion';
import type { RenderVideoInput } from '../../contracts/render';
import { RENDER_SLOTS_WORKFLOW_ID, renderSlotsQuery } from '../../contracts/definitions';
import { ZERO_DURATIONS } from '../../simulator';
import { FAST_POLLING, VOICE_ID } from '../support/inputs';
import { testedApiVersions, versionedWorkflowSuite } from '../support/stack';
import { STUDIO_AVATAR_ID } from '../support/versions';
import { PATHS, workerEnvFor } from '../support/wire';
import { spawnWorker } from '../support/workerProcess';

const PLAN_CONCURRENCY = 3;
/** Measured 100-160 s (v2-v3) alone, up to 240 s for v3 on a loaded two-core machine */
const BIG_BATCH_TIMEOUT_MS = 420_000;
const RENDER_MS = 150;
// One frame a second: v3's smallest videos are 720p, and 200 of them are made and downloaded here.
const suite = versionedWorkflowSuite(
  { durations: { ...ZERO_DURATIONS, renderMs: RENDER_MS }, mediaFps: 1 },
  { startWorker: false },
);

/** Small videos (cheap to make and download): v3 renders only its resolutions, the smallest being 720p square. */
const SIZES = { v2: { width: 128, height: 128 }, v3: { width: 720, height: 720 } } as const;

function render(version: ApiVersion, i: number, avatarId = STUDIO_AVATAR_ID): RenderVideoInput {
  return {
    video: {
      title: `Batch item ${i}`,
      dimension: SIZES[version],
      scenes: [
        {
          character: { type: 'avatar', avatarId },
          speech: { type: 'text', voiceId: VOICE_ID, text: `Item number ${i}.` },
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

describe.each(testedApiVersions())('renderBatch (HeyGen API %s)', (version) => {
  test(
    '200 renders on two workers never exceed the plan concurrency at HeyGen; every item ends; history stays small',
    async () => {
      const { env } = suite;
      const stack = suite.stacks[version];
      // Two workers of the same task queue (this process and a CLI worker process), 3 renders in flight *together*.
      await stack.startWorker({ maxConcurrentRenders: PLAN_CONCURRENCY });
      const second = await spawnWorker(
        workerEnvFor(stack, {
          HEYGEN_MAX_CONCURRENT_RENDERS: String(PLAN_CONCURRENCY),
          LOG_LEVEL: 'ERROR',
        }),
      );
      try {
        const items = Array.from({ length: 200 }, (_, i) => ({
          ref: `row-${i}`,
          // Two items name an avatar HeyGen does not know: they fail, the batch does not.
          render: render(version, i, i === 17 || i === 140 ? 'Nobody-20990101' : undefined),
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
        // HeyGen refuses the unknown avatar at submit: v2 with a 400, v3 with 404 avatar_not_found.
        expect(failed[0]?.error?.type).toBe(version === 'v2' ? 'HeyGenInvalidRequest' : 'HeyGenNotFound');

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
    },
    BIG_BATCH_TIMEOUT_MS,
  );

  if (version === 'v3') {
    test('in poll mode a batch reads all its renders with one bulk status call per poll, not one read per render', async () => {
      // A worker of its own, without plan concurrency: every render of the batch is in flight at once.
      const stack = suite.stacks[version];
      const taskQueue = `${stack.config.temporal.taskQueue}-bulk`;
      await stack.startWorker({ temporal: { ...stack.config.temporal, taskQueue } });
      const client = new PipelinesClient(suite.env.client, taskQueue);
      const { sim } = stack;
      sim.clearLog();
      const count = 20;
      const items = Array.from({ length: count }, (_, i) => ({ render: render(version, i) }));
      const { workflowId } = await client.startBatch({ items, maxParallel: count });
      const result = await client.waitForBatch(workflowId);
      expect(result.completed).toBe(count);

      const log = sim.log();
      const bulk = log.filter((e) => e.method === 'GET' && e.path === PATHS.v3.bulkStatus);
      // Fewer status calls than renders, and calls that each cover several of them.
      expect(bulk.length).toBeGreaterThanOrEqual(1);
      expect(bulk.length).toBeLessThan(count);
      const idsPerCall = bulk.map((e) => (e.query.video_ids ?? '').split(',').filter(Boolean).length);
      expect(Math.max(...idsPerCall)).toBeGreaterThan(1);
      // Each render read its own status only twice: once when the batch woke it, once for the download's fresh URL.
      for (const item of result.items) {
        const videoId = item.result?.videoId ?? '';
        const own = log.filter((e) => e.method === 'GET' && e.path === `/v3/videos/${videoId}`);
        expect({ videoId, reads: own.length }).toEqual({ videoId, reads: 2 });
        expect(bulk.some((e) => (e.query.video_ids ?? '').split(',').includes(videoId))).toBe(true);
      }
    }, 120_000);
  }
});
