import { z } from 'zod';
import { VOICE_IDS } from '../../catalogData';
import type { ApiRoute } from '../../http';
import { videoCompletedAt, videoState, type SimState, type Video } from '../../state';
import { unixSeconds } from '../../util';
import { AUDIO_SECONDS, MAX_SCRIPT_CHARS, roundSeconds, scriptSeconds } from '../videos';
import { findAvatar, v3LookStatus, type V3Avatar } from './avatars';
import {
  LIMITS,
  assetInputSchema,
  checkMediaInput,
  httpUrl,
  id,
  paginate,
  requireAssetOfType,
  resolveImageInput,
  spendCredit,
  v3Errors,
  validateV3,
} from './common';

// ---------------------------------------------------------------------------------------------------------------
// Requests (the simulator's own reading of notes §3.5)
//
// Top-level fields are strict: whether HeyGen refuses unknown top-level fields is not documented, but a field v3
// does not have (v2's `test`, `dimension`, `fps`, `folder_id`, `caption_mode`...) would be silently ignored at
// best, so the simulator answers 400 validation_error naming it, and a mis-mapped adapter fails its tests. Nested
// objects are tolerant.

const script = z
  .string()
  .max(MAX_SCRIPT_CHARS, `must be at most ${MAX_SCRIPT_CHARS} characters`)
  .refine((s) => s.trim().length > 0, 'must not be empty');
const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/u, 'must be a hex colour like #FFFFFF');

const voiceSettings = z.looseObject({
  speed: z.number().min(0.5).max(1.5).optional(),
  pitch: z.number().min(-50).max(50).optional(),
  volume: z.number().min(0).max(1).optional(),
  locale: z.string().min(1).optional(),
  engine_settings: z.looseObject({ engine_type: z.enum(['elevenlabs', 'fish', 'starfish']) }).optional(),
});

const engine = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('avatar_v'), reference_look_id: id.nullish() }),
  z.looseObject({ type: z.literal('avatar_iv') }),
  z.looseObject({ type: z.literal('avatar_iii') }),
]);

const background = z.looseObject({
  type: z.enum(['color', 'image']),
  value: hexColour.nullish(),
  url: httpUrl.nullish(),
  asset_id: id.nullish(),
});

const caption = z.looseObject({ file_format: z.literal('srt'), style: z.literal('default').nullish() });

const watermark = z.looseObject({
  image: assetInputSchema,
  opacity: z.number().min(0).max(1).optional(),
  scale: z.number().positive().optional(),
  placement: z
    .looseObject({
      position: z.enum(['top_left', 'top_right', 'bottom_left', 'bottom_right']),
      offset_x: z.number().optional(),
      offset_y: z.number().optional(),
    })
    .optional(),
});

const RESOLUTIONS = ['4k', '1080p', '720p'] as const;
const ASPECT_RATIOS = ['16:9', '9:16', '4:5', '5:4', '1:1', 'auto'] as const;
type Resolution = (typeof RESOLUTIONS)[number];
type AspectRatio = (typeof ASPECT_RATIOS)[number];

const speechFields = {
  script: script.nullish(),
  voice_id: id.nullish(),
  audio_url: httpUrl.nullish(),
  audio_asset_id: id.nullish(),
  voice_settings: voiceSettings.nullish(),
};

const globalFields = {
  aspect_ratio: z.enum(ASPECT_RATIOS).nullish(),
  resolution: z.enum(RESOLUTIONS).nullish(),
  caption: caption.nullish(),
  title: z.string().max(500, 'must be at most 500 characters').nullish(),
  callback_url: httpUrl.nullish(),
  callback_id: z.string().max(500, 'must be at most 500 characters').nullish(),
  watermark: watermark.nullish(),
};

const singleFields = {
  ...speechFields,
  ...globalFields,
  fit: z.enum(['contain', 'cover']).nullish(),
  output_format: z.enum(['mp4', 'webm']).nullish(),
  background: background.nullish(),
  remove_background: z.boolean().nullish(),
  expressiveness: z.enum(['high', 'medium', 'low']).nullish(),
  motion_prompt: z.string().max(1000, 'must be at most 1000 characters').nullish(),
};

