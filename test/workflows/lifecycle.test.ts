import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeyGenClient } from '../../heygen/client';
import { renderPng } from '../../simulator/media/png';
import { workflowSuite } from '../support/stack';
import { countApplied, findRuns, lifecycleInput } from '../support/inputs';

const suite = workflowSuite();

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe('photoAvatarLifecycle on a real Temporal dev server', () => {
  test('generated photos → group → train → generated look → render → downloaded MP4', async () => {
    suite.stack.sim.clearLog();
    const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput());
    const result = await suite.stack.client.waitForLifecycle(workflowId);

    // The file is real, complete, and its checksum is the one reported.
    const bytes = await readFile(result.videoPath);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(await sha256(result.videoPath)).toBe(result.sha256);
    expect(path.dirname(path.dirname(result.videoPath))).toBe(suite.stack.outputDir);
    expect(result.durationSeconds).toBeGreaterThan(0);

    // HeyGen saw exactly one of each billable create.
    const log = suite.stack.sim.log();
    expect(countApplied(log, 'POST', '/v2/photo_avatar/photo/generate')).toBe(1);
    expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/create')).toBe(1);
    expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/add')).toBe(1); // 3 remaining images, one call
    expect(countApplied(log, 'POST', '/v2/photo_avatar/train')).toBe(1);
    expect(countApplied(log, 'POST', '/v2/photo_avatar/look/generate')).toBe(1);
    expect(countApplied(log, 'POST', '/v2/video/generate')).toBe(1);

    // The video used the first generated look, and callback_id names the render workflow.
    const render = log.find((e) => e.path === '/v2/video/generate');
    const body = render?.body as {
      callback_id: string;
      video_inputs: Array<{ character: { talking_photo_id: string } }>;
    };
    const snapshot = suite.stack.sim.snapshot();
    const generated = snapshot.looks.filter(
      (l) => l.groupId === result.groupId && l.businessType === 'generated',
    );
    expect(generated.map((l) => l.id)).toContain(body.video_inputs[0]?.character.talking_photo_id);
    expect(body.callback_id).toBe(`${workflowId}/render`);
    expect(result.lookIds).toEqual(expect.arrayContaining(generated.map((l) => l.id)));
    expect(snapshot.videos.find((v) => v.id === result.videoId)?.callbackId).toBe(`${workflowId}/render`);

    // progress reports every stage in order with timestamps and the HeyGen ids.
    const progress = await suite.stack.client.lifecycleProgress(workflowId);
    expect(progress.stage).toBe('completed');
    expect(progress.stages.map((s) => s.stage)).toEqual([
      'validating',
      'photos',
      'group',
      'adding_looks',
      'training',
      'generating_looks',
      'rendering',
      'completed',
    ]);
    for (const s of progress.stages) expect(s.endedAt).toBeDefined();
    expect(progress.ids.groupId).toBe(result.groupId);
    expect(progress.ids.videoId).toBe(result.videoId);
    expect(progress.ids.photoGenerationId).toBeDefined();
    expect(progress.ids.imageKeys).toHaveLength(4);
    expect(progress.ids.renderWorkflowId).toBe(`${workflowId}/render`);

    // Findable in the Temporal UI by any HeyGen id, stage and avatar name (custom search attributes).
    const client = suite.env.client;
    for (const id of [result.videoId, result.groupId, progress.ids.photoGenerationId!, ...result.lookIds]) {
      expect(await findRuns(client, `HeyGenIds = '${id}' AND WorkflowType = 'photoAvatarLifecycle'`)).toEqual(
        [workflowId],
      );
    }
    expect(
      await findRuns(
        client,
        `HeyGenStage = 'completed' AND HeyGenAvatarName = 'Ava' AND WorkflowId = '${workflowId}'`,
      ),
    ).toEqual([workflowId]);
    expect(
      await findRuns(client, `HeyGenIds = '${result.videoId}' AND WorkflowType = 'renderVideo'`),
    ).toEqual([`${workflowId}/render`]);
    const description = await client.workflow.getHandle(`${workflowId}/render`).describe();
    expect(await description.staticSummary()).toContain('Render of "Ava"');
  });

  test('given image keys: the rest are added at most four a call, and the group is not recreated by name', async () => {
    // Six image keys, uploaded through the client like any caller would.
    const heygen = new HeyGenClient(suite.stack.config.heygen);
    const keys: string[] = [];
    for (let i = 0; i < 6; i++) {
      const asset = await heygen.uploadAsset(
        renderPng({ width: 64, height: 64, seed: `key-${i}` }),
        'image/png',
      );
      keys.push(asset.image_key ?? '');
    }
    suite.stack.sim.clearLog();
    const { workflowId } = await suite.stack.client.startLifecycle(
      lifecycleInput({ name: 'Keys', photo: { imageKeys: keys.slice(0, 6) }, looks: [] }),
    );
    const result = await suite.stack.client.waitForLifecycle(workflowId);
    const log = suite.stack.sim.log();
    const adds = log.filter((e) => e.path === '/v2/photo_avatar/avatar_group/add' && e.applied);
    expect(adds.map((e) => (e.body as { image_keys: string[] }).image_keys.length)).toEqual([4, 1]);
    expect(countApplied(log, 'POST', '/v2/photo_avatar/photo/generate')).toBe(0);
    expect(countApplied(log, 'POST', '/v2/photo_avatar/look/generate')).toBe(0);
    // No look generated: the video uses the group's first look.
    const render = log.find((e) => e.path === '/v2/video/generate');
    expect(
      (render?.body as { video_inputs: Array<{ character: { talking_photo_id: string } }> }).video_inputs[0]
        ?.character.talking_photo_id,
    ).toBe(result.lookIds[0]);
    expect(result.lookIds).toHaveLength(6);
  });

  test('local files are uploaded first (type detected from the bytes), then used as the photos', async () => {
    const files = ['a.png', 'b.png'];
    for (const [i, f] of files.entries()) {
      await writeFile(
        path.join(suite.stack.outputDir, f),
        renderPng({ width: 64, height: 64, seed: `file-${i}` }),
      );
    }
    suite.stack.sim.clearLog();
    const { workflowId } = await suite.stack.client.startLifecycle(
      lifecycleInput({ name: 'Files', photo: { files }, looks: [] }),
    );
    const result = await suite.stack.client.waitForLifecycle(workflowId);
    const uploads = suite.stack.sim.log().filter((e) => e.path === '/v1/asset' && e.applied);
    expect(uploads).toHaveLength(2);
    expect((uploads[0]?.body as { contentType: string }).contentType).toBe('image/png');
    expect(result.lookIds).toHaveLength(2);
  });

  test('renderVideo runs on its own with a studio avatar', async () => {
    const { workflowId } = await suite.stack.client.startRender({
      video: {
        title: 'Standalone',
        dimension: { width: 320, height: 240 },
        video_inputs: [
          {
            character: { type: 'avatar', avatar_id: 'Angela-inblackskirt-20220820', avatar_style: 'normal' },
            voice: {
              type: 'text',
              voice_id: '1bd001e7e50f421d891986aad5158bc8',
              input_text: 'Standalone render.',
            },
          },
        ],
      },
      polling: { initialSeconds: 0.05, maxSeconds: 0.2 },
      fileName: 'standalone.mp4',
    });
    const result = await suite.stack.client.waitForRender(workflowId);
    expect(path.basename(result.videoPath)).toBe('standalone.mp4');
    expect(await sha256(result.videoPath)).toBe(result.sha256);
    const progress = await suite.stack.client.renderProgress(workflowId);
    expect(progress.stages.map((s) => s.stage)).toEqual([
      'validating',
      'submitting',
      'rendering',
      'downloading',
      'completed',
    ]);
  });

  test('a heygenJobEvent signal ends a wait at once instead of at the next poll', async () => {
    suite.stack.sim.setDurations({ renderMs: 300 });
    try {
      const { workflowId } = await suite.stack.client.startRender({
        video: {
          dimension: { width: 320, height: 240 },
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: 'Angela-inblackskirt-20220820' },
              voice: { type: 'text', voice_id: '1bd001e7e50f421d891986aad5158bc8', input_text: 'Signalled.' },
            },
          ],
        },
        // The next poll would come 10 minutes after the first one.
        polling: { initialSeconds: 600, maxSeconds: 600 },
      });
      let videoId: string | undefined;
      while (!videoId) {
        videoId = (await suite.stack.client.renderProgress(workflowId)).videoId;
        await new Promise((r) => setTimeout(r, 20));
      }
      const id = videoId;
      while (suite.stack.sim.snapshot().videos.find((v) => v.id === id)?.status !== 'completed') {
        await new Promise((r) => setTimeout(r, 20));
      }
      await suite.stack.client.notifyJobEvent(workflowId, {
        kind: 'render',
        resourceId: id,
        outcome: 'success',
      });
      const result = await suite.stack.client.waitForRender(workflowId);
      expect(result.videoId).toBe(id);
      // One read before the event, one after it, one for the download's fresh URL: no polling in between.
      const reads = suite.stack.sim
        .log()
        .filter((e) => e.path === '/v1/video_status.get' && e.query.video_id === id);
      expect(reads).toHaveLength(3);
    } finally {
      suite.stack.sim.setDurations({ renderMs: 0 });
    }
  });

  test("the caller's reference makes starts idempotent: the second start returns the first run", async () => {
    const { stack } = suite;
    stack.sim.clearLog();
    const reference = `order/${Date.now()}`;
    const first = await stack.client.startLifecycle(lifecycleInput({ looks: [] }), { reference });
    const second = await stack.client.startLifecycle(lifecycleInput({ looks: [] }), { reference });
    expect(first.workflowId).toMatch(/^lifecycle-order-\d+-[0-9a-f]{12}$/);
    expect(second).toEqual({ ...first, existing: true });
    await stack.client.waitForLifecycle(first.workflowId);
    // Even after it finished, the same reference does not run again.
    expect(await stack.client.startLifecycle(lifecycleInput({ looks: [] }), { reference })).toEqual({
      ...first,
      existing: true,
    });
    expect(countApplied(stack.sim.log(), 'POST', '/v2/photo_avatar/photo/generate')).toBe(1);
    expect(await findRuns(suite.env.client, `CallerReference = '${reference}'`)).toEqual([first.workflowId]);
    const description = await suite.env.client.workflow.getHandle(first.workflowId).describe();
    expect(await description.staticSummary()).toBe(
      'Photo-avatar lifecycle "Ava": generated photos, 0 new look(s), poll mode',
    );
    // An explicit workflow id that already exists is an error, not a silent reuse.
    await expect(
      stack.client.startLifecycle(lifecycleInput({ looks: [] }), { workflowId: first.workflowId }),
    ).rejects.toThrow(/already/i);
  });
});
