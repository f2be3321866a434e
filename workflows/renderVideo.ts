import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { API_CAPABILITIES } from '../contracts/apiVersion';
import { DEFAULT_POLLING, DEFAULT_WEBHOOK_FALLBACK_POLLING, pollingFor } from '../contracts/polling';
import type { RenderProgress, RenderStage, RenderVideoResult } from '../contracts/results';
import type { RunMedia } from '../contracts/media';
import type { RenderVideoInput } from '../contracts/render';
import type { RenderKind } from '../contracts/renderRequest';
import { renderKindOf, renderRequestOf } from '../contracts/renderRequest';
import { creates, deliveries, reads, submissions, transfers } from './activityOptions';
import {
  jobEventSignal,
  releaseRenderSlotSignal,
  RENDER_SLOTS_WORKFLOW_ID,
  renderProgressQuery,
  renderSlotGrantedSignal,
  renderSubmittedSignal,
} from '../contracts/definitions';
import { describeFailure, toWorkflowFailure } from './failures';
import { PATCHES } from './patches';
import { validInput } from './inputValidation';
import { StageTracker } from './stages';
import { Visibility } from './visibility';
import { JobInbox, waitForJob } from './waiting';

/** Renders take 5–15 minutes, over 20 at peak: give them two hours before giving up. */
export const RENDER_DEADLINE_MS = 2 * 60 * 60 * 1000;

/**
 * Renders one video with HeyGen — scenes, Avatar IV or transparent WebM — waits for it (webhook signal, its batch's
 * bulk poll, or its own polling), and stores the file. When a plan concurrency is configured, the render first takes
 * one of the namespace's render slots and gives it back as soon as HeyGen has finished the video. Runs on its own, in
 * batches, or as the last step of `photoAvatarLifecycle`.
 */
export async function renderVideo(rawInput: RenderVideoInput): Promise<RenderVideoResult> {
  const visibility = new Visibility();
  const tracker = new StageTracker<Exclude<RenderStage, 'failed'>>('validating', (stage) =>
    visibility.stage(stage),
  );
  const inbox = new JobInbox();
  let videoId: string | undefined;
  let heygenStatus: string | undefined;
  let version: RenderProgress['apiVersion'];
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
    ...(version ? { apiVersion: version } : {}),
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

  try {
    const { input, apiVersion } = await validInput('render', rawInput);
    version = apiVersion;
    visibility.apiVersion(apiVersion);
    const capabilities = API_CAPABILITIES[apiVersion];
    const { workflowId, parent } = workflowInfo();
    const kind = renderKindOf(input);
    // Webhook events name the run by callback_id: every video type on v3, scene videos only on v2.
    const evented = kind === 'scenes' || capabilities.callbackForEveryRender;
    const batched = Boolean(input.reportToBatch && parent);
    const waitMode = evented ? (input.waitMode ?? 'poll') : 'poll';
    const polling = batched
      ? DEFAULT_WEBHOOK_FALLBACK_POLLING // the batch's bulk read is the poll; this is the fallback
      : evented
        ? pollingFor(waitMode, input.polling)
        : (input.polling ?? DEFAULT_POLLING);

    tracker.enter('submitting');
    const slot = await creates.acquireRenderSlot();
    if (slot.limited) {
      if (patched(PATCHES.renderSlotRefresh.id) && slot.refreshAfterMs !== undefined) {
        // No grant within the refresh interval: the semaphore may be gone (terminated, reset). Asking again starts
        // it anew and queues this render (signal-with-start); one that has it queued already ignores the repeat.
        while (!(await condition(() => slotGranted, slot.refreshAfterMs))) {
          await creates.acquireRenderSlot();
        }
      } else await condition(() => slotGranted);
      slotHeld = true;
    }
    const photo =
      input.avatarIv?.photoFile !== undefined
        ? (await transfers.uploadPhotoFile({ api: apiVersion, file: input.avatarIv.photoFile })).imageKey
        : undefined;
    // callback_id identifies this workflow in HeyGen's status reads and webhook events.
    const request = renderRequestOf(input, { ...(photo ? { photo } : {}), callbackId: workflowId });
    const submitted = await submissions.submitRender({ api: apiVersion, request });
    videoId = submitted.videoId;
    visibility.heygenIds(videoId);
    if (batched && parent) {
      await getExternalWorkflowHandle(parent.workflowId).signal(renderSubmittedSignal, {
        workflowId,
        videoId: submitted.videoId,
      });
    }

    tracker.enter('rendering');
    const id = submitted.videoId;
    const rendered = await waitForJob({
      what: `Render of video ${id}`,
      poll: () => reads.checkVideo({ api: apiVersion, videoId: id }),
      polling,
      deadlineMs: RENDER_DEADLINE_MS,
      // The render's event names this workflow (callback_id), so no route needs registering; a batch's bulk poll
      // sends the same signal.
      event: { inbox, kind: 'render', resourceId: id },
      pollFirst: !batched && waitMode !== 'webhook',
      onStatus: (status) => (heygenStatus = status),
    });
    heygenStatus = 'completed';
    await releaseSlot();

    tracker.enter('downloading');
    const fileName = input.fileName ?? (kind === 'webm' ? `${id}.webm` : undefined);
    const file = await deliveries.downloadVideo({
      api: apiVersion,
      videoId: id,
      directory: workflowId,
      fileName,
    });

    tracker.finish('completed');
    return {
      videoId: id,
      kind,
      media: file.media ?? legacyMedia(file.path, file.sha256, file.bytes, kind),
      ...(file.path !== undefined ? { videoPath: file.path } : {}),
      sha256: file.sha256,
      bytes: file.bytes,
      durationSeconds: rendered.durationSeconds,
      apiVersion,
    };
  } catch (err) {
    await CancellationScope.nonCancellable(releaseSlot);
    const info = describeFailure(err, tracker.currentStage);
    tracker.fail(info);
    visibility.failed(info.stage, info.code, info.message);
    throw toWorkflowFailure(err, info);
  }
}

/**
 * The media descriptor of a download recorded before results named their files (histories of that time only hold
 * the local path): keeps those runs replaying to the same result shape.
 */
function legacyMedia(path: string | undefined, sha256: string, bytes: number, kind: RenderKind): RunMedia {
  const uri = `file://${(path ?? '').split('/').map(encodeURIComponent).join('/')}`;
  return { video: { uri, sha256, bytes, contentType: kind === 'webm' ? 'video/webm' : 'video/mp4' } };
}
