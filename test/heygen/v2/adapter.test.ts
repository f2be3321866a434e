/* eslint-disable @typescript-eslint/no-unsafe-assignment -- asymmetric matchers (expect.any) inside expected objects */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RenderRequest } from '../../../heygen/port';
import { HeyGenError } from '../../../heygen/errors';
import { V2Adapter } from '../../../heygen/v2/adapter';
import { startSimulator, ZERO_DURATIONS, type RunningSimulator } from '../../../simulator';
import { renderPng } from '../../../simulator/media/png';
import { VOICE_ID } from '../../support/inputs';

/** The v2 adapter against the simulator's v1/v2 routes: neutral requests in, HeyGen's v2 wire shapes out. */

const STUDIO_AVATAR = 'Angela-inblackskirt-20220820';

let sim: RunningSimulator;
let heygen: V2Adapter;

beforeAll(async () => {
  sim = await startSimulator({ durations: ZERO_DURATIONS });
  heygen = new V2Adapter({
    apiVersion: 'v2',
    apiBaseUrl: sim.url,
    uploadBaseUrl: sim.url,
    apiKey: sim.apiKey,
  });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearLog();
  sim.clearFaults();
  sim.setDurations(ZERO_DURATIONS);
});

/** The JSON body of the one call to `path`. */
function sent(method: string, path: string): unknown {
  const calls = sim.log().filter((e) => e.method === method && e.path === path);
  expect(calls).toHaveLength(1);
  return calls[0]?.body;
}

async function caught(promise: Promise<unknown>): Promise<HeyGenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeyGenError);
  return err as HeyGenError;
}

async function photos(name: string): Promise<{ generationId: string; keys: string[] }> {
  const { generationId } = await heygen.generatePhotos({ name, prompt: `${name}, smiling` });
  const state = await heygen.getPhotoGeneration(generationId);
  if (state.state !== 'done') throw new Error(`generation is ${state.state}`);
  return { generationId, keys: state.value.photos };
}

