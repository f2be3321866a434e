import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHeyGenPort } from '../../heygen/select';
import { renderPng } from '../../simulator/media/png';
import { NO_TRAINING_NOTE } from '../../workflows/photoAvatarLifecycle';
import { countApplied, findRuns, VOICE_ID } from '../support/inputs';
import { testedApiVersions, versionedWorkflowSuite } from '../support/stack';
import { billed, lifecycleInputFor, sceneRender, STUDIO_AVATAR_ID, WIRE } from '../support/versions';
import { localVideoPath } from '../support/media';

const suite = versionedWorkflowSuite();

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe.each(testedApiVersions())(
  'photoAvatarLifecycle on a real Temporal dev server (HeyGen API %s)',
  (version) => {
    const stack = () => suite.stacks[version];
    const wire = WIRE[version];

    test('AI photos → avatar → looks → ready → generated look → render → downloaded MP4', async () => {
      const { sim, client } = stack();
      sim.clearLog();
      const before = sim.ledger().length;
      const { workflowId } = await client.startLifecycle(lifecycleInputFor(version));
      const result = await client.waitForLifecycle(workflowId);
      expect(result.apiVersion).toBe(version);

      // The file is real, complete, and its checksum is the one reported.
      const bytes = await readFile(localVideoPath(result));
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
      expect(await sha256(localVideoPath(result))).toBe(result.sha256);
      expect(path.dirname(path.dirname(localVideoPath(result)))).toBe(stack().outputDir);
      expect(result.durationSeconds).toBeGreaterThan(0);

      // HeyGen billed exactly one of each create the lifecycle makes (from the simulator's ledger).
      expect(billed(sim.ledger().slice(before))).toEqual(wire.lifecycleBilling);

      // The video used the first generated look, and callback_id names the render workflow.
      const snapshot = sim.snapshot();
      const video = snapshot.videos.find((v) => v.id === result.videoId);
      expect(video?.callbackId).toBe(`${workflowId}/render`);
      expect(countApplied(sim.log(), 'POST', wire.renderCreate)).toBe(1);

      // progress reports every stage in order with timestamps, the API version and the HeyGen ids.
      const progress = await client.lifecycleProgress(workflowId);
      const generated = progress.ids.generatedLookIds;
      expect(generated).toHaveLength(version === 'v2' ? 4 : 1); // v2: a look generation makes 4 images
      expect(video?.lookIds).toEqual([generated[0]]);
      expect(result.lookIds).toEqual([...progress.ids.addedLookIds, ...generated]);
      expect(progress.stage).toBe('completed');
      expect(progress.apiVersion).toBe(version);
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
      // v3 has no train step: the stage says it waits for the looks.
      expect(progress.stages.find((s) => s.stage === 'training')?.note).toBe(
        version === 'v3' ? NO_TRAINING_NOTE : undefined,
      );
      expect(progress.ids.groupId).toBe(result.groupId);
      expect(progress.ids.videoId).toBe(result.videoId);
      expect(progress.ids.renderWorkflowId).toBe(`${workflowId}/render`);

      // Findable in the Temporal UI by any HeyGen id, stage, avatar name and API version.
      const temporal = suite.env.client;
      for (const id of [result.videoId, result.groupId, ...result.lookIds]) {
        expect(
          await findRuns(temporal, `HeyGenIds = '${id}' AND WorkflowType = 'photoAvatarLifecycle'`),
        ).toEqual([workflowId]);
      }
      expect(
        await findRuns(
          temporal,
          `HeyGenStage = 'completed' AND HeyGenAvatarName = 'Ava' AND HeyGenApiVersion = '${version}' AND WorkflowId = '${workflowId}'`,
        ),
      ).toEqual([workflowId]);
      expect(
        await findRuns(temporal, `HeyGenIds = '${result.videoId}' AND WorkflowType = 'renderVideo'`),
      ).toEqual([`${workflowId}/render`]);
      const description = await temporal.workflow.getHandle(`${workflowId}/render`).describe();
      expect(await description.staticSummary()).toContain('Render of "Ava"');
    });

    test('a free-text photo prompt makes the avatar (v3: in one create; v2: through generated photos)', async () => {
      const { sim, client } = stack();
      sim.clearLog();
      const { workflowId } = await client.startLifecycle(
        lifecycleInputFor(version, {
          name: 'Prompted',
          photo: { prompt: 'A calm news anchor, studio light' },
          looks: [],
        }),
      );
      const result = await client.waitForLifecycle(workflowId);
      expect(result.apiVersion).toBe(version);
      const created = sim.log().find((e) => e.applied && e.method === 'POST' && e.path === wire.promptCreate);
      const body = JSON.stringify(created?.body);
      expect(body).toContain('A calm news anchor, studio light');
    });

    test('photos HeyGen holds: the rest are added as many a call as the API takes, the avatar made once', async () => {
      const heygen = createHeyGenPort(stack().config.heygen);
      const keys: string[] = [];
      for (let i = 0; i < 6; i++) {
        const asset = await heygen.uploadAsset(
          renderPng({ width: 64, height: 64, seed: `key-${i}` }),
          'image/png',
        );
        keys.push(asset.photoRef ?? '');
      }
      const { sim, client } = stack();
      sim.clearLog();
      const before = sim.ledger().length;
      const { workflowId } = await client.startLifecycle(
        lifecycleInputFor(version, { name: 'Keys', photo: { imageKeys: keys }, looks: [] }),
      );
      const result = await client.waitForLifecycle(workflowId);
      const adds = sim.log().filter((e) => e.applied && wire.isAddLooks(e));
      expect(adds).toHaveLength(version === 'v2' ? 2 : 5); // v2: 4 + 1 image keys a call; v3: one photo a call
      expect(result.lookIds).toHaveLength(6);
      const ledger = billed(sim.ledger().slice(before));
      expect(ledger.photo_generation ?? 0).toBe(0);
      expect(ledger.look_generation ?? 0).toBe(0);
      // No look generated: the video uses the avatar's first look.
      expect(sim.snapshot().videos.find((v) => v.id === result.videoId)?.lookIds).toEqual([
        result.lookIds[0],
      ]);
    });

    test('local files are uploaded first (type detected from the bytes), then used as the photos', async () => {
      const files = ['a.png', 'b.png'];
      for (const [i, f] of files.entries()) {
        await writeFile(
          path.join(stack().outputDir, f),
          renderPng({ width: 64, height: 64, seed: `file-${i}` }),
        );
      }
      const { sim, client } = stack();
      sim.clearLog();
      const { workflowId } = await client.startLifecycle(
        lifecycleInputFor(version, { name: 'Files', photo: { files }, looks: [] }),
      );
      const result = await client.waitForLifecycle(workflowId);
      expect(countApplied(sim.log(), 'POST', wire.upload)).toBe(2);
      expect(result.lookIds).toHaveLength(2);
    });

    test('renderVideo runs on its own with a studio avatar', async () => {
      const { workflowId } = await stack().client.startRender(
        sceneRender('Standalone render.', { fileName: 'standalone.mp4' }),
      );
      const result = await stack().client.waitForRender(workflowId);
      expect(result).toMatchObject({ kind: 'scenes', apiVersion: version });
      expect(path.basename(localVideoPath(result))).toBe('standalone.mp4');
      expect(await sha256(localVideoPath(result))).toBe(result.sha256);
      const progress = await stack().client.renderProgress(workflowId);
      expect(progress.stages.map((s) => s.stage)).toEqual([
        'validating',
        'submitting',
        'rendering',
        'downloading',
        'completed',
      ]);
    });

    test('a heygenJobEvent signal ends a wait at once instead of at the next poll', async () => {
      const { sim, client } = stack();
      sim.setDurations({ renderMs: 300 });
      try {
        // The next poll would come 10 minutes after the first one.
        const { workflowId } = await client.startRender(
          sceneRender('Signalled.', { polling: { initialSeconds: 600, maxSeconds: 600 } }),
        );
        let videoId: string | undefined;
        while (!videoId) {
          videoId = (await client.renderProgress(workflowId)).videoId;
          await new Promise((r) => setTimeout(r, 20));
        }
        const id = videoId;
        while (sim.snapshot().videos.find((v) => v.id === id)?.status !== 'completed') {
          await new Promise((r) => setTimeout(r, 20));
        }
        await client.notifyJobEvent(workflowId, { kind: 'render', resourceId: id, outcome: 'success' });
        const result = await client.waitForRender(workflowId);
        expect(result.videoId).toBe(id);
        // One read before the event, one after it, one for the download's fresh URL: no polling in between.
        expect(sim.log().filter((e) => wire.isStatusRead(e, id))).toHaveLength(3);
      } finally {
        sim.setDurations({ renderMs: 0 });
      }
    });

    test("the caller's reference makes starts idempotent: the second start returns the first run", async () => {
      const { sim, client } = stack();
      const before = sim.ledger().length;
      const reference = `order/${version}/${Date.now()}`;
      const input = lifecycleInputFor(version, { looks: [] });
      const first = await client.startLifecycle(input, { reference });
      const second = await client.startLifecycle(input, { reference });
      expect(first.workflowId).toMatch(/^lifecycle-order-v\d-\d+-[0-9a-f]{12}$/);
      expect(second).toEqual({ ...first, existing: true });
      await client.waitForLifecycle(first.workflowId);
      // Even after it finished, the same reference does not run again.
      expect(await client.startLifecycle(input, { reference })).toEqual({ ...first, existing: true });
      expect(billed(sim.ledger().slice(before)).render).toBe(1);
      expect(await findRuns(suite.env.client, `CallerReference = '${reference}'`)).toEqual([
        first.workflowId,
      ]);
      const description = await suite.env.client.workflow.getHandle(first.workflowId).describe();
      expect(await description.staticSummary()).toBe(
        'Photo-avatar lifecycle "Ava": AI photos from attributes, 0 new look(s), wait mode of the workers',
      );
      // An explicit workflow id that already exists is an error, not a silent reuse.
      await expect(client.startLifecycle(input, { workflowId: first.workflowId })).rejects.toThrow(
        /already/i,
      );
    });

    test('a render in a voice and avatar of the catalog uses them as given', async () => {
      const { sim, client } = stack();
      sim.clearLog();
      const { workflowId } = await client.startRender(sceneRender('Exact request.'));
      await client.waitForRender(workflowId);
      const sent = JSON.stringify(sim.log().find((e) => e.applied && e.path === wire.renderCreate)?.body);
      for (const value of [STUDIO_AVATAR_ID, VOICE_ID, 'Exact request.', workflowId])
        expect(sent).toContain(value);
    });
  },
);
