import { connect } from 'node:net';
import { ZERO_DURATIONS } from '../../simulator';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import { PHOTO_ATTRIBUTES } from '../support/inputs';

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- the JSON answers are inspected loosely */

type Json = any;

interface CallResult {
  status: number;
  headers: Headers;
  json: Json;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function call(
  sim: RunningSimulator,
  method: string,
  path: string,
  opts: { body?: unknown; key?: string | null; raw?: Buffer; contentType?: string } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers['X-Api-Key'] = opts.key ?? sim.apiKey;
  let body: string | Buffer | undefined;
  if (opts.raw) {
    body = opts.raw;
    headers['Content-Type'] = opts.contentType ?? 'application/octet-stream';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

const PHOTO = { name: 'Ada', ...PHOTO_ATTRIBUTES };

const IMAGE_KEY = /^image\/[0-9a-f]{32}\/original$/;

async function generatePhotos(
  sim: RunningSimulator,
): Promise<{ id: string; keys: string[]; urls: string[] }> {
  const created = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', { body: PHOTO });
  expect(created.status).toBe(200);
  const id: string = created.json.data.generation_id;
  const done = await waitFor(
    () => call(sim, 'GET', `/v2/photo_avatar/generation/${id}`),
    (r) => r.json.data.status !== 'in_progress',
  );
  expect(done.json.data.status).toBe('success');
  return { id, keys: done.json.data.image_key_list, urls: done.json.data.image_url_list };
}

async function createGroup(
  sim: RunningSimulator,
  name = 'Group A',
): Promise<{ groupId: string; keys: string[] }> {
  const photos = await generatePhotos(sim);
  const res = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
    body: { name, image_key: photos.keys[0], generation_id: photos.id },
  });
  expect(res.status).toBe(200);
  return { groupId: res.json.data.group_id, keys: photos.keys };
}

async function withSim(
  options: SimulatorOptions,
  fn: (sim: RunningSimulator) => Promise<void>,
): Promise<void> {
  const sim = await startSimulator(options);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

const FAST: SimulatorOptions = {
  durations: ZERO_DURATIONS,
};

describe('simulator: auth, routing, envelopes', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator(FAST);
  });
  afterAll(() => sim.close());

  it('answers 401 in the v2 envelope without a key', async () => {
    const res = await call(sim, 'GET', '/v2/avatars', { key: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) }, data: null });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 401 in the v1 envelope with a wrong key', async () => {
    const res = await call(sim, 'GET', '/v1/video_status.get?video_id=x', { key: 'nope' });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ code: 40102, data: null, message: expect.any(String) });
  });

  it('answers 404 to unknown routes', async () => {
    const res = await call(sim, 'GET', '/v2/nothing/here');
    expect(res.status).toBe(404);
    expect(res.json.error).not.toBeNull();
    expect(res.json.data).toBeNull();
    const v1 = await call(sim, 'POST', '/v1/nothing');
    expect(v1.status).toBe(404);
    expect(v1.json.code).not.toBe(100);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`${sim.url}/v2/photo_avatar/photo/generate`, {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe(400175);
  });

  it('answers malformed HTTP with a JSON 400 and closes the connection (the shared clientError handler)', async () => {
    const { port } = new URL(sim.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Connection: close');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { code: 'bad_request' },
    });
  });
});

