import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/retries';
import type { PollResult } from '../contracts/polling';
import { CatalogCache } from '../heygen/catalog';
import type { RenderRequest, RenderSummary } from '../heygen/port';
import { callOptions } from './context';
import { portFor, type ActivityDeps, type Versioned } from './deps';
import type { ApiVersion } from '../contracts/apiVersion';
import { classified, jobFailed } from './errors';

export interface RenderedVideo {
  durationSeconds: number;
}

/**
 * Video renders (billable). v3 sends the step's Idempotency-Key, so a render whose answer is lost is replayed, not
 * rendered twice. v2 has no key and no lookup by callback_id: its duplicate window is one HTTP round trip. The
 * workflow sets `callbackId` to its own workflow id, which HeyGen echoes in status reads and webhook events.
 */
export function videoActivities(deps: ActivityDeps) {
  // One catalog per worker and API version: WebM renders check the avatar without fetching the whole list each time.
  const catalogs = new Map<ApiVersion, CatalogCache>();
  const catalogFor = (api: ApiVersion) => {
    let catalog = catalogs.get(api);
    if (!catalog) catalogs.set(api, (catalog = new CatalogCache(portFor(deps, api))));
    return catalog;
  };
  return {
    submitRender: classified(async (input: Versioned & { request: RenderRequest }) => {
      const { request } = input;
      const opts = callOptions({ billable: true });
      if (request.kind === 'webm') {
        const supports = async (refresh: boolean) =>
          (await catalogFor(input.api).listAvatars({}, { signal: opts.signal, refresh })).some(
            (a) => a.avatarId === request.avatarId && a.supportsWebm,
          );
        // The cached catalog answers most renders; a miss is checked against a fresh list before refusing.
        if (!(await supports(false)) && !(await supports(true))) {
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.invalidInput,
            message:
              `Invalid input: webm.avatarId: ${request.avatarId} is not a HeyGen studio avatar; transparent WebM ` +
              `videos need an avatar that supports matting (HeyGen studio avatars, not photo avatars)`,
            nonRetryable: true,
            details: [{ field: 'webm.avatarId' }],
          });
        }
      }
      return portFor(deps, input.api).submitRender(request, opts);
    }),

    checkVideo: classified(
      async (input: Versioned & { videoId: string }): Promise<PollResult<RenderedVideo>> => {
        const status = await portFor(deps, input.api).getRender(input.videoId, callOptions());
        if (status.state === 'completed') {
          return { done: true, value: { durationSeconds: status.durationSeconds ?? 0 } };
        }
        if (status.state === 'failed') {
          throw jobFailed(`Render of video ${input.videoId}`, status.failure?.message, status.failure?.code);
        }
        return { done: false, status: status.rawStatus };
      },
    ),

    /** Many renders' states in one call where the API allows it (v3 bulk statuses): a batch's poll. */
    checkVideos: classified(async (input: Versioned & { videoIds: string[] }): Promise<RenderSummary[]> =>
      portFor(deps, input.api).getRenders(input.videoIds, callOptions()),
    ),
  };
}
