import type { PollResult } from '../contracts/polling';
import type { GenerateVideoRequest } from '../heygen/schemas/video';
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
  return {
    submitVideo: classified(async (input: { request: GenerateVideoRequest }) => {
      return heygen.generateVideo(input.request, { signal: activitySignal() });
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