const sceneInput = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('avatar'),
    avatar_id: id,
    ...speechFields,
    engine: engine.nullish(),
    expressiveness: z.enum(['high', 'medium', 'low']).nullish(),
    motion_prompt: z.string().max(1000).nullish(),
    background: z.looseObject({ type: z.literal('color'), color: hexColour }).nullish(),
  }),
  z.looseObject({
    type: z.literal('image'),
    image: assetInputSchema,
    ...speechFields,
    motion_prompt: z.string().nullish(),
  }),
]);

const scene = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('avatar_video'), input: sceneInput }),
  z.looseObject({
    type: z.literal('image'),
    source: assetInputSchema,
    duration: z.number().gt(0, 'must be greater than 0').max(300, 'must be at most 300 seconds').nullish(),
    ...speechFields,
  }),
  z.looseObject({
    type: z.literal('video'),
    source: assetInputSchema,
    playback: z
      .looseObject({ volume: z.number().min(0).max(1).optional(), mute: z.boolean().optional() })
      .nullish(),
  }),
]);

const createSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('avatar'), avatar_id: id, engine: engine.nullish(), ...singleFields }),
  z.strictObject({ type: z.literal('image'), image: assetInputSchema, ...singleFields }),
  z.strictObject({
    type: z.literal('studio'),
    scenes: z.array(scene).min(1, 'must hold at least one scene').max(50, 'at most 50 scenes'),
    ...globalFields,
  }),
  // Known to v3 (notes §3.5) but not simulated: refused below with a clear message rather than "unknown type".
  z.looseObject({ type: z.literal('cinematic_avatar') }),
]);

// ---------------------------------------------------------------------------------------------------------------
// Checks

interface Speech {
  script?: string | null;
  voice_id?: string | null;
  audio_url?: string | null;
  audio_asset_id?: string | null;
}

/** One speech source (script with a voice, audio URL or audio asset); its duration and spoken text. */
function speech(
  state: SimState,
  s: Speech,
  at: string,
  defaultVoiceId: string | null,
): { seconds: number; text: string } {
  const sources = (['script', 'audio_url', 'audio_asset_id'] as const).filter(
    (k) => s[k] !== undefined && s[k] !== null,
  );
  const [first, second] = sources;
  if (first === undefined) {
    throw v3Errors.validation(
      `${at}script`,
      `${at}script: one of script, audio_url or audio_asset_id is required`,
    );
  }
  if (second !== undefined) {
    throw v3Errors.validation(
      `${at}${second}`,
      `${at}${second}: ${first} and ${second} are mutually exclusive`,
    );
  }
  if (s.audio_asset_id) requireAssetOfType(state, s.audio_asset_id, 'audio', `${at}audio_asset_id`);
  if (!s.script) return { seconds: AUDIO_SECONDS, text: '' };
  const voiceId = s.voice_id ?? defaultVoiceId;
  if (!voiceId) {
    throw v3Errors.validation(`${at}voice_id`, `${at}voice_id: required (the avatar has no default voice)`);
  }
  if (!VOICE_IDS.has(voiceId)) throw v3Errors.invalid(`${at}voice_id`, `voice ${voiceId} not found`);
  return { seconds: scriptSeconds(state, s.script), text: s.script };
}

/** The avatar a render uses: it must exist and, for the account's own looks, be completed. */
function usableAvatar(state: SimState, avatarId: string, param: string, now: number): V3Avatar {
  const avatar = findAvatar(state, avatarId);
  if (!avatar) throw v3Errors.notFound('avatar_not_found', `Avatar ${avatarId} not found`, param);
  if (avatar.kind === 'private') {
    const status = v3LookStatus(avatar.look, now);
    if (status !== 'completed') {
      throw v3Errors.invalid(
        param,
        `Avatar ${avatarId} is not ready (status ${status}); wait until it is completed`,
      );
    }
  }
  return avatar;
}

interface EngineChoice {
  type: 'avatar_v' | 'avatar_iv' | 'avatar_iii';
  reference_look_id?: string | null;
}

