import { STUDIO_AVATARS, VOICES } from '../catalogData';
import type { ApiRoute } from '../http';
import type { SimState } from '../state';

export function catalogRoutes(state: SimState): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v2\/avatars$/u,
      envelope: 'v2',
      handle: (ctx) => ({
        data: {
          avatars: STUDIO_AVATARS.map((a) => ({
            avatar_id: a.avatar_id,
            avatar_name: a.avatar_name,
            gender: a.gender,
            preview_image_url: `${state.baseUrl}/catalog/avatars/${a.avatar_id}/preview.png`,
            preview_video_url: `${state.baseUrl}/catalog/avatars/${a.avatar_id}/preview.mp4`,
            premium: a.premium,
            default_voice_id: a.default_voice_id,
            // Undocumented, present in real answers.
            type: null,
            tags: null,
          })),
          talking_photos: [...state.looks.values()].map((l) => ({
            talking_photo_id: l.id,
            talking_photo_name: l.name,
            preview_image_url: state.imageUrl(l.imageHex, ctx.now),
          })),
        },
      }),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/voices$/u,
      envelope: 'v2',
      handle: () => ({
        data: {
          voices: VOICES.map((v) => ({
            voice_id: v.voice_id,
            language: v.language,
            gender: v.gender,
            name: v.name,
            preview_audio: `${state.baseUrl}/catalog/voices/${v.voice_id}/preview.mp3`,
            support_pause: v.support_pause,
            emotion_support: v.emotion_support,
            support_interactive_avatar: v.support_interactive_avatar,
            // Undocumented, present in real answers.
            support_locale: false,
            language_code: v.language_code,
          })),
        },
      }),
    },
  ];
}
