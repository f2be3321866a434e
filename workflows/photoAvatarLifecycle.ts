import { executeChild, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifecycleInput, LifecycleResult } from '../contracts/lifecycle';
import { LOOK_READY_POLLING, pollingFor, type PollingPolicy } from '../contracts/polling';
import type { JobKind } from '../contracts/events';
import type { LifecycleIds, LifecycleProgress, LifecycleStage } from '../contracts/progress';
import type { RenderVideoInput } from '../contracts/render';
import { MAX_LOOKS_PER_ADD } from '../heygen/limits';
import { creates, reads, routes, transfers } from './activityOptions';
import { jobEventSignal, lifecycleProgressQuery } from './definitions';
import { describeFailure, toWorkflowFailure } from './failures';
import { validInput } from './inputValidation';
import { renderVideo } from './renderVideo';
import { StageTracker } from './stages';
import { Visibility } from './visibility';
import { JobInbox, waitForJob } from './waiting';

const MINUTE = 60 * 1000;
/** Per-stage deadlines sized for real HeyGen (training is seen at 2–10 minutes, sometimes ~35). */
export const STAGE_DEADLINES_MS = {
  photoGeneration: 30 * MINUTE,
  looksReady: 30 * MINUTE,
  training: 90 * MINUTE,
  lookGeneration: 30 * MINUTE,
} as const;

/** The HeyGen group name: the caller's name plus the workflow id, unique per run and stable across retries. */
export function groupNameFor(name: string, workflowId: string): string {
  return `${name} [${workflowId}]`.slice(0, 200);
}

/**
 * photoAvatarLifecycle: photos → group → extra looks → train → wait → generate looks → wait → render (child
 * workflow `renderVideo`) → download. Every HeyGen call is an activity; every wait ends on a job event signal or by
 * polling with capped backoff under a per-stage deadline; `progress` answers with the stage, its timings and every
 * HeyGen id known so far.
 */