describe('simulator: photo generation', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: { ...FAST.durations, photoGenerationMs: 150 } });
  });
  afterAll(() => sim.close());

  it('names a missing field (40001) and an invalid one (400175)', async () => {
    const { appearance: _appearance, ...missing } = PHOTO;
    const res = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', { body: missing });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(40001);
    expect(res.json.error.message).toContain('appearance');

    const invalid = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', {
      body: { ...PHOTO, age: 'Ancient' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe(400175);
    expect(invalid.json.error.message).toContain('age');

    const tooLong = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', {
      body: { ...PHOTO, appearance: 'x'.repeat(1001) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toContain('appearance');
  });

  it("accepts the seeds' attribute values as well as the notes'", async () => {
    const res = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', {
      body: { ...PHOTO, age: 'Adult', ethnicity: 'Caucasian', pose: 'headshot', style: 'Artistic' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      error: null,
      data: { generation_id: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
  });

  it('goes in_progress -> success with four signed URLs and keys', async () => {
    const created = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', { body: PHOTO });
    const id: string = created.json.data.generation_id;
    const first = await call(sim, 'GET', `/v2/photo_avatar/generation/${id}`);
    expect(first.json.data).toEqual({
      id,
      status: 'in_progress',
      msg: null,
      image_url_list: null,
      image_key_list: null,
    });
    await sleep(200);
    const done = await call(sim, 'GET', `/v2/photo_avatar/generation/${id}`);
    expect(done.json.data.status).toBe('success');
    expect(done.json.data.image_key_list).toHaveLength(4);
    for (const key of done.json.data.image_key_list) expect(key).toMatch(IMAGE_KEY);
    const url = new URL(done.json.data.image_url_list[0]);
    expect(url.pathname).toBe(`/${done.json.data.image_key_list[0]}`);
    expect(url.searchParams.get('Expires')).toMatch(/^\d+$/);
    expect(url.searchParams.get('Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails when a job outcome says so, and 404s unknown ids', async () => {
    sim.addJobOutcome({ job: 'photo_generation', outcome: 'fail', message: 'NSFW content detected' });
    const created = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', { body: PHOTO });
    const id: string = created.json.data.generation_id;
    await sleep(200);
    const res = await call(sim, 'GET', `/v2/photo_avatar/generation/${id}`);
    expect(res.json.data).toMatchObject({
      status: 'failed',
      msg: 'NSFW content detected',
      image_key_list: null,
    });
    expect((await call(sim, 'GET', '/v2/photo_avatar/generation/unknown')).status).toBe(404);
  });
});

describe('simulator: groups, looks and training', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      durations: {
        photoGenerationMs: 0,
        lookGenerationMs: 100,
        lookProcessingMs: 150,
        trainingMs: 300,
        renderMs: 0,
      },
    });
  });
  afterAll(() => sim.close());

  it('refuses an unknown image key', async () => {
    const res = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
      body: { name: 'x', image_key: `image/${'0'.repeat(32)}/original` },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('image_key');
  });

  it('creates a group whose first look has the group id, allows duplicate names, lists them', async () => {
    const photos = await generatePhotos(sim);
    const res = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
      body: { name: 'Twin', image_key: photos.keys[0], generation_id: photos.id },
    });
    expect(res.status).toBe(200);
    const look = res.json.data;
    expect(look).toMatchObject({
      id: look.group_id,
      name: 'Twin',
      status: 'pending',
      is_motion: false,
      motion_preview_url: null,
      business_type: 'generated',
      upscale_availability: { available: expect.any(Boolean) },
      upscaled: false,
      background_sound_effect: null,
    });
    expect(typeof look.created_at).toBe('number');
    expect(new URL(look.image_url).pathname).toBe(`/${photos.keys[0]}`);

    const dup = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
      body: { name: 'Twin', image_key: photos.keys[1] },
    });
    expect(dup.status).toBe(200);
    expect(dup.json.data.id).not.toBe(look.id);

    const list = await call(sim, 'GET', '/v2/avatar_group.list');
    const twins = list.json.data.avatar_group_list.filter((g: Json) => g.name === 'Twin');
    expect(twins).toHaveLength(2);
    expect(twins[0]).toMatchObject({ num_looks: 1, group_type: 'PHOTO', train_status: 'empty' });
    expect(list.json.data.total_count).toBe(list.json.data.avatar_group_list.length);

    const looks = await call(sim, 'GET', `/v2/avatar_group/${look.group_id}/avatars`);
    const [only] = looks.json.data.avatar_list;
    expect(new URL(only.image_url).pathname.slice(1)).toBe(photos.keys[0]);
    await sleep(200);
    const later = await call(sim, 'GET', `/v2/avatar_group/${look.group_id}/avatars`);
    expect(later.json.data.avatar_list[0].status).toBe('completed');
  });

  it('adds 1..4 looks and refuses 5', async () => {
    const { groupId, keys } = await createGroup(sim);
    const five = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/add', {
      body: { group_id: groupId, name: 'more', image_keys: [...keys, keys[0]] },
    });
    expect(five.status).toBe(400);
    expect(five.json.error.message).toContain('image_keys');
    const res = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/add', {
      body: { group_id: groupId, name: 'more', image_keys: keys.slice(1, 3) },
    });
    expect(res.status).toBe(200);
    expect(res.json.data.photo_avatar_list).toHaveLength(2);
    for (const l of res.json.data.photo_avatar_list)
      expect(l).toMatchObject({ name: 'more', group_id: groupId });
    const missing = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/add', {
      body: { group_id: 'nope', name: 'x', image_keys: [keys[0]] },
    });
    expect(missing.status).toBe(404);
  });

  it('trains (empty -> pending -> training -> ready), refuses a second training, then generates looks', async () => {
    const { groupId } = await createGroup(sim, 'Trainee');
    const empty = await call(sim, 'GET', `/v2/photo_avatar/train/status/${groupId}`);
    expect(empty.json.data).toEqual({ status: 'empty', error_msg: null, created_at: null, updated_at: null });

    const lookBody = {
      group_id: groupId,
      prompt: 'White shirt front-facing',
      orientation: 'square',
      pose: 'half_body',
      style: 'Realistic',
    };
    const refused = await call(sim, 'POST', '/v2/photo_avatar/look/generate', { body: lookBody });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/not trained/);

    expect((await call(sim, 'POST', '/v2/photo_avatar/train', { body: { group_id: 'nope' } })).status).toBe(
      404,
    );
    const train = await call(sim, 'POST', '/v2/photo_avatar/train', { body: { group_id: groupId } });
    expect(train.status).toBe(200);
    expect(train.json.data.code).toBe(100);
    const again = await call(sim, 'POST', '/v2/photo_avatar/train', { body: { group_id: groupId } });
    expect(again.status).toBe(400);
    expect(again.json.error.message).toMatch(/already training/);

    const seen = new Set<string>();
    const final = await waitFor(
      () => call(sim, 'GET', `/v2/photo_avatar/train/status/${groupId}`),
      (r) => {
        seen.add(r.json.data.status);
        return r.json.data.status === 'ready';
      },
    );
    expect(final.json.data).toMatchObject({ status: 'ready', error_msg: null });
    expect(final.json.data.updated_at).toBeGreaterThanOrEqual(final.json.data.created_at);
    expect(seen.has('training')).toBe(true);
    expect(sim.snapshot().groups.find((g) => g.id === groupId)).toMatchObject({
      trainStatus: 'ready',
      trainingsStarted: 1,
    });

    const gen = await call(sim, 'POST', '/v2/photo_avatar/look/generate', { body: lookBody });
    expect(gen.status).toBe(200);
    const generationId: string = gen.json.data.generation_id;
    const done = await waitFor(
      () => call(sim, 'GET', `/v2/photo_avatar/generation/${generationId}`),
      (r) => r.json.data.status !== 'in_progress',
    );
    expect(done.json.data.image_key_list).toHaveLength(4);
    const looks = await call(sim, 'GET', `/v2/avatar_group/${groupId}/avatars`);
    const generated = looks.json.data.avatar_list.filter((l: Json) => l.name === 'White shirt front-facing');
    expect(generated).toHaveLength(4);
    expect(generated.map((l: Json) => new URL(l.image_url).pathname.slice(1)).sort()).toEqual(
      [...done.json.data.image_key_list].sort(),
    );
    expect(generated[0].business_type).toBe('generated');
    expect(sim.snapshot().photoGenerations.find((g) => g.id === generationId)).toMatchObject({
      kind: 'look',
      groupId,
      status: 'success',
    });
  });

  it('fails a training when a job outcome says so', async () => {
    const { groupId } = await createGroup(sim, 'Doomed');
    sim.addJobOutcome({ job: 'training', outcome: 'fail', message: 'Not enough distinct faces' });
    await call(sim, 'POST', '/v2/photo_avatar/train', { body: { group_id: groupId } });
    const res = await waitFor(
      () => call(sim, 'GET', `/v2/photo_avatar/train/status/${groupId}`),
      (r) => r.json.data.status === 'failed',
    );
    expect(res.json.data).toMatchObject({ status: 'failed', error_msg: 'Not enough distinct faces' });
    const list = await call(sim, 'GET', '/v2/avatar_group.list');
    expect(list.json.data.avatar_group_list.find((g: Json) => g.id === groupId).train_status).toBe('failed');
  });
});

