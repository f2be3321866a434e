import { z } from 'zod';
import {
  dimensionSchema,
  idSchema,
  imageKeySchema,
  MAX_SCENES,
  sceneSchema,
  speechSchema,
  titleSchema,
} from './fields';
import { apiVersionSchema, pollingSchema, waitModeSchema } from './pollingSchema';

/** A video of 1–50 scenes, each a character speaking over an optional background. */
export const scenesVideoSchema = z
  .object({
    scenes: z.array(sceneSchema).min(1).max(MAX_SCENES),
    title: titleSchema.optional(),
    /** v2 only: a free, watermarked render (v3 has none and would bill: refused on v3) */
    test: z.boolean().optional(),
    /** Captions: v2 burns them in and gives a caption file; v3 gives an SRT file */
    caption: z.boolean().optional(),
    dimension: dimensionSchema.optional(),
  })
  .strict();
export type ScenesVideo = z.infer<typeof scenesVideoSchema>;

/** Avatar IV: a photo speaks (v2 `/v2/video/av4/generate`, v3 `type: image`). Text or audio speech only. */
export const avatarIvInputSchema = z
  .object({
    title: titleSchema.min(1),
    /** A photo HeyGen holds (v2 image key, v3 asset id) ... */
    imageKey: imageKeySchema.optional(),
    /** ... or a JPEG or PNG inside the worker's INPUT_DIR, uploaded first */
    photoFile: z.string().trim().min(1).max(4096).optional(),
    speech: speechSchema,
    orientation: z.enum(['portrait', 'landscape', 'square']).optional(),
    fit: z.enum(['cover', 'contain']).optional(),
    motionPrompt: z.string().max(1000).optional(),
    /** v2 only */
    enhanceMotionPrompt: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Boolean(v.imageKey) !== Boolean(v.photoFile), {
    message: 'give exactly one of imageKey or photoFile',
    path: ['imageKey'],
  })
  .refine((v) => v.speech.type !== 'silence', {
    message: 'Avatar IV speaks a script or an audio file',
    path: ['speech', 'type'],
  });
export type AvatarIvInput = z.infer<typeof avatarIvInputSchema>;

/** A transparent-background WebM of a HeyGen studio avatar (v2 `/v1/video.webm`, v3 `output_format: webm`). */
export const webmInputSchema = z
  .object({
    avatarId: idSchema,
    avatarStyle: z.enum(['normal', 'closeUp']).optional(),
    speech: speechSchema,
    dimension: dimensionSchema.optional(),
    title: titleSchema.optional(),
  })
  .strict()
  .refine((v) => v.speech.type !== 'silence', {
    message: 'a WebM video speaks a script or an audio file',
    path: ['speech', 'type'],
  });
export type WebmInput = z.infer<typeof webmInputSchema>;

/**
 * Input of the `renderVideo` workflow, in the product's own words (each adapter maps it to its API, and refuses
 * before any call a field its API cannot honour): exactly one kind of video — `video` (scenes), `avatarIv` (a
 * photo speaks) or `webm` (transparent background) — plus how to wait for it.
 */
export const renderVideoInputSchema = z
  .object({
    video: scenesVideoSchema.optional(),
    avatarIv: avatarIvInputSchema.optional(),
    webm: webmInputSchema.optional(),
    polling: pollingSchema.optional(),
    /** 'webhook': waits end on job events, polling only as a slow fallback. Default 'poll'. */
    waitMode: waitModeSchema.optional(),
    /**
     * The HeyGen API generation this run speaks; default: the worker's HEYGEN_API_VERSION. A lifecycle or a batch
     * sets it for its renders, so a child speaks its parent's version whatever the worker's configuration.
     */
    apiVersion: apiVersionSchema.optional(),
    /**
     * Set by renderBatch for its items in poll mode on an API with bulk status reads (v3): the render reports its
     * video id to the batch, which reads every item's status in one call per poll and wakes the render when its
     * video ends. Without a parent batch it is ignored (the render polls on its own).
     */
    reportToBatch: z.boolean().optional(),
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
