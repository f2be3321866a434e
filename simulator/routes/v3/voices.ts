import { VOICES, type CatalogVoice } from '../../catalogData';
import type { ApiRoute } from '../../http';
import type { SimState } from '../../state';
import { LIMITS, enumQuery, paginate } from './common';

const TYPES = ['public', 'private'] as const;
const GENDERS = ['male', 'female'] as const;

function voiceItem(state: SimState, v: CatalogVoice): Record<string, unknown> {
  return {
    voice_id: v.voice_id,
    name: v.name,
    language: v.language,
    gender: v.gender.toLowerCase(),
    type: 'public',
    preview_audio_url: `${state.baseUrl}/catalog/voices/${v.voice_id}/preview.mp3`,
    support_pause: v.support_pause,
    support_locale: false,
  };
}

export function v3VoiceRoutes(state: SimState): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v3\/voices$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const type = enumQuery(ctx.query, 'type', TYPES) ?? 'public';
        const gender = enumQuery(ctx.query, 'gender', GENDERS);
        const engine = ctx.query.engine || undefined;
        const language = ctx.query.language || undefined;
        // The catalog is public voices only: the account has no cloned (private) voices.
        const voices =
          type === 'private'
            ? []
            : VOICES.filter(
                (v) =>
                  (gender === undefined || v.gender.toLowerCase() === gender) &&
                  (engine === undefined || v.engines.includes(engine)) &&
                  (language === undefined || v.language.toLowerCase() === language.toLowerCase()),
              );
        return paginate(voices, ctx.query, LIMITS.voices, { type, gender, engine, language }, (v) =>
          voiceItem(state, v),
        );
      },
    },
  ];
}
