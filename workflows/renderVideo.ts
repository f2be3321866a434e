import { setHandler, workflowInfo } from '@temporalio/workflow';
import { pollingFor } from '../contracts/polling';
import type { RenderProgress, RenderStage } from '../contracts/progress';
import { renderVideoInputSchema, type RenderVideoInput, type RenderVideoResult } from '../contracts/render';
import { parseInput } from '../contracts/validation';
import { creates, deliveries, reads } from './activityOptions';
import { jobEventSignal, renderProgressQuery } from './definitions';
import { describeFailure, toWorkflowFailure } from './failures';
import { StageTracker } from './stages';
import { JobInbox, waitForJob } from './waiting';

/** Renders take 5–15 minutes, over 20 at peak: give them two hours before giving up. */
export const RENDER_DEADLINE_MS = 2 * 60 * 60 * 1000;

/**
 * Renders one video with HeyGen (POST /v2/video/generate), waits for it (webhook signal or polling), and downloads
 * the file to the worker's storage. Runs on its own or as the last step of `photoAvatarLifecycle`.
 */
export async function renderVideo(rawInput: RenderVideoInput): Promise<RenderVideoResult> {
  const tracker = new StageTracker<Exclude<RenderStage, 'failed'>>('validating');
  const inbox = new JobInbox();
  let videoId: string | undefined;
  let heygenStatus: string | undefined;
  setHandler(jobEventSignal, (event) => inbox.record(event));
  setHandler(renderProgressQuery, (): RenderProgress => ({
    stage: tracker.stage,
    stages: tracker.stages,
    ...(videoId ? { videoId } : {}),
    ...(heygenStatus ? { heygenStatus } : {}),
    ...(tracker.failure ? { failure: tracker.failure } : {}),
  }));

  try {
    const input = parseInput(renderVideoInputSchema, rawInput);
    const waitMode = input.waitMode ?? 'poll';
    const polling = pollingFor(waitMode, input.polling);
    const { workflowId } = workflowInfo();

    tracker.enter('submitting');
    // callback_id identifies this workflow in HeyGen's status reads and webhook events.
    const submitted = await creates.submitVideo({ request: { ...input.video, callback_id: workflowId } });
    videoId = submitted.videoId;

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

    tracker.enter('downloading');
    const file = await deliveries.downloadVideo({
      videoId: id,
      directory: workflowId,
      fileName: input.fileName,
    });

    tracker.finish('completed');
    return {
      videoId: id,
      videoPath: file.path,
      sha256: file.sha256,
      bytes: file.bytes,
      durationSeconds: rendered.durationSeconds,
    };
  } catch (err) {
    const info = describeFailure(err, tracker.currentStage);
    tracker.fail(info);
    throw toWorkflowFailure(err, info);
  }
}