describe('simulator: catalog', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator(FAST);
  });
  afterAll(() => sim.close());

  it('lists studio avatars, talking photos and voices', async () => {
    const { groupId } = await createGroup(sim);
    const avatars = await call(sim, 'GET', '/v2/avatars');
    expect(avatars.status).toBe(200);
    const ids = avatars.json.data.avatars.map((a: Json) => a.avatar_id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'Angela-inblackskirt-20220820',
        'Daisy-inskirt-20220818',
        'Tyler-incasualsuit-20220721',
      ]),
    );
    expect(avatars.json.data.avatars[0]).toMatchObject({
      avatar_name: expect.any(String),
      gender: expect.stringMatching(/^(male|female)$/),
      preview_image_url: expect.stringMatching(/^http/),
      preview_video_url: expect.stringMatching(/^http/),
      premium: expect.any(Boolean),
      default_voice_id: expect.any(String),
    });
    expect(avatars.json.data.talking_photos).toEqual([
      {
        talking_photo_id: groupId,
        talking_photo_name: 'Group A',
        preview_image_url: expect.stringMatching(/^http/),
      },
    ]);
    const preview = await fetch(avatars.json.data.avatars[0].preview_image_url);
    expect(preview.headers.get('content-type')).toBe('image/png');
    await preview.arrayBuffer();

    const voices = await call(sim, 'GET', '/v2/voices');
    const byId = new Map(voices.json.data.voices.map((v: Json) => [v.voice_id, v]));
    expect(byId.get('1bd001e7e50f421d891986aad5158bc8')).toMatchObject({
      language: 'English',
      gender: 'Female',
    });
    expect(byId.get('2d5b0e6cf36f460aa7fc47e3eee4ba54')).toMatchObject({
      language: 'English',
      gender: 'Male',
    });
    expect(new Set(voices.json.data.voices.map((v: Json) => v.language)).size).toBeGreaterThan(2);
    expect(voices.json.data.voices[0]).toMatchObject({
      name: expect.any(String),
      preview_audio: expect.any(String),
      support_pause: expect.any(Boolean),
      emotion_support: expect.any(Boolean),
      support_interactive_avatar: expect.any(Boolean),
    });
  });
});

