import { Readable } from 'node:stream';
import type { Scene } from '../../../contracts/fields';
import { MAX_MULTIPART_UPLOAD_BYTES, V3Adapter } from '../../../heygen/v3/adapter';
import { INSUFFICIENT_CREDIT_MESSAGE } from '../../../heygen/v3/errors';
import { startSimulator, type RunningSimulator } from '../../../simulator';
import { renderPng } from '../../../simulator/media/png';
import { ZERO_DURATIONS } from '../../support/stack';
import { PHOTO_ATTRIBUTES, VOICE_ID } from '../../support/inputs';
import { caught } from './fakeServer';

/** The v3 adapter end to end against the simulator's v3 routes (which follow the same notes). */

let sim: RunningSimulator;
let heygen: V3Adapter;

beforeAll(async () => {
  sim = await startSimulator({ durations: ZERO_DURATIONS });
  heygen = new V3Adapter({
    apiVersion: 'v3',
    apiBaseUrl: sim.url,
    uploadBaseUrl: sim.url,
    apiKey: sim.apiKey,
  });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.setCredits(undefined);
  sim.setDurations(ZERO_DURATIONS);
});

let seq = 0;
const unique = (what: string) => `${what}-${Date.now()}-${(seq += 1)}`;
const photo = (seed: string) => renderPng({ width: 512, height: 512, seed });

async function avatarFromPhoto() {
  const uploaded = await heygen.uploadAsset(photo(unique('face')), 'image/png');
  const created = await heygen.createAvatar(
    { name: unique('avatar'), source: 'photo', photo: uploaded.photoRef ?? uploaded.assetId },
    { idempotencyKey: unique('create') },
  );
  return { uploaded, ...created };
}

describe('avatars and looks', () => {
  test('upload a photo, create the avatar from it, add a look, generate a look; looks and groups listed', async () => {
    const { uploaded, groupId, lookId } = await avatarFromPhoto();
    expect(uploaded).toMatchObject({ contentType: 'image/png', photoRef: uploaded.assetId });
    const second = await heygen.uploadAsset(photo(unique('face2')), 'image/png');
    const added = await heygen.addLooks({ groupId, name: unique('look'), photos: [second.assetId] });
    expect(added.lookIds).toHaveLength(1);
    const generated = await heygen.generateLook(
      { groupId, baseLookId: lookId, name: unique('gen'), look: { prompt: 'Navy suit', pose: 'close_up' } },
      { idempotencyKey: unique('gen') },
    );
    expect('lookIds' in generated && generated.lookIds).toHaveLength(1);

    const looks = await heygen.listGroupLooks(groupId);
    const ids = looks.map((l) => l.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        lookId,
        ...added.lookIds,
        ...('lookIds' in generated ? generated.lookIds : []),
      ]),
    );
    expect(looks.every((l) => l.groupId === groupId)).toBe(true);
    expect(looks.every((l) => ['processing', 'completed'].includes(l.status))).toBe(true);

    const groups = await heygen.listAvatarGroups();
    expect(groups.find((g) => g.id === groupId)).toBeDefined();
  });

  test('an avatar from the eight attributes: one prompt create', async () => {
    const created = await heygen.createAvatar({
      name: unique('prompted'),
      source: 'prompt',
      attributes: { ...PHOTO_ATTRIBUTES, appearance: 'Short black hair, navy blazer' },
    });
    expect(created.groupId).toBeTruthy();
    expect(created.lookId).toBeTruthy();
    const body = sim
      .log()
      .filter((e) => e.path === '/v3/avatars' && e.method === 'POST')
      .pop()?.body;
    expect(body).toMatchObject({
      type: 'prompt',
      prompt: expect.stringContaining('East Asian woman') as string,
    });
  });

  test('the same Idempotency-Key replays the first answer: one avatar, not two', async () => {
    const uploaded = await heygen.uploadAsset(photo(unique('face')), 'image/png');
    const key = unique('replay');
    const request = { name: unique('avatar'), source: 'photo', photo: uploaded.assetId } as const;
    const first = await heygen.createAvatar(request, { idempotencyKey: key });
    const again = await heygen.createAvatar(request, { idempotencyKey: key });
    expect(again).toEqual(first);
    const creates = sim.log().filter((e) => e.idempotencyKey === key);
    expect(creates.map((e) => e.idempotentReplay ?? false)).toEqual([false, true]);
  });
});

