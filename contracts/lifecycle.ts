import { z } from 'zod';
import { imageKeySchema, lookSpecSchema, photoAttributesSchema } from '../heygen/schemas/photoAvatar';
import { backgroundSchema, dimensionSchema, MAX_SCRIPT_CHARS } from '../heygen/schemas/video';
import { pollingSchema, waitModeSchema } from './pollingSchema';

export const MAX_IMAGES = 20;
export const MAX_LOOKS = 10;

/** Exactly one photo source: generate from attributes, existing image keys, or local files to upload. */
export const photoSourceSchema = z
  .object({
    generate: photoAttributesSchema.strict().optional(),
    imageKeys: z.array(imageKeySchema).min(1).max(MAX_IMAGES).optional(),
    files: z.array(z.string().trim().min(1).max(4096)).min(1).max(MAX_IMAGES).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const given = [p.generate, p.imageKeys, p.files].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of generate, imageKeys or files' });
    }
  });
export type PhotoSource = z.infer<typeof photoSourceSchema>;

export const lifecycleVideoSchema = z
  .object({
    script: z.string().trim().min(1).max(MAX_SCRIPT_CHARS),
    voiceId: z.string().trim().min(1).max(200),
    title: z.string().max(200).optional(),
    test: z.boolean().optional(),
    caption: z.boolean().optional(),
    dimension: dimensionSchema.optional(),
    background: backgroundSchema.optional(),
  })
  .strict();

/** The JSON contract of `photoAvatarLifecycle` (documented in the README). */
export const lifecycleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    photo: photoSourceSchema,
    looks: z.array(lookSpecSchema.strict()).max(MAX_LOOKS).optional(),
    video: lifecycleVideoSchema,
    polling: pollingSchema.optional(),
    /** 'webhook': waits end on job events, polling only as a slow fallback. Default 'poll'. */
    waitMode: waitModeSchema.optional(),
  })
  .strict();
export type LifecycleInput = z.infer<typeof lifecycleInputSchema>;

export interface LifecycleResult {
  groupId: string;
  lookIds: string[];
  videoId: string;
  videoPath: string;
  sha256: string;
  durationSeconds: number;
}
