import type { Background, Character, Dimension, Scene, Speech } from '../../contracts/fields';
import type { RenderRequest, UnsupportedField } from '../port';
import type {
  AspectRatio,
  AvatarVideoBody,
  CreateVideoBody,
  ImageVideoBody,
  Resolution,
  SpeechFields,
  StudioSceneInput,
} from './schemas';

/**
 * The one mapping of a neutral render request to a `POST /v3/videos` body (heygen-v3-notes.md §3.5). It returns
 * either the body or every field v3 cannot honour; the adapter's `unsupported()` calls this same function, so a
 * refusal can never drift from what a submit would send.
 */

export type RenderMapping = { body: CreateVideoBody } | { unsupported: UnsupportedField[] };

const API = 'HeyGen API v3';

/**
 * v2 sizes that have an exact v3 equivalent (v3 takes a resolution and an aspect ratio, not pixels). Any other
 * size is refused rather than rounded to something the caller did not ask for.
 */
export const DIMENSIONS: Readonly<Record<string, { resolution: Resolution; aspect_ratio: AspectRatio }>> = {
  '1280x720': { resolution: '720p', aspect_ratio: '16:9' },
  '1920x1080': { resolution: '1080p', aspect_ratio: '16:9' },
  '3840x2160': { resolution: '4k', aspect_ratio: '16:9' },
  '720x1280': { resolution: '720p', aspect_ratio: '9:16' },
  '1080x1920': { resolution: '1080p', aspect_ratio: '9:16' },
  '2160x3840': { resolution: '4k', aspect_ratio: '9:16' },
  '1080x1080': { resolution: '1080p', aspect_ratio: '1:1' },
  '720x720': { resolution: '720p', aspect_ratio: '1:1' },
  '1080x1350': { resolution: '1080p', aspect_ratio: '4:5' },
  '1350x1080': { resolution: '1080p', aspect_ratio: '5:4' },
};

const ORIENTATION_RATIOS: Readonly<Record<'portrait' | 'landscape' | 'square', AspectRatio>> = {
  portrait: '9:16',
  landscape: '16:9',
  square: '1:1',
};

/** Collects refusals while a body is built. */
class Refusals {
  readonly fields: UnsupportedField[] = [];
  add(field: string, reason: string): void {
    this.fields.push({ field, reason: `${reason} (${API})` });
  }
}

export function mapRenderRequest(request: RenderRequest): RenderMapping {
  const refusals = new Refusals();
  const body = buildBody(request, refusals);
  return refusals.fields.length > 0 ? { unsupported: refusals.fields } : { body };
}

function buildBody(request: RenderRequest, refusals: Refusals): CreateVideoBody {
  switch (request.kind) {
    case 'scenes':
      return scenesBody(request, refusals);
    case 'avatar_iv':
      return avatarIvBody(request, refusals);
    case 'webm':
      return webmBody(request, refusals);
  }
}

type ScenesRequest = Extract<RenderRequest, { kind: 'scenes' }>;

function scenesBody(request: ScenesRequest, refusals: Refusals): CreateVideoBody {
  if (request.test === true) refusals.add('test', 'there is no test mode: the render would be billed');
  const globals = {
    ...output(request.dimension, refusals),
    ...(request.caption === true ? { caption: { file_format: 'srt' as const } } : {}),
    ...(request.title !== undefined ? { title: request.title } : {}),
    ...(request.callbackId !== undefined ? { callback_id: request.callbackId } : {}),
  };
  const [only, ...rest] = request.scenes;
  if (only && rest.length === 0) {
    const path = 'scenes.0';
    const single: AvatarVideoBody = {
      type: 'avatar',
      avatar_id: avatarId(only.character, `${path}.character`, refusals),
      ...speechFields(only.speech, `${path}.speech`, refusals),
      ...(only.background ? { background: background(only.background, `${path}.background`, refusals) } : {}),
      ...globals,
    };
    return single;
  }
  return {
    type: 'studio',
    scenes: request.scenes.map((scene, i) => ({
      type: 'avatar_video' as const,
      input: studioInput(scene, i, refusals),
    })),
    ...globals,
  };
}

