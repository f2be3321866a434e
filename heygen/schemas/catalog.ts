import { z } from 'zod';

export const avatarSchema = z.looseObject({
  avatar_id: z.string().min(1),
  avatar_name: z.string().nullish(),
  gender: z.string().nullish(),
  preview_image_url: z.string().nullish(),
  preview_video_url: z.string().nullish(),
  premium: z.boolean().nullish(),
  default_voice_id: z.string().nullish(),
});
export type Avatar = z.infer<typeof avatarSchema>;

export const talkingPhotoSchema = z.looseObject({
  talking_photo_id: z.string().min(1),
  talking_photo_name: z.string().nullish(),
  preview_image_url: z.string().nullish(),
});

export const avatarListSchema = z.looseObject({
  avatars: z.array(avatarSchema),
  talking_photos: z.array(talkingPhotoSchema).nullish(),
});
export type AvatarList = z.infer<typeof avatarListSchema>;

export const catalogVoiceSchema = z.looseObject({
  voice_id: z.string().min(1),
  language: z.string().nullish(),
  gender: z.string().nullish(),
  name: z.string().nullish(),
  preview_audio: z.string().nullish(),
  support_pause: z.boolean().nullish(),
  emotion_support: z.boolean().nullish(),
  support_interactive_avatar: z.boolean().nullish(),
});
export type Voice = z.infer<typeof catalogVoiceSchema>;

export const voiceListSchema = z.looseObject({ voices: z.array(catalogVoiceSchema) });
