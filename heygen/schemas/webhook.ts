import { z } from 'zod';

export const WEBHOOK_EVENT_TYPES = [
  'avatar_video.success',
  'avatar_video.fail',
  'avatar_video_gif.success',
  'avatar_video_gif.fail',
  'avatar_video_caption.success',
  'avatar_video_caption.fail',
  'photo_avatar_generation.success',
  'photo_avatar_generation.fail',
  'photo_avatar_train.success',
  'photo_avatar_train.fail',
  'photo_avatar_add_motion.success',
  'photo_avatar_add_motion.fail',
  'instant_avatar.success',
  'instant_avatar.fail',
  'video_translate.success',
  'video_translate.fail',
] as const;

export const addWebhookEndpointRequestSchema = z.object({
  url: z.url(),
  events: z.array(z.string().min(1)).optional(),
});
export type AddWebhookEndpointRequest = z.infer<typeof addWebhookEndpointRequestSchema>;

export const webhookEndpointSchema = z.looseObject({
  endpoint_id: z.string().min(1),
  url: z.string(),
  secret: z.string().nullish(),
  status: z.string().nullish(),
  events: z.array(z.string()).nullish(),
  username: z.string().nullish(),
  created_at: z.union([z.string(), z.number()]).nullish(),
  space_id: z.string().nullish(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const webhookEndpointListSchema = z.union([
  z.array(webhookEndpointSchema),
  z.looseObject({ endpoints: z.array(webhookEndpointSchema) }).transform((v) => v.endpoints),
]);

export const updateWebhookEndpointRequestSchema = z.object({
  endpoint_id: z.string().min(1),
  url: z.url().optional(),
  events: z.array(z.string().min(1)).optional(),
});
export type UpdateWebhookEndpointRequest = z.infer<typeof updateWebhookEndpointRequestSchema>;
