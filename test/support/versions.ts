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
