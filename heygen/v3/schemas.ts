import { z } from 'zod';
import { hexColorSchema, MAX_SCENES, promptSchema, scriptSchema } from '../../contracts/fields';
import { ASSET_CONTENT_TYPES } from '../port';

/**
 * HeyGen API v3 request and response shapes (heygen-v3-notes.md §3, from the JSON Schemas heygen-cli embeds).
 * Requests are strict: a body that does not match never leaves the process. Responses are loose objects: unknown
 * fields are allowed, and only what the adapter reads is required.
 */

// ---- shared ----

/** Idempotency-Key: "1–255 characters from [A-Za-z0-9_:.-]" (notes §2.6). */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_\-:.]{1,255}$/, 'must be 1–255 characters from A-Z a-z 0-9 _ - : .');

/** HeyGen's ids are opaque: any non-empty string (never parsed). */
export const v3IdSchema = z.string().trim().min(1).max(500);
const nameSchema = z.string().trim().min(1).max(500);
/**
 * An absolute http(s) URL. Not z.httpUrl(): it refuses hosts without a dot (127.0.0.1, localhost), which the
 * simulator and a local webhook receiver use; HeyGen itself decides what it can reach.
 */
const urlSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const { protocol } = new URL(value);
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

/** The largest `limit` each list takes (notes §2.4); the adapter asks for full pages. */
export const PAGE_LIMITS = { looks: 50, groups: 50, voices: 100, assets: 100, webhooks: 100 } as const;
const pageLimit = (max: number) => z.number().int().min(1).max(max);

/** AssetInput, discriminated on `type` (notes §3.1); base64 is never sent by this product. */
export const assetInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('asset_id'), asset_id: v3IdSchema }).strict(),
  z.object({ type: z.literal('url'), url: urlSchema }).strict(),
]);

// ---- avatars (POST /v3/avatars, notes §3.2) ----

export const createAvatarBodySchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('prompt'),
      name: nameSchema,
      prompt: promptSchema,
      avatar_id: v3IdSchema.optional(),
      avatar_group_id: v3IdSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('photo'),
      name: nameSchema,
      file: assetInputSchema,
      avatar_group_id: v3IdSchema.optional(),
    })
    .strict(),
]);
export type CreateAvatarBody = z.infer<typeof createAvatarBodySchema>;

const lookErrorSchema = z.looseObject({
  code: z.union([z.string(), z.number()]).nullish(),
  message: z.string().nullish(),
});

/** `avatar_item`: a look. */
export const avatarItemSchema = z.looseObject({
  id: v3IdSchema,
  name: z.string().nullish(),
  avatar_type: z.string().nullish(),
  group_id: z.string().nullish(),
  status: z.string().nullish(),
  error: lookErrorSchema.nullish(),
  preview_image_url: z.string().nullish(),
  preview_video_url: z.string().nullish(),
  image_width: z.number().nullish(),
  image_height: z.number().nullish(),
  default_voice_id: z.string().nullish(),
  gender: z.string().nullish(),
});
export type AvatarItem = z.infer<typeof avatarItemSchema>;

/** A public catalog look: its `avatar_type` is what the catalog reports. */
export const catalogLookSchema = avatarItemSchema.extend({ avatar_type: z.string().min(1) });

/** `avatar_group`: an avatar (identity) and its looks. */
export const avatarGroupSchema = z.looseObject({
  id: v3IdSchema,
  name: z.string(),
  created_at: z.number().nullish(),
  looks_count: z.number().nullish(),
  status: z.string().nullish(),
  preview_image_url: z.string().nullish(),
});

export const createAvatarResponseSchema = z.looseObject({
  avatar_item: avatarItemSchema.nullish(),
  avatar_group: avatarGroupSchema.nullish(),
});

// ---- videos (POST /v3/videos, notes §3.5) ----

