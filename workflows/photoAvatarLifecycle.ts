import { executeChild, setHandler, workflowInfo } from '@temporalio/workflow';
import { API_CAPABILITIES } from '../contracts/apiVersion';
import type { JobKind } from '../contracts/events';
import type { LifecycleInput } from '../contracts/lifecycle';
import type {
  LifecycleResult,
  PollingPolicy,
  LifecycleIds,
  LifecycleProgress,
  LifecycleStage,
} from '../contracts/results';
import { LOOK_READY_POLLING, pollingFor } from '../contracts/polling';
import type { RenderVideoInput } from '../contracts/render';
import { lifecycleRenderInput } from '../contracts/renderRequest';
import type { PhotoPrompt } from '../heygen/port';
import { creates, reads, routes, transfers } from './activityOptions';
import { jobEventSignal, lifecycleProgressQuery } from '../contracts/definitions';
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

/** What the UI and `progress` say of the training stage on an API without a train step. */
export const NO_TRAINING_NOTE = 'HeyGen API v3 has no training step: waiting for the looks to be ready';

/** The HeyGen group name: the caller's name plus the workflow id, unique per run and stable across retries. */
export function groupNameFor(name: string, workflowId: string): string {
  return `${name} [${workflowId}]`.slice(0, 200);
}

/**
 * photoAvatarLifecycle: photos → avatar (group) → extra looks → ready (v2: train and wait; v3: wait for the looks) →
 * generate looks → wait → render (child workflow `renderVideo`) → download. Every HeyGen call is an activity through
 * the API-neutral port; the API version comes from the validation step and is fixed for the run's life. Every wait
 * ends on a job event signal or by polling with capped backoff under a per-stage deadline; `progress` answers with
 * the stage, its timings, the API version and every HeyGen id known so far.
 */
