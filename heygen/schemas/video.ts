import { z } from 'zod';
import {
  MAX_PROMPT_CHARS,
  MAX_SCENES,
  MAX_SCRIPT_CHARS,
  VOICE_EMOTIONS,
  dimensionSchema as contractDimensionSchema,
  hexColorSchema,
  idSchema,
  mediaUrlSchema,
  scriptSchema,
  titleSchema,
} from '../../contracts/fields';

// Request field rules are the product contract's (contracts/fields.ts); these schemas only give them v1/v2's names.

export { MAX_SCRIPT_CHARS };

export const characterSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('avatar'),
    avatar_id: idSchema,
    avatar_style: z.enum(['normal', 'circle', 'closeUp']).optional(),
  }),
  z.object({ type: z.literal('talking_photo'), talking_photo_id: idSchema }),
]);

export const voiceSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    voice_id: idSchema,
    input_text: scriptSchema,
    speed: z.number().min(0.5).max(1.5).optional(),
    pitch: z.number().int().min(-50).max(50).optional(),
    emotion: z.enum(VOICE_EMOTIONS).optional(),
  }),
  z
    .object({
      type: z.literal('audio'),
      audio_url: mediaUrlSchema.optional(),
      audio_asset_id: idSchema.optional(),
    })
    .refine((v) => Boolean(v.audio_url) !== Boolean(v.audio_asset_id), {
      message: 'exactly one of audio_url or audio_asset_id is required',
    }),
  z.object({ type: z.literal('silence'), duration: z.number().min(1).max(100) }),
]);

export const backgroundSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('color'), value: hexColorSchema }),
  z
    .object({ type: z.literal('image'), url: mediaUrlSchema.optional(), image_asset_id: idSchema.optional() })
    .refine((v) => Boolean(v.url) !== Boolean(v.image_asset_id), {
      message: 'exactly one of url or image_asset_id is required',
    }),
  z
    .object({
      type: z.literal('video'),
      url: mediaUrlSchema.optional(),
      video_asset_id: idSchema.optional(),
      play_style: z.enum(['fit_to_scene', 'freeze', 'loop', 'once']),
    })
    .refine((v) => Boolean(v.url) !== Boolean(v.video_asset_id), {
      message: 'exactly one of url or video_asset_id is required',
    }),
]);
export type Background = z.infer<typeof backgroundSchema>;

/** The contract's size rule; unknown keys are dropped rather than refused, as v2 requests always did. */
export const dimensionSchema = z.object(contractDimensionSchema.shape);
export type Dimension = z.infer<typeof dimensionSchema>;

export const videoInputSchema = z.object({
  character: characterSchema,
  voice: voiceSchema,
  background: backgroundSchema.optional(),
});
export type VideoInput = z.infer<typeof videoInputSchema>;

export const generateVideoRequestSchema = z.object({
  video_inputs: z.array(videoInputSchema).min(1).max(MAX_SCENES),
  title: titleSchema.optional(),
  test: z.boolean().optional(),
  caption: z.boolean().optional(),
  callback_id: z.string().max(200).optional(),
  dimension: dimensionSchema.optional(),
});
export type GenerateVideoRequest = z.infer<typeof generateVideoRequestSchema>;

/** Avatar IV fields without the photo; the request needs `image_key` (see below). */
export const avatarIvFieldsSchema = z.object({
  video_title: titleSchema.min(1),
  script: scriptSchema.optional(),
  voice_id: idSchema,
  video_orientation: z.enum(['portrait', 'landscape', 'square']).optional(),
  fit: z.enum(['cover', 'contain']).optional(),
  custom_motion_prompt: z.string().max(MAX_PROMPT_CHARS).optional(),
  enhance_custom_motion_prompt: z.boolean().optional(),
  audio_url: mediaUrlSchema.optional(),
  audio_asset_id: idSchema.optional(),
});

/** Avatar IV speaks a script or an audio file. */
export const hasAvatarIvSpeech = (v: { script?: string; audio_url?: string; audio_asset_id?: string }) =>
  Boolean(v.script) || Boolean(v.audio_url) || Boolean(v.audio_asset_id);
export const AVATAR_IV_SPEECH_ISSUE = {
  message: 'one of script, audio_url or audio_asset_id is required',
  path: ['script'],
};

export const generateAvatarIvRequestSchema = avatarIvFieldsSchema
  .extend({ image_key: idSchema })
  .refine(hasAvatarIvSpeech, AVATAR_IV_SPEECH_ISSUE);
export type GenerateAvatarIvRequest = z.infer<typeof generateAvatarIvRequestSchema>;

export const generateWebmRequestSchema = z
  .object({
    avatar_pose_id: idSchema,
    avatar_style: z.enum(['normal', 'closeUp']).optional(),
    input_text: scriptSchema.optional(),
    voice_id: idSchema.optional(),
    input_audio: mediaUrlSchema.optional(),
    dimension: dimensionSchema.optional(),
  })
  .refine((v) => v.input_text || v.input_audio, {
    message: 'either input_text with voice_id, or input_audio, is required',
    path: ['input_text'],
  })
  .refine((v) => !v.input_text || v.voice_id, {
    message: 'required with input_text',
    path: ['voice_id'],
  });
export type GenerateWebmRequest = z.infer<typeof generateWebmRequestSchema>;

// ---- responses ----

export const videoIdResponseSchema = z.looseObject({ video_id: z.string().min(1) });

export const videoErrorSchema = z
  .looseObject({
    code: z.union([z.number(), z.string()]).nullish(),
    message: z.string().nullish(),
    detail: z.string().nullish(),
  })
  .nullish();

export const videoStatusSchema = z.looseObject({
  id: z.string().nullish(),
  video_id: z.string().nullish(),
  status: z.string(),
  video_url: z.string().nullish(),
  video_url_caption: z.string().nullish(),
  thumbnail_url: z.string().nullish(),
  gif_url: z.string().nullish(),
  caption_url: z.string().nullish(),
  duration: z.number().nullish(),
  callback_id: z.string().nullish(),
  created_at: z.number().nullish(),
  error: videoErrorSchema,
});
export type VideoStatus = z.infer<typeof videoStatusSchema>;
