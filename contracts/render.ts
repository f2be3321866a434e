import { z } from 'zod';
import { generateVideoRequestSchema } from '../heygen/schemas/video';
import { pollingSchema, waitModeSchema } from './polling';

/**
 * Input of the `renderVideo` workflow: HeyGen's own v2 request body (as documented for POST /v2/video/generate),
 * plus how to wait for it. `callback_id` is set by the workflow (it identifies the waiting workflow).
 */
export const renderVideoInputSchema = z
  .object({
    video: generateVideoRequestSchema,
    polling: pollingSchema.optional(),
    /** 'webhook': waits end on job events, polling only as a slow fallback. Default 'poll'. */
    waitMode: waitModeSchema.optional(),
    /** File name (without directory) for the downloaded video; default `<video_id>.mp4`. */
    fileName: z
      .string()
      .regex(/^[\w.-]{1,200}$/, 'must be a plain file name (letters, digits, . _ -)')
      .optional(),
  })
  .strict();
export type RenderVideoInput = z.infer<typeof renderVideoInputSchema>;

export interface RenderVideoResult {
  videoId: string;
  /** Absolute path of the downloaded file on the worker's storage */
  videoPath: string;
  sha256: string;
  bytes: number;
  durationSeconds: number;
}