export const RESOLUTIONS = ['4k', '1080p', '720p'] as const;
export const ASPECT_RATIOS = ['16:9', '9:16', '4:5', '5:4', '1:1', 'auto'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

const voiceSettingsSchema = z
  .object({
    speed: z.number().min(0.5).max(1.5).optional(),
    pitch: z.number().min(-50).max(50).optional(),
  })
  .strict();

/** Speech fields shared by every variant: a script (with a voice) or an audio file. */
const speechShape = {
  script: scriptSchema.optional(),
  voice_id: v3IdSchema.optional(),
  audio_url: urlSchema.optional(),
  audio_asset_id: v3IdSchema.optional(),
  voice_settings: voiceSettingsSchema.optional(),
};

/** "audio_url / audio_asset_id … mutually exclusive with script": exactly one source is sent. */
function oneSpeechSource(v: { script?: string; audio_url?: string; audio_asset_id?: string }): boolean {
  return [v.script, v.audio_url, v.audio_asset_id].filter((s) => s !== undefined).length === 1;
}
const speechRule = {
  message: 'exactly one of script, audio_url or audio_asset_id is required',
  path: ['script'],
};

const outputShape = {
  resolution: z.enum(RESOLUTIONS).optional(),
  aspect_ratio: z.enum(ASPECT_RATIOS).optional(),
  caption: z
    .object({ file_format: z.literal('srt') })
    .strict()
    .optional(),
  title: z.string().max(200).optional(),
  callback_id: z.string().min(1).max(500).optional(),
};

export const videoBackgroundSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('color'), value: hexColorSchema }).strict(),
  z
    .object({ type: z.literal('image'), url: urlSchema.optional(), asset_id: v3IdSchema.optional() })
    .strict()
    .refine((b) => (b.url === undefined) !== (b.asset_id === undefined), {
      message: 'exactly one of url or asset_id is required',
      path: ['url'],
    }),
]);

const avatarVideoSchema = z
  .object({
    type: z.literal('avatar'),
    avatar_id: v3IdSchema,
    ...speechShape,
    ...outputShape,
    background: videoBackgroundSchema.optional(),
    output_format: z.enum(['mp4', 'webm']).optional(),
  })
  .strict()
  .refine(oneSpeechSource, speechRule)
  .refine((v) => !(v.output_format === 'webm' && v.background !== undefined), {
    message: "a 'webm' video takes no background",
    path: ['background'],
  });

const imageVideoSchema = z
  .object({
    type: z.literal('image'),
    image: assetInputSchema,
    ...speechShape,
    ...outputShape,
    fit: z.enum(['contain', 'cover']).optional(),
    motion_prompt: z.string().min(1).max(1000).optional(),
  })
  .strict()
  .refine(oneSpeechSource, speechRule);

const studioSceneSchema = z
  .object({
    type: z.literal('avatar_video'),
    input: z
      .object({
        type: z.literal('avatar'),
        avatar_id: v3IdSchema,
        ...speechShape,
        background: z
          .object({ type: z.literal('color'), color: hexColorSchema })
          .strict()
          .optional(),
      })
      .strict()
      .refine(oneSpeechSource, speechRule),
  })
  .strict();

const studioVideoSchema = z
  .object({
    type: z.literal('studio'),
    scenes: z.array(studioSceneSchema).min(1).max(MAX_SCENES),
    ...outputShape,
  })
  .strict();

export const createVideoBodySchema = z.discriminatedUnion('type', [
  avatarVideoSchema,
  imageVideoSchema,
  studioVideoSchema,
]);
export type CreateVideoBody = z.infer<typeof createVideoBodySchema>;
export type AvatarVideoBody = z.infer<typeof avatarVideoSchema>;
export type ImageVideoBody = z.infer<typeof imageVideoSchema>;
export type StudioVideoBody = z.infer<typeof studioVideoSchema>;
export type StudioSceneInput = z.infer<typeof studioSceneSchema>['input'];
export type SpeechFields = Pick<
  AvatarVideoBody,
  'script' | 'voice_id' | 'audio_url' | 'audio_asset_id' | 'voice_settings'
>;

export const createVideoResponseSchema = z.looseObject({
  video_id: v3IdSchema,
  status: z.string().nullish(),
  output_format: z.string().nullish(),
});

/** GET /v3/videos/{id} (notes §3.6). */
export const videoSchema = z.looseObject({
  id: v3IdSchema,
  status: z.string().min(1),
  video_url: z.string().nullish(),
  captioned_video_url: z.string().nullish(),
  subtitle_url: z.string().nullish(),
  thumbnail_url: z.string().nullish(),
  gif_url: z.string().nullish(),
  duration: z.number().nullish(),
  callback_id: z.string().nullish(),
  failure_code: z.union([z.string(), z.number()]).nullish(),
  failure_message: z.string().nullish(),
});

