import type { PollResult } from '../contracts/polling';
import { HeyGenError } from '../heygen/errors';
import type { PhotoAttributes } from '../heygen/schemas/photoAvatar';
import { activitySignal } from './context';
import type { ActivityDeps } from './deps';
import { classified, jobFailed } from './errors';

export interface GeneratedImages {
  imageKeys: string[];
}

/**
 * Photo and look generations share one status endpoint. HeyGen offers no way to find a generation again after a
 * lost response, so `generatePhotos` is the one create here that cannot be reconciled: its window for a duplicate is
 * the time between HeyGen accepting the call and this activity's completion being recorded (one HTTP round trip).
 */
export function photoGenerationActivities({ heygen }: ActivityDeps) {
  return {
    generatePhotos: classified(async (input: { name: string; attributes: PhotoAttributes }) => {
      return heygen.generatePhotos({ name: input.name, ...input.attributes }, { signal: activitySignal() });
    }),

    checkGeneration: classified(
      async (input: { generationId: string; what: string }): Promise<PollResult<GeneratedImages>> => {
        const status = await heygen.getGeneration(input.generationId, { signal: activitySignal() });
        const state = status.status.toLowerCase();
        if (state === 'success' || state === 'completed') {
          const imageKeys = status.image_key_list ?? [];
          if (imageKeys.length === 0) {
            throw new HeyGenError({
              kind: 'InvalidResponse',
              operation: 'photoAvatar.generationStatus',
              message: `${input.what} ${input.generationId} succeeded without image keys`,
            });
          }
          return { done: true, value: { imageKeys } };
        }
        if (state === 'failed' || state === 'fail' || state === 'error') {
          throw jobFailed(`${input.what} ${input.generationId}`, status.msg);
        }
        return { done: false, status: status.status };
      },
    ),
  };
}
