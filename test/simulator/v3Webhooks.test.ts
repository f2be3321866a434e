/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- the JSON answers are inspected loosely */
import { createHmac } from 'node:crypto';
import {
  ZERO_DURATIONS,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../simulator';
import { STUDIO_AVATARS, V3_WEBHOOK_EVENTS } from '../../simulator/catalogData';
import type { SignatureStyle } from '../../simulator/config';
import {
  allPages,
  call,
  sleep,
  startReceiver,
  waitFor,
  withSim,
  type Json,
  type Received,
  type Receiver,
} from './v3Support';

const RENDER = {
  type: 'avatar',
  avatar_id: STUDIO_AVATARS[0]!.avatar_id,
  script: 'Hi there',
  resolution: '720p',
};
const hmac = (key: string | Buffer, data: Buffer | string) =>
  createHmac('sha256', key).update(data).digest('hex');
const bodyOf = (r: Received): Json => JSON.parse(r.body.toString('utf8'));

async function addEndpoint(sim: RunningSimulator, body: Record<string, unknown>, idempotencyKey?: string) {
  const res = await call(sim, 'POST', '/v3/webhooks/endpoints', {
    body,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  expect(res.status).toBe(200);
  return res.json.data;
}

async function renderOnce(sim: RunningSimulator, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(sim, 'POST', '/v3/videos', { body: { ...RENDER, ...extra } });
  expect(res.status).toBe(200);
  return res.json.data.video_id;
}

describe('simulator v3: webhook endpoints', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('creates (secret shown once), lists (secret null), patches (events replaced) and deletes', async () => {
    const created = await addEndpoint(sim, { url: 'http://127.0.0.1:9/hook' });
    expect(created).toEqual({
      endpoint_id: expect.any(String),
      url: 'http://127.0.0.1:9/hook',
      events: [...V3_WEBHOOK_EVENTS],
      status: 'enabled',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      secret: expect.stringMatching(/^whsec_./),
      entity_id: null,
    });
    const listed = await allPages(sim, '/v3/webhooks/endpoints');
    expect(listed.items).toEqual([{ ...created, secret: null }]);

    const patched = await call(sim, 'PATCH', `/v3/webhooks/endpoints/${created.endpoint_id}`, {
      body: { events: ['avatar_video.success'] },
    });
    expect(patched.json.data).toMatchObject({ events: ['avatar_video.success'], secret: null });
    const moved = await call(sim, 'PATCH', `/v3/webhooks/endpoints/${created.endpoint_id}`, {
      body: { url: 'http://127.0.0.1:9/other', events: ['avatar_video.fail', 'batch.finished'] },
    });
    expect(moved.json.data).toMatchObject({
      url: 'http://127.0.0.1:9/other',
      events: ['avatar_video.fail', 'batch.finished'],
    });
    expect(sim.snapshot().webhookEndpoints).toEqual([
      expect.objectContaining({ endpointId: created.endpoint_id, apiVersion: 'v3', secret: created.secret }),
    ]);

    const del = await call(sim, 'DELETE', `/v3/webhooks/endpoints/${created.endpoint_id}`);
    expect(del.json).toEqual({ data: {} });
    for (const [method, path] of [
      ['DELETE', `/v3/webhooks/endpoints/${created.endpoint_id}`],
      ['PATCH', `/v3/webhooks/endpoints/${created.endpoint_id}`],
      ['POST', `/v3/webhooks/endpoints/${created.endpoint_id}/rotate-secret`],
    ] as const) {
      const res = await call(sim, method, path, { body: {} });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  it('pages endpoint lists (default 10) and refuses unknown events and URLs', async () => {
    for (let i = 0; i < 12; i += 1) await addEndpoint(sim, { url: `http://127.0.0.1:9/e${i}` });
    const first = await call(sim, 'GET', '/v3/webhooks/endpoints');
    expect(first.json.data).toHaveLength(10);
    expect(first.json.has_more).toBe(true);
    expect((await allPages(sim, '/v3/webhooks/endpoints', { limit: '5' })).pages).toBe(3);
    const bad = await call(sim, 'POST', '/v3/webhooks/endpoints', {
      body: { url: 'http://127.0.0.1:9/x', events: ['avatar_video.success', 'avatar_video.explode'] },
    });
    expect(bad.json.error).toMatchObject({ code: 'validation_error', param: 'events[1]' });
    const ftp = await call(sim, 'POST', '/v3/webhooks/endpoints', { body: { url: 'ftp://x' } });
    expect(ftp.json.error).toMatchObject({ code: 'validation_error', param: 'url' });
  });

  it('lists the 30 event types', async () => {
    const res = await call(sim, 'GET', '/v3/webhooks/event-types');
    expect(res.json.data).toHaveLength(30);
    expect(res.json.data[0]).toEqual({ event_type: 'avatar_video.success', description: expect.any(String) });
  });

  it('replays create and rotate-secret under the same Idempotency-Key', async () => {
    const before = sim.snapshot().webhookEndpoints.length;
    const a = await addEndpoint(sim, { url: 'http://127.0.0.1:9/idem' }, 'ep-1');
    const b = await addEndpoint(sim, { url: 'http://127.0.0.1:9/idem' }, 'ep-1');
    expect(b).toEqual(a);
    expect(sim.snapshot().webhookEndpoints.length).toBe(before + 1);
    const rotate = () =>
      call(sim, 'POST', `/v3/webhooks/endpoints/${a.endpoint_id}/rotate-secret`, { idempotencyKey: 'rot-1' });
    const r1 = await rotate();
    const r2 = await rotate();
    expect(r1.json).toEqual({
      data: { endpoint_id: a.endpoint_id, secret: expect.stringMatching(/^whsec_/) },
    });
    expect(r2.json).toEqual(r1.json);
    expect(sim.snapshot().webhookEndpoints.find((e) => e.endpointId === a.endpoint_id)?.secret).toBe(
      r1.json.data.secret,
    );
  });
});

describe('simulator v3: webhook deliveries', () => {
  let sim: RunningSimulator;
  let receiver: Receiver;
  beforeEach(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS, webhookRetryBaseMs: 20 });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  const posts = () => receiver.received.filter((r) => r.method === 'POST');

  it('delivers {event_id, event_type, event_data} signed Heygen-Signature style by default, and records it', async () => {
    const endpoint = await addEndpoint(sim, { url: receiver.url, events: ['avatar_video.success'] });
    // No probe unless webhookV3Probe is set.
    expect(receiver.received).toHaveLength(0);
    const videoId = await renderOnce(sim, { callback_id: 'cb-7' });
    await waitFor(posts, (p) => p.length === 1);
    const [delivery] = posts();
    const body = bodyOf(delivery!);
    expect(body).toEqual({
      event_id: expect.any(String),
      event_type: 'avatar_video.success',
      event_data: expect.objectContaining({
        video_id: videoId,
        url: expect.any(String),
        callback_id: 'cb-7',
      }),
    });
    expect(delivery!.headers['heygen-signature']).toBe(hmac(endpoint.secret, delivery!.body));
    expect(delivery!.headers['heygen-event-id']).toBe(body.event_id);
    expect(Math.abs(Number(delivery!.headers['heygen-timestamp']) - Date.now() / 1000)).toBeLessThan(60);

    const history = await call(sim, 'GET', '/v3/webhooks/events');
    expect(history.json.data[0]).toEqual({
      event_id: body.event_id,
      event_type: 'avatar_video.success',
      event_data: body.event_data,
      created_at: expect.stringMatching(/T/),
    });
    expect(sim.webhookLog()).toEqual([
      expect.objectContaining({ endpointId: endpoint.endpoint_id, eventId: body.event_id, status: 200 }),
    ]);
  });

  it('rotate-secret invalidates the old secret at once, also for a delivery already queued', async () => {
    const endpoint = await addEndpoint(sim, { url: receiver.url, events: ['avatar_video.success'] });
    sim.addWebhookFault({ kind: 'delay', delayMs: 300 });
    await renderOnce(sim);
    await sleep(50);
    const rotated = await call(sim, 'POST', `/v3/webhooks/endpoints/${endpoint.endpoint_id}/rotate-secret`);
    const secret: string = rotated.json.data.secret;
    expect(secret).not.toBe(endpoint.secret);
    await waitFor(posts, (p) => p.length === 1);
    const [late] = posts();
    expect(late!.headers['heygen-signature']).toBe(hmac(secret, late!.body));
    expect(late!.headers['heygen-signature']).not.toBe(hmac(endpoint.secret, late!.body));

    await renderOnce(sim);
    await waitFor(posts, (p) => p.length === 2);
    expect(posts()[1]!.headers['heygen-signature']).toBe(hmac(secret, posts()[1]!.body));
  });

  it('applies webhook faults: duplicate sends the same event twice, drop sends nothing (history keeps it)', async () => {
    await addEndpoint(sim, { url: receiver.url, events: ['avatar_video.success'] });
    sim.addWebhookFault({ kind: 'duplicate' });
    await renderOnce(sim);
    await waitFor(posts, (p) => p.length === 2);
    expect(bodyOf(posts()[0]!).event_id).toBe(bodyOf(posts()[1]!).event_id);

    sim.addWebhookFault({ kind: 'drop' });
    const dropped = await renderOnce(sim);
    await waitFor(
      () => sim.webhookLog(),
      (log) => log.some((e) => e.fault === 'drop'),
    );
    await sleep(100);
    expect(posts()).toHaveLength(2);
    const history = await allPages(sim, '/v3/webhooks/events', { entity_id: dropped });
    expect(history.items.map((e) => e.event_type)).toEqual(['avatar_video.success']);
  });

  it('delivers failures with msg; entity_id endpoints get their entity only; v1 endpoints keep the v1 body', async () => {
    const v1 = await startReceiver();
    try {
      const v1Endpoint = await call(sim, 'POST', '/v1/webhook/endpoint.add', { body: { url: v1.url } });
      expect(v1Endpoint.status).toBe(200);
      const first = await renderOnce(sim);
      // Endpoints registered for one entity get the events about it only (this one: none).
      await addEndpoint(sim, { url: receiver.url, entity_id: 'another-entity' });
      sim.addJobOutcome({ job: 'render', outcome: 'fail', message: 'Avatar rendering timed out' });
      sim.setDurations({ renderMs: 200 });
      const failing = await renderOnce(sim, { callback_id: 'cb-f' });
      await addEndpoint(sim, { url: receiver.url, entity_id: failing, events: ['avatar_video.fail'] });
      const other = await renderOnce(sim);
      await waitFor(posts, (p) => p.length === 1);
      await waitFor(
        () => v1.received.filter((r) => r.method === 'POST'),
        (p) => p.length === 3,
      );
      await sleep(300);
      expect(posts().map((p) => bodyOf(p))).toEqual([
        {
          event_id: expect.any(String),
          event_type: 'avatar_video.fail',
          event_data: { video_id: failing, msg: 'Avatar rendering timed out', callback_id: 'cb-f' },
        },
      ]);
      const legacy = v1.received.filter((r) => r.method === 'POST').map((r) => bodyOf(r));
      expect(legacy.map((b) => Object.keys(b).sort())).toEqual([
        ['event_data', 'event_type'],
        ['event_data', 'event_type'],
        ['event_data', 'event_type'],
      ]);
      expect(legacy.map((b) => b.event_data.video_id)).toEqual([first, failing, other]);
      const v1Delivery = v1.received.find((r) => r.method === 'POST')!;
      expect(v1Delivery.headers.signature).toBe(hmac(v1Endpoint.json.data.secret, v1Delivery.body));

      const fails = await allPages(sim, '/v3/webhooks/events', { event_type: 'avatar_video.fail' });
      expect(fails.items.map((e) => e.event_data.video_id)).toEqual([failing]);
      const pages = await allPages(sim, '/v3/webhooks/events', { limit: '1' });
      expect(pages.pages).toBe(3);
      // Newest first.
      expect(pages.items.map((e) => e.event_data.video_id)).toEqual([other, failing, first]);
    } finally {
      await v1.close();
    }
  });
});

describe.each<[SignatureStyle, 'raw' | 'base64']>([
  ['heygen-signature', 'base64'],
  ['x-heygen-signature', 'raw'],
  ['signature', 'raw'],
  ['x-heygen-signature-timestamped', 'raw'],
])('v3 deliveries signed in the %s style (secret key %s)', (style, secretKey) => {
  const options: SimulatorOptions = {
    durations: ZERO_DURATIONS,
    webhookV3SignatureStyle: style,
    webhookV3SecretKey: secretKey,
  };

  it('carries a verifiable signature', () =>
    withSim(options, async (sim) => {
      const receiver = await startReceiver();
      try {
        const endpoint = await addEndpoint(sim, { url: receiver.url, events: ['avatar_video.success'] });
        await renderOnce(sim);
        const [d] = await waitFor(
          () => receiver.received,
          (r) => r.length === 1,
        );
        const secret: string = endpoint.secret;
        const key = secretKey === 'base64' ? Buffer.from(secret.slice('whsec_'.length), 'base64') : secret;
        const h = d!.headers;
        switch (style) {
          case 'heygen-signature':
            expect(h['heygen-signature']).toBe(hmac(key, d!.body));
            expect(h['heygen-event-id']).toBe(bodyOf(d!).event_id);
            break;
          case 'x-heygen-signature':
            expect(h['x-heygen-signature']).toBe(hmac(key, d!.body));
            break;
          case 'signature':
            expect(h.signature).toBe(hmac(key, d!.body));
            break;
          case 'x-heygen-signature-timestamped':
            expect(h['x-heygen-signature']).toBe(
              hmac(key, `${String(h['x-heygen-timestamp'])}.${d!.body.toString()}`),
            );
            break;
        }
      } finally {
        await receiver.close();
      }
    }));
});

describe('v3 endpoint registration probe', () => {
  it('sends the OPTIONS probe only with webhookV3Probe', () =>
    withSim({ durations: ZERO_DURATIONS, webhookV3Probe: true }, async (sim) => {
      const receiver = await startReceiver();
      try {
        await addEndpoint(sim, { url: receiver.url });
        expect(receiver.received.map((r) => r.method)).toEqual(['OPTIONS']);
        const closed = await startReceiver();
        await closed.close();
        const refused = await call(sim, 'POST', '/v3/webhooks/endpoints', { body: { url: closed.url } });
        expect(refused.json.error).toMatchObject({ code: 'invalid_parameter', param: 'url' });
      } finally {
        await receiver.close();
      }
    }));
});
