import type { Background, Character, LookSpec, PhotoAttributes, Speech } from '../../contracts/fields';
import type {
  Asset,
  AvatarGroup,
  CatalogAvatar,
  Look,
  LookStatus,
  PhotoPrompt,
  RenderRequest,
  RenderState,
  RenderStatus,
  UnsupportedCheck,
  UnsupportedField,
  Voice,
  WebhookEndpoint,
} from '../port';
import type {
  AssetListItem,
  AvatarList,
  AvatarGroup as WireAvatarGroup,
  GenerateAvatarIvRequest,
  GenerateLookRequest,
  GenerateVideoRequest,
  GenerateWebmRequest,
  PhotoAvatarLook,
  VideoInput,
  VideoStatus,
  Voice as WireVoice,
  WebhookEndpoint as WireWebhookEndpoint,
} from '../schemas';

/**
 * Pure translations between the port's neutral types and HeyGen's v1/v2 shapes (heygen-api-notes.md). No I/O here:
 * the adapter calls HeyGen and hands the answers to these functions.
 */

export const API_NAME = 'HeyGen API v2';

/** Failure words of v2 jobs: `failed` is documented, `fail`/`error` were seen by clients; all count as failure. */
const FAILED = new Set(['failed', 'fail', 'error']);
export const isFailedStatus = (status: string | null | undefined): boolean =>
  FAILED.has((status ?? '').toLowerCase());

/** Generation statuses that mean success (`success` documented; `completed` accepted as well). */
const SUCCEEDED = new Set(['success', 'completed']);
export const isSucceededStatus = (status: string): boolean => SUCCEEDED.has(status.toLowerCase());

// ---- photos and looks ----

/**
 * The eight fields v2's photo generation requires. A free-text prompt (v3's way of describing a photo) becomes the
 * `appearance`, with the attributes HeyGen infers left 'Unspecified' and the most common framing (square, half body).
 */
export function photoAttributesOf(source: PhotoPrompt): PhotoAttributes {
  if ('attributes' in source) return source.attributes;
  return {
    age: 'Unspecified',
    gender: 'Unspecified',
    ethnicity: 'Unspecified',
    style: 'Unspecified',
    orientation: 'square',
    pose: 'half_body',
    appearance: source.prompt,
  };
}

/** v2 requires orientation, pose and style for a look generation: HeyGen's most common values fill those omitted. */
export const LOOK_DEFAULTS = { orientation: 'square', pose: 'half_body', style: 'Realistic' } as const;

export function lookRequestOf(groupId: string, look: LookSpec): GenerateLookRequest {
  return {
    group_id: groupId,
    prompt: look.prompt,
    orientation: look.orientation ?? LOOK_DEFAULTS.orientation,
    pose: look.pose ?? LOOK_DEFAULTS.pose,
    style: look.style ?? LOOK_DEFAULTS.style,
  };
}

/** Look statuses: `pending`, `processing`, `completed` are documented; anything unknown counts as processing. */
export function lookStatusOf(status: string | null | undefined): LookStatus {
  if ((status ?? '').toLowerCase() === 'completed') return 'completed';
  if (isFailedStatus(status)) return 'failed';
  return 'processing';
}

export function lookOf(look: PhotoAvatarLook): Look {
  return {
    id: look.id,
    groupId: look.group_id ?? undefined,
    name: look.name ?? undefined,
    status: lookStatusOf(look.status),
    rawStatus: look.status ?? undefined,
    // v2 gives unix seconds (as a float), like v3's created_at
    createdAt: look.created_at ?? undefined,
    previewImageUrl: look.image_url ?? undefined,
  };
}

export function avatarGroupOf(group: WireAvatarGroup): AvatarGroup {
  return {
    id: group.id,
    name: group.name,
    createdAt: group.created_at ?? undefined,
    looksCount: group.num_looks ?? undefined,
    // A v2 group's state is its training's
    status: group.train_status ?? undefined,
    previewImageUrl: group.preview_image_url ?? group.preview_image ?? undefined,
  };
}

/** Oldest first by `created_at`; looks without one keep their list order, after those with one. */
export function byCreation(looks: readonly PhotoAvatarLook[]): PhotoAvatarLook[] {
  const at = (look: PhotoAvatarLook) => look.created_at ?? Number.POSITIVE_INFINITY;
  return [...looks].sort((a, b) => (at(a) === at(b) ? 0 : at(a) < at(b) ? -1 : 1));
}

