import { z } from 'zod';

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour like #FFFFFF');
/** HeyGen ids are 32-character hex strings or short names; 200 leaves room without letting a field carry megabytes. */
const id = z.string().trim().min(1).max(200);
/** Media URLs HeyGen fetches: http(s) only (HeyGen refuses ftp:, file:, data: ... with 400175). */
const mediaUrl = z.httpUrl().max(2048);
/** Documented as 1500 or 5000 characters depending on the source; the larger bound is enforced here. */
export const MAX_SCRIPT_CHARS = 5000;

export const characterSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('avatar'),
    avatar_id: id,
    avatar_style: z.enum(['normal', 'circle', 'closeUp']).optional(),
  }),
  z.object({ type: z.literal('talking_photo'), talking_photo_id: id }),
]);

export const voiceSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    voice_id: id,
    input_text: z.string().trim().min(1).max(MAX_SCRIPT_CHARS),
    speed: z.number().min(0.5).max(1.5).optional(),
    pitch: z.number().int().min(-50).max(50).optional(),
    emotion: z.enum(['Excited', 'Friendly', 'Serious', 'Soothing', 'Broadcaster']).optional(),
  }),
  z
    .object({ type: z.literal('audio'), audio_url: mediaUrl.optional(), audio_asset_id: id.optional() })
    .refine((v) => Boolean(v.audio_url) !== Boolean(v.audio_asset_id), {
      message: 'exactly one of audio_url or audio_asset_id is required',
    }),
  z.object({ type: z.literal('silence'), duration: z.number().min(1).max(100) }),
]);

export const backgroundSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('color'), value: hexColor }),
  z
    .object({ type: z.literal('image'), url: mediaUrl.optional(), image_asset_id: id.optional() })
    .refine((v) => Boolean(v.url) !== Boolean(v.image_asset_id), {
      message: 'exactly one of url or image_asset_id is required',
    }),
  z
    .object({
      type: z.literal('video'),
      url: mediaUrl.optional(),
      video_asset_id: id.optional(),
      play_style: z.enum(['fit_to_scene', 'freeze', 'loop', 'once']),
    })
    .refine((v) => Boolean(v.url) !== Boolean(v.video_asset_id), {
      message: 'exactly one of url or video_asset_id is required',
    }),
]);
export type Background = z.infer<typeof backgroundSchema>;

const evenSide = z
  .number()
  .int()
  .min(128)
  .max(4096)
  .refine((n) => n % 2 === 0, 'must be even');
export const dimensionSchema = z.object({ width: evenSide, height: evenSide });
export type Dimension = z.infer<typeof dimensionSchema>;

export const videoInputSchema = z.object({
  character: characterSchema,
  voice: voiceSchema,
  background: backgroundSchema.optional(),
});
export type VideoInput = z.infer<typeof videoInputSchema>;

export const generateVideoRequestSchema = z.object({
  video_inputs: z.array(videoInputSchema).min(1).max(50),
  title: z.string().max(200).optional(),
  test: z.boolean().optional(),
  caption: z.boolean().optional(),
  callback_id: z.string().max(200).optional(),
  dimension: dimensionSchema.optional(),
});
export type GenerateVideoRequest = z.infer<typeof generateVideoRequestSchema>;

/** Avatar IV fields without the photo; the request needs `image_key` (see below). */
export const avatarIvFieldsSchema = z.object({
  video_title: z.string().min(1).max(200),
  script: z.string().trim().min(1).max(MAX_SCRIPT_CHARS).optional(),
  voice_id: id,
  video_orientation: z.enum(['portrait', 'landscape', 'square']).optional(),
  fit: z.enum(['cover', 'contain']).optional(),
  custom_motion_prompt: z.string().max(1000).optional(),
  enhance_custom_motion_prompt: z.boolean().optional(),
  audio_url: mediaUrl.optional(),
  audio_asset_id: id.optional(),
});

/** Avatar IV speaks a script or an audio file. */
export const hasAvatarIvSpeech = (v: { script?: string; audio_url?: string; audio_asset_id?: string }) =>
  Boolean(v.script) || Boolean(v.audio_url) || Boolean(v.audio_asset_id);
export const AVATAR_IV_SPEECH_ISSUE = {
  message: 'one of script, audio_url or audio_asset_id is required',
  path: ['script'],
};

export const generateAvatarIvRequestSchema = avatarIvFieldsSchema
  .extend({ image_key: id })
  .refine(hasAvatarIvSpeech, AVATAR_IV_SPEECH_ISSUE);
export type GenerateAvatarIvRequest = z.infer<typeof generateAvatarIvRequestSchema>;

export const generateWebmRequestSchema = z
  .object({
    avatar_pose_id: id,
    avatar_style: z.enum(['normal', 'closeUp']).optional(),
    input_text: z.string().trim().min(1).max(MAX_SCRIPT_CHARS).optional(),
    voice_id: id.optional(),
    input_audio: mediaUrl.optional(),
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
