import { z } from 'zod';
import {
  backgroundSchema,
  dimensionSchema,
  idSchema,
  imageKeySchema,
  lookSpecSchema,
  photoAttributesSchema,
  promptSchema,
  scriptSchema,
  titleSchema,
} from './fields';
import { apiVersionSchema, pollingSchema, waitModeSchema } from './pollingSchema';

export const MAX_IMAGES = 20;
export const MAX_LOOKS = 10;

/**
 * Exactly one photo source: AI photos from the eight attributes (`generate`) or from free text (`prompt`), photos
 * HeyGen already holds (`imageKeys`: v2 image keys, v3 asset ids), or local files to upload.
 */
export const photoSourceSchema = z
  .object({
    generate: photoAttributesSchema.strict().optional(),
    prompt: promptSchema.optional(),
    imageKeys: z.array(imageKeySchema).min(1).max(MAX_IMAGES).optional(),
    files: z.array(z.string().trim().min(1).max(4096)).min(1).max(MAX_IMAGES).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const given = [p.generate, p.prompt, p.imageKeys, p.files].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of generate, prompt, imageKeys or files' });
    }
  });
export type PhotoSource = z.infer<typeof photoSourceSchema>;

export const lifecycleVideoSchema = z
  .object({
    script: scriptSchema,
    voiceId: idSchema,
    title: titleSchema.optional(),
    /** v2 only: a free, watermarked render. v3 has no test mode (it would bill), so a v3 run refuses it. */
    test: z.boolean().optional(),
    caption: z.boolean().optional(),
    dimension: dimensionSchema.optional(),
    background: backgroundSchema.optional(),
  })
  .strict();
export type LifecycleVideo = z.infer<typeof lifecycleVideoSchema>;

/** The JSON contract of `photoAvatarLifecycle` (docs/contract.md). */
export const lifecycleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    photo: photoSourceSchema,
    looks: z.array(lookSpecSchema.strict()).max(MAX_LOOKS).optional(),
    video: lifecycleVideoSchema,
    polling: pollingSchema.optional(),
    /** 'webhook': waits end on job events, polling only as a slow fallback. Default 'poll'. */
    waitMode: waitModeSchema.optional(),
    /** The HeyGen API generation this run speaks; default: the worker's HEYGEN_API_VERSION */
    apiVersion: apiVersionSchema.optional(),
  })
  .strict();
export type LifecycleInput = z.infer<typeof lifecycleInputSchema>;