describe('photos, avatars, looks', () => {
  test('the whole v2 lifecycle through the port', async () => {
    const { generationId, keys } = await photos('Lifecycle Lee');
    expect(keys).toHaveLength(4);
    const avatar = await heygen.createAvatar({
      name: 'Lifecycle Lee',
      source: 'photo',
      photo: keys[0]!,
      generationId,
    });
    expect(avatar).toEqual({ groupId: expect.any(String), lookId: avatar.groupId, reused: false });
    expect(sent('POST', '/v2/photo_avatar/avatar_group/create')).toEqual({
      name: 'Lifecycle Lee',
      image_key: keys[0],
      generation_id: generationId,
    });

    const added = await heygen.addLooks({
      groupId: avatar.groupId,
      name: 'Lee extra',
      photos: keys.slice(1),
    });
    expect(added.lookIds).toHaveLength(3);
    expect(added.reused).toBe(false);

    expect(await heygen.getTraining(avatar.groupId)).toBeUndefined();
    expect(await heygen.startTraining(avatar.groupId)).toEqual({ started: true, status: 'pending' });
    expect(await heygen.getTraining(avatar.groupId)).toEqual({ state: 'done', value: undefined });
    expect(await heygen.startTraining(avatar.groupId)).toEqual({ started: false, status: 'ready' });

    const generated = await heygen.generateLook({
      groupId: avatar.groupId,
      baseLookId: avatar.lookId,
      name: 'Lee office',
      look: { prompt: 'In an office', pose: 'close_up' },
    });
    if (!('generationId' in generated)) throw new Error('v2 look generation is a job');
    expect([...generated.lookIdsBefore].sort()).toEqual([avatar.lookId, ...added.lookIds].sort());
    expect(sent('POST', '/v2/photo_avatar/look/generate')).toEqual({
      group_id: avatar.groupId,
      prompt: 'In an office',
      orientation: 'square',
      pose: 'close_up',
      style: 'Realistic',
    });
    const found = await heygen.findGeneratedLooks({ groupId: avatar.groupId, ...generated });
    if (found.state !== 'done') throw new Error(`looks are ${found.state}`);
    expect(found.value.lookIds).toHaveLength(4);

    const looks = await heygen.listGroupLooks(avatar.groupId);
    expect(looks).toHaveLength(8);
    expect(new Set(looks.map((l) => l.id))).toEqual(
      new Set([avatar.lookId, ...added.lookIds, ...found.value.lookIds]),
    );
    expect(looks.every((l) => l.status === 'completed' && l.rawStatus === 'completed')).toBe(true);
    expect(looks[0]).toMatchObject({ groupId: avatar.groupId, createdAt: expect.any(Number) });

    const groups = await heygen.listAvatarGroups();
    expect(groups.find((g) => g.id === avatar.groupId)).toMatchObject({
      name: 'Lifecycle Lee',
      looksCount: 8,
      status: 'ready',
      previewImageUrl: expect.any(String),
    });
  });

  test('a free-text prompt becomes the appearance, with the documented defaults', async () => {
    await heygen.generatePhotos({ name: 'Prompted', prompt: 'A calm librarian with round glasses' });
    expect(sent('POST', '/v2/photo_avatar/photo/generate')).toEqual({
      name: 'Prompted',
      age: 'Unspecified',
      gender: 'Unspecified',
      ethnicity: 'Unspecified',
      orientation: 'square',
      pose: 'half_body',
      style: 'Unspecified',
      appearance: 'A calm librarian with round glasses',
    });
  });

  test('attributes are sent as the eight fields; invalid ones are refused before sending, by neutral name', async () => {
    const attributes = {
      age: 'Senior',
      gender: 'Man',
      ethnicity: 'South Asian',
      orientation: 'vertical',
      pose: 'full_body',
      style: 'Noir',
      appearance: 'Tweed jacket',
    } as const;
    await heygen.generatePhotos({ name: 'Attributed', attributes });
    expect(sent('POST', '/v2/photo_avatar/photo/generate')).toEqual({ name: 'Attributed', ...attributes });
    sim.clearLog();
    const err = await caught(heygen.generatePhotos({ name: 'Bad', prompt: '   ' }));
    expect(err).toMatchObject({ kind: 'InvalidRequest', mayHaveBeenProcessed: false });
    expect(err.message).toMatch(/^Invalid prompt: /u);
    expect(sim.log()).toHaveLength(0);
  });

  test('photo generation states: running, then failed with its message', async () => {
    sim.setDurations({ photoGenerationMs: 60_000 });
    const running = await heygen.generatePhotos({ name: 'Slow', prompt: 'Slow to draw' });
    expect(await heygen.getPhotoGeneration(running.generationId)).toEqual({
      state: 'running',
      status: 'in_progress',
    });
    sim.setDurations(ZERO_DURATIONS);
    sim.addJobOutcome({ job: 'photo_generation', outcome: 'fail', message: 'Blocked content' });
    const failing = await heygen.generatePhotos({ name: 'Failing', prompt: 'Will fail' });
    expect(await heygen.getPhotoGeneration(failing.generationId)).toEqual({
      state: 'failed',
      message: 'Blocked content',
    });
    expect(await caught(heygen.getPhotoGeneration('no-such-generation'))).toMatchObject({ kind: 'NotFound' });
  });

  test('a retried createAvatar finds the group its first attempt made', async () => {
    const { keys } = await photos('Retried Rae');
    const first = await heygen.createAvatar({ name: 'run-42 Rae', source: 'photo', photo: keys[0]! });
    const again = await heygen.createAvatar(
      { name: 'run-42 Rae', source: 'photo', photo: keys[0]! },
      { attempt: 2 },
    );
    expect(again).toEqual({ groupId: first.groupId, lookId: first.lookId, reused: true });
    expect((await heygen.listAvatarGroups()).filter((g) => g.name === 'run-42 Rae')).toHaveLength(1);
  });
});

