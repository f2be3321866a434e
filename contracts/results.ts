import { z } from 'zod';
import type { BatchItemOutcome, BatchProgress, RenderBatchResult } from './batch';
import type { JobEvent } from './events';
import type { LifecycleResult } from './lifecycle';
import { runMediaSchema } from './media';
import type { PollingPolicy, WaitMode } from './polling';
import { apiVersionSchema, type pollingSchema, type waitModeSchema } from './pollingSchema';
import type { FailureInfo, StageTiming } from './progress';
import type { RenderVideoResult } from './render';

/**
 * Schemas of what workflows return, report and receive, for the language-neutral contract (JSON Schema files in
 * contracts/json-schema/). The compile-time checks below keep them (and the zod-free types workflows use) identical
 * to the TypeScript types.
 */

export const lifecycleResultSchema = z.object({
  groupId: z.string(),
  lookIds: z.array(z.string()),
  videoId: z.string(),
  media: runMediaSchema,
  videoPath: z.string().optional(),
  sha256: z.string(),
  durationSeconds: z.number(),
  apiVersion: apiVersionSchema,
});

export const renderVideoResultSchema = z.object({
  videoId: z.string(),
  kind: z.enum(['scenes', 'avatar_iv', 'webm']),
  media: runMediaSchema,
  videoPath: z.string().optional(),
  sha256: z.string(),
  bytes: z.number(),
  durationSeconds: z.number(),
  apiVersion: apiVersionSchema,
});

export const batchItemOutcomeSchema = z.object({
  index: z.number(),
  ref: z.string().optional(),
  workflowId: z.string(),
  status: z.enum(['completed', 'failed']),
  result: renderVideoResultSchema.optional(),
  error: z
    .object({ type: z.string(), message: z.string(), code: z.union([z.string(), z.number()]).optional() })
    .optional(),
});

export const renderBatchResultSchema = z.object({
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
  items: z.array(batchItemOutcomeSchema),
});

export const batchProgressSchema = z.object({
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
  running: z.number(),
  pending: z.number(),
  run: z.number(),
});

export const stageTimingSchema = z.object({
  stage: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  note: z.string().optional(),
});
export const failureInfoSchema = z.object({
  stage: z.string(),
  type: z.string(),
  message: z.string(),
  code: z.union([z.string(), z.number()]).optional(),
});

/** The `heygenJobEvent` signal's payload: what a webhook receiver (or any service) sends a waiting run. */
export const jobEventSchema = z.object({
  kind: z.enum(['photo_generation', 'training', 'render']),
  resourceId: z.string().min(1),
  outcome: z.enum(['success', 'fail']),
  eventType: z.string().optional(),
  message: z.string().optional(),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<z.infer<typeof lifecycleResultSchema>, LifecycleResult>,
  Same<z.infer<typeof renderVideoResultSchema>, RenderVideoResult>,
  Same<z.infer<typeof batchItemOutcomeSchema>, BatchItemOutcome>,
  Same<z.infer<typeof renderBatchResultSchema>, RenderBatchResult>,
  Same<z.infer<typeof batchProgressSchema>, BatchProgress>,
  Same<z.infer<typeof stageTimingSchema>, StageTiming>,
  Same<z.infer<typeof failureInfoSchema>, FailureInfo>,
  Same<z.infer<typeof jobEventSchema>, JobEvent>,
  Same<z.infer<typeof pollingSchema>, PollingPolicy>,
  Same<z.infer<typeof waitModeSchema>, WaitMode>,
] = [true, true, true, true, true, true, true, true, true, true];
void checks;