function checkEngine(
  chosen: EngineChoice | null | undefined,
  avatar: V3Avatar,
  fields: { motion_prompt?: string | null; expressiveness?: string | null; resolution?: string | null },
  at: string,
): void {
  if (!chosen) return;
  if (chosen.type === 'avatar_v' && chosen.reference_look_id) {
    // The reference must be an instant_avatar look of the same group; the simulator has no instant avatars.
    throw v3Errors.invalid(
      `${at}engine.reference_look_id`,
      `look ${chosen.reference_look_id} is not an instant_avatar look of the avatar's group`,
    );
  }
  if (chosen.type !== 'avatar_iii') return;
  for (const field of ['motion_prompt', 'expressiveness'] as const) {
    if (fields[field])
      throw v3Errors.invalid(`${at}${field}`, `${field} is not supported by the avatar_iii engine`);
  }
  if (avatar.kind === 'private' && fields.resolution === '4k') {
    throw v3Errors.invalid(`${at}resolution`, 'avatar_iii renders photo avatars below 4k');
  }
}

function checkBackground(state: SimState, bg: z.output<typeof background> | null | undefined): void {
  if (!bg) return;
  if (bg.type === 'color') {
    if (!bg.value)
      throw v3Errors.validation('background.value', 'background.value: required for a color background');
    return;
  }
  if (bg.asset_id) requireAssetOfType(state, bg.asset_id, 'image', 'background.asset_id');
  else if (!bg.url)
    throw v3Errors.validation('background.url', 'background.url: an image background needs url or asset_id');
}

const SHORT_SIDE: Record<Resolution, number> = { '720p': 720, '1080p': 1080, '4k': 2160 };
const RATIOS: Record<Exclude<AspectRatio, 'auto'>, [number, number]> = {
  '16:9': [16, 9],
  '9:16': [9, 16],
  '4:5': [4, 5],
  '5:4': [5, 4],
  '1:1': [1, 1],
};
const even = (n: number) => Math.round(n / 2) * 2;

/** Frame size from resolution (the short side) and aspect ratio; 'auto' follows the picture's orientation. */
function frameSize(
  resolution: Resolution,
  aspect: AspectRatio,
  picture?: { width: number; height: number },
): { width: number; height: number } {
  let ratio: Exclude<AspectRatio, 'auto'> = aspect === 'auto' ? '16:9' : aspect;
  if (aspect === 'auto' && picture && picture.width > 0 && picture.height > 0) {
    ratio = picture.width === picture.height ? '1:1' : picture.width > picture.height ? '16:9' : '9:16';
  }
  const [w, h] = RATIOS[ratio];
  const short = SHORT_SIDE[resolution];
  return w >= h
    ? { width: even((short * w) / h), height: short }
    : { width: short, height: even((short * h) / w) };
}