/** GET /v3/videos/statuses: `{video_id?, status, error?}` per id. */
export const videoStatusItemSchema = z.looseObject({
  video_id: z.string().nullish(),
  status: z.string().min(1),
  error: z.union([z.string(), lookErrorSchema]).nullish(),
});
export const videoStatusesSchema = z.array(videoStatusItemSchema);

// ---- assets (notes §3.1) ----

export const assetContentTypeSchema = z.enum(ASSET_CONTENT_TYPES);

/** POST /v3/assets (multipart) and POST /v3/assets/{id}/complete. */
export const uploadedAssetSchema = z.looseObject({
  asset_id: v3IdSchema,
  url: z.string().nullish(),
  mime_type: z.string().nullish(),
  size_bytes: z.number().nullish(),
  status: z.string().nullish(),
});

export const directUploadBodySchema = z
  .object({
    filename: z.string().min(1).max(255),
    content_type: assetContentTypeSchema,
    size_bytes: z.number().int().positive(),
  })
  .strict();

export const directUploadSchema = z.looseObject({
  asset_id: v3IdSchema,
  upload_url: urlSchema,
  upload_headers: z.record(z.string(), z.string()),
  expires_in_seconds: z.number().nullish(),
  max_bytes: z.number().nullish(),
  status: z.string().nullish(),
});

export const assetItemSchema = z.looseObject({
  id: v3IdSchema,
  name: z.string().nullish(),
  type: z.string().nullish(),
  uploaded_at: z.number().nullish(),
  url: z.string().nullish(),
  folder_id: z.string().nullish(),
});
export const assetListSchema = z.array(assetItemSchema);

export const userMeSchema = z.looseObject({ username: z.string().min(1) });

// ---- catalog ----

export const voiceSchema = z.looseObject({
  voice_id: v3IdSchema,
  name: z.string().nullish(),
  language: z.string().nullish(),
  gender: z.string().nullish(),
  preview_audio_url: z.string().nullish(),
  support_pause: z.boolean().nullish(),
});

// ---- webhooks (notes §3.8) ----

const eventsSchema = z.array(z.string().trim().min(1)).min(1);

export const webhookEndpointBodySchema = z
  .object({ url: urlSchema, events: eventsSchema.optional() })
  .strict();
export const webhookEndpointPatchSchema = z
  .object({ url: urlSchema.optional(), events: eventsSchema.optional() })
  .strict()
  .refine((v) => v.url !== undefined || v.events !== undefined, {
    message: 'give url or events to change',
    path: ['url'],
  });

export const webhookEndpointSchema = z.looseObject({
  endpoint_id: v3IdSchema,
  url: z.string(),
  events: z.array(z.string()).nullish(),
  status: z.string().nullish(),
  created_at: z.union([z.string(), z.number()]).nullish(),
  secret: z.string().nullish(),
});

export const rotatedSecretSchema = z.looseObject({ endpoint_id: v3IdSchema, secret: z.string().min(1) });

export const webhookEventSchema = z.looseObject({
  event_id: v3IdSchema,
  event_type: z.string().min(1),
  event_data: z.record(z.string(), z.unknown()),
  created_at: z.string().nullish(),
});

/** Deletes answer `data:{id}` or `{}`: nothing in it is relied on. */
export const anyDataSchema = z.unknown();

// ---- neutral inputs the adapter checks before composing a body ----

export const assetQuerySchema = z
  .object({
    fileType: z.enum(['image', 'video', 'audio']).optional(),
    folderId: z.string().optional(),
    limit: pageLimit(PAGE_LIMITS.assets).optional(),
    token: z.string().min(1).optional(),
  })
  .strict();

export const webhookEventQuerySchema = z
  .object({
    eventType: z.string().min(1).optional(),
    entityId: z.string().min(1).optional(),
    limit: pageLimit(PAGE_LIMITS.webhooks).optional(),
    token: z.string().min(1).optional(),
  })
  .strict();

export const contentLengthSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