describe('videos', () => {
  test('every kind of render is accepted and read back, one by one and in bulk', async () => {
    const { lookId } = await avatarFromPhoto();
    const catalog = await heygen.listAvatars();
    const studio = catalog.find((a) => a.supportsWebm);
    expect(studio).toBeDefined();
    const voices = await heygen.listVoices();
    expect(voices.some((v) => v.voiceId === VOICE_ID)).toBe(true);
    const say: Scene['speech'] = { type: 'text', text: 'Hello from v3', voiceId: VOICE_ID };
    const image = await heygen.uploadAsset(photo(unique('iv')), 'image/png');

    const renders = [
      await heygen.submitRender(
        {
          kind: 'scenes',
          scenes: [
            {
              character: { type: 'look', lookId },
              speech: say,
              background: { type: 'color', color: '#224466' },
            },
          ],
          title: 'one scene',
          caption: true,
          dimension: { width: 1280, height: 720 },
          callbackId: unique('cb'),
        },
        { idempotencyKey: unique('render') },
      ),
      await heygen.submitRender({
        kind: 'scenes',
        scenes: [
          { character: { type: 'look', lookId }, speech: say },
          { character: { type: 'avatar', avatarId: studio?.avatarId ?? '' }, speech: say },
        ],
        title: 'studio',
      }),
      await heygen.submitRender({
        kind: 'avatar_iv',
        photo: image.assetId,
        title: 'iv',
        speech: say,
        orientation: 'portrait',
      }),
      await heygen.submitRender({
        kind: 'webm',
        avatarId: studio?.avatarId ?? '',
        speech: say,
        title: 'webm',
      }),
    ];
    for (const { videoId } of renders) {
      const status = await heygen.getRender(videoId);
      expect(status.videoId).toBe(videoId);
      expect(['pending', 'processing', 'completed']).toContain(status.state);
    }
    const ids = renders.map((r) => r.videoId);
    const summaries = await heygen.getRenders([...ids, 'no-such-video']);
    expect(summaries.map((s) => s.videoId)).toEqual([...ids, 'no-such-video']);
    expect(summaries[4]?.state).toBe('not_found');
  });

  test('a completed render carries its media; a failed one its failure', async () => {
    const { lookId } = await avatarFromPhoto();
    const scene: Scene = {
      character: { type: 'look', lookId },
      speech: { type: 'text', text: 'Hi', voiceId: VOICE_ID },
    };
    const { videoId } = await heygen.submitRender({ kind: 'scenes', scenes: [scene], caption: true });
    const done = await waitFor(
      () => heygen.getRender(videoId),
      (s) => s.state === 'completed',
    );
    expect(done.media.video).toMatch(/^http/);
    sim.addJobOutcome({
      job: 'render',
      outcome: 'fail',
      failureCode: 'rendering_failed',
      message: 'timed out',
    });
    const failed = await heygen.submitRender({ kind: 'scenes', scenes: [scene] });
    const status = await waitFor(
      () => heygen.getRender(failed.videoId),
      (s) => s.state === 'failed',
    );
    expect(status.failure).toMatchObject({ code: 'rendering_failed' });
  });

  test('no credits left: InsufficientCredit, saying what to do, not retried', async () => {
    const { lookId } = await avatarFromPhoto();
    sim.setCredits(0);
    const err = await caught(
      heygen.submitRender({
        kind: 'scenes',
        scenes: [
          { character: { type: 'look', lookId }, speech: { type: 'text', text: 'Hi', voiceId: VOICE_ID } },
        ],
      }),
    );
    expect(err).toMatchObject({ kind: 'InsufficientCredit', httpStatus: 402, retryable: false });
    expect(err.message).toBe(INSUFFICIENT_CREDIT_MESSAGE);
  });
});

