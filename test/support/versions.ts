import type { ApiVersion } from '../../contracts/apiVersion';
import type { LifecycleInput } from '../../contracts/lifecycle';
import type { RenderVideoInput } from '../../contracts/render';
import { FAST_POLLING, lifecycleInput, VOICE_ID } from './inputs';

/** A HeyGen studio avatar of the simulator's catalog (both API versions list it). */
export const STUDIO_AVATAR_ID = 'Angela-inblackskirt-20220820';

/**
 * The standard test lifecycle for an API version. v3 has no free test mode (a `test: true` render would be billed,
 * so v3 runs refuse it) and takes only sizes that map exactly to its resolutions and aspect ratios: there the video
 * is a 720p render without `test`.
 */
export function lifecycleInputFor(
  version: ApiVersion,
  overrides: Partial<LifecycleInput> = {},
): LifecycleInput {
  const input = lifecycleInput(overrides);
  if (version === 'v3' && overrides.video === undefined) {
    const { test: _test, ...video } = input.video;
    return { ...input, video: { ...video, dimension: { width: 1280, height: 720 } } };
  }
  return input;
}

/** A one-scene render of a studio avatar, fast polling. */
export function sceneRender(text: string, overrides: Partial<RenderVideoInput> = {}): RenderVideoInput {
  return {
    video: {
      dimension: { width: 1280, height: 720 },
      scenes: [
        {
          character: { type: 'avatar', avatarId: STUDIO_AVATAR_ID },
          speech: { type: 'text', voiceId: VOICE_ID, text },
        },
      ],
    },
    polling: FAST_POLLING,
    ...overrides,
  };
}

interface LoggedCall {
  method: string;
  path: string;
  applied: boolean;
  query: Record<string, string>;
  body?: unknown;
}

const bodyHas = (e: LoggedCall, key: string) =>
  typeof e.body === 'object' && e.body !== null && key in (e.body as Record<string, unknown>);

/** What each API version looks like on the wire, for tests that check requests in the simulator's call log. */
export const WIRE = {
  v2: {
    renderCreate: '/v2/video/generate',
    promptCreate: '/v2/photo_avatar/photo/generate',
    addLooks: '/v2/photo_avatar/avatar_group/add',
    isAddLooks: (e: LoggedCall) => e.method === 'POST' && e.path === '/v2/photo_avatar/avatar_group/add',
    upload: '/v1/asset',
    isStatusRead: (e: LoggedCall, videoId: string) =>
      e.path === '/v1/video_status.get' && e.query.video_id === videoId,
    /** Billable creates of the standard test lifecycle (4 AI photos, 1 generated look) */
    lifecycleBilling: { photo_generation: 1, avatar: 1, look: 3, training: 1, look_generation: 1, render: 1 },
  },
  v3: {
    renderCreate: '/v3/videos',
    promptCreate: '/v3/avatars',
    addLooks: '/v3/avatars',
    isAddLooks: (e: LoggedCall) =>
      e.method === 'POST' && e.path === '/v3/avatars' && bodyHas(e, 'avatar_group_id'),
    upload: '/v3/assets',
    isStatusRead: (e: LoggedCall, videoId: string) => e.path === `/v3/videos/${videoId}`,
    /** The avatar with its one look from the prompt, one look generated from it, one render */
    lifecycleBilling: { avatar: 1, look_generation: 1, render: 1 },
  },
} as const;

/** Billable creates by kind, from the simulator's ledger. */
export function billed(entries: ReadonlyArray<{ kind: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}
