import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  acquireRenderSlotSignal,
  releaseRenderSlotSignal,
  renderSlotGrantedSignal,
  renderSlotsQuery,
} from '../contracts/definitions';

/** A holder that never releases (terminated run) loses its slot after the longest render can take, plus margin. */
export const SLOT_LEASE_MS = 3 * 60 * 60 * 1000;
/** Keep each run's history short: continue as new past this many events. */
export const SLOTS_HISTORY_LIMIT = 2000;
/** With nothing held or queued for this long, the workflow ends (the next acquire starts it again). */
export const IDLE_MS = 60 * 60 * 1000;

export interface RenderSlotsState {
  capacity: number;
  holders?: Array<[string, number]>;
  queue?: string[];
}

/**
 * A semaphore for HeyGen renders in flight: plan concurrency (e.g. 3 on Pro) across every worker and every run.
 * Renders signal `acquireRenderSlot` (through signal-with-start, so the first one creates this workflow), wait for
 * `renderSlotGranted`, and signal `releaseRenderSlot` once HeyGen has finished their video. Waiting renders are
 * served first come, first served. Holders that vanish without releasing lose their slot after a lease.
 */
export async function renderSlots(state: RenderSlotsState): Promise<void> {
  let capacity = Math.max(1, state.capacity);
  const holders = new Map<string, number>(state.holders ?? []);
  const queue: string[] = [...(state.queue ?? [])];
  const regrant = new Set<string>();

  setHandler(acquireRenderSlotSignal, ({ workflowId, capacity: wanted }) => {
    capacity = Math.max(1, wanted);
    if (holders.has(workflowId))
      regrant.add(workflowId); // a repeated acquire (retried activity) gets its grant again
    else if (!queue.includes(workflowId)) queue.push(workflowId);
  });
  setHandler(releaseRenderSlotSignal, ({ workflowId }) => {
    holders.delete(workflowId);
    const at = queue.indexOf(workflowId);
    if (at >= 0) queue.splice(at, 1);
  });
  setHandler(renderSlotsQuery, () => ({ capacity, holders: [...holders.keys()], queue: [...queue] }));

  const grantable = () => (queue.length > 0 && holders.size < capacity) || regrant.size > 0;
  for (;;) {
    const woke = await condition(
      grantable,
      holders.size > 0 || queue.length > 0 ? SLOT_LEASE_MS / 6 : IDLE_MS,
    );
    if (!woke && holders.size === 0 && queue.length === 0) return; // idle
    const now = Date.now();
    for (const [id, since] of holders) if (now - since > SLOT_LEASE_MS) holders.delete(id);

    const grants = [...regrant];
    regrant.clear();
    while (queue.length > 0 && holders.size < capacity) {
      const id = queue.shift()!;
      holders.set(id, now);
      grants.push(id);
    }
    for (const id of grants) {
      try {
        await getExternalWorkflowHandle(id).signal(renderSlotGrantedSignal);
      } catch {
        holders.delete(id); // the render has already finished (cancelled, terminated): its slot is free again
      }
    }
    if (workflowInfo().historyLength > SLOTS_HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof renderSlots>({ capacity, holders: [...holders.entries()], queue });
    }
  }
}