function pictureOf(state: SimState, avatar: V3Avatar): { width: number; height: number } | undefined {
  if (avatar.kind === 'studio') return undefined;
  return state.images.get(avatar.look.imageHex);
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

/** v3's GET status for the simulator's render states: 'waiting' is a create-time status only (notes §3.6). */
function v3VideoStatus(v: Video, now: number): 'pending' | 'processing' | 'completed' | 'failed' {
  const s = videoState(v, now);
  return s === 'waiting' ? 'pending' : s;
}

/** v3 has no documented failure_code table; 'rendering_failed' is the reference's example (notes §3.6). */
const failureCode = (v: Video) => v.failure?.failureCode ?? 'rendering_failed';

export function videoJson(state: SimState, v: Video, now: number): Record<string, unknown> {
  const status = v3VideoStatus(v, now);
  const done = status === 'completed';
  const failed = status === 'failed';
  return {
    id: v.id,
    status,
    video_url: done ? state.videoFileUrl(v, 'video', now) : null,
    captioned_video_url:
      done && (v.caption || v.captionedVideo === true) ? state.videoFileUrl(v, 'caption_video', now) : null,
    subtitle_url: done && v.subtitles === true ? state.videoFileUrl(v, 'srt', now) : null,
    thumbnail_url: done ? state.videoFileUrl(v, 'thumbnail', now) : null,
    gif_url: done ? state.videoFileUrl(v, 'gif', now) : null,
    duration: done ? v.durationSeconds : null,
    created_at: unixSeconds(v.createdAt),
    completed_at: done || failed ? unixSeconds(videoCompletedAt(v)) : null,
    failure_code: failed ? failureCode(v) : null,
    failure_message: failed ? (v.failure?.msg ?? 'Video rendering failed') : null,
    title: v.title ?? null,
    callback_id: v.callbackId ?? null,
    folder_id: null,
    video_page_url: done ? `${state.baseUrl}/share/${v.id}` : null,
  };
}

/** `GET /v3/videos/statuses` uses its own enum: queued|processing|completed|failed|not_found (notes §3.6). */
function statusItem(state: SimState, videoId: string, now: number): Record<string, unknown> {
  const v = state.videos.get(videoId);
  if (!v) return { video_id: videoId, status: 'not_found', error: null };
  const s = videoState(v, now);
  const status = s === 'waiting' || s === 'pending' ? 'queued' : s;
  return {
    video_id: videoId,
    status,
    error:
      status === 'failed'
        ? { code: failureCode(v), message: v.failure?.msg ?? 'Video rendering failed' }
        : null,
  };
}

const MAX_STATUS_IDS = 100;

// ---------------------------------------------------------------------------------------------------------------
// Routes

type CreateBody = z.output<typeof createSchema>;
type Plan = Omit<Video, 'id' | 'renderMs' | 'failure' | 'finalized' | 'createdAt'>;

function planSingle(
  state: SimState,
  body: Extract<CreateBody, { type: 'avatar' | 'image' }>,
  now: number,
): Plan {
  const outputFormat = body.output_format ?? 'mp4';
  let avatar: V3Avatar | undefined;
  let picture: { width: number; height: number } | undefined;
  if (body.type === 'avatar') {
    avatar = usableAvatar(state, body.avatar_id, 'avatar_id', now);
    checkEngine(body.engine, avatar, body, '');
    picture = pictureOf(state, avatar);
  } else {
    picture = resolveImageInput(state, body.image, 'image');
  }
  if (outputFormat === 'webm') {
    // "'webm' ... requires an avatar that supports matting. When 'webm' is selected, any 'background' value is
    // rejected" (notes §3.5). Studio avatars support matting; photo looks and images do not.
    if (avatar?.kind !== 'studio') {
      throw v3Errors.invalid('output_format', 'webm needs an avatar that supports matting (a studio avatar)');
    }
    if (body.background)
      throw v3Errors.invalid('background', 'background is not allowed with output_format webm');
  }
  checkBackground(state, body.background);
  if (body.watermark) resolveImageInput(state, body.watermark.image, 'watermark.image');
  const defaultVoice = avatar?.kind === 'studio' ? avatar.avatar.default_voice_id : null;
  const spoken = speech(state, body, '', defaultVoice);
  return {
    kind: body.type === 'avatar' ? 'v3_avatar' : 'v3_image',
    outputFormat,
    durationSeconds: roundSeconds(spoken.seconds),
    ...frameSize(body.resolution ?? '1080p', body.aspect_ratio ?? '16:9', picture),
    scripts: [spoken.text],
    lookIds: avatar?.kind === 'private' ? [avatar.look.id] : [],
    ...captionAndEcho(body),
  };
}

function planStudio(state: SimState, body: Extract<CreateBody, { type: 'studio' }>, now: number): Plan {
  let seconds = 0;
  const scripts: string[] = [];
  const lookIds: string[] = [];
  body.scenes.forEach((s, i) => {
    const at = `scenes[${i}].`;
    if (s.type === 'avatar_video') {
      const input = s.input;
      const inAt = `${at}input.`;
      let defaultVoice: string | null = null;
      if (input.type === 'avatar') {
        const avatar = usableAvatar(state, input.avatar_id, `${inAt}avatar_id`, now);
        checkEngine(input.engine, avatar, input, inAt);
        if (avatar.kind === 'private') lookIds.push(avatar.look.id);
        else defaultVoice = avatar.avatar.default_voice_id;
      } else {
        resolveImageInput(state, input.image, `${inAt}image`);
      }
      const spoken = speech(state, input, inAt, defaultVoice);
      seconds += spoken.seconds;
      scripts.push(spoken.text);
    } else if (s.type === 'image') {
      resolveImageInput(state, s.source, `${at}source`);
      const hasSpeech = Boolean(s.script ?? s.audio_url ?? s.audio_asset_id);
      if (s.duration && hasSpeech) {
        throw v3Errors.validation(
          `${at}duration`,
          `${at}duration: a silent duration and speech are mutually exclusive`,
        );
      }
      if (s.duration) {
        seconds += s.duration;
        scripts.push('');
      } else {
        const spoken = speech(state, s, at, null);
        seconds += spoken.seconds;
        scripts.push(spoken.text);
      }
    } else {
      checkMediaInput(state, s.source, 'video', `${at}source`);
      seconds += AUDIO_SECONDS;
      scripts.push('');
    }
  });
  if (body.watermark) resolveImageInput(state, body.watermark.image, 'watermark.image');
  return {
    kind: 'v3_studio',
    // "rendering is all-or-nothing. MP4 only." (notes §3.5)
    outputFormat: 'mp4',
    durationSeconds: roundSeconds(seconds),
    ...frameSize(body.resolution ?? '1080p', body.aspect_ratio ?? '16:9'),
    scripts,
    lookIds,
    ...captionAndEcho(body),
  };
}

function captionAndEcho(body: {
  caption?: { style?: string | null } | null;
  title?: string | null;
  callback_id?: string | null;
  callback_url?: string | null;
}): Pick<Plan, 'caption' | 'captionedVideo' | 'subtitles' | 'test' | 'title' | 'callbackId' | 'callbackUrl'> {
  return {
    // v2's `caption` flag (WebVTT + captioned copy) stays off: v3 captions are the SRT sidecar, burned in with a style.
    caption: false,
    subtitles: Boolean(body.caption),
    captionedVideo: Boolean(body.caption?.style),
    test: false,
    title: body.title ?? undefined,
    callbackId: body.callback_id ?? undefined,
    callbackUrl: body.callback_url ?? undefined,
  };
}

export function v3VideoRoutes(state: SimState): ApiRoute[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v3\/videos$/u,
      envelope: 'v3',
      idempotent: true,
      handle: (ctx) => {
        const body = validateV3(createSchema, ctx.body);
        if (body.type === 'cinematic_avatar') {
          throw v3Errors.invalid('type', 'cinematic_avatar videos are not supported by the simulator');
        }
        const plan =
          body.type === 'studio' ? planStudio(state, body, ctx.now) : planSingle(state, body, ctx.now);
        spendCredit(state);
        const v = state.createVideo({ ...plan, createdAt: ctx.now }, null);
        state.ledger.record({
          version: 'v3',
          kind: 'render',
          resourceId: v.id,
          idempotencyKey: ctx.idempotencyKey,
          name: v.title,
          callbackId: v.callbackId,
        });
        return {
          data: { video_id: v.id, status: 'waiting', output_format: plan.outputFormat },
          createdId: v.id,
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/videos\/statuses$/u,
      envelope: 'v3',
      handle: (ctx) => {
        if (ctx.query.batch_ids) throw v3Errors.invalid('batch_ids', 'the simulator has no video batches');
        const ids = (ctx.query.video_ids ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        if (ids.length === 0)
          throw v3Errors.validation('video_ids', 'video_ids: at least one video id is required');
        if (ids.length > MAX_STATUS_IDS) {
          throw v3Errors.invalid('video_ids', `video_ids: at most ${MAX_STATUS_IDS} ids per call`);
        }
        return paginate(ids, ctx.query, { max: 100, default: 100 }, { video_ids: ids.join(',') }, (videoId) =>
          statusItem(state, videoId, ctx.now),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/videos$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const title = ctx.query.title || undefined;
        const folderId = ctx.query.folder_id || undefined;
        // Videos have no folder in the simulator; a title filter matches a part of the title, ignoring case
        // (the exact matching rule is not documented).
        const videos =
          folderId !== undefined
            ? []
            : [...state.videos.values()].filter(
                (v) => title === undefined || (v.title ?? '').toLowerCase().includes(title.toLowerCase()),
              );
        return paginate(videos, ctx.query, LIMITS.videos, { title, folder_id: folderId }, (v) =>
          videoJson(state, v, ctx.now),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/videos\/(?!statuses$)([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const videoId = ctx.params[0] ?? '';
        const v = state.videos.get(videoId);
        if (!v) throw v3Errors.notFound('video_not_found', `Video ${videoId} not found`, 'video_id');
        return { data: videoJson(state, v, ctx.now) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v3\/videos\/(?!statuses$)([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const videoId = ctx.params[0] ?? '';
        if (!state.videos.delete(videoId)) {
          throw v3Errors.notFound('video_not_found', `Video ${videoId} not found`, 'video_id');
        }
        return { data: { id: videoId, deleted: true } };
      },
    },
  ];
}
