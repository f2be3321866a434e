import { ZERO_DURATIONS } from '../../simulator';
import { startSimulator, type RunningSimulator } from '../../simulator';

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- the JSON answers are inspected loosely */

type Json = any;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function call(sim: RunningSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function control(sim: RunningSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

const PHOTO = {
  name: 'Faulty',
  age: 'Young Adult',
  gender: 'Man',
  ethnicity: 'White',
  orientation: 'horizontal',
  pose: 'close_up',
  style: 'Noir',
  appearance: 'A detective in a trench coat',
};
const GENERATE = '/v2/photo_avatar/photo/generate';

describe('simulator: injected faults', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      durations: ZERO_DURATIONS,
    });
  });
  afterEach(() => {
    sim.clearFaults();
    sim.clearLog();
  });
  afterAll(() => sim.close());

  const generations = () => sim.snapshot().photoGenerations.length;
  const lastLog = () => sim.log().at(-1);

  it("http_error 'before': the answer is an error and nothing is created", async () => {
    const before = generations();
    sim.addFault({
      method: 'POST',
      path: '^/v2/photo_avatar/photo/generate$',
      kind: 'http_error',
      status: 503,
    });
    const res = await call(sim, 'POST', GENERATE, PHOTO);
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: { code: 'internal_error', message: expect.any(String) }, data: null });
    expect(generations()).toBe(before);
    expect(lastLog()).toMatchObject({ status: 503, fault: 'http_error', applied: false });
    expect(lastLog()?.createdId).toBeUndefined();
    // times defaults to 1
    expect((await call(sim, 'POST', GENERATE, PHOTO)).status).toBe(200);
  });

  it("http_error 'after': the resource is created although the client saw an error", async () => {
    const before = generations();
    sim.addFault({ path: 'photo/generate', kind: 'http_error', when: 'after' });
    const res = await call(sim, 'POST', GENERATE, PHOTO);
    expect(res.status).toBe(500);
    expect(generations()).toBe(before + 1);
    const entry = lastLog();
    expect(entry).toMatchObject({
      status: 500,
      fault: 'http_error',
      applied: true,
      createdId: expect.any(String),
    });
    expect(sim.snapshot().photoGenerations.map((g) => g.id)).toContain(entry?.createdId);
  });

  it('error_envelope: HTTP 200 carrying an error, in both envelope styles', async () => {
    sim.addFault({ path: 'photo/generate', kind: 'error_envelope', code: 'internal_error', message: 'boom' });
    const v2 = await call(sim, 'POST', GENERATE, PHOTO);
    expect(v2.status).toBe(200);
    expect(v2.json).toEqual({ error: { code: 'internal_error', message: 'boom' }, data: null });

    sim.addFault({ path: 'video_status', kind: 'error_envelope', code: 40031, message: 'nope' });
    const v1 = await call(sim, 'GET', '/v1/video_status.get?video_id=abc');
    expect(v1.status).toBe(200);
    expect(v1.json).toMatchObject({ code: 40031, message: 'nope', data: null });
  });

  it('rate_limit: 429 with Retry-After', async () => {
    sim.addFault({ kind: 'rate_limit', retryAfterSeconds: 3, path: '^/v2/voices$' });
    const res = await call(sim, 'GET', '/v2/voices');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.json.error.code).toBe(400123);
    expect((await call(sim, 'GET', '/v2/voices')).status).toBe(200);
  });

  it("drop 'before': no answer, nothing created; drop 'after': no answer, created", async () => {
    const before = generations();
    sim.addFault({ path: 'photo/generate', kind: 'drop' });
    await expect(call(sim, 'POST', GENERATE, PHOTO)).rejects.toThrow();
    expect(generations()).toBe(before);
    expect(lastLog()).toMatchObject({ status: 0, fault: 'drop', applied: false });

    sim.addFault({ path: 'photo/generate', kind: 'drop', when: 'after' });
    await expect(call(sim, 'POST', GENERATE, PHOTO)).rejects.toThrow();
    expect(generations()).toBe(before + 1);
    expect(lastLog()).toMatchObject({
      status: 0,
      fault: 'drop',
      applied: true,
      createdId: expect.any(String),
    });
  });

  it('slow: answers normally after the delay', async () => {
    sim.addFault({ path: 'voices', kind: 'slow', delayMs: 250 });
    const started = Date.now();
    const res = await call(sim, 'GET', '/v2/voices');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(lastLog()).toMatchObject({ fault: 'slow', status: 200, applied: true });
  });

  it('matches method and path, counts times, honours probability, in insertion order', async () => {
    sim.addFault({ kind: 'http_error', probability: 0, times: 100 });
    sim.addFault({ method: 'GET', path: '^/v2/avatars$', kind: 'http_error', status: 502, times: 2 });
    sim.addFault({ method: 'GET', path: '^/v2/avatars$', kind: 'http_error', status: 504 });
    expect((await call(sim, 'GET', '/v2/voices')).status).toBe(200);
    expect((await call(sim, 'POST', '/v2/avatars')).status).toBe(404);
    expect((await call(sim, 'GET', '/v2/avatars')).status).toBe(502);
    expect((await call(sim, 'GET', '/v2/avatars')).status).toBe(502);
    expect((await call(sim, 'GET', '/v2/avatars')).status).toBe(504);
    expect((await call(sim, 'GET', '/v2/avatars')).status).toBe(200);
  });

  it('refuses a fault whose path is not a regular expression', () => {
    expect(() => sim.addFault({ kind: 'drop', path: '(' })).toThrow(/regular expression/);
  });
});