function studioInput(scene: Scene, index: number, refusals: Refusals): StudioSceneInput {
  const path = `scenes.${index}`;
  const input: StudioSceneInput = {
    type: 'avatar',
    avatar_id: avatarId(scene.character, `${path}.character`, refusals),
    ...speechFields(scene.speech, `${path}.speech`, refusals),
  };
  const bg = scene.background;
  if (bg?.type === 'color') input.background = { type: 'color', color: bg.color };
  else if (bg?.type === 'image') {
    refusals.add(`${path}.background`, 'multi-scene (studio) videos take colour backgrounds only');
  } else if (bg?.type === 'video') refusals.add(`${path}.background`, 'there are no video backgrounds');
  return input;
}

type AvatarIvRequest = Extract<RenderRequest, { kind: 'avatar_iv' }>;

function avatarIvBody(request: AvatarIvRequest, refusals: Refusals): ImageVideoBody {
  if (request.enhanceMotionPrompt === true) {
    refusals.add('enhanceMotionPrompt', 'there is no motion-prompt enhancement');
  }
  return {
    type: 'image',
    image: { type: 'asset_id', asset_id: request.photo },
    ...speechFields(request.speech, 'speech', refusals),
    ...(request.orientation ? { aspect_ratio: ORIENTATION_RATIOS[request.orientation] } : {}),
    ...(request.fit ? { fit: request.fit } : {}),
    ...(request.motionPrompt ? { motion_prompt: request.motionPrompt } : {}),
    title: request.title,
    ...(request.callbackId !== undefined ? { callback_id: request.callbackId } : {}),
  };
}

type WebmRequest = Extract<RenderRequest, { kind: 'webm' }>;

function webmBody(request: WebmRequest, refusals: Refusals): AvatarVideoBody {
  if (request.avatarStyle !== undefined && request.avatarStyle !== 'normal') {
    refusals.add('avatarStyle', `avatars render in the normal style only, not '${request.avatarStyle}'`);
  }
  return {
    type: 'avatar',
    avatar_id: request.avatarId,
    output_format: 'webm',
    ...speechFields(request.speech, 'speech', refusals),
    ...output(request.dimension, refusals),
    ...(request.title !== undefined ? { title: request.title } : {}),
    ...(request.callbackId !== undefined ? { callback_id: request.callbackId } : {}),
  };
}

/** v3 has no talking-photo distinction: a look id and an avatar id both go in `avatar_id`. */
function avatarId(character: Character, path: string, refusals: Refusals): string {
  if (character.type === 'look') return character.lookId;
  if (character.style !== undefined && character.style !== 'normal') {
    refusals.add(`${path}.style`, `avatars render in the normal style only, not '${character.style}'`);
  }
  return character.avatarId;
}

function speechFields(speech: Speech, path: string, refusals: Refusals): SpeechFields {
  switch (speech.type) {
    case 'text': {
      if (speech.emotion !== undefined) refusals.add(`${path}.emotion`, 'voices take no emotion setting');
      const settings = {
        ...(speech.speed !== undefined ? { speed: speech.speed } : {}),
        ...(speech.pitch !== undefined ? { pitch: speech.pitch } : {}),
      };
      return {
        script: speech.text,
        voice_id: speech.voiceId,
        ...(Object.keys(settings).length > 0 ? { voice_settings: settings } : {}),
      };
    }
    case 'audio':
      return speech.url !== undefined ? { audio_url: speech.url } : { audio_asset_id: speech.assetId };
    case 'silence':
      refusals.add(path, 'there is no silent speech: give a script or an audio file');
      return {};
  }
}

function background(bg: Background, path: string, refusals: Refusals): AvatarVideoBody['background'] {
  switch (bg.type) {
    case 'color':
      return { type: 'color', value: bg.color };
    case 'image':
      return bg.url !== undefined ? { type: 'image', url: bg.url } : { type: 'image', asset_id: bg.assetId };
    case 'video':
      refusals.add(path, 'there are no video backgrounds');
      return undefined;
  }
}

function output(
  dimension: Dimension | undefined,
  refusals: Refusals,
): Pick<AvatarVideoBody, 'resolution' | 'aspect_ratio'> {
  if (!dimension) return {};
  const size = `${dimension.width}x${dimension.height}`;
  const mapped = DIMENSIONS[size];
  if (!mapped) {
    refusals.add(
      'dimension',
      `${size} has no exact resolution and aspect ratio; sizes accepted: ${Object.keys(DIMENSIONS).join(', ')}`,
    );
    return {};
  }
  return { resolution: mapped.resolution, aspect_ratio: mapped.aspect_ratio };
}
