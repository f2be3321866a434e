import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ValidatedInput, WorkflowContract, WorkflowInputs } from '../activities/inputValidation';
import type { ApiVersion } from '../contracts/apiVersion';
import { NON_RETRYABLE_TYPES } from '../contracts/retries';

const { validateWorkflowInput } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'Validate the input against the contract and the HeyGen API version',
});

/**
 * The input, parsed with its contract's schema by a local activity (zod stays out of the workflow sandbox, which
 * would evaluate it again for every run), and the HeyGen API version the worker speaks. Bad input, or a field that
 * version cannot honour, fails the run with `InvalidInput` naming the field, before any HeyGen call. The version is
 * the local activity's recorded result: a replay reads it from history, so the run keeps it for its whole life even
 * if workers are later configured for another version.
 */
export async function validInput<C extends WorkflowContract>(
  contract: C,
  raw: unknown,
): Promise<{ input: WorkflowInputs[C]; apiVersion: ApiVersion }> {
  const validated: ValidatedInput = await validateWorkflowInput({ contract, input: raw });
  return validated as { input: WorkflowInputs[C]; apiVersion: ApiVersion };
}
