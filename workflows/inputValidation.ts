import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WorkflowContract, WorkflowInputs } from '../activities/inputValidation';
import { NON_RETRYABLE_TYPES } from '../contracts/failures';

/**
 * Marks runs whose input is validated by a local activity. Before it, each run parsed its input with zod inside the
 * sandbox, which evaluated zod and every contract schema again for each workflow run (mailboxes included): about
 * 20 ms of workflow-thread CPU and 2 MiB per cached run. Nothing the workflows import statically loads zod now.
 */
export const VALIDATE_IN_ACTIVITY_PATCH = 'validate-in-activity';

const { validateWorkflowInput } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'Validate the input against the contract',
});

/** The input, parsed with its contract's schema; bad input fails the run with `InvalidInput` naming the field. */
export async function validInput<C extends WorkflowContract>(
  contract: C,
  raw: unknown,
): Promise<WorkflowInputs[C]> {
  if (patched(VALIDATE_IN_ACTIVITY_PATCH)) {
    const parsed: WorkflowInputs[WorkflowContract] = await validateWorkflowInput({ contract, input: raw });
    return parsed as WorkflowInputs[C];
  }
  return parsedInSandbox(contract, raw);
}

/**
 * Runs started before the patch replay as they ran, parsing in the sandbox. The schema modules are required here,
 * lazily, so that only such a replay evaluates zod.
 */
function parsedInSandbox<C extends WorkflowContract>(contract: C, raw: unknown): WorkflowInputs[C] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parseInput } = require('../contracts/validation') as typeof import('../contracts/validation');
  const schema =
    contract === 'lifecycle'
      ? (require('../contracts/lifecycle') as typeof import('../contracts/lifecycle')).lifecycleInputSchema
      : contract === 'render'
        ? (require('../contracts/render') as typeof import('../contracts/render')).renderVideoInputSchema
        : (require('../contracts/batch') as typeof import('../contracts/batch')).renderBatchRunSchema;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return parseInput<WorkflowInputs[C]>(schema as never, raw);
}
