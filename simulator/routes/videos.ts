import { z } from 'zod';
import { STUDIO_AVATAR_IDS, VOICE_IDS } from '../catalogData';
import { ApiError, CODES, apiErrors, validate, type ApiRoute } from '../http';
import {
  lookStatus,
  videoState,
  type AssetFileType,
  type SimState,
  type Video,
  type VideoFailure,
} from '../state';
import { countWords, isHttpUrl, unixSeconds } from '../util';

/** Code of the failure of a render whose talking photo was not completed when it was requested. */
export const TALKING_PHOTO_NOT_READY_CODE = 400140;
/** Duration the simulator assumes for an audio track (or a video scene) it cannot measure. */
export const AUDIO_SECONDS = 10;
/** Script limit per request (v2) and per scene (v3: "Script ≤ 5,000 characters"). */
export const MAX_SCRIPT_CHARS = 5000;

/** How long a script takes to speak at the configured rate (at least a second). */
export function scriptSeconds(state: SimState, text: string): number {
  return Math.max(1, countWords(text) / state.options.wordsPerSecond);
}

/** Durations are kept to the millisecond. */
export const roundSeconds = (n: number): number => Math.round(n * 1000) / 1000;

const id = z.string().trim().min(1, 'must not be empty');
const script = z
  .string()
  .max(MAX_SCRIPT_CHARS, `must be at most ${MAX_SCRIPT_CHARS} characters`)
  .refine((s) => s.trim().length > 0, 'must not be empty');
const httpUrl = z.string().refine(isHttpUrl, 'must be an http(s) URL');

const side = z
  .number()
  .int('must be an integer')
  .min(128, 'must be at least 128')
  .max(4096, 'must be at most 4096')
  .refine((n) => n % 2 === 0, 'must be an even number');
const dimensionSchema = z.object({ width: side, height: side });

const characterSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('avatar'),
    avatar_id: id,
    avatar_style: z.enum(['normal', 'circle', 'closeUp']).optional(),
  }),
  z.looseObject({
    type: z.literal('talking_photo'),
    talking_photo_id: id,
    talking_photo_style: z.enum(['square', 'circle']).optional(),
    talking_style: z.enum(['stable', 'expressive']).optional(),
    expression: z.enum(['default', 'happy']).optional(),
  }),
]);

const voiceSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('text'),
    voice_id: id,
    input_text: script,
    speed: z.number().min(0.5).max(1.5).optional(),
    pitch: z.number().int().min(-50).max(50).optional(),
    emotion: z.enum(['Excited', 'Friendly', 'Serious', 'Soothing', 'Broadcaster']).optional(),
  }),
  z.looseObject({
    type: z.literal('audio'),
    audio_url: httpUrl.optional().nullable(),
    audio_asset_id: id.optional().nullable(),
  }),
  z.looseObject({
    type: z.literal('silence'),
    // Documented as a number ("1.0"); some clients send it as a string.
    duration: z
      .union([
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d+(\.\d+)?$/u)
          .transform(Number),
      ])
      .refine((n) => n >= 1 && n <= 100, 'must be between 1.0 and 100.0 seconds'),
  }),
]);

const backgroundSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('color'),
    value: z.string().regex(/^#[0-9a-fA-F]{6}$/u, 'must be a hex colour like #FFFFFF'),
  }),
  z.looseObject({
    type: z.literal('image'),
    url: httpUrl.optional().nullable(),
    image_asset_id: id.optional().nullable(),
    fit: z.enum(['cover', 'crop', 'contain', 'none']).optional(),
  }),
  z.looseObject({
    type: z.literal('video'),
    url: httpUrl.optional().nullable(),
    video_asset_id: id.optional().nullable(),
    play_style: z.enum(['fit_to_scene', 'freeze', 'loop', 'once']),
    fit: z.enum(['cover', 'crop', 'contain', 'none']).optional(),
  }),
]);

const generateSchema = z.looseObject({
  video_inputs: z
    .array(
      z.looseObject({
        character: characterSchema,
        voice: voiceSchema,
        background: backgroundSchema.optional(),
      }),
    )
    .min(1, 'must hold at least one scene')
    .max(50, 'at most 50 scenes'),
  dimension: dimensionSchema.optional(),
  title: z.string().max(500).optional(),
  test: z.boolean().optional(),
  caption: z.boolean().optional(),
  callback_id: z.string().max(500).optional().nullable(),
  callback_url: httpUrl.optional().nullable(),
  folder_id: z.string().optional().nullable(),
});

