import { ZERO_DURATIONS } from '../../simulator';
import { createHmac } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- the JSON answers are inspected loosely */

type Json = any;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

interface Receiver {
  url: string;
  received: Received[];
  posts(): Received[];
  close(): Promise<void>;
}

/** A webhook endpoint: answers OPTIONS with `optionsStatus` (after `optionsDelayMs`), POST n with postStatus(n). */
async function startReceiver(
  opts: { optionsStatus?: number; optionsDelayMs?: number; postStatus?: (n: number) => number } = {},
): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: Date.now(),
      });
      if (req.method === 'OPTIONS') {
        setTimeout(() => res.writeHead(opts.optionsStatus ?? 200).end(), opts.optionsDelayMs ?? 0);
      } else {
        const n = received.filter((r) => r.method === 'POST').length;
        res.writeHead(opts.postStatus?.(n) ?? 200).end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/heygen/webhook`,
    received,
    posts: () => received.filter((r) => r.method === 'POST'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function call(sim: RunningSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

async function until(ok: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

const ZERO: SimulatorOptions['durations'] = ZERO_DURATIONS;

const SCENE = {
  character: { type: 'avatar', avatar_id: 'Tyler-incasualsuit-20220721' },
  voice: { type: 'text', voice_id: '2d5b0e6cf36f460aa7fc47e3eee4ba54', input_text: 'Webhook test' },
};

const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

async function register(sim: RunningSimulator, url: string, events?: string[]): Promise<Json> {
  const res = await call(sim, 'POST', '/v1/webhook/endpoint.add', { url, ...(events ? { events } : {}) });
  expect(res.status).toBe(200);
  return res.json.data;
}

describe('webhook endpoints', () => {
  let sim: RunningSimulator;
  let receiver: Receiver;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('registers after an OPTIONS probe, lists, updates and deletes', async () => {
    const res = await call(sim, 'POST', '/v1/webhook/endpoint.add', { url: receiver.url });
    expect(res.status).toBe(200);
    expect(res.json.code).toBe(100);
    const endpoint = res.json.data;
    expect(endpoint).toMatchObject({
      endpoint_id: expect.any(String),
      username: expect.any(String),
      url: receiver.url,
      status: 'enabled',
      secret: expect.any(String),
      created_at: expect.anything(),
      space_id: expect.any(String),
    });
    expect(endpoint.events).toEqual(
      expect.arrayContaining(['avatar_video.success', 'photo_avatar_train.fail']),
    );
    expect(receiver.received.filter((r) => r.method === 'OPTIONS')).toHaveLength(1);

    const list = await call(sim, 'GET', '/v1/webhook/endpoint.list');
    expect(list.json.data).toEqual([
      expect.objectContaining({ endpoint_id: endpoint.endpoint_id, secret: endpoint.secret }),
    ]);

    const updated = await call(sim, 'PATCH', '/v1/webhook/endpoint.update', {
      endpoint_id: endpoint.endpoint_id,
      events: ['avatar_video.success'],
    });
    expect(updated.json.data.events).toEqual(['avatar_video.success']);
    expect(sim.snapshot().webhookEndpoints).toEqual([
      {
        endpointId: endpoint.endpoint_id,
        url: receiver.url,
        events: ['avatar_video.success'],
        secret: endpoint.secret,
      },
    ]);

    const names = await call(sim, 'GET', '/v1/webhook/webhook.list');
    expect(names.json.data).toEqual(expect.arrayContaining(['avatar_video.success', 'avatar_video.fail']));

    const del = await call(sim, 'DELETE', `/v1/webhook/endpoint.delete?endpoint_id=${endpoint.endpoint_id}`);
    expect(del.json.code).toBe(100);
    expect(
      (await call(sim, 'DELETE', `/v1/webhook/endpoint.delete?endpoint_id=${endpoint.endpoint_id}`)).status,
    ).toBe(404);
    expect((await call(sim, 'GET', '/v1/webhook/endpoint.list')).json.data).toEqual([]);
  });

  it('refuses unknown events and bad URLs', async () => {
    const res = await call(sim, 'POST', '/v1/webhook/endpoint.add', {
      url: receiver.url,
      events: ['avatar_video.explode'],
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('events[0]');
    const bad = await call(sim, 'POST', '/v1/webhook/endpoint.add', { url: 'ftp://x' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('url');
  });

  it('refuses an endpoint whose OPTIONS probe fails, errs or is slower than one second', async () => {
    const closed = await startReceiver();
    await closed.close();
    const unreachable = await call(sim, 'POST', '/v1/webhook/endpoint.add', { url: closed.url });
    expect(unreachable.status).toBe(400);
    expect(unreachable.json.message).toMatch(/OPTIONS/);

    const notAllowed = await startReceiver({ optionsStatus: 405 });
    const refused = await call(sim, 'POST', '/v1/webhook/endpoint.add', { url: notAllowed.url });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toMatch(/HTTP 405/);
    await notAllowed.close();

    const slow = await startReceiver({ optionsDelayMs: 1500 });
    const started = Date.now();
    const timedOut = await call(sim, 'POST', '/v1/webhook/endpoint.add', { url: slow.url });
    expect(timedOut.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(1400);
    await slow.close();
    expect(sim.snapshot().webhookEndpoints).toEqual([]);
  });
});

describe.each([
  ['signature', 'signature'],
  ['x-heygen-signature', 'x-heygen-signature'],
  ['heygen-signature', 'heygen-signature'],
] as const)('webhook delivery signed with %s', (style, header) => {
  let sim: RunningSimulator;
  let receiver: Receiver;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO, webhookSignatureStyle: style });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('POSTs avatar_video.success with an HMAC of the raw body', async () => {
    const endpoint = await register(sim, receiver.url, ['avatar_video.success', 'avatar_video.fail']);
    const created = await call(sim, 'POST', '/v2/video/generate', {
      video_inputs: [SCENE],
      callback_id: 'cb-42',
      dimension: { width: 320, height: 240 }, // small: the test fetches the video its event links
    });
    const videoId: string = created.json.data.video_id;
    await until(() => receiver.posts().length === 1);
    const [delivery] = receiver.posts();
    if (!delivery) throw new Error('no delivery');
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers[header]).toBe(hmac(endpoint.secret, delivery.body));
    if (style === 'heygen-signature') {
      expect(Number(delivery.headers['heygen-timestamp'])).toBeGreaterThan(1_600_000_000);
      expect(delivery.headers['heygen-event-id']).toEqual(expect.any(String));
    }
    const event = JSON.parse(delivery.body.toString('utf8'));
    expect(event).toEqual({
      event_type: 'avatar_video.success',
      event_data: {
        video_id: videoId,
        url: expect.stringContaining(`/video/${videoId}.mp4?Expires=`),
        callback_id: 'cb-42',
        gif_download_url: expect.stringContaining('.gif?'),
        video_share_page_url: expect.any(String),
        folder_id: expect.any(String),
        callback_url: null,
      },
    });
    const download = await fetch(event.event_data.url);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    await until(() => sim.webhookLog().length === 1);
    expect(sim.webhookLog()[0]).toMatchObject({
      endpointId: endpoint.endpoint_id,
      url: receiver.url,
      eventType: 'avatar_video.success',
      attempt: 1,
      status: 200,
    });
  });
});

describe('webhook events and redelivery', () => {
  const options: SimulatorOptions = { durations: ZERO, webhookRetryBaseMs: 30, webhookMaxAttempts: 3 };

  it('sends avatar_video.fail, photo generation and training events with their ids', async () => {
    const sim = await startSimulator(options);
    const receiver = await startReceiver();
    try {
      await register(sim, receiver.url);
      sim.addJobOutcome({ job: 'render', outcome: 'fail', message: 'Render exploded' });
      const video = await call(sim, 'POST', '/v2/video/generate', {
        video_inputs: [SCENE],
        callback_id: 'cb-f',
      });
      const gen = await call(sim, 'POST', '/v2/photo_avatar/photo/generate', {
        name: 'W',
        age: 'Adult',
        gender: 'Woman',
        ethnicity: 'Black',
        orientation: 'square',
        pose: 'half_body',
        style: 'Pixar',
        appearance: 'x',
      });
      await until(() => receiver.posts().length === 2);
      const status = await call(sim, 'GET', `/v2/photo_avatar/generation/${gen.json.data.generation_id}`);
      const group = await call(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
        name: 'W',
        image_key: status.json.data.image_key_list[0],
      });
      sim.addJobOutcome({ job: 'training', outcome: 'fail', message: 'bad photos' });
      await call(sim, 'POST', '/v2/photo_avatar/train', { group_id: group.json.data.id });
      await until(() => receiver.posts().length === 3);
      await call(sim, 'POST', '/v2/photo_avatar/train', { group_id: group.json.data.id });
      await until(() => receiver.posts().length === 4);
      const lookGen = await call(sim, 'POST', '/v2/photo_avatar/look/generate', {
        group_id: group.json.data.id,
        prompt: 'red dress',
        orientation: 'vertical',
        pose: 'full_body',
        style: 'Realistic',
      });
      await until(() => receiver.posts().length === 5);

      const events = receiver.posts().map((p) => JSON.parse(p.body.toString('utf8')));
      expect(events).toEqual(
        expect.arrayContaining([
          {
            event_type: 'avatar_video.fail',
            event_data: { video_id: video.json.data.video_id, msg: 'Render exploded', callback_id: 'cb-f' },
          },
          {
            event_type: 'photo_avatar_generation.success',
            event_data: { generation_id: gen.json.data.generation_id },
          },
        ]),
      );
      expect(events.slice(2)).toEqual([
        {
          event_type: 'photo_avatar_train.fail',
          event_data: { group_id: group.json.data.id, msg: 'bad photos' },
        },
        { event_type: 'photo_avatar_train.success', event_data: { group_id: group.json.data.id } },
        {
          event_type: 'photo_avatar_generation.success',
          event_data: { generation_id: lookGen.json.data.generation_id, group_id: group.json.data.id },
        },
      ]);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });

  it('only sends subscribed events', async () => {
    const sim = await startSimulator(options);
    const videos = await startReceiver();
    const all = await startReceiver();
    try {
      await register(sim, videos.url, ['avatar_video.success']);
      await register(sim, all.url);
      sim.addJobOutcome({ job: 'render', outcome: 'fail' });
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => all.posts().length === 2 && videos.posts().length === 1);
      await sleep(50);
      expect(videos.posts()).toHaveLength(1);
      expect(JSON.parse(videos.posts()[0]?.body.toString('utf8') ?? '{}').event_type).toBe(
        'avatar_video.success',
      );
    } finally {
      await sim.close();
      await videos.close();
      await all.close();
    }
  });

  it('redelivers after a 500 with a doubling delay, up to webhookMaxAttempts', async () => {
    const sim = await startSimulator(options);
    const flaky = await startReceiver({ postStatus: (n) => (n === 1 ? 500 : 200) });
    const broken = await startReceiver({ postStatus: () => 503 });
    try {
      const e1 = await register(sim, flaky.url, ['avatar_video.success']);
      const e2 = await register(sim, broken.url, ['avatar_video.success']);
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => flaky.posts().length === 2 && broken.posts().length === 3);
      await sleep(200);
      expect(broken.posts()).toHaveLength(3);
      const [b1, b2, b3] = broken.posts();
      expect((b2?.at ?? 0) - (b1?.at ?? 0)).toBeGreaterThanOrEqual(25);
      expect((b3?.at ?? 0) - (b2?.at ?? 0)).toBeGreaterThanOrEqual(55);
      expect(flaky.posts()[1]?.body.equals(flaky.posts()[0]?.body ?? Buffer.alloc(0))).toBe(true);

      const log = sim.webhookLog();
      expect(log.filter((e) => e.endpointId === e1.endpoint_id).map((e) => [e.attempt, e.status])).toEqual([
        [1, 500],
        [2, 200],
      ]);
      expect(log.filter((e) => e.endpointId === e2.endpoint_id).map((e) => [e.attempt, e.status])).toEqual([
        [1, 503],
        [2, 503],
        [3, 503],
      ]);
      expect(new Set(log.map((e) => e.eventId)).size).toBe(1);
    } finally {
      await sim.close();
      await flaky.close();
      await broken.close();
    }
  });

  it('logs status 0 and retries when the endpoint is unreachable', async () => {
    const sim = await startSimulator(options);
    const receiver = await startReceiver();
    await register(sim, receiver.url);
    await receiver.close();
    try {
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => sim.webhookLog().length === 3);
      expect(sim.webhookLog().map((e) => e.status)).toEqual([0, 0, 0]);
    } finally {
      await sim.close();
    }
  });

  it('applies drop, duplicate and delay faults', async () => {
    const sim = await startSimulator({ ...options, webhookSignatureStyle: 'heygen-signature' });
    const receiver = await startReceiver();
    try {
      await register(sim, receiver.url, ['avatar_video.success']);
      sim.addWebhookFault({ eventType: 'avatar_video.success', kind: 'drop' });
      sim.addWebhookFault({ kind: 'duplicate' });
      sim.addWebhookFault({ kind: 'delay', delayMs: 200 });

      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => sim.webhookLog().length === 1);
      expect(sim.webhookLog()[0]).toMatchObject({ fault: 'drop', status: 0 });

      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => receiver.posts().length === 2);
      const [d1, d2] = receiver.posts();
      expect(d1?.headers['heygen-event-id']).toBe(d2?.headers['heygen-event-id']);
      expect(d1?.body.equals(d2?.body ?? Buffer.alloc(0))).toBe(true);

      const started = Date.now();
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => receiver.posts().length === 3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);

      await until(() => sim.webhookLog().length === 4);
      expect(sim.webhookLog().map((e) => e.fault)).toEqual(['drop', 'duplicate', 'duplicate', 'delay']);
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => sim.webhookLog().length === 5);
      expect(sim.webhookLog().at(-1)?.fault).toBeUndefined();
    } finally {
      await sim.close();
      await receiver.close();
    }
  });

  it('stops pending redeliveries on close', async () => {
    const sim = await startSimulator({ ...options, webhookRetryBaseMs: 10_000 });
    const receiver = await startReceiver({ postStatus: () => 500 });
    try {
      await register(sim, receiver.url);
      await call(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
      await until(() => receiver.posts().length === 1);
    } finally {
      await sim.close();
      await receiver.close();
    }
    expect(receiver.posts()).toHaveLength(1);
  });
});