export async function photoAvatarLifecycle(rawInput: LifecycleInput): Promise<LifecycleResult> {
  const visibility = new Visibility();
  const tracker = new StageTracker<Exclude<LifecycleStage, 'failed'>>('validating', (stage) =>
    visibility.stage(stage),
  );
  const inbox = new JobInbox();
  const ids: LifecycleIds = { imageKeys: [], addedLookIds: [], lookGenerationIds: [], generatedLookIds: [] };
  setHandler(jobEventSignal, (event) => inbox.record(event));
  setHandler(lifecycleProgressQuery, (): LifecycleProgress => ({
    stage: tracker.stage,
    stages: tracker.stages,
    ids,
    ...(tracker.failure ? { failure: tracker.failure } : {}),
  }));

  // Runs started since this marker overlap work that older runs did in sequence: webhook routes are registered while
  // the wait begins, and training starts while the added looks are still being processed (which only the video needs).
  const overlap = patched('overlap-waits');
  /** Route registrations still in flight (overlap): awaited at the end of each wait, so a failure is not lost. */
  const routing: Array<Promise<{ error?: Error }>> = [];
  const routed = async () => {
    for (const { error } of await Promise.all(routing.splice(0))) if (error) throw error;
  };

  try {
    const input = await validInput('lifecycle', rawInput);
    visibility.avatarName(input.name);
    const waitMode = input.waitMode ?? 'poll';
    const webhooks = waitMode === 'webhook';
    const polling: PollingPolicy = pollingFor(waitMode, input.polling);
    const lookPolling: PollingPolicy = webhooks ? LOOK_READY_POLLING : polling;
    const { workflowId } = workflowInfo();
    /** A wait that an event can end: with webhooks, route the job's event here and skip the first read. */
    const eventWait = async (kind: JobKind, resourceId: string) => {
      if (webhooks) {
        const route = routes.registerJobRoute({ kind, resourceId });
        // The mailbox keeps an event that arrives before its route, so the wait need not wait for the route.
        if (overlap) {
          const settled = route.then(
            () => ({}),
            (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
          );
          routing.push(settled);
        } else await route;
      }
      return { event: { inbox, kind, resourceId }, pollFirst: !webhooks };
    };
    const groupName = groupNameFor(input.name, workflowId);

    // 1. Photos: generated from the eight attributes, given as image keys, or uploaded from local files.
    tracker.enter('photos');
    let generationId: string | undefined;
    if (input.photo.generate) {
      generationId = (await creates.generatePhotos({ name: input.name, attributes: input.photo.generate }))
        .generationId;
      ids.photoGenerationId = generationId;
      visibility.heygenIds(generationId);
      const gid = generationId;
      const images = await waitForJob({
        what: `Photo generation ${gid}`,
        poll: () => reads.checkGeneration({ generationId: gid, what: 'Photo generation' }),
        polling,
        deadlineMs: STAGE_DEADLINES_MS.photoGeneration,
        ...(await eventWait('photo_generation', gid)),
      });
      await routed();
      ids.imageKeys.push(...images.imageKeys);
    } else if (input.photo.imageKeys) {
      ids.imageKeys.push(...input.photo.imageKeys);
    } else if (input.photo.files) {
      for (const file of input.photo.files) {
        ids.imageKeys.push((await transfers.uploadPhotoFile({ file })).imageKey);
      }
    }
    const [firstImage, ...otherImages] = ids.imageKeys;
    if (!firstImage) throw new Error('no image to create the group from');

    // 2. The group, from the first image (reconciled by its run-unique name).
    tracker.enter('group');
    const group = await creates.createAvatarGroup({ name: groupName, imageKey: firstImage, generationId });
    ids.groupId = group.groupId;
    ids.addedLookIds.push(group.firstLookId);
    visibility.heygenIds(group.groupId, group.firstLookId);

    // 3. The other images as looks, at most four a call (each call reconciled by its name within the group).
    tracker.enter('adding_looks');
    for (let i = 0; i * MAX_LOOKS_PER_ADD < otherImages.length; i++) {
      const batch = otherImages.slice(i * MAX_LOOKS_PER_ADD, (i + 1) * MAX_LOOKS_PER_ADD);
      const added = await creates.addLooks({
        groupId: group.groupId,
        name: `${input.name} look ${i + 1}`,
        imageKeys: batch,
      });
      ids.addedLookIds.push(...added.lookIds);
      visibility.heygenIds(...added.lookIds);
    }
    const looksReady = () =>
      waitForJob({
        what: `Looks of group ${group.groupId}`,
        poll: () => reads.checkLooksReady({ groupId: group.groupId, lookIds: ids.addedLookIds }),
        polling: lookPolling,
        deadlineMs: STAGE_DEADLINES_MS.looksReady,
      });
    if (!overlap) await looksReady();

    // 4. Training (reconciled by the group's training status), then wait until ready. The added looks finish
    // processing meanwhile (a video needs them completed; training does not wait for them).
    tracker.enter('training');
    await creates.startTraining({ groupId: group.groupId });
    const trained = waitForJob({
      what: `Training of group ${group.groupId}`,
      poll: () => reads.checkTraining({ groupId: group.groupId }),
      polling,
      deadlineMs: STAGE_DEADLINES_MS.training,
      ...(await eventWait('training', group.groupId)),
    });
    if (overlap) await Promise.all([trained, looksReady(), routed()]);
    else await trained;

    // 5. New looks, generated concurrently; each is ready once its images exist as completed looks in the group.
    tracker.enter('generating_looks');
    await Promise.all(
      (input.looks ?? []).map(async (look, index) => {
        const { generationId: lookGenerationId } = await creates.generateLook({
          groupId: group.groupId,
          look,
        });
        ids.lookGenerationIds[index] = lookGenerationId;
        visibility.heygenIds(lookGenerationId);
        const images = await waitForJob({
          what: `Look generation ${lookGenerationId}`,
          poll: () => reads.checkGeneration({ generationId: lookGenerationId, what: 'Look generation' }),
          polling,
          deadlineMs: STAGE_DEADLINES_MS.lookGeneration,
          ...(await eventWait('photo_generation', lookGenerationId)),
        });
        await routed();
        const looks = await waitForJob({
          what: `Looks of generation ${lookGenerationId}`,
          poll: () => reads.findLooksForImages({ groupId: group.groupId, imageKeys: images.imageKeys }),
          polling: lookPolling,
          deadlineMs: STAGE_DEADLINES_MS.looksReady,
        });
        return looks.lookIds;
      }),
    ).then((perLook) => {
      ids.generatedLookIds.push(...perLook.flat());
      visibility.heygenIds(...perLook.flat());
    });

    // 6. Render with the first generated look (else the group's first look), as a child workflow.
    tracker.enter('rendering');
    const lookId = ids.generatedLookIds[0] ?? group.firstLookId;
    const renderWorkflowId = `${workflowId}/render`;
    ids.renderWorkflowId = renderWorkflowId;
    const renderInput: RenderVideoInput = {
      video: {
        video_inputs: [
          {
            character: { type: 'talking_photo', talking_photo_id: lookId },
            voice: { type: 'text', voice_id: input.video.voiceId, input_text: input.video.script },
            ...(input.video.background ? { background: input.video.background } : {}),
          },
        ],
        title: input.video.title ?? input.name,
        ...(input.video.test !== undefined ? { test: input.video.test } : {}),
        ...(input.video.caption !== undefined ? { caption: input.video.caption } : {}),
        ...(input.video.dimension ? { dimension: input.video.dimension } : {}),
      },
      polling,
      waitMode,
    };
    const video = await executeChild(renderVideo, {
      workflowId: renderWorkflowId,
      args: [renderInput],
      staticSummary: `Render of "${input.name}" with look ${lookId}`,
    });
    ids.videoId = video.videoId;
    visibility.heygenIds(video.videoId);

    tracker.finish('completed');
    return {
      groupId: group.groupId,
      lookIds: [...ids.addedLookIds, ...ids.generatedLookIds],
      videoId: video.videoId,
      videoPath: video.videoPath,
      sha256: video.sha256,
      durationSeconds: video.durationSeconds,
    };
  } catch (err) {
    const info = describeFailure(err, tracker.currentStage);
    tracker.fail(info);
    visibility.failed(info.stage, info.code, info.message);
    throw toWorkflowFailure(err, info);
  }
}