describe('renders', () => {
  test('scenes: characters, speech and backgrounds in v2 names; status with media', async () => {
    const { keys } = await photos('Render Rio');
    const avatar = await heygen.createAvatar({ name: 'Render Rio', source: 'photo', photo: keys[0]! });
    const request: RenderRequest = {
      kind: 'scenes',
      title: 'Two scenes',
      test: true,
      caption: true,
      dimension: { width: 640, height: 360 },
      callbackId: 'wf-render-1',
      scenes: [
        {
          character: { type: 'avatar', avatarId: STUDIO_AVATAR, style: 'closeUp' },
          speech: { type: 'text', text: 'Hello there', voiceId: VOICE_ID, speed: 1.1, emotion: 'Friendly' },
          background: { type: 'color', color: '#008000' },
        },
        {
          character: { type: 'look', lookId: avatar.lookId },
          speech: { type: 'silence', seconds: 2 },
          background: { type: 'video', url: 'https://example.com/bg.mp4', playStyle: 'loop' },
        },
      ],
    };
    expect(heygen.unsupported({ kind: 'render', request })).toEqual([]);
    const { videoId } = await heygen.submitRender(request);
    expect(sent('POST', '/v2/video/generate')).toEqual({
      title: 'Two scenes',
      test: true,
      caption: true,
      dimension: { width: 640, height: 360 },
      callback_id: 'wf-render-1',
      video_inputs: [
        {
          character: { type: 'avatar', avatar_id: STUDIO_AVATAR, avatar_style: 'closeUp' },
          voice: {
            type: 'text',
            voice_id: VOICE_ID,
            input_text: 'Hello there',
            speed: 1.1,
            emotion: 'Friendly',
          },
          background: { type: 'color', value: '#008000' },
        },
        {
          character: { type: 'talking_photo', talking_photo_id: avatar.lookId },
          voice: { type: 'silence', duration: 2 },
          background: { type: 'video', url: 'https://example.com/bg.mp4', play_style: 'loop' },
        },
      ],
    });
    const status = await heygen.getRender(videoId);
    expect(status).toMatchObject({
      videoId,
      state: 'completed',
      rawStatus: 'completed',
      callbackId: 'wf-render-1',
      durationSeconds: expect.any(Number),
      media: {
        video: expect.any(String),
        captions: expect.any(String),
        thumbnail: expect.any(String),
        gif: expect.any(String),
      },
    });
    expect(status.failure).toBeUndefined();
  });

  test('a failed render carries its code and message; getRenders reads each id, unknown ones not_found', async () => {
    sim.addJobOutcome({ job: 'render', outcome: 'fail', code: 40119, message: 'Video is too long' });
    const scene = {
      character: { type: 'avatar', avatarId: STUDIO_AVATAR },
      speech: { type: 'audio', url: 'https://example.com/voice.mp3' },
    } as const;
    const failed = await heygen.submitRender({ kind: 'scenes', scenes: [scene] });
    const ok = await heygen.submitRender({ kind: 'scenes', scenes: [scene] });
    const status = await heygen.getRender(failed.videoId);
    expect(status.state).toBe('failed');
    expect(status.failure).toMatchObject({ code: 40119, message: expect.stringContaining('too long') });
    const summaries = await heygen.getRenders([failed.videoId, 'no-such-video', ok.videoId]);
    expect(summaries).toEqual([
      { videoId: failed.videoId, state: 'failed', rawStatus: 'failed', failure: status.failure },
      { videoId: 'no-such-video', state: 'not_found', rawStatus: 'not_found' },
      { videoId: ok.videoId, state: 'completed', rawStatus: 'completed', failure: undefined },
    ]);
  });

  test('Avatar IV: the uploaded photo by its image key, a script in a voice, the motion fields', async () => {
    const photo = await heygen.uploadAsset(renderPng({ width: 64, height: 64, seed: 'av4' }), 'image/png');
    expect(photo.photoRef).toEqual(expect.any(String));
    const { videoId } = await heygen.submitRender({
      kind: 'avatar_iv',
      photo: photo.photoRef!,
      title: 'Talking photo',
      speech: { type: 'text', text: 'I am a photo', voiceId: VOICE_ID },
      orientation: 'portrait',
      fit: 'contain',
      motionPrompt: 'nods gently',
      enhanceMotionPrompt: true,
      callbackId: 'not-sent-on-v2',
    });
    expect(sent('POST', '/v2/video/av4/generate')).toEqual({
      image_key: photo.photoRef,
      video_title: 'Talking photo',
      script: 'I am a photo',
      voice_id: VOICE_ID,
      video_orientation: 'portrait',
      fit: 'contain',
      custom_motion_prompt: 'nods gently',
      enhance_custom_motion_prompt: true,
    });
    expect((await heygen.getRender(videoId)).state).toBe('completed');
  });

  test('WebM: a studio avatar speaking a script, or audio by URL', async () => {
    await heygen.submitRender({
      kind: 'webm',
      avatarId: STUDIO_AVATAR,
      avatarStyle: 'normal',
      speech: { type: 'text', text: 'Transparent', voiceId: VOICE_ID },
      dimension: { width: 720, height: 720 },
    });
    expect(sent('POST', '/v1/video.webm')).toEqual({
      avatar_pose_id: STUDIO_AVATAR,
      avatar_style: 'normal',
      input_text: 'Transparent',
      voice_id: VOICE_ID,
      dimension: { width: 720, height: 720 },
    });
    sim.clearLog();
    await heygen.submitRender({
      kind: 'webm',
      avatarId: STUDIO_AVATAR,
      speech: { type: 'audio', url: 'https://example.com/voice.mp3' },
    });
    expect(sent('POST', '/v1/video.webm')).toEqual({
      avatar_pose_id: STUDIO_AVATAR,
      input_audio: 'https://example.com/voice.mp3',
    });
  });

  test('fields v2 cannot honour are named before any call, and submitRender refuses them', async () => {
    const av4Audio: RenderRequest = {
      kind: 'avatar_iv',
      photo: 'image/x/original',
      title: 't',
      speech: { type: 'audio', assetId: 'audio-asset' },
    };
    const webm: RenderRequest = {
      kind: 'webm',
      avatarId: STUDIO_AVATAR,
      title: 'named',
      speech: { type: 'audio', assetId: 'audio-asset' },
    };
    const av4Text: RenderRequest = {
      kind: 'avatar_iv',
      photo: 'image/x/original',
      title: 't',
      speech: { type: 'text', text: 'hi', voiceId: VOICE_ID, pitch: 5, emotion: 'Serious' },
    };
    const av4Silence: RenderRequest = {
      kind: 'avatar_iv',
      photo: 'image/x/original',
      title: 't',
      speech: { type: 'silence', seconds: 3 },
    };
    const fields = (request: RenderRequest) =>
      heygen.unsupported({ kind: 'render', request }).map((f) => f.field);
    expect(fields(av4Audio)).toEqual(['speech.type']);
    expect(fields(av4Silence)).toEqual(['speech.type']);
    expect(fields(av4Text)).toEqual(['speech.pitch', 'speech.emotion']);
    expect(fields(webm)).toEqual(['speech.assetId', 'title']);
    for (const request of [av4Audio, webm, av4Text, av4Silence]) {
      for (const refusal of heygen.unsupported({ kind: 'render', request })) {
        expect(refusal.reason).toContain('HeyGen API v2');
      }
      const err = await caught(heygen.submitRender(request));
      expect(err).toMatchObject({ kind: 'Unsupported', mayHaveBeenProcessed: false });
    }
    expect(heygen.unsupported({ kind: 'photos', source: { prompt: 'anything' } })).toEqual([]);
    expect(heygen.unsupported({ kind: 'look', look: { prompt: 'anything' } })).toEqual([]);
    expect(sim.log()).toHaveLength(0);
  });
});

