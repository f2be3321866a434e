import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { acquireRenderSlotSignal, RENDER_SLOTS_WORKFLOW_ID, WORKFLOW_TYPES } from '../contracts/definitions';
import { DEFAULT_RENDER_SLOT_REFRESH_MS, type ActivityDeps } from './deps';

/**
 * Asks the namespace's render-slots workflow for a slot (signal-with-start: the first render creates it). Without
 * a configured plan concurrency (HEYGEN_MAX_CONCURRENT_RENDERS) renders are not limited and nothing is signalled.
 */
export function renderSlotActivities({ temporal, maxConcurrentRenders, renderSlotRefreshMs }: ActivityDeps) {
  return {
    /**
     * `refreshAfterMs`: how long the render waits for its grant before asking again (recorded with the result, so
     * the wait is deterministic however the worker is configured later).
     */
    acquireRenderSlot: async (): Promise<{ limited: boolean; refreshAfterMs?: number }> => {
      if (!maxConcurrentRenders) return { limited: false };
      if (!temporal)
        throw ApplicationFailure.nonRetryable('No Temporal client for render slots', 'Misconfigured');
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      if (!workflowId)
        throw ApplicationFailure.nonRetryable('acquireRenderSlot runs only for a workflow', 'Misconfigured');
      await temporal.client.workflow.signalWithStart(WORKFLOW_TYPES.renderSlots, {
        workflowId: RENDER_SLOTS_WORKFLOW_ID,
        taskQueue: temporal.taskQueue,
        args: [{ capacity: maxConcurrentRenders }],
        signal: acquireRenderSlotSignal.name,
        signalArgs: [{ workflowId, capacity: maxConcurrentRenders }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      return { limited: true, refreshAfterMs: renderSlotRefreshMs ?? DEFAULT_RENDER_SLOT_REFRESH_MS };
    },
  };
}
