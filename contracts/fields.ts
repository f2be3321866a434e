import { z } from 'zod';

/**
 * Field rules of the product's own contract, written once and reused by every input (lifecycle, render, batch) and
 * by the HeyGen adapters, which depend on the contract (never the reverse). Names are the product's, not a HeyGen
 * API's: each adapter maps them to its API (docs/heygen.md).
 */

/** Both HeyGen generations document 5,000 characters as the longest script (v2 also quotes 1,500 in places). */
export const MAX_SCRIPT_CHARS = 5000;
/** Free-text prompts (photo and look prompts): v3 enforces 1,000 (its spec once said 200); v2's appearance, 1,000. */
export const MAX_PROMPT_CHARS = 1000;

/** HeyGen ids are 32-character hex strings or short names; 200 leaves room without letting a field carry megabytes. */
export const idSchema = z.string().trim().min(1).max(200);
/** Media URLs HeyGen fetches: http(s) only (HeyGen refuses ftp:, file:, data: ...). */
export const mediaUrlSchema = z.httpUrl().max(2048);
export const hexColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour like #FFFFFF');
export const scriptSchema = z.string().trim().min(1).max(MAX_SCRIPT_CHARS);
export const promptSchema = z.string().trim().min(1).max(MAX_PROMPT_CHARS);
/** A photo HeyGen already holds: v2's `image_key` of an uploaded asset, v3's `asset_id`. */
export const imageKeySchema = z.string().trim().min(1).max(500);

// ---- AI photo attributes (v2 takes them as fields; v3 composes them into its prompt, see docs/heygen.md) ----

/** Attribute values: HeyGen's documented lists and the seeds' shorter lists are both accepted. */
export const PHOTO_AGES = [
  'Young Adult',
  'Early Middle Age',
  'Late Middle Age',
  'Senior',
  'Unspecified',
  'Adult',
] as const;
export const PHOTO_GENDERS = ['Woman', 'Man', 'Unspecified'] as const;
export const PHOTO_ETHNICITIES = [
  'White',
  'Black',
  'Asian American',
  'East Asian',
  'South East Asian',
  'South Asian',
  'Middle Eastern',
  'Pacific',
  'Hispanic',
  'Unspecified',
  'Caucasian',
] as const;
export const ORIENTATIONS = ['square', 'horizontal', 'vertical'] as const;
export const POSES = ['half_body', 'close_up', 'full_body', 'headshot'] as const;
export const PHOTO_STYLES = [
  'Realistic',
  'Pixar',
  'Cinematic',
  'Vintage',
  'Noir',
  'Cyberpunk',
  'Unspecified',
  'Artistic',
] as const;

export const orientationSchema = z.enum(ORIENTATIONS);
export const poseSchema = z.enum(POSES);
export const photoStyleSchema = z.enum(PHOTO_STYLES);

export const photoAttributesSchema = z.object({
  age: z.enum(PHOTO_AGES),
  gender: z.enum(PHOTO_GENDERS),
  ethnicity: z.enum(PHOTO_ETHNICITIES),
  orientation: orientationSchema,
  pose: poseSchema,
  style: photoStyleSchema,
  appearance: promptSchema,
});
export type PhotoAttributes = z.infer<typeof photoAttributesSchema>;

/**
 * A new look generated from a prompt. v2 requires orientation, pose and style (the adapter fills HeyGen's most
 * common values when they are omitted: square, half_body, Realistic); v3 composes any given into its prompt.
 */
export const lookSpecSchema = z.object({
  prompt: promptSchema,
  orientation: orientationSchema.optional(),
  pose: poseSchema.optional(),
  style: photoStyleSchema.optional(),
});
export type LookSpec = z.infer<typeof lookSpecSchema>;

// ---- video fields ----

const evenSide = z
  .number()
  .int()
  .min(128)
  .max(4096)
  .refine((n) => n % 2 === 0, 'must be even');
/** Output size in pixels. v3 takes a resolution and an aspect ratio instead: only exact equivalents are accepted. */
export const dimensionSchema = z.object({ width: evenSide, height: evenSide }).strict();
export type Dimension = z.infer<typeof dimensionSchema>;

const oneOf = <T extends z.ZodObject>(schema: T, a: string, b: string) =>
  schema.refine((v: Record<string, unknown>) => Boolean(v[a]) !== Boolean(v[b]), {
    message: `exactly one of ${a} or ${b} is required`,
    path: [a],
  });

export const backgroundSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('color'), color: hexColorSchema }).strict(),
  oneOf(
    z
      .object({ type: z.literal('image'), url: mediaUrlSchema.optional(), assetId: idSchema.optional() })
      .strict(),
    'url',
    'assetId',
  ),
  oneOf(
    z
      .object({
        type: z.literal('video'),
        url: mediaUrlSchema.optional(),
        assetId: idSchema.optional(),
        playStyle: z.enum(['fit_to_scene', 'freeze', 'loop', 'once']),
      })
      .strict(),
    'url',
    'assetId',
  ),
]);
export type Background = z.infer<typeof backgroundSchema>;

export const VOICE_EMOTIONS = ['Excited', 'Friendly', 'Serious', 'Soothing', 'Broadcaster'] as const;

/** What a character says: a script in a voice, an audio file, or (v2 only) a silence. */
export const speechSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('text'),
      text: scriptSchema,
      voiceId: idSchema,
      speed: z.number().min(0.5).max(1.5).optional(),
      pitch: z.number().int().min(-50).max(50).optional(),
      emotion: z.enum(VOICE_EMOTIONS).optional(),
    })
    .strict(),
  oneOf(
    z
      .object({ type: z.literal('audio'), url: mediaUrlSchema.optional(), assetId: idSchema.optional() })
      .strict(),
    'url',
    'assetId',
  ),
  z.object({ type: z.literal('silence'), seconds: z.number().min(1).max(100) }).strict(),
]);
export type Speech = z.infer<typeof speechSchema>;

/** Who appears: a HeyGen avatar (studio or public) or a photo-avatar look. */
export const characterSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('avatar'),
      avatarId: idSchema,
      style: z.enum(['normal', 'circle', 'closeUp']).optional(),
    })
    .strict(),
  z.object({ type: z.literal('look'), lookId: idSchema }).strict(),
]);
export type Character = z.infer<typeof characterSchema>;

export const sceneSchema = z
  .object({ character: characterSchema, speech: speechSchema, background: backgroundSchema.optional() })
  .strict();
export type Scene = z.infer<typeof sceneSchema>;
export const MAX_SCENES = 50;

export const titleSchema = z.string().max(200);