describe('assets, catalog, webhooks', () => {
  test('assets: listed page by page in neutral fields, deleted', async () => {
    const uploaded = await heygen.uploadAsset(renderPng({ width: 8, height: 8, seed: 'list' }), 'image/png');
    expect(uploaded).toMatchObject({
      contentType: 'image/png',
      bytes: expect.any(Number),
      url: expect.any(String),
    });
    const page = await heygen.listAssetsPage({ fileType: 'image', limit: 1 });
    expect(page.assets).toHaveLength(1);
    expect(page.assets[0]).toMatchObject({
      id: expect.any(String),
      fileType: 'image',
      createdAt: expect.any(Number),
    });
    expect(sim.log().at(-1)?.query).toMatchObject({ file_type: 'image', limit: '1' });
    const all: string[] = [];
    for await (const asset of heygen.listAssets({ fileType: 'image', limit: 1 })) all.push(asset.id);
    expect(all).toContain(uploaded.assetId);
    await heygen.deleteAsset(uploaded.assetId);
    expect(await caught(heygen.deleteAsset(uploaded.assetId))).toMatchObject({ kind: 'NotFound' });
  });

  test('catalog: studio avatars and talking photos, voices', async () => {
    const avatars = await heygen.listAvatars();
    const studio = avatars.find((a) => a.avatarId === STUDIO_AVATAR);
    expect(studio).toMatchObject({ type: 'avatar', supportsWebm: true, name: expect.any(String) });
    expect(avatars.filter((a) => a.type === 'talking_photo').every((a) => !a.supportsWebm)).toBe(true);
    const voices = await heygen.listVoices();
    expect(voices.find((v) => v.voiceId === VOICE_ID)).toMatchObject({
      name: expect.any(String),
      language: expect.any(String),
      supportPause: expect.any(Boolean),
    });
  });

  test('webhook endpoints: add, update, list, delete; rotation and event history are Unsupported', async () => {
    const receiver = http.createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/heygen`;
      const endpoint = await heygen.addWebhookEndpoint({ url, events: ['avatar_video.success'] });
      expect(endpoint).toMatchObject({ endpointId: expect.any(String), url, secret: expect.any(String) });
      const updated = await heygen.updateWebhookEndpoint({
        endpointId: endpoint.endpointId,
        events: ['avatar_video.success', 'avatar_video.fail'],
      });
      expect(updated.events).toEqual(['avatar_video.success', 'avatar_video.fail']);
      expect((await heygen.listWebhookEndpoints()).map((e) => e.endpointId)).toContain(endpoint.endpointId);
      await heygen.deleteWebhookEndpoint(endpoint.endpointId);
      expect((await heygen.listWebhookEndpoints()).map((e) => e.endpointId)).not.toContain(
        endpoint.endpointId,
      );
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
    sim.clearLog();
    expect(await caught(heygen.rotateWebhookSecret('any'))).toMatchObject({ kind: 'Unsupported' });
    expect(await caught(heygen.listWebhookEvents())).toMatchObject({ kind: 'Unsupported' });
    expect(sim.log()).toHaveLength(0);
  });
});