export async function photoAvatarLifecycle(rawInput: LifecycleInput): Promise<LifecycleResult> {
  const visibility = new Visibility();
  const tracker = new StageTracker<Exclude<LifecycleStage, 'failed'>>('validating', (stage, note) =>
    visibility.stage(stage, note),
  );
  const inbox = new JobInbox();
  const ids: LifecycleIds = { imageKeys: [], addedLookIds: [], lookGenerationIds: [], generatedLookIds: [] };
  let version: LifecycleProgress['apiVersion'];
  setHandler(jobEventSignal, (event) => inbox.record(event));
  setHandler(lifecycleProgressQuery, (): LifecycleProgress => ({
    stage: tracker.stage,
    stages: tracker.stages,
    ids,
    ...(version ? { apiVersion: version } : {}),
    ...(tracker.failure ? { failure: tracker.failure } : {}),
  }));

  /** Route registrations still in flight: awaited at the end of each wait, so a failure is not lost. */
  const routing: Array<Promise<{ error?: Error }>> = [];
  const routed = async () => {
    for (const { error } of await Promise.all(routing.splice(0))) if (error) throw error;
  };

  try {
    const { input, apiVersion } = await validInput('lifecycle', rawInput);
    version = apiVersion;
    const api = API_CAPABILITIES[apiVersion];
    visibility.apiVersion(apiVersion);
    visibility.avatarName(input.name);
    const waitMode = input.waitMode ?? 'poll';
    const webhooks = waitMode === 'webhook';
    const polling: PollingPolicy = pollingFor(waitMode, input.polling);
    // Looks becoming ready send no event: with webhooks, these waits keep a short cadence of their own.
    const lookPolling: PollingPolicy = webhooks ? LOOK_READY_POLLING : polling;
    const { workflowId } = workflowInfo();
    /** A wait that an event can end: with webhooks, route the job's event here and skip the first read. */
    const eventWait = (kind: JobKind, resourceId: string) => {
      if (webhooks) {
        // The mailbox keeps an event that arrives before its route, so the wait need not wait for the route.
        routing.push(
          routes.registerJobRoute({ kind, resourceId }).then(
            () => ({}),
            (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
          ),
        );
      }
      return { event: { inbox, kind, resourceId }, pollFirst: !webhooks };
    };
    const looksReady = (lookIds: string[], what: string) =>
      waitForJob({
        what,
        poll: () => reads.checkLooksReady({ api: apiVersion, groupId: ids.groupId ?? '', lookIds }),
        polling: lookPolling,
        deadlineMs: STAGE_DEADLINES_MS.looksReady,
      });
    const groupName = groupNameFor(input.name, workflowId);
    const prompt: PhotoPrompt | undefined = input.photo.generate
      ? { attributes: input.photo.generate }
      : input.photo.prompt !== undefined
        ? { prompt: input.photo.prompt }
        : undefined;

    // 1. Photos: AI photos (v2: a generation job; v3: made with the avatar itself, next stage), photos HeyGen
    // already holds, or local files uploaded.
    tracker.enter('photos');
    let generationId: string | undefined;
    if (prompt && !api.promptCreatesAvatar) {
      generationId = (await creates.generatePhotos({ api: apiVersion, name: input.name, prompt }))
        .generationId;
      ids.photoGenerationId = generationId;
      visibility.heygenIds(generationId);
      const gid = generationId;
      const images = await waitForJob({
        what: `Photo generation ${gid}`,
        poll: () => reads.checkGeneration({ api: apiVersion, generationId: gid, what: 'Photo generation' }),
        polling,
        deadlineMs: STAGE_DEADLINES_MS.photoGeneration,
        ...eventWait('photo_generation', gid),
      });
      await routed();
      ids.imageKeys.push(...images.imageKeys);
    } else if (input.photo.imageKeys) {
      ids.imageKeys.push(...input.photo.imageKeys);
    } else if (input.photo.files) {
      for (const file of input.photo.files) {
        ids.imageKeys.push((await transfers.uploadPhotoFile({ api: apiVersion, file })).imageKey);
      }
    }
    const [firstImage, ...otherImages] = ids.imageKeys;

    // 2. The avatar (HeyGen group) with its first look, from the prompt (v3) or the first photo. Made safe against
    // lost answers by the adapter: v3's Idempotency-Key, v2's reconciliation by the run-unique name.
    tracker.enter('group');
    const group =
      prompt && api.promptCreatesAvatar
        ? await creates.createAvatar({ api: apiVersion, name: groupName, source: 'prompt', ...prompt })
        : await creates.createAvatar({
            api: apiVersion,
            name: groupName,
            source: 'photo',
            photo: firstImage ?? '',
            ...(generationId ? { generationId } : {}),
          });
    ids.groupId = group.groupId;
    ids.addedLookIds.push(group.firstLookId);
    visibility.heygenIds(group.groupId, group.firstLookId);

    // 3. The other photos as looks, as many a call as the API takes (each call made safe like the group).
    tracker.enter('adding_looks');
    const perCall = api.maxPhotosPerAdd;
    for (let i = 0; i * perCall < otherImages.length; i++) {
      const added = await creates.addLooks({
        api: apiVersion,
        groupId: group.groupId,
        name: `${input.name} look ${i + 1}`,
        photos: otherImages.slice(i * perCall, (i + 1) * perCall),
      });
      ids.addedLookIds.push(...added.lookIds);
      visibility.heygenIds(...added.lookIds);
    }
    const addedReady = () => looksReady([...ids.addedLookIds], `Looks of avatar ${group.groupId}`);

    // 4. Ready. v2: train the group (started once, even across lost answers) while the added looks finish processing
    // (a video needs them completed; training does not wait for them). v3 has no train step: the looks' own status
    // says when they are ready, and the stage says so.
    if (api.training) {
      tracker.enter('training');
      await creates.startTraining({ api: apiVersion, groupId: group.groupId });
      const trained = waitForJob({
        what: `Training of group ${group.groupId}`,
        poll: () => reads.checkTraining({ api: apiVersion, groupId: group.groupId }),
        polling,
        deadlineMs: STAGE_DEADLINES_MS.training,
        ...eventWait('training', group.groupId),
      });
      await Promise.all([trained, addedReady(), routed()]);
    } else {
      tracker.enter('training', NO_TRAINING_NOTE);
      await addedReady();
    }

    // 5. New looks from prompts, generated concurrently from the avatar's first look.
    tracker.enter('generating_looks');
    const claimed: string[] = [];
    await Promise.all(
      (input.looks ?? []).map(async (look, index) => {
        const generated = await creates.generateLook({
          api: apiVersion,
          groupId: group.groupId,
          baseLookId: group.firstLookId,
          name: `${input.name} generated look ${index + 1}`,
          look,
        });
        if ('lookIds' in generated) {
          // v3: the new look exists at once; wait for it to be ready.
          visibility.heygenIds(...generated.lookIds);
          await looksReady(generated.lookIds, `Generated look of avatar ${group.groupId}`);
          claimed.push(...generated.lookIds);
          return generated.lookIds;
        }
        // v2: a generation job, then its images appear as looks of the group.
        const { generationId: lookGenerationId, lookIdsBefore } = generated;
        ids.lookGenerationIds[index] = lookGenerationId;
        visibility.heygenIds(lookGenerationId);
        await waitForJob({
          what: `Look generation ${lookGenerationId}`,
          poll: () =>
            reads.checkGeneration({
              api: apiVersion,
              generationId: lookGenerationId,
              what: 'Look generation',
            }),
          polling,
          deadlineMs: STAGE_DEADLINES_MS.lookGeneration,
          ...eventWait('photo_generation', lookGenerationId),
        });
        await routed();
        // Concurrent generations of this run land in the same group: a look is claimed by one of them only.
        for (;;) {
          const taken = [...claimed];
          const found = await waitForJob({
            what: `Looks of generation ${lookGenerationId}`,
            poll: () =>
              reads.findGeneratedLooks({
                api: apiVersion,
                groupId: group.groupId,
                generationId: lookGenerationId,
                lookIdsBefore,
                claimedLookIds: taken,
              }),
            polling: lookPolling,
            deadlineMs: STAGE_DEADLINES_MS.looksReady,
          });
          if (found.lookIds.some((id) => claimed.includes(id))) continue; // claimed meanwhile: look again
          claimed.push(...found.lookIds);
          return found.lookIds;
        }
      }),
    ).then((perLook) => {
      ids.generatedLookIds.push(...perLook.flat());
      visibility.heygenIds(...perLook.flat());
    });

    // 6. Render with the first generated look (else the avatar's first look), as a child workflow.
    tracker.enter('rendering');
    const lookId = ids.generatedLookIds[0] ?? group.firstLookId;
    const renderWorkflowId = `${workflowId}/render`;
    ids.renderWorkflowId = renderWorkflowId;
    const renderInput: RenderVideoInput = {
      video: lifecycleRenderInput(input.video, lookId, input.name),
      polling,
      waitMode,
      // The render speaks this run's version, whatever its worker is configured for.
      apiVersion,
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
      media: video.media,
      ...(video.videoPath !== undefined ? { videoPath: video.videoPath } : {}),
      sha256: video.sha256,
      durationSeconds: video.durationSeconds,
      apiVersion,
    };
  } catch (err) {
    const info = describeFailure(err, tracker.currentStage);
    tracker.fail(info);
    visibility.failed(info.stage, info.code, info.message);
    throw toWorkflowFailure(err, info);
  }
}
