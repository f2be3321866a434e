import type { z } from 'zod';
import type { ApiVersion } from '../contracts/apiVersion';
import type { WaitMode } from '../contracts/polling';
import { renderBatchRunSchema, type RenderBatchRunInput } from '../contracts/batch';
import { lifecycleInputSchema, type LifecycleInput } from '../contracts/lifecycle';
import { renderVideoInputSchema, type RenderVideoInput } from '../contracts/render';
import {
  lifecycleInputPath,
  lifecycleScenes,
  renderInputPath,
  renderKindOf,
  renderRequestOf,
} from '../contracts/renderRequest';
import { InputValidationError, parseInput } from '../contracts/validation';
import type { HeyGenPort, UnsupportedField } from '../heygen/port';
import { portFor, type ActivityDeps } from './deps';
import { classified } from './errors';

/** What each workflow takes as input, by contract name. */
export interface WorkflowInputs {
  lifecycle: LifecycleInput;
  render: RenderVideoInput;
  batch: RenderBatchRunInput;
}
export type WorkflowContract = keyof WorkflowInputs;

/** A validated input and the HeyGen API generation the run speaks (recorded once, fixed for the run's life). */
export interface ValidatedInput<C extends WorkflowContract = WorkflowContract> {
  input: WorkflowInputs[C];
  apiVersion: ApiVersion;
}

const SCHEMAS = {
  lifecycle: lifecycleInputSchema,
  render: renderVideoInputSchema,
  batch: renderBatchRunSchema,
} as const;

/** Fields of `input` the configured API cannot honour, named by the caller's own paths. */
export function unsupportedFields(
  heygen: HeyGenPort,
  contract: WorkflowContract,
  input: unknown,
): UnsupportedField[] {
  if (contract === 'render') return unsupportedInRender(heygen, input as RenderVideoInput, '');
  if (contract === 'batch') {
    return (input as RenderBatchRunInput).items.flatMap((item, index) =>
      unsupportedInRender(heygen, item.render, `items.${index}.render.`),
    );
  }
  const lifecycle = input as LifecycleInput;
  const found: UnsupportedField[] = [];
  const { generate, prompt } = lifecycle.photo;
  if (generate || prompt) {
    const source = generate ? { attributes: generate } : { prompt: prompt ?? '' };
    found.push(
      ...heygen.unsupported({ kind: 'photos', source }).map((u) => ({ ...u, field: `photo.${u.field}` })),
    );
  }
  (lifecycle.looks ?? []).forEach((look, index) => {
    found.push(
      ...heygen
        .unsupported({ kind: 'look', look })
        .map((u) => ({ ...u, field: `looks.${index}.${u.field}` })),
    );
  });
  const { video } = lifecycle;
  const request = {
    kind: 'scenes' as const,
    scenes: lifecycleScenes(video, 'look'),
    ...(video.test !== undefined ? { test: video.test } : {}),
    ...(video.caption !== undefined ? { caption: video.caption } : {}),
    ...(video.dimension ? { dimension: video.dimension } : {}),
  };
  found.push(
    ...heygen
      .unsupported({ kind: 'render', request })
      .map((u) => ({ ...u, field: lifecycleInputPath(u.field) })),
  );
  return found;
}

function unsupportedInRender(
  heygen: HeyGenPort,
  input: RenderVideoInput,
  prefix: string,
): UnsupportedField[] {
  const kind = renderKindOf(input);
  const request = renderRequestOf(input, { photo: 'photo', callbackId: 'callback' });
  return heygen
    .unsupported({ kind: 'render', request })
    .map((u) => ({ ...u, field: `${prefix}${renderInputPath(kind, u.field)}` }));
}

/**
 * Validates a workflow's input with its contract's zod schema, for runs started by any Temporal SDK with raw JSON
 * (the typed client, the CLI and the HTTP API have validated it already), then refuses any field the configured
 * HeyGen API cannot honour (named with the version), before any HeyGen call. It runs as a local activity at the
 * start of each run, on the worker's main thread where zod and the schemas are loaded once, instead of in the
 * workflow sandbox, which evaluates its modules again for every run. Returns the parsed input (strings trimmed) and
 * the API version, which the run then keeps for its whole life (the local activity's result is in its history).
 */
/**
 * The deployment's wait mode (the worker's HEYGEN_WAIT_MODE) for an input that names none: a batch's items get it
 * too, so the batch knows which of them poll. Recorded with the validated input, so a replay sees the same mode.
 */
function withWaitMode<C extends WorkflowContract>(
  contract: C,
  input: WorkflowInputs[C],
  mode: WaitMode | undefined,
): WorkflowInputs[C] {
  if (!mode) return input;
  if (contract === 'batch') {
    const batch = input as RenderBatchRunInput;
    return {
      ...batch,
      items: batch.items.map((item) => ({ ...item, render: { waitMode: mode, ...item.render } })),
    } as WorkflowInputs[C];
  }
  return { waitMode: mode, ...(input as LifecycleInput | RenderVideoInput) } as WorkflowInputs[C];
}

export function inputValidationActivities(deps: Pick<ActivityDeps, 'heygen' | 'ports' | 'defaultWaitMode'>) {
  // A run speaks the version its input names (a parent's, or a caller's choice), else the configured one; it is
  // recorded in the run's history and kept for its whole life.
  return {
    validateWorkflowInput: classified(
      (request: { contract: WorkflowContract; input: unknown }): Promise<ValidatedInput> => {
        const schema: z.ZodType<WorkflowInputs[WorkflowContract]> | undefined = SCHEMAS[request.contract];
        if (!schema) throw new InputValidationError('contract', `unknown: ${String(request.contract)}`);
        const input = withWaitMode(request.contract, parseInput(schema, request.input), deps.defaultWaitMode);
        const apiVersion = input.apiVersion ?? deps.heygen.version;
        const [refused] = unsupportedFields(portFor(deps, apiVersion), request.contract, input);
        if (refused) throw new InputValidationError(refused.field, refused.reason);
        return Promise.resolve({ input, apiVersion });
      },
    ),
  };
}
