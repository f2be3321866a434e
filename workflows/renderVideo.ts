import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { DEFAULT_POLLING, pollingFor } from '../contracts/polling';
import type { RenderProgress, RenderStage } from '../contracts/progress';
import type { RenderKind, RenderVideoInput, RenderVideoResult } from '../contracts/render';
import { creates, deliveries, reads, transfers } from './activityOptions';
import {
  jobEventSignal,
  releaseRenderSlotSignal,
  RENDER_SLOTS_WORKFLOW_ID,
  renderProgressQuery,
  renderSlotGrantedSignal,
} from './definitions';
import { describeFailure, toWorkflowFailure } from './failures';
import { VALIDATE_IN_ACTIVITY_PATCH, validInput } from './inputValidation';
import { StageTracker } from './stages';
import { Visibility } from './visibility';
import { JobInbox, waitForJob } from './waiting';

/** Renders take 5–15 minutes, over 20 at peak: give them two hours before giving up. */
export const RENDER_DEADLINE_MS = 2 * 60 * 60 * 1000;
/** Marks histories recorded after render slots (plan concurrency) were introduced. */
export const RENDER_SLOTS_PATCH = 'render-slots';

/**
 * Renders one video with HeyGen — v2 (scenes), Avatar IV or transparent WebM — waits for it (webhook signal or
 * polling), and stores the file. When a plan concurrency is configured, the render first takes one of the
 * namespace's render slots and gives it back as soon as HeyGen has finished the video. Runs on its own, in batches,
 * or as the last step of `photoAvatarLifecycle`.
 */
export async function renderVideo(rawInput: RenderVideoInput): Promise<RenderVideoResult> {
  const visibility = new Visibility();
  const tracker = new StageTracker<Exclude<RenderStage, 'failed'>>('validating', (stage) =>
    visibility.stage(stage),
  );
  const inbox = new JobInbox();
  let videoId: string | undefined;
  let heygenStatus: string | undefined;
  let slotGranted = false;
  let slotHeld = false;
  setHandler(jobEventSignal, (event) => inbox.record(event));
  setHandler(renderSlotGrantedSignal, () => {
    slotGranted = true;
  });
  setHandler(renderProgressQuery, (): RenderProgress => ({
    stage: tracker.stage,
    stages: tracker.stages,
    ...(videoId ? { videoId } : {}),
    ...(heygenStatus ? { heygenStatus } : {}),
    ...(tracker.failure ? { failure: tracker.failure } : {}),
  }));
  const releaseSlot = async () => {
    if (!slotHeld) return;
    slotHeld = false;
    const { workflowId } = workflowInfo();
    await getExternalWorkflowHandle(RENDER_SLOTS_WORKFLOW_ID)
      .signal(releaseRenderSlotSignal, { workflowId })
      .catch(() => undefined); // the slots workflow reclaims leases anyway
  };

  // Runs that validate in a local activity decide on render slots first: a patch marker written right after that
  // local activity made legacy queries (which replay a run that is not cached) fail with a nondeterminism error in
  // the SDK core. Older runs decide where they always did, after validating.
  const decidedEarly = patched(VALIDATE_IN_ACTIVITY_PATCH) ? patched(RENDER_SLOTS_PATCH) : undefined;
  try {
    const input = await validInput('render', rawInput);
    const { workflowId } = workflowInfo();
    const kind: RenderKind = input.video ? 'v2' : input.avatarIv ? 'avatar_iv' : 'webm';
    // Only v2 renders carry a callback_id that webhook events name; the other kinds are followed by polling.
    const waitMode = kind === 'v2' ? (input.waitMode ?? 'poll') : 'poll';
    const polling = kind === 'v2' ? pollingFor(waitMode, input.polling) : (input.polling ?? DEFAULT_POLLING);

    tracker.enter('submitting');
    if (decidedEarly ?? patched(RENDER_SLOTS_PATCH)) {
      const { limited } = await creates.acquireRenderSlot();
      if (limited) {
        await condition(() => slotGranted);
        slotHeld = true;
      }
    }
    let submitted: { videoId: string };
    if (input.video) {
      // callback_id identifies this workflow in HeyGen's status reads and webhook events.
      submitted = await creates.submitVideo({ request: { ...input.video, callback_id: workflowId } });
    } else if (input.avatarIv) {
      const { photo_file, image_key, ...fields } = input.avatarIv;
      const key = image_key ?? (await transfers.uploadPhotoFile({ file: photo_file ?? '' })).imageKey;
      submitted = await creates.submitAvatarIvVideo({ request: { ...fields, image_key: key } });
    } else {
      submitted = await creates.submitWebmVideo({ request: input.webm! });
    }
    videoId = submitted.videoId;
    visibility.heygenIds(videoId);

    tracker.enter('rendering');
    const id = submitted.videoId;
    const rendered = await waitForJob({
      what: `Render of video ${id}`,
      poll: () => reads.checkVideo({ videoId: id }),
      polling,
      deadlineMs: RENDER_DEADLINE_MS,
      // The render's event names this workflow (callback_id), so no route needs registering.
      event: { inbox, kind: 'render', resourceId: id },
      pollFirst: waitMode !== 'webhook',
      onStatus: (status) => (heygenStatus = status),
    });
    heygenStatus = 'completed';
    await releaseSlot();

    tracker.enter('downloading');
    const fileName = input.fileName ?? (kind === 'webm' ? `${id}.webm` : undefined);
    const file = await deliveries.downloadVideo({ videoId: id, directory: workflowId, fileName });

    tracker.finish('completed');
    return {
      videoId: id,
      ...(kind !== 'v2' ? { kind } : {}),
      videoPath: file.path,
      sha256: file.sha256,
      bytes: file.bytes,
      durationSeconds: rendered.durationSeconds,
    };
  } catch (err) {
    await CancellationScope.nonCancellable(releaseSlot);
    const info = describeFailure(err, tracker.currentStage);
    tracker.fail(info);
    visibility.failed(info.stage, info.code, info.message);
    throw toWorkflowFailure(err, info);
  }
}
