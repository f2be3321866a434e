import type { PollResult } from '../contracts/polling';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failures';
import { CatalogCache } from '../heygen/catalog';
import type {
  GenerateAvatarIvRequest,
  GenerateVideoRequest,
  GenerateWebmRequest,
} from '../heygen/schemas/video';
import { activitySignal } from './context';
import type { ActivityDeps } from './deps';
import { classified, jobFailed } from './errors';

export interface RenderedVideo {
  durationSeconds: number;
}

/**
 * Video renders. v1/v2 have no idempotency key and no lookup by callback_id, so a render whose answer is lost
 * cannot be reconciled: the duplicate window is one HTTP round trip. The workflow sets `callback_id` to its own
 * workflow id, which HeyGen echoes in status reads and webhook events.
 */
export function videoActivities({ heygen }: ActivityDeps) {
  // One catalog per worker: WebM renders check the studio avatars without fetching the whole list each time.
  const catalog = new CatalogCache(heygen);
  return {
    submitVideo: classified(async (input: { request: GenerateVideoRequest }) => {
      return heygen.generateVideo(input.request, { signal: activitySignal() });
    }),

    /** Avatar IV (POST /v2/video/av4/generate): a photo speaks; no callback_id in this API, so waits poll. */
    submitAvatarIvVideo: classified(async (input: { request: GenerateAvatarIvRequest }) => {
      return heygen.generateAvatarIvVideo(input.request, { signal: activitySignal() });
    }),

    /**
     * WebM with a transparent background (POST /v1/video.webm). HeyGen renders these for its studio avatars only:
     * a custom or photo avatar is refused here, before any billable call, with a clear message.
     */
    submitWebmVideo: classified(async (input: { request: GenerateWebmRequest }) => {
      const signal = activitySignal();
      const isStudio = async (refresh: boolean) =>
        (await catalog.getAvatarList({ signal, refresh })).avatars.some(
          (a) => a.avatar_id === input.request.avatar_pose_id,
        );
      // The cached catalog answers most renders; a miss is checked against a fresh list before refusing.
      if (!(await isStudio(false)) && !(await isStudio(true))) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.invalidInput,
          message:
            `Invalid input: webm.avatar_pose_id: ${input.request.avatar_pose_id} is not a HeyGen studio avatar; ` +
            'transparent WebM videos support studio avatars only (not custom or photo avatars)',
          nonRetryable: true,
          details: [{ field: 'webm.avatar_pose_id' }],
        });
      }
      return heygen.generateWebmVideo(input.request, { signal });
    }),

    checkVideo: classified(async (input: { videoId: string }): Promise<PollResult<RenderedVideo>> => {
      const status = await heygen.getVideoStatus(input.videoId, { signal: activitySignal() });
      const state = status.status.toLowerCase();
      if (state === 'completed') return { done: true, value: { durationSeconds: status.duration ?? 0 } };
      if (state === 'failed') {
        throw jobFailed(
          `Render of video ${input.videoId}`,
          status.error?.message ?? status.error?.detail,
          status.error?.code,
        );
      }
      return { done: false, status: status.status };
    }),
  };
}
