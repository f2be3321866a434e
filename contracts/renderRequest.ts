// No zod here: workflows import these functions (the workflow bundle must not evaluate zod).
import type { Dimension, Scene, Speech } from './fields';
import type { LifecycleVideo } from './lifecycle';
import type { RenderVideoInput } from './render';

/** The kinds of render a renderVideo run makes (one of `video`, `avatarIv`, `webm` in its input). */
export const RENDER_KINDS = ['scenes', 'avatar_iv', 'webm'] as const;
export type RenderKind = (typeof RENDER_KINDS)[number];

/**
 * A render as the HeyGen port takes it: the renderVideo contract with its references resolved (the photo uploaded,
 * the callback id set). Field names are the contract's, so a field an API refuses is named by the same path the
 * caller wrote (prefixed with `video.`, `avatarIv.` or `webm.`).
 */
export type RenderRequest =
  | {
      kind: 'scenes';
      scenes: Scene[];
      title?: string;
      test?: boolean;
      caption?: boolean;
      dimension?: Dimension;
      callbackId?: string;
    }
  | {
      kind: 'avatar_iv';
      /** A photo HeyGen holds (v2 image key, v3 asset id); the contract's `imageKey` */
      photo: string;
      title: string;
      speech: Speech;
      orientation?: 'portrait' | 'landscape' | 'square';
      fit?: 'cover' | 'contain';
      motionPrompt?: string;
      enhanceMotionPrompt?: boolean;
      callbackId?: string;
    }
  | {
      kind: 'webm';
      avatarId: string;
      avatarStyle?: 'normal' | 'closeUp';
      speech: Speech;
      dimension?: Dimension;
      title?: string;
      callbackId?: string;
    };

export function renderKindOf(input: RenderVideoInput): RenderKind {
  return input.video ? 'scenes' : input.avatarIv ? 'avatar_iv' : 'webm';
}

/** The port request of a renderVideo input; `photo` is the uploaded photo when the input named a local file. */
export function renderRequestOf(
  input: RenderVideoInput,
  refs: { photo?: string; callbackId?: string } = {},
): RenderRequest {
  const callback = refs.callbackId !== undefined ? { callbackId: refs.callbackId } : {};
  if (input.video) return { kind: 'scenes', ...input.video, ...callback };
  if (input.avatarIv) {
    const { imageKey, photoFile: _file, ...fields } = input.avatarIv;
    return { kind: 'avatar_iv', ...fields, photo: refs.photo ?? imageKey ?? '', ...callback };
  }
  const webm = input.webm!;
  return { kind: 'webm', ...webm, ...callback };
}

/** Where a field of a port request sits in the renderVideo input (for refusals that name the caller's field). */
export function renderInputPath(kind: RenderKind, requestPath: string): string {
  if (kind === 'scenes') return `video.${requestPath}`;
  if (kind === 'avatar_iv') return `avatarIv.${requestPath === 'photo' ? 'imageKey' : requestPath}`;
  return `webm.${requestPath}`;
}

/** The one-scene video the lifecycle renders with its look. */
export function lifecycleScenes(video: LifecycleVideo, lookId: string): Scene[] {
  return [
    {
      character: { type: 'look', lookId },
      speech: { type: 'text', voiceId: video.voiceId, text: video.script },
      ...(video.background ? { background: video.background } : {}),
    },
  ];
}

/** The renderVideo input of the lifecycle's last step. */
export function lifecycleRenderInput(
  video: LifecycleVideo,
  lookId: string,
  title: string,
): NonNullable<RenderVideoInput['video']> {
  return {
    scenes: lifecycleScenes(video, lookId),
    title: video.title ?? title,
    ...(video.test !== undefined ? { test: video.test } : {}),
    ...(video.caption !== undefined ? { caption: video.caption } : {}),
    ...(video.dimension ? { dimension: video.dimension } : {}),
  };
}

/** Where a field of the lifecycle's render request sits in the lifecycle input. */
export function lifecycleInputPath(requestPath: string): string {
  const scene = /^scenes\.0\.(speech|character|background)(?:\.(.*))?$/.exec(requestPath);
  if (!scene) return `video.${requestPath}`;
  if (scene[1] === 'background') return `video.background${scene[2] ? `.${scene[2]}` : ''}`;
  if (scene[1] === 'speech') {
    const field = scene[2] === 'voiceId' ? 'voiceId' : 'script';
    return `video.${field}`;
  }
  return 'video';
}
