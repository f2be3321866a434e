import { ZERO_DURATIONS } from '../../simulator';
import { RENDER_SLOTS_WORKFLOW_ID, renderSlotsQuery } from '../../contracts/definitions';
import { workflowSuite } from '../support/stack';
import { sceneRender } from '../support/versions';
import { until } from '../support/workerProcess';

/**
 * The render-slot semaphore going away under a waiting render: the render asks again after the refresh interval
 * the worker recorded (HEYGEN_RENDER_SLOT_REFRESH_SECONDS), the semaphore starts anew and grants it, and the
 * render completes instead of waiting forever.
 */
const suite = workflowSuite({ durations: { ...ZERO_DURATIONS, renderMs: 3000 } }, { startWorker: false });

test('a render queued for a slot recovers when the semaphore workflow is terminated', async () => {
  const { stack, env } = suite;
  await stack.startWorker({ maxConcurrentRenders: 1, renderSlotRefreshMs: 1000 });
  const first = await stack.client.startRender(sceneRender('One of us holds the only slot.'));
  const second = await stack.client.startRender(sceneRender('The other waits for it.'));
  const slots = env.client.workflow.getHandle(RENDER_SLOTS_WORKFLOW_ID);
  // Either may ask first: whichever holds the slot, the other is queued.
  let holder = first;
  let waiter = second;
  await until(
    async () => {
      const state = await slots.query(renderSlotsQuery).catch(() => undefined);
      if (!state || state.holders.length !== 1 || state.queue.length !== 1) return false;
      [holder, waiter] = state.holders[0] === first.workflowId ? [first, second] : [second, first];
      return state.queue[0] === waiter.workflowId;
    },
    60_000,
    'one render holding the slot and the other queued',
  );
  const firstRun = (await slots.describe()).runId;
  await slots.terminate('test: the semaphore goes away');

  const [held, waited] = await Promise.all([
    stack.client.waitForRender(holder.workflowId),
    stack.client.waitForRender(waiter.workflowId),
  ]);
  expect(held.media.video.sha256).toMatch(/^[0-9a-f]{64}$/u);
  expect(waited.media.video.sha256).toMatch(/^[0-9a-f]{64}$/u);

  // The waiter asked again (a second acquireRenderSlot) and a new semaphore run granted it.
  const history = await env.client.workflow.getHandle(waiter.workflowId).fetchHistory();
  const acquires = (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'acquireRenderSlot',
  );
  expect(acquires.length).toBeGreaterThanOrEqual(2);
  expect((await slots.describe()).runId).not.toBe(firstRun);
});
