import { z } from 'zod';
import {
  AVATAR_IV_SPEECH_ISSUE,
  avatarIvFieldsSchema,
  generateVideoRequestSchema,
  generateWebmRequestSchema,
  hasAvatarIvSpeech,
} from '../heygen/schemas/video';
import { pollingSchema, waitModeSchema } from './pollingSchema';

/** Avatar IV from an image key, or from a photo on the worker's disk (uploaded first). */
export const avatarIvInputSchema = avatarIvFieldsSchema
  .extend({
    image_key: z.string().trim().min(1).max(500).optional(),
    /** A JPEG or PNG inside the worker's INPUT_DIR */
    photo_file: z.string().trim().min(1).max(4096).optional(),
  })
  .strict()
  .refine((v) => Boolean(v.image_key) !== Boolean(v.photo_file), {
    message: 'give exactly one of image_key or photo_file',
    path: ['image_key'],
  })
  .refine(hasAvatarIvSpeech, AVATAR_IV_SPEECH_ISSUE);
export type AvatarIvInput = z.infer<typeof avatarIvInputSchema>;

/**
 * Input of the `renderVideo` workflow: exactly one kind of video, each in HeyGen's own request shape —
 * `video` (POST /v2/video/generate: 1–50 scenes, avatars or talking photos, text/audio/silence voices, colour/image/
 * video backgrounds, captions, dimension, test), `avatarIv` (POST /v2/video/av4/generate) or `webm` (POST
 * /v1/video.webm: transparent background, HeyGen studio avatars only) — plus how to wait for it. For `video`,
 * `callback_id` is set by the workflow (it identifies the waiting workflow for webhooks).
 */
export const renderVideoInputSchema = z
  .object({
    video: generateVideoRequestSchema.optional(),
    avatarIv: avatarIvInputSchema.optional(),
    webm: generateWebmRequestSchema.optional(),
    polling: pollingSchema.optional(),
    /** 'webhook': waits end on job events, polling only as a slow fallback. Default 'poll'. */
    waitMode: waitModeSchema.optional(),
    /** File name (without directory) for the downloaded video; default `<video_id>.mp4` (`.webm` for WebM). */
    fileName: z
      .string()
      .regex(/^[\w.-]{1,200}$/, 'must be a plain file name (letters, digits, . _ -)')
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const kinds = [v.video, v.avatarIv, v.webm].filter((k) => k !== undefined).length;
    if (kinds !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of video, avatarIv or webm',
        path: ['video'],
      });
  });
export type RenderVideoInput = z.infer<typeof renderVideoInputSchema>;

export type RenderKind = 'v2' | 'avatar_iv' | 'webm';

export interface RenderVideoResult {
  videoId: string;
  kind?: RenderKind;
  /** Absolute path of the downloaded file on the worker's storage */
  videoPath: string;
  sha256: string;
  bytes: number;
  durationSeconds: number;
}
