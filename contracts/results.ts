import { z } from 'zod';
import { JOB_KINDS } from './events';
import { runMediaSchema } from './media';
import type { pollingSchema } from './pollingSchema';
import { apiVersionSchema } from './pollingSchema';
import { LIFECYCLE_STAGES, RENDER_STAGES } from './progress';
import { RENDER_KINDS } from './renderRequest';

/**
 * What workflows return, report and receive: the zod schemas (the source of the language-neutral JSON Schema files
 * in contracts/json-schema/ and of the HTTP API's documents) and the public TypeScript types, each `z.infer` of its
 * schema. Workflows import these types only (erased at build time), so zod stays out of the workflow bundle.
 */

const videoPath = z
  .string()
  .optional()
  .describe("Absolute path of the video on the worker's disk: local storage only");
const media = runMediaSchema.describe('Where the video and its extras are stored (every backend)');

export const lifecycleResultSchema = z.object({
  groupId: z.string(),
  lookIds: z.array(z.string()),
  videoId: z.string(),
  media,
  videoPath,
  sha256: z.string(),
  durationSeconds: z.number(),
  apiVersion: apiVersionSchema.describe('The HeyGen API generation this run spoke, fixed for its whole life'),
});
export type LifecycleResult = z.infer<typeof lifecycleResultSchema>;

export const renderKindSchema = z.enum(RENDER_KINDS);

export const renderVideoResultSchema = z.object({
  videoId: z.string(),
  kind: renderKindSchema,
  media,
  videoPath,
  sha256: z.string(),
  bytes: z.number(),
  durationSeconds: z.number(),
  apiVersion: apiVersionSchema.describe('The HeyGen API generation this run spoke'),
});
export type RenderVideoResult = z.infer<typeof renderVideoResultSchema>;

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
export type BatchItemOutcome = z.infer<typeof batchItemOutcomeSchema>;

export const renderBatchResultSchema = z.object({
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
  items: z.array(batchItemOutcomeSchema),
});
export type RenderBatchResult = z.infer<typeof renderBatchResultSchema>;

export const batchProgressSchema = z.object({
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
  running: z.number(),
  pending: z.number(),
  run: z.number().describe('How many times the batch has continued as new so far'),
});
export type BatchProgress = z.infer<typeof batchProgressSchema>;

export const stageTimingSchema = z.object({
  stage: z.string(),
  startedAt: z.string().describe('ISO timestamp (workflow time)'),
  endedAt: z.string().optional().describe('ISO timestamp (workflow time)'),
  note: z
    .string()
    .optional()
    .describe(
      "What the stage means in this run, when not obvious (v3's training stage only waits for the looks)",
    ),
});
export type StageTiming = z.infer<typeof stageTimingSchema>;

export const failureInfoSchema = z.object({
  stage: z.string(),
  type: z.string().describe('e.g. HeyGenJobFailed, HeyGenRequestRejected, InvalidInput'),
  message: z.string(),
  code: z
    .union([z.string(), z.number()])
    .optional()
    .describe("HeyGen's error code, when HeyGen reported one (e.g. 40119)"),
});
export type FailureInfo = z.infer<typeof failureInfoSchema>;

/** HeyGen ids a lifecycle knows so far. */
export const lifecycleIdsSchema = z.object({
  photoGenerationId: z.string().optional(),
  imageKeys: z.array(z.string()),
  groupId: z.string().optional(),
  addedLookIds: z.array(z.string()).describe('Looks created from the input images (group create + add)'),
  lookGenerationIds: z.array(z.string()),
  generatedLookIds: z.array(z.string()).describe('Looks produced by look generation'),
  renderWorkflowId: z.string().optional(),
  videoId: z.string().optional(),
});
export type LifecycleIds = z.infer<typeof lifecycleIdsSchema>;

const progressApiVersion = apiVersionSchema
  .optional()
  .describe('The HeyGen API generation the run speaks, once validated');

/** The `progress` query of `photoAvatarLifecycle`. */
export const lifecycleProgressSchema = z.object({
  stage: z.enum([...LIFECYCLE_STAGES, 'failed']),
  stages: z.array(stageTimingSchema),
  ids: lifecycleIdsSchema,
  apiVersion: progressApiVersion,
  failure: failureInfoSchema.optional(),
});
export type LifecycleProgress = z.infer<typeof lifecycleProgressSchema>;
export type LifecycleStage = LifecycleProgress['stage'];

/** The `progress` query of `renderVideo`. */
export const renderProgressSchema = z.object({
  stage: z.enum([...RENDER_STAGES, 'failed']),
  stages: z.array(stageTimingSchema),
  videoId: z.string().optional(),
  heygenStatus: z
    .string()
    .optional()
    .describe('Last status HeyGen reported (waiting, pending, processing, completed, failed)'),
  apiVersion: progressApiVersion,
  failure: failureInfoSchema.optional(),
});
export type RenderProgress = z.infer<typeof renderProgressSchema>;
export type RenderStage = RenderProgress['stage'];

/** The `heygenJobEvent` signal's payload: what a webhook receiver (or any service) sends a waiting run. */
export const jobEventSchema = z.object({
  kind: z.enum(JOB_KINDS),
  resourceId: z.string().min(1).describe('generation_id, group_id or video_id'),
  outcome: z.enum(['success', 'fail']),
  eventType: z.string().optional().describe("HeyGen's event type, e.g. 'avatar_video.success'"),
  message: z.string().optional(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;

/** Fallback poll cadence: capped exponential backoff from initialSeconds to maxSeconds (defaults: polling.ts). */
export type PollingPolicy = z.infer<typeof pollingSchema>;