const av4Schema = z.looseObject({
  image_key: id,
  video_title: z.string().min(1, 'must not be empty').max(500),
  script: script.optional(),
  voice_id: id,
  video_orientation: z.enum(['portrait', 'landscape', 'square']).optional(),
  fit: z.enum(['cover', 'contain']).optional(),
  custom_motion_prompt: z.string().max(1000).optional(),
  enhance_custom_motion_prompt: z.boolean().optional(),
  audio_url: httpUrl.optional().nullable(),
  audio_asset_id: id.optional().nullable(),
  callback_id: z.string().max(500).optional().nullable(),
});

const webmSchema = z.looseObject({
  avatar_pose_id: id,
  avatar_style: z.enum(['normal', 'closeUp']).optional(),
  input_text: script.optional(),
  voice_id: id.optional(),
  input_audio: httpUrl.optional(),
  dimension: dimensionSchema.optional(),
  callback_id: z.string().max(500).optional().nullable(),
});

const AV4_SIZES = {
  portrait: { width: 1080, height: 1920 },
  landscape: { width: 1920, height: 1080 },
  square: { width: 1080, height: 1080 },
} as const;

function requireAsset(state: SimState, assetId: string, type: AssetFileType, field: string): void {
  const asset = state.assets.get(assetId);
  if (!asset) throw apiErrors.invalid(field, `asset ${assetId} not found`);
  if (asset.fileType !== type)
    throw apiErrors.invalid(field, `asset ${assetId} is a ${asset.fileType}, not a ${type}`);
}

/** The ledger entry of a v2/v1 render (v3 renders record their own, with the idempotency key). */
function recordRender(state: SimState, v: Video): void {
  state.ledger.record({
    version: 'v2',
    kind: 'render',
    resourceId: v.id,
    name: v.title,
    callbackId: v.callbackId,
  });
}

function requireVoice(voiceId: string, field: string): void {
  if (!VOICE_IDS.has(voiceId)) throw apiErrors.invalid(field, `voice ${voiceId} not found`);
}