describe('assets', () => {
  test('a file over 32 MB goes through the direct upload; listed with every page; deleted', async () => {
    const head = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'),
    ]);
    const size = MAX_MULTIPART_UPLOAD_BYTES + 1024 * 1024;
    const body = Buffer.concat([head, Buffer.alloc(size - head.length)]);
    const asset = await heygen.uploadAsset(Readable.from([body]), 'video/mp4', {
      contentLength: size,
      fileName: 'big.mp4',
    });
    expect(asset.bytes).toBe(size);
    const paths = sim.log().map((e) => `${e.method} ${e.path}`);
    const reserved = paths.lastIndexOf('POST /v3/assets/direct-uploads');
    expect(reserved).toBeGreaterThanOrEqual(0);
    expect(paths.slice(reserved)).toContain(`POST /v3/assets/${asset.assetId}/complete`);
    expect(paths.slice(reserved)).not.toContain('POST /v3/assets');

    for (let i = 0; i < 3; i += 1) await heygen.uploadAsset(photo(unique('list')), 'image/png');
    const listed: string[] = [];
    for await (const a of heygen.listAssets({ limit: 2 })) listed.push(a.id);
    expect(listed).toContain(asset.assetId);
    expect(new Set(listed).size).toBe(listed.length);
    const videos = await heygen.listAssetsPage({ fileType: 'video', limit: 100 });
    expect(videos.assets.every((a) => a.fileType === 'video')).toBe(true);

    await heygen.deleteAsset(asset.assetId);
    const after: string[] = [];
    for await (const a of heygen.listAssets()) after.push(a.id);
    expect(after).not.toContain(asset.assetId);
  });
});

describe('webhook endpoints', () => {
  test('add, list, update, rotate, events, delete', async () => {
    const added = await heygen.addWebhookEndpoint(
      { url: 'http://127.0.0.1:9/hook', events: ['avatar_video.success'] },
      { idempotencyKey: unique('wh') },
    );
    expect(added.secret).toMatch(/^whsec_/);
    const listed = await heygen.listWebhookEndpoints();
    const mine = listed.find((e) => e.endpointId === added.endpointId);
    expect(mine?.secret).toBeUndefined();
    const updated = await heygen.updateWebhookEndpoint({
      endpointId: added.endpointId,
      events: ['avatar_video.fail'],
    });
    expect(updated.events).toEqual(['avatar_video.fail']);
    const rotated = await heygen.rotateWebhookSecret(added.endpointId);
    expect(rotated.secret).not.toBe(added.secret);
    const events = await heygen.listWebhookEvents({ limit: 5 });
    expect(Array.isArray(events.events)).toBe(true);
    await heygen.deleteWebhookEndpoint(added.endpointId);
    expect((await heygen.listWebhookEndpoints()).some((e) => e.endpointId === added.endpointId)).toBe(false);
  });
});

describe('errors from the simulator', () => {
  test('a wrong key is Unauthorized; an unknown video NotFound', async () => {
    const wrong = new V3Adapter({
      apiVersion: 'v3',
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: 'nope',
    });
    expect((await caught(wrong.listVoices())).kind).toBe('Unauthorized');
    expect((await caught(heygen.getRender('no-such-video'))).kind).toBe('NotFound');
  });

  test('429 with Retry-After, 5xx, HTTP 200 with an error, a dropped connection', async () => {
    sim.addFault({ path: '^/v3/voices$', kind: 'rate_limit', retryAfterSeconds: 3 });
    expect(await caught(heygen.listVoices())).toMatchObject({ kind: 'RateLimited', retryAfterMs: 3000 });
    sim.addFault({ path: '^/v3/voices$', kind: 'http_error', status: 503 });
    expect(await caught(heygen.listVoices())).toMatchObject({ kind: 'ServerError', retryable: true });
    sim.addFault({ path: '^/v3/voices$', kind: 'error_envelope', code: 'voice_not_found', message: 'x' });
    expect(await caught(heygen.listVoices())).toMatchObject({ kind: 'NotFound', httpStatus: 200 });
    sim.addFault({ path: '^/v3/voices$', kind: 'drop' });
    expect(await caught(heygen.listVoices())).toMatchObject({ kind: 'Network', retryable: true });
  });

  test('a retry while the first request with the key is in flight: InProgress, retryable', async () => {
    const { lookId } = await avatarFromPhoto();
    const key = unique('inflight');
    const request = {
      kind: 'scenes' as const,
      scenes: [
        {
          character: { type: 'look' as const, lookId },
          speech: { type: 'text' as const, text: 'Hi', voiceId: VOICE_ID },
        },
      ],
    };
    sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'slow', delayMs: 800 });
    const first = heygen.submitRender(request, { idempotencyKey: key });
    await new Promise((r) => setTimeout(r, 200));
    const second = await caught(heygen.submitRender(request, { idempotencyKey: key }));
    expect(second).toMatchObject({ kind: 'InProgress', httpStatus: 409, retryable: true });
    const { videoId } = await first;
    expect((await heygen.submitRender(request, { idempotencyKey: key })).videoId).toBe(videoId);
  });
});

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`not done in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
