import { z } from 'zod';
import { apiVersionSchema } from '../contracts/pollingSchema';
import { renderBatchInputSchema } from '../contracts/batch';
import { lifecycleInputSchema } from '../contracts/lifecycle';
import { mediaNameSchema, storedFileSchema } from '../contracts/media';
import { renderVideoInputSchema } from '../contracts/render';
import {
  batchProgressSchema,
  failureInfoSchema,
  lifecycleProgressSchema,
  lifecycleResultSchema,
  renderBatchResultSchema,
  renderProgressSchema,
  renderVideoResultSchema,
} from '../contracts/results';

/**
 * What the HTTP API reads and answers, in zod: the routes validate with these, the OpenAPI document is generated
 * from them, and the service's types are inferred from them. A schema with an `id` becomes a component of the
 * document (request schemas get an `Input` suffix). The contract's schemas are given ids on copies (`.meta()`
 * clones), so the contract's own JSON Schema files do not change.
 */

/** The runs the API exposes (the internal mailbox and render-slot workflows are never listed or touched). */
export const RUN_KINDS = ['lifecycle', 'render', 'batch'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** An ISO 8601 timestamp as the API writes it (documented by format: zod's own datetime adds a long pattern). */
const timestamp = z.string().meta({ format: 'date-time' });

export const RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'terminated',
  'timed_out',
  'continued_as_new',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const referenceSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe(
    "The caller's own id: the run's workflow id is derived from it, so starting it again is idempotent",
  );

/** The contract's input of each start route. */
export const START_INPUTS = {
  lifecycle: lifecycleInputSchema.meta({ id: 'Lifecycle' }),
  render: renderVideoInputSchema.meta({ id: 'Render' }),
  batch: renderBatchInputSchema.meta({ id: 'Batch' }),
} satisfies Record<RunKind, z.ZodType>;

const RESULTS = {
  lifecycle: lifecycleResultSchema.meta({ id: 'LifecycleResult' }),
  render: renderVideoResultSchema.meta({ id: 'RenderResult' }),
  batch: renderBatchResultSchema.meta({ id: 'BatchResult' }),
} satisfies Record<RunKind, z.ZodType>;

/**
 * A start request as the API checks it: the envelope only. The input is validated by PipelinesClient with the
 * workflow's own schema, which names the offending field; the document shows `startBody(kind)`.
 */
export const startEnvelopeSchema = z
  .object({
    reference: referenceSchema.optional(),
    input: z.unknown().refine((value) => value !== undefined, 'required'),
  })
  .strict();

/** A start request as the document shows it: the envelope with the contract's input schema. */
export const startBody = (kind: RunKind) => startEnvelopeSchema.extend({ input: START_INPUTS[kind] });

export const idempotencyHeadersSchema = z.looseObject({
  'idempotency-key': referenceSchema
    .optional()
    .describe('The reference, as a header (when both are sent they must be equal)'),
});

export const listFilterSchema = z
  .object({
    kind: z.enum(RUN_KINDS).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    reference: z.string().trim().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(20),
  })
  .strict();
export type ListFilter = z.infer<typeof listFilterSchema>;

export const runParamsSchema = z.object({ workflowId: z.string().min(1) });
export const mediaParamsSchema = runParamsSchema.extend({ name: mediaNameSchema });
export const mediaQuerySchema = z
  .object({
    format: z
      .enum(['redirect', 'json'])
      .default('redirect')
      .describe('json: describe the file and its link instead of answering with it'),
  })
  .strict();
export const mediaHeadersSchema = z.looseObject({
  range: z.string().optional().describe('One byte range (local storage)'),
  'if-range': z.string().optional().describe('The ETag the Range applies to'),
});

export const errorSchema = z
  .object({
    error: z.object({
      type: z.string().describe('e.g. InvalidInput, RunNotFound, TemporalUnavailable'),
      message: z.string(),
      field: z.string().optional().describe('The offending field, e.g. input.looks.0.prompt or query.limit'),
    }),
  })
  .meta({ id: 'Error' });

export const startedRunSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    kind: z.enum(RUN_KINDS),
    existing: z.boolean().describe('true: a run for this reference already existed, and this is it'),
    reference: z.string().optional(),
  })
  .meta({ id: 'StartedRun' });

export const runSummarySchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    kind: z.enum(RUN_KINDS),
    status: z.enum(RUN_STATUSES),
    startTime: timestamp,
    closeTime: timestamp.optional(),
    reference: z.string().optional(),
    apiVersion: apiVersionSchema
      .optional()
      .describe('The HeyGen API generation the run speaks (set once its input is validated)'),
  })
  .meta({ id: 'RunSummary' });
export type RunSummary = z.infer<typeof runSummarySchema>;

/** A closed run's failure: the contract's, with the stage only when the run reported one. */
export const failureSchema = failureInfoSchema.partial({ stage: true }).meta({ id: 'Failure' });
export type RunFailure = z.infer<typeof failureSchema>;

/** The run's progress query, whatever its kind (each is the contract's schema). */
const progressSchema = z
  .union([
    lifecycleProgressSchema.meta({ id: 'LifecycleProgress' }),
    renderProgressSchema.meta({ id: 'RenderProgress' }),
    batchProgressSchema.meta({ id: 'BatchProgress' }),
  ])
  .describe('The progress query: stage, stage timings, HeyGen ids (and the API version once known)');
export type RunProgress = z.infer<typeof progressSchema>;

export const runViewSchema = runSummarySchema
  .extend({
    progress: progressSchema.optional(),
    result: z.union([RESULTS.lifecycle, RESULTS.render, RESULTS.batch]).optional(),
    failure: failureSchema.optional(),
  })
  .meta({ id: 'Run' });
export type RunView = z.infer<typeof runViewSchema>;

export const runResultSchema = runViewSchema.pick({
  workflowId: true,
  kind: true,
  status: true,
  result: true,
  failure: true,
});

export const runProgressSchema = z.object({ workflowId: z.string(), progress: progressSchema });

export const cancelledRunSchema = runSummarySchema.extend({ cancelRequested: z.literal(true) });

export const runListSchema = z.object({ runs: z.array(runSummarySchema) });

export const redirectSchema = z.object({ url: z.string(), expiresAt: timestamp });

export const mediaLinkSchema = storedFileSchema
  .extend({
    url: z.string().describe('A presigned URL (S3), or this route (local storage, fetched with the token)'),
    expiresAt: timestamp.optional().describe('When the presigned URL expires'),
  })
  .meta({ id: 'MediaLink' });

/** A documented JSON answer (the provider types `reply.send` with the schema). */
export const answer = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { 'application/json': { schema } },
});
export const refusal = (description: string) => answer(description, errorSchema);

/** The answers every authenticated route can give. */
export const COMMON_REFUSALS = {
  401: refusal('Missing or unknown bearer token'),
  503: refusal('Temporal is not reachable (retry after the Retry-After seconds)'),
};
