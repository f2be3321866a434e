import { z } from 'zod';
import { apiVersionSchema } from './pollingSchema';
import { renderVideoInputSchema } from './render';
import { batchItemOutcomeSchema } from './results';

export const MAX_BATCH_ITEMS = 10_000;

export const batchItemSchema = z
  .object({
    /** The caller's own reference for this item (echoed in the result) */
    ref: z.string().trim().min(1).max(200).optional(),
    render: renderVideoInputSchema,
  })
  .strict();
export type BatchItem = z.infer<typeof batchItemSchema>;

const batchShape = {
  items: z.array(batchItemSchema).min(1).max(MAX_BATCH_ITEMS),
  /** Child renders started at once by this batch (HeyGen concurrency is capped separately, by render slots) */
  maxParallel: z.number().int().min(1).max(500).optional(),
  /** Items to finish per run before continuing as new (keeps each run's history small) */
  itemsPerRun: z.number().int().min(1).max(1000).optional(),
  /** The HeyGen API generation the batch and its renders speak; default: the worker's (kept across continue-as-new) */
  apiVersion: apiVersionSchema.optional(),
};

/** Input of `renderBatch`, as callers give it (client, API, any SDK). */
export const renderBatchInputSchema = z.object(batchShape).strict();
export type RenderBatchInput = z.infer<typeof renderBatchInputSchema>;

/**
 * What one run of `renderBatch` receives: the caller's input, plus, only in a run continued as new, the position
 * reached and the outcomes so far. The workflow refuses them in a first run (a caller cannot forge progress).
 */
export const renderBatchRunSchema = z
  .object({
    ...batchShape,
    next: z.number().int().min(0).optional(),
    outcomes: z.array(batchItemOutcomeSchema).optional(),
  })
  .strict();
export type RenderBatchRunInput = z.infer<typeof renderBatchRunSchema>;
