import { z } from 'zod';
import { MAX_LOOKS_PER_ADD } from '../limits';

/** Attribute values: the notes' lists and the seeds' shorter lists are both accepted. */
export const photoAgeSchema = z.enum([
  'Young Adult',
  'Early Middle Age',
  'Late Middle Age',
  'Senior',
  'Unspecified',
  'Adult',
]);
export const photoGenderSchema = z.enum(['Woman', 'Man', 'Unspecified']);
export const photoEthnicitySchema = z.enum([
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
]);
export const orientationSchema = z.enum(['square', 'horizontal', 'vertical']);
export const poseSchema = z.enum(['half_body', 'close_up', 'full_body', 'headshot']);
export const photoStyleSchema = z.enum([
  'Realistic',
  'Pixar',
  'Cinematic',
  'Vintage',
  'Noir',
  'Cyberpunk',
  'Unspecified',
  'Artistic',
]);

export const photoAttributesSchema = z.object({
  age: photoAgeSchema,
  gender: photoGenderSchema,
  ethnicity: photoEthnicitySchema,
  orientation: orientationSchema,
  pose: poseSchema,
  style: photoStyleSchema,
  appearance: z.string().trim().min(1).max(1000),
});
export type PhotoAttributes = z.infer<typeof photoAttributesSchema>;

export const generatePhotosRequestSchema = photoAttributesSchema.extend({
  name: z.string().trim().min(1).max(200),
});
export type GeneratePhotosRequest = z.infer<typeof generatePhotosRequestSchema>;

export const lookSpecSchema = z.object({
  prompt: z.string().trim().min(1).max(1000),
  orientation: orientationSchema,
  pose: poseSchema,
  style: photoStyleSchema,
});
export type LookSpec = z.infer<typeof lookSpecSchema>;

export const generateLookRequestSchema = lookSpecSchema.extend({ group_id: z.string().min(1) });
export type GenerateLookRequest = z.infer<typeof generateLookRequestSchema>;

export const imageKeySchema = z.string().trim().min(1).max(500);

export const createGroupRequestSchema = z.object({
  name: z.string().trim().min(1).max(200),
  image_key: imageKeySchema,
  generation_id: z.string().min(1).optional(),
});
export type CreateGroupRequest = z.infer<typeof createGroupRequestSchema>;

export const addLooksRequestSchema = z.object({
  group_id: z.string().min(1),
  name: z.string().trim().min(1).max(200),
  image_keys: z.array(imageKeySchema).min(1).max(MAX_LOOKS_PER_ADD),
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
