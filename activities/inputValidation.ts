import type { z } from 'zod';
import { renderBatchRunSchema, type RenderBatchRunInput } from '../contracts/batch';
import { lifecycleInputSchema, type LifecycleInput } from '../contracts/lifecycle';
import { renderVideoInputSchema, type RenderVideoInput } from '../contracts/render';
import { InputValidationError, parseInput } from '../contracts/validation';
import { classified } from './errors';

/** What each workflow takes as input, by contract name. */
export interface WorkflowInputs {
  lifecycle: LifecycleInput;
  render: RenderVideoInput;
  batch: RenderBatchRunInput;
}
export type WorkflowContract = keyof WorkflowInputs;

const SCHEMAS = {
  lifecycle: lifecycleInputSchema,
  render: renderVideoInputSchema,
  batch: renderBatchRunSchema,
} as const;

/**
 * Validates a workflow's input with its contract's zod schema, for runs started by any Temporal SDK with raw JSON
 * (the typed client, the CLI and the HTTP API have validated it already). It runs as a local activity at the start
 * of each run, on the worker's main thread where zod and the schemas are loaded once, instead of in the workflow
 * sandbox, which evaluates its modules again for every run. Returns the parsed input (strings trimmed); bad input
 * fails with `InvalidInput` naming the field, never retried.
 */
export function inputValidationActivities() {
  return {
    validateWorkflowInput: classified(
      (request: {
        contract: WorkflowContract;
        input: unknown;
      }): Promise<WorkflowInputs[WorkflowContract]> => {
        const schema: z.ZodType<WorkflowInputs[WorkflowContract]> | undefined = SCHEMAS[request.contract];
        if (!schema) throw new InputValidationError('contract', `unknown: ${String(request.contract)}`);
        return Promise.resolve(parseInput(schema, request.input));
      },
    ),
  };
}