describe('simulator: call log and snapshot', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      durations: ZERO_DURATIONS,
    });
  });
  afterAll(() => sim.close());

  it('logs every API request, not media or control requests', async () => {
    const created = await call(sim, 'POST', GENERATE, PHOTO);
    const generationId: string = created.json.data.generation_id;
    const status = await call(sim, 'GET', `/v2/photo_avatar/generation/${generationId}?x=1`);
    await fetch(status.json.data.image_url_list[0]).then((r) => r.arrayBuffer());
    await fetch(`${sim.url}/_sim/health`).then((r) => r.json());
    await fetch(`${sim.url}/v2/voices`); // no key
    await call(sim, 'POST', GENERATE, { ...PHOTO, age: 'Ancient' });
    await fetch(`${sim.url}/v1/asset`, {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'audio/mpeg' },
      body: Buffer.from('abcdef'),
    }).then((r) => r.json());

    const log = sim.log();
    expect(log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      `POST ${GENERATE} 200`,
      `GET /v2/photo_avatar/generation/${generationId} 200`,
      'GET /v2/voices 401',
      `POST ${GENERATE} 400`,
      'POST /v1/asset 200',
    ]);
    const [first, second, third, fourth, fifth] = log;
    expect(first).toMatchObject({
      body: PHOTO,
      applied: true,
      createdId: generationId,
      at: expect.any(Number),
    });
    expect(first?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatchObject({ query: { x: '1' }, applied: true });
    expect(third?.applied).toBe(false);
    expect(fourth?.applied).toBe(false);
    expect(fifth).toMatchObject({ body: { bytes: 6, contentType: 'audio/mpeg' }, applied: true });
    expect(log.map((e) => e.seq)).toEqual([...log.map((e) => e.seq)].sort((a, b) => a - b));

    sim.clearLog();
    expect(sim.log()).toEqual([]);
    expect(sim.snapshot().photoGenerations).toHaveLength(1);
  });

  it('snapshots the account', async () => {
    const gen = await call(sim, 'POST', GENERATE, PHOTO);
    const status = await call(sim, 'GET', `/v2/photo_avatar/generation/${gen.json.data.generation_id}`);
    const group = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
      name: 'Snap',
      image_key: status.json.data.image_key_list[0],
    });
    await call(sim, 'POST', '/v2/video/generate', {
      video_inputs: [
        {
          character: { type: 'talking_photo', talking_photo_id: group.json.data.id },
          voice: { type: 'silence', duration: 2 },
        },
      ],
      callback_id: 'snap-cb',
      title: 'Snap video',
    });
    const snap = sim.snapshot();
    expect(snap.groups.find((g) => g.id === group.json.data.id)).toEqual({
      id: group.json.data.id,
      name: 'Snap',
      createdAt: expect.any(Number),
      trainStatus: 'empty',
      trainingsStarted: 0,
    });
    expect(snap.looks.find((l) => l.id === group.json.data.id)).toEqual({
      id: group.json.data.id,
      groupId: group.json.data.id,
      name: 'Snap',
      imageKey: status.json.data.image_key_list[0],
      status: 'completed',
      businessType: 'generated',
      processingMs: 0,
    });
    expect(snap.videos.at(-1)).toEqual({
      id: expect.any(String),
      kind: 'v2',
      status: 'completed',
      callbackId: 'snap-cb',
      title: 'Snap video',
      durationSeconds: 2,
      createdAt: expect.any(Number),
      renderMs: expect.any(Number),
      lookIds: [group.json.data.id],
    });
    expect(snap.webhookEndpoints).toEqual([]);
  });

  it('applies setDurations to jobs created afterwards only', async () => {
    sim.setDurations({ photoGenerationMs: 10_000 });
    const slow = await call(sim, 'POST', GENERATE, PHOTO);
    sim.setDurations({ photoGenerationMs: 0 });
    const fast = await call(sim, 'POST', GENERATE, PHOTO);
    const byId = new Map(sim.snapshot().photoGenerations.map((g) => [g.id, g.status]));
    expect(byId.get(slow.json.data.generation_id)).toBe('in_progress');
    expect(byId.get(fast.json.data.generation_id)).toBe('success');
    expect(() => sim.setDurations({ renderMs: -1 })).toThrow();
  });
});

