import { continueAsNew, executeChild, setHandler, workflowInfo } from '@temporalio/workflow';
import type {
  BatchItemOutcome,
  BatchProgress,
  RenderBatchRunInput,
  RenderBatchResult,
} from '../contracts/batch';
import { InputValidationError } from '../contracts/validation';
import { batchProgressQuery } from './definitions';
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
  setHandler(batchProgressQuery, (): BatchProgress => ({
    total: items.length,
    completed: outcomes.filter((o) => o.status === 'completed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    running,
    pending: items.length - outcomes.length - running,
    run,
  }));

  let input: RenderBatchRunInput;
  try {
    input = await validInput('batch', rawInput);
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
      const result = await executeChild(renderVideo, {
        workflowId: childId,
        args: [item.render],
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
  await Promise.all(lanes);

  if (next < items.length) {
    // Every child of this run has finished: nothing is left behind by continuing as new.
    await continueAsNew<typeof renderBatch>({ ...input, next, outcomes });
  }
  outcomes.sort((a, b) => a.index - b.index);
  return {
    total: items.length,
    completed: outcomes.filter((o) => o.status === 'completed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    items: outcomes,
  };
}
