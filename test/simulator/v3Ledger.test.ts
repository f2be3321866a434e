/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- the JSON answers are inspected loosely */
import { ZERO_DURATIONS, startSimulator, type LedgerEntry, type RunningSimulator } from '../../simulator';
import { ENGLISH_FEMALE_VOICE_ID, STUDIO_AVATARS } from '../../simulator/catalogData';
import { duplicatesBy } from '../../simulator/ledger';
import { call, createPhotoAvatar, png, waitFor } from './v3Support';
import { PHOTO_ATTRIBUTES } from '../support/inputs';

const STUDIO = STUDIO_AVATARS[0]!.avatar_id;
const RENDER = { type: 'avatar', avatar_id: STUDIO, script: 'Ledger hello', resolution: '720p' };
const PROMPT = { type: 'prompt', name: 'Credit', prompt: 'A person in a blue shirt' };
const PHOTO = PHOTO_ATTRIBUTES;
const control = async (sim: RunningSimulator, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}/_sim/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

describe('simulator v3: faults on v3 paths answer in the v3 envelope', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());
  afterEach(() => sim.clearFaults());

  it('rate_limit: 429 rate_limit_exceeded with Retry-After, nothing created', async () => {
    sim.addFault({ path: '^/v3/videos$', kind: 'rate_limit', retryAfterSeconds: 7 });
    const res = await call(sim, 'POST', '/v3/videos', { body: RENDER });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.json).toEqual({
      error: { code: 'rate_limit_exceeded', message: expect.any(String), doc_url: expect.any(String) },
    });
    expect(sim.snapshot().videos).toHaveLength(0);
  });

  it('http_error: 5xx unclassified_server_error (or the rule code), error_envelope: HTTP 200 with error', async () => {
    sim.addFault({ path: '^/v3/voices$', kind: 'http_error', status: 503 });
    const down = await call(sim, 'GET', '/v3/voices');
    expect(down.status).toBe(503);
    expect(down.json.error.code).toBe('unclassified_server_error');
    sim.addFault({ path: '^/v3/voices$', kind: 'http_error', status: 403, code: 'resource_access_denied' });
    expect((await call(sim, 'GET', '/v3/voices')).json.error.code).toBe('resource_access_denied');
    sim.addFault({ path: '^/v3/videos/', kind: 'error_envelope', message: 'try later' });
    const odd = await call(sim, 'GET', '/v3/videos/whatever');
    expect(odd.status).toBe(200);
    expect(odd.json).toEqual({
      error: { code: 'unclassified_server_error', message: 'try later', doc_url: expect.any(String) },
    });
  });

  it("when: 'after' processes the create and loses the answer", async () => {
    sim.addFault({ method: 'POST', path: '^/v3/avatars$', kind: 'http_error', status: 502, when: 'after' });
    const res = await call(sim, 'POST', '/v3/avatars', { body: PROMPT });
    expect(res.status).toBe(502);
    expect(sim.log().at(-1)).toMatchObject({
      fault: 'http_error',
      applied: true,
      createdId: expect.any(String),
    });
    expect(sim.snapshot().groups.some((g) => g.name === 'Credit')).toBe(true);
  });
});

describe('simulator v3: credits', () => {
  it('402 insufficient_credit once the credits are spent; replays and failures spend none; v2 unaffected', async () => {
    const sim = await startSimulator({ durations: ZERO_DURATIONS, credits: 2 });
    try {
      expect(sim.credits()).toBe(2);
      expect((await call(sim, 'POST', '/v3/videos', { body: RENDER, idempotencyKey: 'c-1' })).status).toBe(
        200,
      );
      expect((await call(sim, 'POST', '/v3/videos', { body: { ...RENDER, voice_id: 'nope' } })).status).toBe(
        400,
      );
      expect((await call(sim, 'POST', '/v3/avatars', { body: PROMPT })).status).toBe(200);
      expect(sim.credits()).toBe(0);

      const broke = await call(sim, 'POST', '/v3/videos', { body: RENDER });
      expect(broke.status).toBe(402);
      expect(broke.json.error).toMatchObject({
        code: 'insufficient_credit',
        doc_url: expect.stringContaining('insufficient-credit'),
      });
      expect((await call(sim, 'POST', '/v3/avatars', { body: PROMPT })).status).toBe(402);
      // The earlier create's replay costs nothing and still answers.
      expect((await call(sim, 'POST', '/v3/videos', { body: RENDER, idempotencyKey: 'c-1' })).status).toBe(
        200,
      );
      // Reads and v2 creates do not need credits.
      expect((await call(sim, 'GET', '/v3/voices')).status).toBe(200);
      expect(
        (await call(sim, 'POST', '/v2/photo_avatar/photo/generate', { body: { name: 'v2', ...PHOTO } }))
          .status,
      ).toBe(200);
      expect(
        sim
          .ledger()
          .filter((e) => e.version === 'v3')
          .map((e) => e.kind),
      ).toEqual(['render', 'avatar']);

      // The control API sets and reads them (null = unlimited).
      expect((await control(sim, 'POST', 'credits', { credits: 1 })).status).toBe(200);
      expect((await control(sim, 'GET', 'credits')).json).toEqual({ credits: 1 });
      expect((await call(sim, 'POST', '/v3/videos', { body: RENDER })).status).toBe(200);
      expect((await call(sim, 'POST', '/v3/videos', { body: RENDER })).status).toBe(402);
      await control(sim, 'POST', 'credits', { credits: null });
      expect(sim.credits()).toBeUndefined();
      expect((await call(sim, 'POST', '/v3/videos', { body: RENDER })).status).toBe(200);
      expect((await control(sim, 'POST', 'credits', { credits: -1 })).status).toBe(400);
      expect(() => sim.setCredits(1.5)).toThrow();
    } finally {
      await sim.close();
    }
  });
});