describe('simulator: control HTTP API', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      durations: ZERO_DURATIONS,
    });
  });
  afterAll(() => sim.close());

  it('drives faults, outcomes, durations and logs without an API key', async () => {
    expect(await control(sim, 'GET', '/_sim/health')).toEqual({
      status: 200,
      json: { ok: true, url: sim.url },
    });

    const added = await control(sim, 'POST', '/_sim/faults', [
      { path: '^/v2/voices$', kind: 'rate_limit', retryAfterSeconds: 2 },
      { path: '^/v2/avatars$', kind: 'http_error', status: 500, times: 5 },
    ]);
    expect(added).toEqual({ status: 200, json: { ok: true, added: 2 } });
    expect((await call(sim, 'GET', '/v2/voices')).status).toBe(429);
    expect((await control(sim, 'POST', '/_sim/faults', { kind: 'explode' })).status).toBe(400);
    expect((await control(sim, 'POST', '/_sim/faults', { kind: 'drop', path: '(' })).status).toBe(400);

    await control(sim, 'DELETE', '/_sim/faults');
    expect((await call(sim, 'GET', '/v2/avatars')).status).toBe(200);

    expect(
      (
        await control(sim, 'POST', '/_sim/job-outcomes', {
          job: 'photo_generation',
          outcome: 'fail',
          message: 'x',
        })
      ).status,
    ).toBe(200);
    const gen = await call(sim, 'POST', GENERATE, PHOTO);
    const failed = await call(sim, 'GET', `/v2/photo_avatar/generation/${gen.json.data.generation_id}`);
    expect(failed.json.data).toMatchObject({ status: 'failed', msg: 'x' });

    expect(
      (await control(sim, 'POST', '/_sim/webhook-faults', [{ kind: 'drop' }, { kind: 'delay', delayMs: 5 }]))
        .json.added,
    ).toBe(2);
    expect((await control(sim, 'POST', '/_sim/durations', { photoGenerationMs: 60_000 })).status).toBe(200);
    expect((await control(sim, 'POST', '/_sim/durations', { photoGenerationMs: 'soon' })).status).toBe(400);
    const slow = await call(sim, 'POST', GENERATE, PHOTO);
    const pending = await call(sim, 'GET', `/v2/photo_avatar/generation/${slow.json.data.generation_id}`);
    expect(pending.json.data.status).toBe('in_progress');

    const log = await control(sim, 'GET', '/_sim/log');
    expect(log.json.length).toBe(sim.log().length);
    expect(log.json[0]).toMatchObject({
      method: 'GET',
      path: '/v2/voices',
      status: 429,
      fault: 'rate_limit',
    });

    const state = await control(sim, 'GET', '/_sim/state');
    expect(state.json.photoGenerations).toHaveLength(2);
    expect(state.json.rendersInFlight).toBe(0);

    expect((await control(sim, 'GET', '/_sim/webhook-log')).json).toEqual([]);
    await control(sim, 'POST', '/_sim/log/clear');
    expect((await control(sim, 'GET', '/_sim/log')).json).toEqual([]);
    expect((await control(sim, 'GET', '/_sim/nothing')).status).toBe(404);
    await sleep(0);
  });
});
