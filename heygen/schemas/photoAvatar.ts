import { z } from 'zod';
import {
  imageKeySchema,
  orientationSchema,
  photoAttributesSchema,
  photoStyleSchema,
  poseSchema,
  promptSchema,
} from '../../contracts/fields';
import { MAX_LOOKS_PER_ADD } from '../limits';

// Request field rules are the product contract's (contracts/fields.ts); these schemas only give them v2's names.

const nameSchema = z.string().trim().min(1).max(200);

/** `POST /v2/photo_avatar/photo/generate`: all eight fields are required. */
export const generatePhotosRequestSchema = photoAttributesSchema.extend({ name: nameSchema });
export type GeneratePhotosRequest = z.infer<typeof generatePhotosRequestSchema>;

/** `POST /v2/photo_avatar/look/generate`: v2 requires orientation, pose and style. */
export const generateLookRequestSchema = z.object({
  group_id: z.string().min(1),
  prompt: promptSchema,
  orientation: orientationSchema,
  pose: poseSchema,
  style: photoStyleSchema,
});
export type GenerateLookRequest = z.infer<typeof generateLookRequestSchema>;

export const createGroupRequestSchema = z.object({
  name: nameSchema,
  image_key: imageKeySchema,
  generation_id: z.string().min(1).optional(),
});
export type CreateGroupRequest = z.infer<typeof createGroupRequestSchema>;

/** The photos one add-looks call takes. */
export const addLooksPhotosSchema = z.array(imageKeySchema).min(1).max(MAX_LOOKS_PER_ADD);

export const addLooksRequestSchema = z.object({
  group_id: z.string().min(1),
  name: nameSchema,
  image_keys: addLooksPhotosSchema,
  generation_id: z.string().min(1).optional(),
});
export type AddLooksRequest = z.infer<typeof addLooksRequestSchema>;

// ---- responses (tolerant of unknown fields, strict on what the code relies on) ----

export const generationIdResponseSchema = z.looseObject({ generation_id: z.string().min(1) });

export const generationStatusSchema = z.looseObject({
  id: z.string().optional(),
  status: z.string(),
  msg: z.string().nullish(),
  image_url_list: z.array(z.string()).nullish(),
  image_key_list: z.array(z.string()).nullish(),
});
export type GenerationStatus = z.infer<typeof generationStatusSchema>;

export const photoAvatarLookSchema = z.looseObject({
  id: z.string().min(1),
  group_id: z.string().nullish(),
  name: z.string().nullish(),
  status: z.string().nullish(),
  image_url: z.string().nullish(),
  /**
   * Not in the documented look object (heygen-api-notes.md): read when HeyGen sends it, to tell which generation
   * produced a look; without it looks are told apart by their ids, never by their image URL.
   */
  image_key: z.string().nullish(),
  created_at: z.number().nullish(),
  is_motion: z.boolean().nullish(),
  motion_preview_url: z.string().nullish(),
  business_type: z.string().nullish(),
  upscaled: z.boolean().nullish(),
});
export type PhotoAvatarLook = z.infer<typeof photoAvatarLookSchema>;

export const addLooksResponseSchema = z.looseObject({ photo_avatar_list: z.array(photoAvatarLookSchema) });

export const trainingStatusSchema = z.looseObject({
  status: z.string(),
  error_msg: z.string().nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
});
export type TrainingStatus = z.infer<typeof trainingStatusSchema>;

export const avatarGroupSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  created_at: z.number().nullish(),
  num_looks: z.number().nullish(),
  preview_image_url: z.string().nullish(),
  preview_image: z.string().nullish(),
  group_type: z.string().nullish(),
  train_status: z.string().nullish(),
});
export type AvatarGroup = z.infer<typeof avatarGroupSchema>;

export const avatarGroupListSchema = z.looseObject({
  total_count: z.number().nullish(),
  avatar_group_list: z.array(avatarGroupSchema),
});

export const groupLooksSchema = z.looseObject({ avatar_list: z.array(photoAvatarLookSchema) });

export { MAX_LOOKS_PER_ADD };