const SCENE = {
  character: { type: 'avatar', avatar_id: 'Angela-inblackskirt-20220820', avatar_style: 'normal' },
  voice: {
    type: 'text',
    voice_id: '1bd001e7e50f421d891986aad5158bc8',
    input_text: 'Hello there, this is a test.',
  },
  background: { type: 'color', value: '#008000' },
};

describe('simulator: videos', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      durations: {
        photoGenerationMs: 0,
        lookGenerationMs: 0,
        lookProcessingMs: 0,
        trainingMs: 0,
        renderMs: 200,
      },
      maxVideoSeconds: 5,
    });
  });
  afterAll(() => sim.close());

  const status = (id: string) => call(sim, 'GET', `/v1/video_status.get?video_id=${id}`);

  it.each([
    [{}, 'video_inputs', 40001],
    [{ video_inputs: [] }, 'video_inputs', 400175],
    [{ video_inputs: Array.from({ length: 51 }, () => SCENE) }, 'video_inputs', 400175],
    [
      { video_inputs: [{ ...SCENE, voice: { ...SCENE.voice, input_text: '' } }] },
      'video_inputs[0].voice.input_text',
      400175,
    ],
    [
      { video_inputs: [{ ...SCENE, voice: { ...SCENE.voice, input_text: 'x'.repeat(5001) } }] },
      'input_text',
      400175,
    ],
    [
      { video_inputs: [{ ...SCENE, voice: { ...SCENE.voice, voice_id: 'nope' } }] },
      'video_inputs[0].voice.voice_id',
      400175,
    ],
    [
      { video_inputs: [{ ...SCENE, character: { type: 'avatar', avatar_id: 'nope' } }] },
      'character.avatar_id',
      400175,
    ],
    [
      {
        video_inputs: [
          {
            ...SCENE,
            character: { type: 'avatar', avatar_id: 'Angela-inblackskirt-20220820', avatar_style: 'wide' },
          },
        ],
      },
      'avatar_style',
      400175,
    ],
    [
      { video_inputs: [{ ...SCENE, character: { type: 'talking_photo', talking_photo_id: 'nope' } }] },
      'talking_photo_id',
      400175,
    ],
    [
      { video_inputs: [{ ...SCENE, background: { type: 'color', value: 'green' } }] },
      'background.value',
      400175,
    ],
    [
      {
        video_inputs: [
          { ...SCENE, background: { type: 'video', url: 'https://x.test/v.mp4', play_style: 'bounce' } },
        ],
      },
      'play_style',
      400175,
    ],
    [{ video_inputs: [{ ...SCENE, voice: { type: 'audio' } }] }, 'audio_url', 40001],
    [{ video_inputs: [{ ...SCENE, voice: { type: 'whisper' } }] }, 'voice.type', 400175],
    [{ video_inputs: [SCENE], dimension: { width: 1281, height: 720 } }, 'dimension.width', 400175],
    [{ video_inputs: [SCENE], dimension: { width: 64, height: 720 } }, 'dimension.width', 400175],
  ])('refuses %j naming %s', async (body, field, code) => {
    const res = await call(sim, 'POST', '/v2/video/generate', { body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toContain(field);
  });

  it('renders waiting/pending/processing -> completed with signed URLs, echoing callback_id', async () => {
    const res = await call(sim, 'POST', '/v2/video/generate', {
      body: {
        video_inputs: [SCENE, { ...SCENE, voice: { type: 'silence', duration: 1.5 } }],
        dimension: { width: 1280, height: 720 },
        title: 'Hello',
        callback_id: 'cb-1',
        test: true,
      },
    });
    expect(res.status).toBe(200);
    const id: string = res.json.data.video_id;
    const first = await status(id);
    expect(first.json.code).toBe(100);
    expect(first.json.data).toMatchObject({
      id,
      status: expect.stringMatching(/^(waiting|pending|processing)$/),
      video_url: null,
      thumbnail_url: null,
      gif_url: null,
      duration: null,
      callback_id: 'cb-1',
      created_at: expect.any(Number),
      error: null,
    });
    const seen = new Set<string>();
    const done = await waitFor(
      () => status(id),
      (r) => {
        seen.add(r.json.data.status);
        return r.json.data.status === 'completed';
      },
    );
    expect(seen.size).toBeGreaterThan(1);
    expect(done.json.data).toMatchObject({
      status: 'completed',
      video_url: expect.stringContaining(`/video/${id}.mp4?Expires=`),
      thumbnail_url: expect.stringContaining('.png?'),
      gif_url: expect.stringContaining('.gif?'),
      caption_url: null,
      video_url_caption: null,
      duration: 3.9, // 6 words / 2.5 wps + 1.5 s of silence
      error: null,
    });
    expect(sim.snapshot().videos.find((v) => v.id === id)).toMatchObject({
      kind: 'v2',
      status: 'completed',
      callbackId: 'cb-1',
      title: 'Hello',
      durationSeconds: 3.9,
    });
  });

  it('fails a render that is too long with 40119', async () => {
    const res = await call(sim, 'POST', '/v2/video/generate', {
      body: { video_inputs: [{ ...SCENE, voice: { ...SCENE.voice, input_text: 'word '.repeat(40) } }] },
    });
    const id: string = res.json.data.video_id;
    const done = await waitFor(
      () => status(id),
      (r) => r.json.data.status === 'failed',
    );
    expect(done.json.data.error).toMatchObject({
      code: 40119,
      message: expect.stringMatching(/too long/),
      detail: expect.any(String),
    });
    expect(done.json.data.video_url).toBeNull();
  });

  it('fails a render forced by a job outcome, with error null when the rule has no message', async () => {
    sim.addJobOutcome({ job: 'render', outcome: 'fail' });
    sim.addJobOutcome({ job: 'render', outcome: 'fail', message: 'Avatar rendering failed', code: 40056 });
    const a = (await call(sim, 'POST', '/v2/video/generate', { body: { video_inputs: [SCENE] } })).json.data
      .video_id;
    const b = (await call(sim, 'POST', '/v2/video/generate', { body: { video_inputs: [SCENE] } })).json.data
      .video_id;
    const ra = await waitFor(
      () => status(a),
      (r) => r.json.data.status === 'failed',
    );
    expect(ra.json.data.error).toBeNull();
    const rb = await waitFor(
      () => status(b),
      (r) => r.json.data.status === 'failed',
    );
    expect(rb.json.data.error).toMatchObject({ code: 40056, message: 'Avatar rendering failed' });
  });

  it('fails a talking-photo render whose look was not completed when requested', async () => {
    sim.setDurations({ lookProcessingMs: 5000 });
    const { groupId } = await createGroup(sim, 'Fresh');
    sim.setDurations({ lookProcessingMs: 0 });
    const res = await call(sim, 'POST', '/v2/video/generate', {
      body: { video_inputs: [{ ...SCENE, character: { type: 'talking_photo', talking_photo_id: groupId } }] },
    });
    expect(res.status).toBe(200);
    const done = await waitFor(
      () => status(res.json.data.video_id),
      (r) =>
        r.json.data.status !== 'processing' &&
        r.json.data.status !== 'pending' &&
        r.json.data.status !== 'waiting',
    );
    expect(done.json.data.status).toBe('failed');
    expect(done.json.data.error.message).toMatch(/not ready/);
  });

  it('renders a talking photo whose look is completed', async () => {
    const { groupId } = await createGroup(sim, 'Ready');
    const res = await call(sim, 'POST', '/v2/video/generate', {
      body: { video_inputs: [{ ...SCENE, character: { type: 'talking_photo', talking_photo_id: groupId } }] },
    });
    const done = await waitFor(
      () => status(res.json.data.video_id),
      (r) => r.json.data.status === 'completed' || r.json.data.status === 'failed',
    );
    expect(done.json.data.status).toBe('completed');
  });

  it('answers 400/404 on status reads without or with an unknown id', async () => {
    const missing = await call(sim, 'GET', '/v1/video_status.get');
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: 40001, data: null });
    expect(missing.json.message).toContain('video_id');
    const unknown = await status('0'.repeat(32));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: 40031, data: null });
  });

  it('creates Avatar IV videos from an image key', async () => {
    const photos = await generatePhotos(sim);
    const body = {
      image_key: photos.keys[0],
      video_title: 'AV4',
      script: 'One two three four five',
      voice_id: '2d5b0e6cf36f460aa7fc47e3eee4ba54',
      video_orientation: 'portrait',
      fit: 'cover',
      custom_motion_prompt: 'nods',
      enhance_custom_motion_prompt: true,
    };
    const res = await call(sim, 'POST', '/v2/video/av4/generate', { body });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ error: null, data: { video_id: expect.any(String) } });
    const bad = await call(sim, 'POST', '/v2/video/av4/generate', {
      body: { ...body, image_key: 'image/ffff/original' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('image_key');
    const badOrientation = await call(sim, 'POST', '/v2/video/av4/generate', {
      body: { ...body, video_orientation: 'diagonal' },
    });
    expect(badOrientation.json.error.message).toContain('video_orientation');
    const done = await waitFor(
      () => status(res.json.data.video_id),
      (r) => r.json.data.status === 'completed',
    );
    expect(done.json.data.duration).toBe(2);
    expect(sim.snapshot().videos.find((v) => v.id === res.json.data.video_id)).toMatchObject({
      kind: 'av4',
      title: 'AV4',
    });
  });

  it('creates WebM videos from studio avatars only (v1 envelope)', async () => {
    const { groupId } = await createGroup(sim, 'Not studio');
    const body = {
      avatar_pose_id: 'Tyler-incasualsuit-20220721',
      avatar_style: 'normal',
      input_text: 'Transparent hello',
      voice_id: '2d5b0e6cf36f460aa7fc47e3eee4ba54',
      dimension: { width: 1280, height: 720 },
    };
    const ok = await call(sim, 'POST', '/v1/video.webm', { body });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ code: 100, message: 'Success', data: { video_id: expect.any(String) } });
    const look = await call(sim, 'POST', '/v1/video.webm', { body: { ...body, avatar_pose_id: groupId } });
    expect(look.status).toBe(400);
    expect(look.json.code).toBe(400175);
    expect(look.json.message).toMatch(/avatar_pose_id.*studio avatars only/);
    const unknown = await call(sim, 'POST', '/v1/video.webm', {
      body: { ...body, avatar_pose_id: 'nobody' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain('avatar_pose_id');
    const noVoice = await call(sim, 'POST', '/v1/video.webm', { body: { ...body, input_text: undefined } });
    expect(noVoice.status).toBe(400);
    const done = await waitFor(
      () => status(ok.json.data.video_id),
      (r) => r.json.data.status === 'completed',
    );
    expect(done.json.data.video_url).toContain('.webm?');
    expect(sim.snapshot().videos.find((v) => v.id === ok.json.data.video_id)?.kind).toBe('webm');
  });
});

