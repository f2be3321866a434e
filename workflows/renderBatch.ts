import {
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { API_CAPABILITIES, DEFAULT_API_VERSION, type ApiVersion } from '../contracts/apiVersion';
import type { RenderBatchRunInput } from '../contracts/batch';
import type { BatchItemOutcome, BatchProgress, RenderBatchResult, PollingPolicy } from '../contracts/results';
import { InputValidationError } from '../contracts/validation';
import { DEFAULT_POLLING } from '../contracts/polling';
import { reads } from './activityOptions';
import { batchProgressQuery, jobEventSignal, renderSubmittedSignal } from '../contracts/definitions';
import { describeFailure, toWorkflowFailure } from './failures';
import { validInput } from './inputValidation';
import { renderVideo } from './renderVideo';

export const DEFAULT_MAX_PARALLEL = 20;
export const DEFAULT_ITEMS_PER_RUN = 50;

/**
 * Renders many videos as child `renderVideo` workflows, at most `maxParallel` at once from this batch (HeyGen's
 * plan concurrency is enforced across everything by render slots). One failed item does not fail the batch: the
 * result lists each item's outcome. Every `itemsPerRun` items the batch lets its running children finish and
 * continues as new, carrying the outcomes, so its history stays small however large the batch.
 */
export async function renderBatch(rawInput: RenderBatchRunInput): Promise<RenderBatchResult> {
  let items: RenderBatchRunInput['items'] = [];
  let outcomes: BatchItemOutcome[] = [];
  let running = 0;
  let run = 0;
  /** Renders HeyGen accepted and that have not ended yet, by video id → the item's workflow (bulk polling) */
  const inFlight = new Map<string, InFlight>();
  /** Each item's poll cadence, by its workflow id: the bulk read runs at the fastest one in flight */
  const pollingOf = new Map<string, PollingPolicy>();
  setHandler(renderSubmittedSignal, ({ workflowId, videoId }) => {
    inFlight.set(videoId, { workflowId, polling: pollingOf.get(workflowId) ?? DEFAULT_POLLING });
  });
  setHandler(batchProgressQuery, (): BatchProgress => ({
    total: items.length,
    completed: outcomes.filter((o) => o.status === 'completed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    running,
    pending: items.length - outcomes.length - running,
    run,
  }));

  let input: RenderBatchRunInput;
  let bulk = false;
  let apiVersion: ApiVersion = DEFAULT_API_VERSION;
  try {
    const validated = await validInput('batch', rawInput);
    input = validated.input;
    // On an API with bulk status reads, items that would poll report their video to the batch instead, and the
    // batch reads every render's status in one call per poll.
    apiVersion = validated.apiVersion;
    bulk = API_CAPABILITIES[apiVersion].bulkRenderStatus;
    // Progress is carried only by continue-as-new: a first run given some was started with forged state.
    const continued = Boolean(workflowInfo().continuedFromExecutionRunId);
    for (const key of ['next', 'outcomes'] as const) {
      if (!continued && input[key] !== undefined) {
        throw new InputValidationError(key, 'set by the batch itself when it continues as new; leave it out');
      }
    }
    if ((input.next ?? 0) > input.items.length) {
      throw new InputValidationError('next', `beyond the ${input.items.length} items`);
    }
  } catch (err) {
    throw toWorkflowFailure(err, describeFailure(err, 'validating'));
  }
  const { workflowId } = workflowInfo();
  items = input.items;
  outcomes = input.outcomes ?? [];
  const maxParallel = input.maxParallel ?? DEFAULT_MAX_PARALLEL;
  const itemsPerRun = input.itemsPerRun ?? DEFAULT_ITEMS_PER_RUN;
  let next = input.next ?? 0;
  const stopAt = Math.min(items.length, next + itemsPerRun);
  run = Math.floor((input.next ?? 0) / itemsPerRun);

  const renderOne = async (index: number): Promise<void> => {
    const item = items[index]!;
    const childId = `${workflowId}/item-${index}`;
    running++;
    try {
      const polls = (item.render.waitMode ?? 'poll') === 'poll';
      pollingOf.set(childId, item.render.polling ?? DEFAULT_POLLING);
      const result = await executeChild(renderVideo, {
        workflowId: childId,
        // Items speak the batch's version unless they name their own.
        args: [
          {
            ...item.render,
            apiVersion: item.render.apiVersion ?? apiVersion,
            ...(bulk && polls ? { reportToBatch: true } : {}),
          },
        ],
        staticSummary: `Batch item ${index + 1} of ${items.length}${item.ref ? ` (${item.ref})` : ''}`,
      });
      outcomes.push({
        index,
        ...(item.ref ? { ref: item.ref } : {}),
        workflowId: childId,
        status: 'completed',
        result,
      });
    } catch (err) {
      const failure = describeFailure(err, 'rendering');
      outcomes.push({
        index,
        ...(item.ref ? { ref: item.ref } : {}),
        workflowId: childId,
        status: 'failed',
        error: {
          type: failure.type,
          message: failure.message,
          ...(failure.code !== undefined ? { code: failure.code } : {}),
        },
      });
    } finally {
      running--;
    }
  };

  // A sliding window: start a new child whenever one finishes, up to this run's share of items.
  const lanes = Array.from({ length: Math.min(maxParallel, stopAt - next) }, async () => {
    while (next < stopAt) await renderOne(next++);
  });
  let lanesDone = false;
  const poller = bulk ? pollInFlight(apiVersion, inFlight, () => lanesDone) : Promise.resolve();
  await Promise.all(lanes);
  lanesDone = true;
  await poller;

  if (next < items.length) {
    // Every child of this run has finished: nothing is left behind by continuing as new.
    // The next run keeps this one's API version.
    await continueAsNew<typeof renderBatch>({ ...input, apiVersion, next, outcomes });
  }
  outcomes.sort((a, b) => a.index - b.index);
  return {
    total: items.length,
    completed: outcomes.filter((o) => o.status === 'completed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    items: outcomes,
  };
}

interface InFlight {
  workflowId: string;
  polling: PollingPolicy;
}

/** The fastest cadence any of the renders in flight asked for. */
function fastest(inFlight: Map<string, InFlight>): Required<PollingPolicy> {
  const policies = [...inFlight.values()].map((r) => r.polling);
  if (policies.length === 0) policies.push(DEFAULT_POLLING);
  return {
    initialSeconds: Math.min(...policies.map((p) => p.initialSeconds)),
    maxSeconds: Math.min(...policies.map((p) => p.maxSeconds)),
    backoff: Math.min(...policies.map((p) => p.backoff ?? 2)),
  };
}

/**
 * The batch's poll: every render in flight in one status read (v3 `GET /v3/videos/statuses`, up to 100 ids a call),
 * at the fastest cadence its items asked for (capped backoff, restarted whenever new renders join). A render that
 * ended is woken by the same signal a webhook would send; it then reads its own status once, so this read only
 * decides *when* it looks.
 */
async function pollInFlight(
  api: ApiVersion,
  inFlight: Map<string, InFlight>,
  done: () => boolean,
): Promise<void> {
  let delayMs = fastest(inFlight).initialSeconds * 1000;
  let known = 0;
  for (;;) {
    if (inFlight.size > known) delayMs = fastest(inFlight).initialSeconds * 1000;
    known = inFlight.size;
    if (await condition(done, delayMs)) return;
    const cadence = fastest(inFlight);
    delayMs = Math.min(delayMs * cadence.backoff, cadence.maxSeconds * 1000);
    if (inFlight.size === 0) continue;
    const summaries = await reads.checkVideos({ api, videoIds: [...inFlight.keys()] });
    const ended = summaries.filter(
      (r) =>
        inFlight.has(r.videoId) &&
        (r.state === 'completed' || r.state === 'failed' || r.state === 'not_found'),
    );
    // Every wake-up signal goes out in the same workflow task.
    await Promise.all(
      ended.map((summary) => {
        const target = inFlight.get(summary.videoId)!;
        inFlight.delete(summary.videoId);
        return getExternalWorkflowHandle(target.workflowId)
          .signal(jobEventSignal, {
            kind: 'render',
            resourceId: summary.videoId,
            outcome: summary.state === 'completed' ? 'success' : 'fail',
            eventType: 'batch.poll',
          })
          .catch(() => undefined); // the render has ended on its own meanwhile
      }),
    );
    known = inFlight.size;
  }
}