describe('simulator: the billing ledger', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('records every v2 create once, with the names and callback ids the runs gave', async () => {
    const start = sim.ledger().length;
    const gen = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', {
      body: { name: 'run-A photo', ...PHOTO },
    });
    const generationId = gen.json.data.generation_id;
    const photos = await waitFor(
      () => call(sim, 'GET', `/v2/photo_avatar/generation/${generationId}`),
      (r) => r.json.data.status === 'success',
    );
    const keys: string[] = photos.json.data.image_key_list;
    const group = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
      body: { name: 'run-A', image_key: keys[0], generation_id: generationId },
    });
    const groupId = group.json.data.group_id;
    const added = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/add', {
      body: { group_id: groupId, name: 'run-A looks', image_keys: [keys[1], keys[2]] },
    });
    expect(added.json.data.photo_avatar_list).toHaveLength(2);
    const train = await call(sim, 'POST', '/v2/photo_avatar/train', { body: { group_id: groupId } });
    await waitFor(
      () => call(sim, 'GET', `/v2/photo_avatar/train/status/${groupId}`),
      (r) => r.json.data.status === 'ready',
    );
    const look = await call(sim, 'POST', '/v2/photo_avatar/look/generate', {
      body: {
        group_id: groupId,
        prompt: 'In a park',
        orientation: 'square',
        pose: 'half_body',
        style: 'Realistic',
      },
    });
    const video = await call(sim, 'POST', '/v2/video/generate', {
      body: {
        video_inputs: [
          {
            character: { type: 'talking_photo', talking_photo_id: groupId },
            voice: { type: 'text', voice_id: ENGLISH_FEMALE_VOICE_ID, input_text: 'Hi' },
          },
        ],
        title: 'run-A video',
        callback_id: 'run-A:render',
      },
    });
    const av4 = await call(sim, 'POST', '/v2/video/av4/generate', {
      body: {
        image_key: keys[3],
        video_title: 'run-A av4',
        script: 'Hello',
        voice_id: ENGLISH_FEMALE_VOICE_ID,
      },
    });
    const webm = await call(sim, 'POST', '/v1/video.webm', {
      body: {
        avatar_pose_id: STUDIO,
        input_text: 'Hi',
        voice_id: ENGLISH_FEMALE_VOICE_ID,
        callback_id: 'run-A:webm',
      },
    });
    // A refused create records nothing.
    expect((await call(sim, 'POST', '/v2/photo_avatar/train', { body: { group_id: 'nope' } })).status).toBe(
      404,
    );

    const entries = sim.ledger().slice(start);
    const lookList: Array<{ id: string }> = added.json.data.photo_avatar_list;
    const lookIds = lookList.map((l) => l.id);
    expect(entries).toEqual([
      {
        seq: expect.any(Number),
        at: expect.any(Number),
        version: 'v2',
        kind: 'photo_generation',
        resourceId: generationId,
        name: 'run-A photo',
      },
      expect.objectContaining({ kind: 'avatar', resourceId: groupId, name: 'run-A' }),
      expect.objectContaining({ kind: 'look', resourceId: lookIds[0], name: 'run-A looks' }),
      expect.objectContaining({ kind: 'look', resourceId: lookIds[1], name: 'run-A looks' }),
      expect.objectContaining({ kind: 'training', resourceId: train.json.data.flow_id, name: 'run-A' }),
      expect.objectContaining({
        kind: 'look_generation',
        resourceId: look.json.data.generation_id,
        name: 'run-A',
      }),
      expect.objectContaining({
        kind: 'render',
        resourceId: video.json.data.video_id,
        name: 'run-A video',
        callbackId: 'run-A:render',
      }),
      expect.objectContaining({ kind: 'render', resourceId: av4.json.data.video_id, name: 'run-A av4' }),
      expect.objectContaining({
        kind: 'render',
        resourceId: webm.json.data.video_id,
        callbackId: 'run-A:webm',
      }),
    ]);
    expect(entries.every((e) => e.version === 'v2' && e.idempotencyKey === undefined)).toBe(true);
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('records v3 creates with their idempotency keys, and counts duplicates by a grouping key', async () => {
    await call(sim, 'POST', '/v3/videos', { body: RENDER, idempotencyKey: 'run-B:render:1' });
    await call(sim, 'POST', '/v3/videos', { body: RENDER, idempotencyKey: 'run-B:render:1' });
    await call(sim, 'POST', '/v3/videos', { body: RENDER, idempotencyKey: 'run-B:render:2' });
    await call(sim, 'POST', '/v3/videos', { body: RENDER, idempotencyKey: 'run-C:render:1' });
    const avatar = await createPhotoAvatar(sim, 'run-B avatar', { idempotencyKey: 'run-B:avatar' });
    const added = await call(sim, 'POST', '/v3/avatars', {
      body: {
        type: 'photo',
        name: 'run-B look',
        avatar_group_id: avatar.groupId,
        file: { type: 'base64', media_type: 'image/png', data: png(16, 16, 'l').toString('base64') },
      },
      idempotencyKey: 'run-B:look',
    });
    const derived = await call(sim, 'POST', '/v3/avatars', {
      body: { type: 'prompt', name: 'run-B derived', prompt: 'In a park', avatar_id: avatar.lookId },
      idempotencyKey: 'run-B:look-gen',
    });
    const v3 = sim.ledger().filter((e) => e.version === 'v3');
    expect(v3.map((e) => [e.kind, e.idempotencyKey])).toEqual([
      ['render', 'run-B:render:1'],
      ['render', 'run-B:render:2'],
      ['render', 'run-C:render:1'],
      ['avatar', 'run-B:avatar'],
      ['look', 'run-B:look'],
      ['look_generation', 'run-B:look-gen'],
    ]);
    expect(v3.find((e) => e.kind === 'avatar')?.resourceId).toBe(avatar.groupId);
    expect(v3.find((e) => e.kind === 'look')?.resourceId).toBe(added.json.data.avatar_item.id);
    expect(v3.find((e) => e.kind === 'look_generation')?.resourceId).toBe(derived.json.data.avatar_item.id);

    const byRun = (e: LedgerEntry) => e.idempotencyKey?.split(':')[0];
    expect(sim.duplicatesBy('render', byRun)).toEqual({
      kind: 'render',
      keys: 2,
      duplicates: 1,
      byKey: { 'run-B': 2 },
    });
    expect(sim.duplicatesBy('render', (e) => e.idempotencyKey)).toMatchObject({ duplicates: 0, byKey: {} });
    // v2 runs are grouped by name / callback id the same way.
    expect(duplicatesBy(sim.ledger(), 'render', (e) => e.callbackId?.split(':')[0])).toMatchObject({
      keys: 1,
      duplicates: 1,
      byKey: { 'run-A': 2 },
    });
  });

  it('is in the snapshot and at GET /_sim/ledger', async () => {
    expect(sim.snapshot().ledger).toEqual(sim.ledger());
    expect((await control(sim, 'GET', 'ledger')).json).toEqual(sim.ledger());
    expect(sim.ledger().length).toBeGreaterThan(10);
  });
});

describe('simulator: the clock control', () => {
  it('moves the simulator clock forward through the API and the control route', async () => {
    const sim = await startSimulator({ durations: { ...ZERO_DURATIONS, renderMs: 3_600_000 } });
    try {
      const created = await call(sim, 'POST', '/v3/videos', { body: RENDER });
      const id = created.json.data.video_id;
      expect((await call(sim, 'GET', `/v3/videos/${id}`)).json.data.status).toBe('pending');
      const before = sim.now();
      const moved = await control(sim, 'POST', 'clock', { advanceMs: 3_600_000 });
      expect(moved.json.now).toBeGreaterThanOrEqual(before + 3_600_000);
      expect((await control(sim, 'GET', 'clock')).json.now).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(sim.snapshot().videos[0]?.status).toBe('completed');
      expect((await call(sim, 'GET', `/v3/videos/${id}`)).json.data.status).toBe('completed');
      expect((await control(sim, 'POST', 'clock', { advanceMs: -1 })).status).toBe(400);
      expect(() => sim.advanceClock(-5)).toThrow();
    } finally {
      await sim.close();
    }
  });
});
