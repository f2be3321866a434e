/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- the JSON answers are inspected loosely */
import { ZERO_DURATIONS, startSimulator, type RunningSimulator } from '../../simulator';
import { ENGLISH_FEMALE_VOICE_ID, STUDIO_AVATARS } from '../../simulator/catalogData';
import { call, sleep, waitFor } from './v3Support';

const STUDIO = STUDIO_AVATARS[0]!.avatar_id;
const RENDER = { type: 'avatar', avatar_id: STUDIO, script: 'Idempotent hello', resolution: '720p' };
const PROMPT = { type: 'prompt', name: 'Idem', prompt: 'A calm person in a studio' };
const DAY_MS = 24 * 3600 * 1000;

describe('simulator v3: Idempotency-Key', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterEach(() => sim.close());

  const renders = () => sim.ledger().filter((e) => e.kind === 'render');
  const post = (path: string, body: unknown, idempotencyKey?: string) =>
    call(sim, 'POST', path, { body, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });

  it('replays the original answer for the same key and path: one resource, one ledger entry', async () => {
    const first = await post('/v3/videos', { ...RENDER, callback_id: 'a' }, 'run-1:render:0');
    const second = await post('/v3/videos', { ...RENDER, callback_id: 'a' }, 'run-1:render:0');
    expect(first.status).toBe(200);
    expect(second.status).toBe(first.status);
    expect(second.json).toEqual(first.json);
    expect(sim.snapshot().videos).toHaveLength(1);
    expect(renders()).toEqual([
      expect.objectContaining({
        version: 'v3',
        resourceId: first.json.data.video_id,
        idempotencyKey: 'run-1:render:0',
      }),
    ]);
    const [a, b] = sim.log();
    expect(a).toMatchObject({ idempotencyKey: 'run-1:render:0', idempotentReplay: false, applied: true });
    expect(b).toMatchObject({ idempotencyKey: 'run-1:render:0', idempotentReplay: true, applied: false });
    expect(b?.warning).toBeUndefined();
    // Without a key, every call creates.
    await post('/v3/videos', RENDER);
    await post('/v3/videos', RENDER);
    expect(renders()).toHaveLength(3);
  });

  it('replays even when the body differs, with a warning in the call log', async () => {
    const first = await post('/v3/videos', { ...RENDER, title: 'one' }, 'k-diff');
    const second = await post('/v3/videos', { ...RENDER, title: 'two' }, 'k-diff');
    expect(second.json).toEqual(first.json);
    expect(sim.log().at(-1)?.warning).toMatch(/different body/);
    expect(sim.snapshot().videos.map((v) => v.title)).toEqual(['one']);
  });

  it('scopes keys per path, path parameters included', async () => {
    const video = await post('/v3/videos', RENDER, 'shared');
    const avatar = await post('/v3/avatars', PROMPT, 'shared');
    expect(video.status).toBe(200);
    expect(avatar.json.data.avatar_item.id).toEqual(expect.any(String));
    expect(sim.ledger().map((e) => e.kind)).toEqual(['render', 'avatar']);

    const e1 = (await post('/v3/webhooks/endpoints', { url: 'http://127.0.0.1:9/a' })).json.data;
    const e2 = (await post('/v3/webhooks/endpoints', { url: 'http://127.0.0.1:9/b' })).json.data;
    const r1 = await post(`/v3/webhooks/endpoints/${e1.endpoint_id}/rotate-secret`, undefined, 'rot');
    const r2 = await post(`/v3/webhooks/endpoints/${e2.endpoint_id}/rotate-secret`, undefined, 'rot');
    expect(r1.json.data.endpoint_id).toBe(e1.endpoint_id);
    expect(r2.json.data.endpoint_id).toBe(e2.endpoint_id);
    expect(r2.json.data.secret).not.toBe(r1.json.data.secret);
  });

  it('answers 409 request_in_progress while the original is in flight, then replays it', async () => {
    sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'slow', when: 'after', delayMs: 400 });
    const original = post('/v3/videos', RENDER, 'slow-key');
    await waitFor(
      () => sim.snapshot().videos.length,
      (n) => n === 1,
    );
    const concurrent = await post('/v3/videos', RENDER, 'slow-key');
    expect(concurrent.status).toBe(409);
    expect(concurrent.json.error).toMatchObject({ code: 'request_in_progress' });
    const first = await original;
    expect(first.status).toBe(200);
    const replay = await post('/v3/videos', RENDER, 'slow-key');
    expect(replay.json).toEqual(first.json);
    expect(renders()).toHaveLength(1);
  });

  it('is in flight from arrival: a slow fault before processing also gets 409 for the repeat', async () => {
    sim.addFault({ method: 'POST', path: '^/v3/avatars$', kind: 'slow', delayMs: 300 });
    const original = post('/v3/avatars', PROMPT, 'early');
    // The original has arrived (it is logged on arrival) and waits in its fault.
    await waitFor(
      () => sim.log().length,
      (n) => n === 1,
    );
    await sleep(20);
    expect((await post('/v3/avatars', PROMPT, 'early')).status).toBe(409);
    expect((await original).status).toBe(200);
    expect(sim.ledger()).toHaveLength(1);
  });

  it.each([
    ['too long', 'k'.repeat(256)],
    ['a space', 'has space'],
    ['a slash', 'a/b'],
    ['empty', ''],
  ])('refuses a key that is %s with 400 invalid_parameter', async (_what, key) => {
    const res = await post('/v3/videos', RENDER, key);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_parameter', param: 'Idempotency-Key' });
    expect(sim.snapshot().videos).toHaveLength(0);
  });

  it('accepts the whole documented alphabet up to 255 characters', async () => {
    const key = `AZaz09_-:.${'x'.repeat(245)}`;
    expect(key).toHaveLength(255);
    expect((await post('/v3/videos', RENDER, key)).status).toBe(200);
  });

  it('creates anew after 24 hours on the simulator clock', async () => {
    const first = await post('/v3/videos', RENDER, 'daily');
    sim.advanceClock(DAY_MS - 60_000);
    expect((await post('/v3/videos', RENDER, 'daily')).json).toEqual(first.json);
    sim.advanceClock(60_000);
    const later = await post('/v3/videos', RENDER, 'daily');
    expect(later.status).toBe(200);
    expect(later.json.data.video_id).not.toBe(first.json.data.video_id);
    expect(renders()).toHaveLength(2);
  });

  it('replays the original to the retry of a lost answer (when: after, drop)', async () => {
    sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'drop', when: 'after' });
    await expect(post('/v3/videos', { ...RENDER, callback_id: 'lost' }, 'lost-1')).rejects.toThrow();
    const created = sim.snapshot().videos;
    expect(created).toHaveLength(1);
    const retry = await post('/v3/videos', { ...RENDER, callback_id: 'lost' }, 'lost-1');
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({
      data: { video_id: created[0]!.id, status: 'waiting', output_format: 'mp4' },
    });
    expect(renders()).toHaveLength(1);
  });

  it('replays the original success after an answer replaced by a 500 (when: after)', async () => {
    sim.addFault({ method: 'POST', path: '^/v3/avatars$', kind: 'http_error', status: 500, when: 'after' });
    const lost = await post('/v3/avatars', PROMPT, 'av-1');
    expect(lost.status).toBe(500);
    expect(lost.json.error.code).toBe('unclassified_server_error');
    const retry = await post('/v3/avatars', PROMPT, 'av-1');
    expect(retry.status).toBe(200);
    expect(retry.json.data.avatar_group.id).toBe(sim.snapshot().groups[0]!.id);
    expect(sim.ledger()).toHaveLength(1);
  });

  it('does not keep the key of a request that failed or was not processed', async () => {
    const invalid = await post('/v3/videos', { ...RENDER, voice_id: 'nope' }, 'fix-me');
    expect(invalid.status).toBe(400);
    expect((await post('/v3/videos', RENDER, 'fix-me')).status).toBe(200);

    sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'rate_limit', retryAfterSeconds: 2 });
    const limited = await post('/v3/videos', RENDER, 'limited');
    expect(limited.status).toBe(429);
    const retry = await post('/v3/videos', RENDER, 'limited');
    expect(retry.status).toBe(200);
    expect(renders()).toHaveLength(2);
  });

  it('is v3 only: v2 creates ignore the header', async () => {
    const body = {
      video_inputs: [
        {
          character: { type: 'avatar', avatar_id: STUDIO },
          voice: { type: 'text', voice_id: ENGLISH_FEMALE_VOICE_ID, input_text: 'hi' },
        },
      ],
    };
    const a = await post('/v2/video/generate', body, 'same');
    const b = await post('/v2/video/generate', body, 'same');
    expect(a.json.data.video_id).not.toBe(b.json.data.video_id);
    expect(sim.log().every((e) => e.idempotentReplay === undefined)).toBe(true);
  });
});