export function videoRoutes(state: SimState): ApiRoute[] {
  const textSeconds = (text: string) => scriptSeconds(state, text);
  const round = roundSeconds;

  const statusJson = (v: Video, now: number) => {
    const status = videoState(v, now);
    const done = status === 'completed';
    return {
      id: v.id,
      status,
      video_url: done ? state.videoFileUrl(v, 'video', now) : null,
      video_url_caption: done && v.caption ? state.videoFileUrl(v, 'caption_video', now) : null,
      thumbnail_url: done ? state.videoFileUrl(v, 'thumbnail', now) : null,
      gif_url: done ? state.videoFileUrl(v, 'gif', now) : null,
      caption_url: done && v.caption ? state.videoFileUrl(v, 'vtt', now) : null,
      duration: done ? v.durationSeconds : null,
      callback_id: v.callbackId ?? null,
      created_at: unixSeconds(v.createdAt),
      error: status === 'failed' ? (v.failure?.error ?? null) : null,
      // Undocumented, present in real answers.
      video_share_page_url: done ? `${state.baseUrl}/share/${v.id}` : null,
    };
  };

  return [
    {
      method: 'POST',
      pattern: /^\/v2\/video\/generate$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(generateSchema, ctx.body);
        let duration = 0;
        let preFailure: VideoFailure | null = null;
        const scripts: string[] = [];
        const lookIds: string[] = [];
        for (const [i, scene] of body.video_inputs.entries()) {
          const at = `video_inputs[${i}]`;
          const character = scene.character;
          if (character.type === 'avatar') {
            if (!STUDIO_AVATAR_IDS.has(character.avatar_id)) {
              const hint = state.looks.has(character.avatar_id)
                ? ' (a photo avatar look is used with character.type "talking_photo")'
                : '';
              throw apiErrors.invalid(
                `${at}.character.avatar_id`,
                `avatar ${character.avatar_id} not found${hint}`,
              );
            }
          } else {
            const look = state.looks.get(character.talking_photo_id);
            if (!look) {
              throw apiErrors.invalid(
                `${at}.character.talking_photo_id`,
                `talking photo ${character.talking_photo_id} not found`,
              );
            }
            lookIds.push(look.id);
            const status = lookStatus(look, ctx.now);
            if (status !== 'completed' && preFailure === null) {
              const message = `Talking photo ${look.id} is not ready (status: ${status}); wait until it is completed`;
              preFailure = {
                error: { code: TALKING_PHOTO_NOT_READY_CODE, message, detail: message },
                msg: message,
              };
            }
          }

          const voice = scene.voice;
          if (voice.type === 'text') {
            requireVoice(voice.voice_id, `${at}.voice.voice_id`);
            duration += textSeconds(voice.input_text);
            scripts.push(voice.input_text);
          } else if (voice.type === 'audio') {
            if (voice.audio_asset_id)
              requireAsset(state, voice.audio_asset_id, 'audio', `${at}.voice.audio_asset_id`);
            else if (!voice.audio_url) throw apiErrors.missing(`${at}.voice.audio_url (or audio_asset_id)`);
            duration += AUDIO_SECONDS;
            scripts.push('');
          } else {
            duration += voice.duration;
            scripts.push('');
          }

          const bg = scene.background;
          if (bg?.type === 'image') {
            if (bg.image_asset_id)
              requireAsset(state, bg.image_asset_id, 'image', `${at}.background.image_asset_id`);
            else if (!bg.url) throw apiErrors.missing(`${at}.background.url (or image_asset_id)`);
          } else if (bg?.type === 'video') {
            if (bg.video_asset_id)
              requireAsset(state, bg.video_asset_id, 'video', `${at}.background.video_asset_id`);
            else if (!bg.url) throw apiErrors.missing(`${at}.background.url (or video_asset_id)`);
          }
        }
        const v = state.createVideo(
          {
            kind: 'v2',
            createdAt: ctx.now,
            durationSeconds: round(duration),
            width: body.dimension?.width ?? 1920,
            height: body.dimension?.height ?? 1080,
            callbackId: body.callback_id ?? undefined,
            callbackUrl: body.callback_url ?? undefined,
            title: body.title,
            caption: body.caption ?? false,
            test: body.test ?? false,
            scripts,
            lookIds,
          },
          preFailure,
        );
        recordRender(state, v);
        return { data: { video_id: v.id }, createdId: v.id };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v2\/video\/av4\/generate$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(av4Schema, ctx.body);
        if (!state.findImageByKey(body.image_key)) {
          throw apiErrors.invalid('image_key', `image ${body.image_key} not found`);
        }
        requireVoice(body.voice_id, 'voice_id');
        if (body.audio_asset_id) requireAsset(state, body.audio_asset_id, 'audio', 'audio_asset_id');
        const hasAudio = Boolean(body.audio_asset_id) || Boolean(body.audio_url);
        if (!hasAudio && body.script === undefined) throw apiErrors.missing('script');
        const duration = hasAudio ? AUDIO_SECONDS : textSeconds(body.script ?? '');
        const v = state.createVideo(
          {
            kind: 'av4',
            createdAt: ctx.now,
            durationSeconds: round(duration),
            ...AV4_SIZES[body.video_orientation ?? 'portrait'],
            callbackId: body.callback_id ?? undefined,
            title: body.video_title,
            caption: false,
            test: false,
            scripts: [hasAudio ? '' : (body.script ?? '')],
          },
          null,
        );
        recordRender(state, v);
        return { data: { video_id: v.id }, createdId: v.id };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/video\.webm$/u,
      envelope: 'v1',
      handle: (ctx) => {
        const body = validate(webmSchema, ctx.body);
        if (!STUDIO_AVATAR_IDS.has(body.avatar_pose_id)) {
          const what = state.looks.has(body.avatar_pose_id)
            ? 'is a photo avatar look; WebM videos support HeyGen studio avatars only'
            : 'is not a HeyGen studio avatar (WebM videos support studio avatars only)';
          throw apiErrors.invalid('avatar_pose_id', `${body.avatar_pose_id} ${what}`);
        }
        let duration: number;
        let spoken = '';
        if (body.input_text !== undefined) {
          if (body.voice_id === undefined) throw apiErrors.missing('voice_id');
          requireVoice(body.voice_id, 'voice_id');
          duration = textSeconds(body.input_text);
          spoken = body.input_text;
        } else if (body.input_audio !== undefined) {
          duration = AUDIO_SECONDS;
        } else {
          throw apiErrors.missing('input_text (with voice_id) or input_audio');
        }
        const v = state.createVideo(
          {
            kind: 'webm',
            createdAt: ctx.now,
            durationSeconds: round(duration),
            width: body.dimension?.width ?? 1920,
            height: body.dimension?.height ?? 1080,
            callbackId: body.callback_id ?? undefined,
            caption: false,
            test: false,
            scripts: [spoken],
          },
          null,
        );
        recordRender(state, v);
        return { data: { video_id: v.id }, createdId: v.id };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/video_status\.get$/u,
      envelope: 'v1',
      handle: (ctx) => {
        const videoId = ctx.query.video_id?.trim();
        if (!videoId) throw apiErrors.missing('video_id');
        const v = state.videos.get(videoId);
        if (!v)
          throw new ApiError(
            404,
            CODES.INVALID_VIDEO_ID,
            `Video ${videoId} not found`,
            CODES.INVALID_VIDEO_ID,
          );
        return { data: statusJson(v, ctx.now) };
      },
    },
  ];
}