// ---- renders ----

/** v1 video statuses: waiting, pending, processing, completed, failed; unknown ones count as processing. */
export function renderStateOf(status: string): RenderState {
  const s = status.toLowerCase();
  if (s === 'completed') return 'completed';
  if (FAILED.has(s)) return 'failed';
  if (s === 'waiting' || s === 'pending') return 'pending';
  return 'processing';
}

export function renderStatusOf(videoId: string, status: VideoStatus): RenderStatus {
  const error = status.error;
  const failure =
    error && (error.code != null || error.message || error.detail)
      ? { code: error.code ?? undefined, message: error.message ?? error.detail ?? undefined }
      : undefined;
  return {
    videoId: status.id ?? status.video_id ?? videoId,
    // A failure may arrive with `error: null`: the status alone decides
    state: renderStateOf(status.status),
    rawStatus: status.status,
    durationSeconds: status.duration ?? undefined,
    callbackId: status.callback_id ?? undefined,
    media: {
      video: status.video_url ?? undefined,
      captions: status.caption_url ?? undefined,
      thumbnail: status.thumbnail_url ?? undefined,
      gif: status.gif_url ?? undefined,
    },
    failure,
  };
}

type ScenesRender = Extract<RenderRequest, { kind: 'scenes' }>;
type AvatarIvRender = Extract<RenderRequest, { kind: 'avatar_iv' }>;
type WebmRender = Extract<RenderRequest, { kind: 'webm' }>;

export function characterOf(character: Character): VideoInput['character'] {
  if (character.type === 'look') return { type: 'talking_photo', talking_photo_id: character.lookId };
  return { type: 'avatar', avatar_id: character.avatarId, avatar_style: character.style };
}

export function voiceOf(speech: Speech): VideoInput['voice'] {
  if (speech.type === 'text') {
    return {
      type: 'text',
      voice_id: speech.voiceId,
      input_text: speech.text,
      speed: speech.speed,
      pitch: speech.pitch,
      emotion: speech.emotion,
    };
  }
  if (speech.type === 'audio')
    return { type: 'audio', audio_url: speech.url, audio_asset_id: speech.assetId };
  return { type: 'silence', duration: speech.seconds };
}

export function backgroundOf(background: Background): NonNullable<VideoInput['background']> {
  if (background.type === 'color') return { type: 'color', value: background.color };
  if (background.type === 'image') {
    return { type: 'image', url: background.url, image_asset_id: background.assetId };
  }
  return {
    type: 'video',
    url: background.url,
    video_asset_id: background.assetId,
    play_style: background.playStyle,
  };
}

export function videoRequestOf(request: ScenesRender): GenerateVideoRequest {
  return {
    video_inputs: request.scenes.map((scene) => ({
      character: characterOf(scene.character),
      voice: voiceOf(scene.speech),
      ...(scene.background ? { background: backgroundOf(scene.background) } : {}),
    })),
    title: request.title,
    test: request.test,
    caption: request.caption,
    callback_id: request.callbackId,
    dimension: request.dimension,
  };
}

/** Avatar IV takes a script with a voice (an audio speech is refused by `unsupportedFields`). */
export function avatarIvRequestOf(request: AvatarIvRender): GenerateAvatarIvRequest {
  const speech = request.speech;
  return {
    image_key: request.photo,
    video_title: request.title,
    script: speech.type === 'text' ? speech.text : undefined,
    voice_id: speech.type === 'text' ? speech.voiceId : '',
    audio_url: speech.type === 'audio' ? speech.url : undefined,
    audio_asset_id: speech.type === 'audio' ? speech.assetId : undefined,
    video_orientation: request.orientation,
    fit: request.fit,
    custom_motion_prompt: request.motionPrompt,
    enhance_custom_motion_prompt: request.enhanceMotionPrompt,
  };
}

export function webmRequestOf(request: WebmRender): GenerateWebmRequest {
  const speech = request.speech;
  return {
    avatar_pose_id: request.avatarId,
    avatar_style: request.avatarStyle,
    input_text: speech.type === 'text' ? speech.text : undefined,
    voice_id: speech.type === 'text' ? speech.voiceId : undefined,
    input_audio: speech.type === 'audio' ? speech.url : undefined,
    dimension: request.dimension,
  };
}

