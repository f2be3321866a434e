import { z } from 'zod';
import { renderVideoInputSchema, type RenderVideoResult } from './render';

export const MAX_BATCH_ITEMS = 10_000;

export const batchItemSchema = z
  .object({
    /** The caller's own reference for this item (echoed in the result) */
    ref: z.string().trim().min(1).max(200).optional(),
    render: renderVideoInputSchema,
  })
  .strict();
export type BatchItem = z.infer<typeof batchItemSchema>;

/** Input of `renderBatch`. `next` and `outcomes` are carried across continue-as-new; callers leave them out. */
export const renderBatchInputSchema = z
  .object({
    items: z.array(batchItemSchema).min(1).max(MAX_BATCH_ITEMS),
    /** Child renders started at once by this batch (HeyGen concurrency is capped separately, by render slots) */
    maxParallel: z.number().int().min(1).max(500).optional(),
    /** Items to finish per run before continuing as new (keeps each run's history small) */
    itemsPerRun: z.number().int().min(1).max(1000).optional(),
    next: z.number().int().min(0).optional(),
    outcomes: z.array(z.unknown()).optional(),
  })
  .strict();
export type RenderBatchInput = z.infer<typeof renderBatchInputSchema>;

export interface BatchItemOutcome {
  index: number;
  ref?: string;
  workflowId: string;
  status: 'completed' | 'failed';
  result?: RenderVideoResult;
  error?: { type: string; message: string; code?: string | number };
}

export interface RenderBatchResult {
  total: number;
  completed: number;
  failed: number;
  items: BatchItemOutcome[];
}

export interface BatchProgress {
  total: number;
  completed: number;
  failed: number;
  running: number;
  pending: number;
  /** How many times the batch has continued as new so far */
  run: number;
}