describe('simulator: assets', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator(FAST);
  });
  afterAll(() => sim.close());

  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );

  it('uploads raw bytes and hands out an image key for images', async () => {
    const res = await call(sim, 'POST', '/v1/asset', { raw: png, contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.json.code).toBe(100);
    expect(res.json.data).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: expect.any(String),
      file_type: 'image',
      folder_id: expect.any(String),
      created_ts: expect.any(Number),
      url: expect.stringMatching(/^http/),
      image_key: expect.stringMatching(IMAGE_KEY),
      meta: { width: 1, height: 1 },
    });
    const group = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
      body: { name: 'Uploaded', image_key: res.json.data.image_key },
    });
    expect(group.json.data.business_type).toBe('user_upload');
    const file = await fetch(res.json.data.url);
    expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true);

    const audio = await call(sim, 'POST', '/v1/asset', {
      raw: Buffer.from('ID3 fake mp3'),
      contentType: 'audio/mpeg',
    });
    expect(audio.json.data).toMatchObject({ file_type: 'audio', image_key: null });
  });

  it('refuses unsupported types and empty bodies', async () => {
    const res = await call(sim, 'POST', '/v1/asset', {
      raw: Buffer.from('GIF89a'),
      contentType: 'image/gif',
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('Content-Type');
    const empty = await call(sim, 'POST', '/v1/asset', { raw: Buffer.alloc(0), contentType: 'image/png' });
    expect(empty.status).toBe(400);
  });

  it('answers 413 over the size limit', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${sim.url}/v1/asset`, {
        method: 'POST',
        headers: {
          'X-Api-Key': sim.apiKey,
          'Content-Type': 'image/png',
          'Content-Length': String(51 * 1024 * 1024),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(status).toBe(413);
  });

  it('lists with cursor pagination and filters, and deletes', async () => {
    const fresh = await startSimulator(FAST);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        ids.push(
          (await call(fresh, 'POST', '/v1/asset', { raw: png, contentType: 'image/png' })).json.data.id,
        );
      }
      ids.push(
        (await call(fresh, 'POST', '/v1/asset', { raw: Buffer.from('x'), contentType: 'video/mp4' })).json
          .data.id,
      );
      const page1 = await call(fresh, 'GET', '/v1/asset/list?limit=2');
      expect(page1.json.error).toBeNull();
      expect(page1.json.data.total).toBe(4);
      expect(page1.json.data.assets.map((a: Json) => a.id)).toEqual(ids.slice(0, 2));
      expect(page1.json.data.token).toEqual(expect.any(String));
      const page2 = await call(fresh, 'GET', `/v1/asset/list?limit=2&token=${page1.json.data.token}`);
      expect(page2.json.data.assets.map((a: Json) => a.id)).toEqual(ids.slice(2));
      expect(page2.json.data.token ?? '').toBe('');
      const videos = await call(fresh, 'GET', '/v1/asset/list?file_type=video');
      expect(videos.json.data.assets).toEqual([
        expect.objectContaining({ id: ids[3], file_type: 'video', created_ts: expect.any(Number) }),
      ]);
      expect((await call(fresh, 'GET', '/v1/asset/list?limit=101')).status).toBe(400);
      expect((await call(fresh, 'GET', '/v1/asset/list?file_type=pdf')).json.error.message).toContain(
        'file_type',
      );

      const del = await call(fresh, 'POST', `/v1/asset/${ids[0]}/delete`);
      expect(del.json.code).toBe(100);
      expect((await call(fresh, 'POST', `/v1/asset/${ids[0]}/delete`)).status).toBe(404);
      expect((await call(fresh, 'GET', '/v1/asset/list')).json.data.total).toBe(3);
      expect(fresh.snapshot().assets).toHaveLength(3);
    } finally {
      await fresh.close();
    }
  });
});

describe('simulator: options', () => {
  it('uses publicBaseUrl in the links it hands out', async () => {
    await withSim({ ...FAST, publicBaseUrl: 'https://sim.example.test/' }, async (sim) => {
      const photos = await generatePhotos(sim);
      expect(photos.urls[0]).toMatch(/^https:\/\/sim\.example\.test\/image\//);
    });
  });

  it('jitter: seeded per kind of job, so the k-th job of a kind lasts the same whatever the interleaving', async () => {
    const options: SimulatorOptions = {
      durations: { photoGenerationMs: 20_000, renderMs: 60_000 },
      durationJitter: 0.2,
      durationJitterSeed: 42,
    };
    const photo = (sim: RunningSimulator) =>
      call(sim, 'POST', '/v2/photo_avatar/photo/generate', { body: PHOTO });
    const video = (sim: RunningSimulator) =>
      call(sim, 'POST', '/v2/video/generate', { body: { video_inputs: [SCENE] } });
    const durations = async (order: Array<'p' | 'v'>) => {
      let out: { photos: number[]; renders: number[] } = { photos: [], renders: [] };
      await withSim(options, async (sim) => {
        for (const kind of order) expect((await (kind === 'p' ? photo(sim) : video(sim))).status).toBe(200);
        const snap = sim.snapshot();
        out = {
          // The snapshot lists jobs in creation order.
          photos: snap.photoGenerations.map((g) => g.durationMs),
          renders: snap.videos.map((v) => v.renderMs),
        };
      });
      return out;
    };
    const a = await durations(['p', 'p', 'p', 'v', 'v', 'v']);
    const b = await durations(['v', 'p', 'v', 'p', 'v', 'p']);
    expect(b).toEqual(a);
    for (const ms of a.photos) expect(ms >= 16_000 && ms <= 24_000).toBe(true);
    for (const ms of a.renders) expect(ms >= 48_000 && ms <= 72_000).toBe(true);
    expect(new Set(a.photos).size).toBe(3); // spread, not one value
  });
});