const AVATAR_IV = 'Avatar IV (POST /v2/video/av4/generate)';
const WEBM = 'WebM (POST /v1/video.webm)';

/**
 * The neutral fields v2 cannot honour. Scene videos take every field. Avatar IV and WebM take a script in a voice
 * without speed, pitch or emotion; Avatar IV requires a voice_id even with audio (HeyGen's forum reports the audio
 * ignored then, and the neutral audio speech names no voice), WebM takes audio by URL only and has no title.
 * `callbackId` is not flagged: it is the product's own, and capabilities.callbackForEveryRender tells callers that
 * v2 echoes it for scene videos only.
 */
export function unsupportedFields(check: UnsupportedCheck): UnsupportedField[] {
  if (check.kind !== 'render') return [];
  const request = check.request;
  if (request.kind === 'scenes') return [];
  const endpoint = request.kind === 'avatar_iv' ? AVATAR_IV : WEBM;
  const refused: UnsupportedField[] = [];
  const refuse = (field: string, why: string) =>
    refused.push({ field, reason: `${API_NAME}: ${endpoint} ${why}` });
  const speech = request.speech;
  if (speech.type === 'silence') refuse('speech.type', 'speaks a script or an audio file, not a silence');
  if (speech.type === 'text') {
    for (const field of ['speed', 'pitch', 'emotion'] as const) {
      if (speech[field] !== undefined)
        refuse(`speech.${field}`, `takes a script and a voice only, without ${field}`);
    }
  }
  if (speech.type === 'audio' && request.kind === 'avatar_iv') {
    refuse(
      'speech.type',
      'requires a voice_id even with audio, and an audio speech names no voice: use a script',
    );
  }
  if (speech.type === 'audio' && request.kind === 'webm' && speech.assetId !== undefined) {
    refuse('speech.assetId', 'takes audio by URL only (input_audio), not an uploaded asset');
  }
  if (request.kind === 'webm' && request.title !== undefined) refuse('title', 'has no title');
  return refused;
}

// ---- assets, catalog, webhooks ----

export function assetOf(asset: AssetListItem): Asset {
  return {
    id: asset.id,
    name: asset.name ?? undefined,
    fileType: asset.file_type ?? undefined,
    folderId: asset.folder_id ?? undefined,
    createdAt: asset.created_ts ?? undefined,
    url: asset.url ?? undefined,
  };
}

/**
 * `avatars` are the studio (and instant) avatars, which v1's WebM endpoint takes; `talking_photos` are photo
 * avatars, which it refuses. Whether an instant avatar renders as WebM is not documented: it counts as one here.
 */
export function catalogAvatarsOf(list: AvatarList): CatalogAvatar[] {
  const avatars = list.avatars.map((a): CatalogAvatar => ({
    avatarId: a.avatar_id,
    name: a.avatar_name ?? undefined,
    gender: a.gender ?? undefined,
    type: 'avatar',
    previewImageUrl: a.preview_image_url ?? undefined,
    previewVideoUrl: a.preview_video_url ?? undefined,
    premium: a.premium ?? undefined,
    defaultVoiceId: a.default_voice_id ?? undefined,
    supportsWebm: true,
  }));
  const photos = (list.talking_photos ?? []).map((p): CatalogAvatar => ({
    avatarId: p.talking_photo_id,
    name: p.talking_photo_name ?? undefined,
    type: 'talking_photo',
    previewImageUrl: p.preview_image_url ?? undefined,
    supportsWebm: false,
  }));
  return [...avatars, ...photos];
}

export function voiceOfCatalog(voice: WireVoice): Voice {
  return {
    voiceId: voice.voice_id,
    name: voice.name ?? undefined,
    language: voice.language ?? undefined,
    gender: voice.gender ?? undefined,
    previewAudioUrl: voice.preview_audio ?? undefined,
    supportPause: voice.support_pause ?? undefined,
    emotionSupport: voice.emotion_support ?? undefined,
  };
}

export function webhookEndpointOf(endpoint: WireWebhookEndpoint): WebhookEndpoint {
  return {
    endpointId: endpoint.endpoint_id,
    url: endpoint.url,
    events: endpoint.events ?? undefined,
    status: endpoint.status ?? undefined,
    secret: endpoint.secret ?? undefined,
    createdAt: endpoint.created_at ?? undefined,
  };
}
