import { ZERO_DURATIONS } from '../../simulator';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { startSimulator, type RunningSimulator } from '../../simulator';
import type { SignatureStyle } from '../../simulator/config';
import { parseWebhookEvent } from '../../webhooks/events';
import { startWebhookReceiver, type RunningWebhookReceiver } from '../../webhooks/receiver';
import { verifySignature } from '../../webhooks/signature';
import type { ReceiverLog } from '../../webhooks/types';
import { FakeSink, send, sign, sleep, until } from './helpers';
import { PHOTO_ATTRIBUTES } from '../support/inputs';

const SECRET = 'whsec-primary-0123456789';
const OLD_SECRET = 'whsec-previous-9876543210';
const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);
const NOW_S = Math.floor(NOW_MS / 1000);

const body = (eventType: string, data: Record<string, unknown>): Buffer =>
  Buffer.from(JSON.stringify({ event_type: eventType, event_data: data }));

const videoOk = (videoId = 'vid-1', callbackId: string | null = 'wf-render-1') =>
  body('avatar_video.success', {
    video_id: videoId,
    url: 'https://files.heygen.test/v.mp4',
    callback_id: callbackId,
    gif_download_url: 'https://files.heygen.test/v.gif',
  });

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface LogLine {
  level: 'info' | 'warn';
  message: string;
  fields?: Record<string, unknown>;
}

describe('webhook receiver', () => {
  let sink: FakeSink;
  let receiver: RunningWebhookReceiver;
  let lines: LogLine[];

  beforeEach(async () => {
    sink = new FakeSink();
    lines = [];
    const log: ReceiverLog = {
      info: (message, fields) => lines.push({ level: 'info', message, fields }),
      warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    };
    receiver = await startWebhookReceiver({
      secrets: [SECRET, OLD_SECRET],
      sink,
      log,
      now: () => NOW_MS,
      maxBodyBytes: 64 * 1024,
      requestTimeoutMs: 800,
    });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const post = (raw: Buffer, headers: Record<string, string | string[]>) =>
    send(receiver.url, { body: raw, headers: { 'Content-Type': 'application/json', ...headers } });

  describe('signature checks (401, sink never called)', () => {
    it.each<[string, () => Record<string, string>, string]>([
      ['forged signature', () => ({ Signature: 'ab'.repeat(32) }), 'bad_signature'],
      ['wrong secret', () => ({ Signature: sign('not-the-secret', videoOk()) }), 'bad_signature'],
      ['missing header', () => ({}), 'missing_signature'],
      ['empty header', () => ({ Signature: '' }), 'missing_signature'],
      ['uppercased signature', () => ({ Signature: sign(SECRET, videoOk()).toUpperCase() }), 'bad_signature'],
      ['truncated signature', () => ({ Signature: sign(SECRET, videoOk()).slice(0, 63) }), 'bad_signature'],
      ['non-hex signature', () => ({ Signature: 'zz'.repeat(32) }), 'bad_signature'],
      ['prefixed signature', () => ({ Signature: `sha256=${sign(SECRET, videoOk())}` }), 'bad_signature'],
      [
        'stale timestamp (Heygen-Timestamp, past)',
        () => ({ 'Heygen-Signature': sign(SECRET, videoOk()), 'Heygen-Timestamp': String(NOW_S - 301) }),
        'stale_timestamp',
      ],
      [
        'stale timestamp (future)',
        () => ({ 'Heygen-Signature': sign(SECRET, videoOk()), 'Heygen-Timestamp': String(NOW_S + 301) }),
        'stale_timestamp',
      ],
      [
        'timestamp in milliseconds',
        () => ({ 'Heygen-Signature': sign(SECRET, videoOk()), 'Heygen-Timestamp': String(NOW_MS) }),
        'stale_timestamp',
      ],
      [
        'garbage timestamp',
        () => ({ 'Heygen-Signature': sign(SECRET, videoOk()), 'Heygen-Timestamp': '12abc' }),
        'bad_timestamp',
      ],
      ['missing timestamp', () => ({ 'Heygen-Signature': sign(SECRET, videoOk()) }), 'bad_timestamp'],
      [
        'a valid header next to a forged one',
        () => ({ Signature: sign(SECRET, videoOk()), 'X-HeyGen-Signature': 'cd'.repeat(32) }),
        'bad_signature',
      ],
    ])('%s -> 401', async (_name, headers, reason) => {
      const res = await post(videoOk(), headers());
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ status: 'unauthorized' });
      expect(sink.calls).toBe(0);
      const stats = receiver.stats();
      expect(stats.rejected).toMatchObject({ [reason]: 1 });
      expect(stats.verified).toBe(0);
      // Nothing secret in the log.
      const logged = JSON.stringify(lines);
      expect(logged).not.toContain(SECRET);
      expect(logged).not.toContain(sign(SECRET, videoOk()));
      expect(lines.some((l) => l.level === 'warn' && l.fields?.reason === reason)).toBe(true);
    });

    it('rejects a body with one byte changed', async () => {
      const raw = videoOk();
      const signature = sign(SECRET, raw);
      const mutated = Buffer.from(raw);
      mutated[10] = (mutated[10] ?? 0) ^ 0x01;
      const res = await post(mutated, { Signature: signature });
      expect(res.status).toBe(401);
      expect(sink.calls).toBe(0);
    });

    it('rejects a repeated signature header (joined by the HTTP layer)', async () => {
      const raw = videoOk();
      const signature = sign(SECRET, raw);
      const res = await post(raw, { Signature: [signature, signature] });
      expect(res.status).toBe(401);
      expect(sink.calls).toBe(0);
    });

    it('answers 401 to everything while no secret is configured, and accepts once one is added', async () => {
      const secrets: string[] = [];
      const late = await startWebhookReceiver({ secrets, sink, now: () => NOW_MS });
      try {
        const raw = videoOk('vid-late');
        const headers = { Signature: sign(SECRET, raw) };
        expect((await send(late.url, { body: raw, headers })).status).toBe(401);
        // Nor does an empty secret sign anything.
        secrets.push('');
        expect((await send(late.url, { body: raw, headers: { Signature: sign('', raw) } })).status).toBe(401);
        secrets.push(SECRET);
        expect((await send(late.url, { body: raw, headers })).status).toBe(200);
        expect(sink.accepted.map((e) => e.resourceId)).toEqual(['vid-late']);
      } finally {
        await late.close();
      }
    });
  });

  describe('accepted signatures', () => {
    it.each<[string, (raw: Buffer) => Record<string, string>]>([
      ['Signature', (raw) => ({ Signature: sign(SECRET, raw) })],
      ['X-HeyGen-Signature', (raw) => ({ 'X-HeyGen-Signature': sign(SECRET, raw) })],
      [
        'Heygen-Signature + Heygen-Timestamp',
        (raw) => ({ 'Heygen-Signature': sign(SECRET, raw), 'Heygen-Timestamp': String(NOW_S - 299) }),
      ],
      ['lowercase header names', (raw) => ({ 'x-heygen-signature': sign(SECRET, raw) })],
      ['the previous secret (rotation)', (raw) => ({ Signature: sign(OLD_SECRET, raw) })],
      [
        'two styles at once, both valid',
        (raw) => ({ Signature: sign(SECRET, raw), 'X-HeyGen-Signature': sign(OLD_SECRET, raw) }),
      ],
    ])('%s -> 200 accepted', async (_name, headers) => {
      const raw = videoOk('vid-ok', 'wf-ok');
      const res = await post(raw, headers(raw));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'accepted' });
      expect(sink.accepted).toEqual([
        {
          kind: 'render',
          resourceId: 'vid-ok',
          outcome: 'success',
          eventType: 'avatar_video.success',
          route: 'wf-ok',
          eventId: sha256(raw),
        },
      ]);
      expect(receiver.stats()).toMatchObject({ received: 1, verified: 1, accepted: 1 });
    });

    it('takes the event id from Heygen-Event-Id', async () => {
      const raw = videoOk('vid-ev');
      const res = await post(raw, {
        'Heygen-Signature': sign(SECRET, raw),
        'Heygen-Timestamp': String(NOW_S),
        'Heygen-Event-Id': 'evt_123',
      });
      expect(res.status).toBe(200);
      expect(sink.accepted[0]?.eventId).toBe('evt_123');
    });

    it('answers duplicate for the same event twice', async () => {
      const raw = videoOk('vid-dup');
      expect((await post(raw, { Signature: sign(SECRET, raw) })).json).toEqual({ status: 'accepted' });
      const again = await post(raw, { Signature: sign(SECRET, raw) });
      expect(again.status).toBe(200);
      expect(again.json).toEqual({ status: 'duplicate' });
      expect(receiver.stats()).toMatchObject({ accepted: 1, duplicate: 1 });
    });

    it('ignores the content type (the signature covers the bytes)', async () => {
      const raw = videoOk('vid-ct');
      const res = await post(raw, {
        Signature: sign(SECRET, raw),
        'Content-Type': 'text/plain; charset=latin1',
      });
      expect(res.status).toBe(200);
    });
  });

  describe('body limits (413)', () => {
    it('refuses a declared Content-Length over the limit without reading the body', async () => {
      // Only the headers are sent: the answer must not wait for the 1 MiB that never comes.
      const answer = await new Promise<string>((resolve, reject) => {
        const url = new URL(receiver.url);
        const socket = net.connect(Number(url.port), url.hostname, () => {
          socket.write(
            `POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Signature: ${'ab'.repeat(32)}\r\nContent-Length: ${1024 * 1024}\r\n\r\n{"event_type":`,
          );
        });
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 413 /u);
      expect(answer).toContain('"status":"too_large"');
      expect(receiver.stats().rejected.too_large).toBe(1);
      expect(sink.calls).toBe(0);
    });

    it('stops reading a chunked body that goes past the limit', async () => {
      const raw = Buffer.concat([videoOk('vid-big'), Buffer.alloc(300 * 1024, 0x20)]);
      const res = await send(receiver.url, {
        body: raw,
        headers: { Signature: sign(SECRET, raw), 'Content-Type': 'application/json' },
        chunkSize: 4096,
      });
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(receiver.stats().rejected.too_large).toBe(1);
      expect(sink.calls).toBe(0);
    });

    it('accepts a chunked body under the limit', async () => {
      const raw = videoOk('vid-chunked');
      const res = await send(receiver.url, {
        body: raw,
        headers: { Signature: sign(SECRET, raw) },
        chunkSize: 7,
      });
      expect(res.status).toBe(200);
      expect(sink.accepted.map((e) => e.resourceId)).toEqual(['vid-chunked']);
    });
  });

  describe('parsing (after verification)', () => {
    it.each<[string, Buffer]>([
      ['not JSON', Buffer.from('{"event_type": "avatar_video.success", ')],
      ['empty body', Buffer.alloc(0)],
      ['a JSON array', Buffer.from('[1,2,3]')],
      ['no event_type', Buffer.from(JSON.stringify({ event_data: { video_id: 'v' } }))],
      ['no event_data', Buffer.from(JSON.stringify({ event_type: 'avatar_video.success' }))],
      [
        'event_data not an object',
        Buffer.from(JSON.stringify({ event_type: 'avatar_video.success', event_data: 'x' })),
      ],
      ['a video event without video_id', body('avatar_video.success', { callback_id: 'wf' })],
      ['a training event without group_id', body('photo_avatar_train.success', {})],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ])('%s -> 400', async (_name, raw) => {
      const res = await post(raw, { Signature: sign(SECRET, raw) });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ status: 'malformed' });
      expect(sink.calls).toBe(0);
      expect(receiver.stats()).toMatchObject({ verified: 1, rejected: { malformed: 1 } });
    });

    it.each<[string, Buffer]>([
      ['an unknown event type', body('avatar_video.exploded', { video_id: 'v', callback_id: 'wf' })],
      ['a gif event', body('avatar_video_gif.success', { video_id: 'v', callback_id: 'wf' })],
      ['a caption event', body('avatar_video_caption.fail', { video_id: 'v' })],
      ['an add-motion event', body('photo_avatar_add_motion.success', { id: 'x' })],
      ['an instant-avatar event', body('instant_avatar.success', {})],
      ['a translation event', body('video_translate.fail', {})],
      ['a video event without callback_id', videoOk('vid-foreign', null)],
      ['a video event with an empty callback_id', videoOk('vid-foreign', '')],
    ])('%s -> 200 ignored, sink not called', async (_name, raw) => {
      const res = await post(raw, { Signature: sign(SECRET, raw) });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'ignored' });
      expect(sink.calls).toBe(0);
      expect(receiver.stats().ignored).toBe(1);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'webhook ignored' }));
    });
  });

  describe('sink failures', () => {
    it('answers 503 when the sink throws, and accepts the redelivery of the same bytes', async () => {
      sink.failures = 1;
      const raw = body('photo_avatar_train.success', { group_id: 'grp-1' });
      const headers = { Signature: sign(SECRET, raw) };
      const first = await post(raw, headers);
      expect(first.status).toBe(503);
      expect(first.json).toEqual({ status: 'unavailable' });
      expect(sink.accepted).toHaveLength(0);
      const second = await post(raw, headers);
      expect(second.status).toBe(200);
      expect(second.json).toEqual({ status: 'accepted' });
      expect(sink.accepted).toEqual([
        {
          kind: 'training',
          resourceId: 'grp-1',
          outcome: 'success',
          eventType: 'photo_avatar_train.success',
          eventId: sha256(raw),
        },
      ]);
      expect(receiver.stats()).toMatchObject({ received: 2, verified: 2, unavailable: 1, accepted: 1 });
    });

    it('answers 503 when the sink hangs past sinkTimeoutMs', async () => {
      const hanging = await startWebhookReceiver({
        secrets: [SECRET],
        sink: { deliver: () => new Promise(() => undefined) },
        sinkTimeoutMs: 100,
      });
      try {
        const raw = videoOk('vid-hang');
        const res = await send(hanging.url, { body: raw, headers: { Signature: sign(SECRET, raw) } });
        expect(res.status).toBe(503);
        expect(hanging.stats().unavailable).toBe(1);
      } finally {
        await hanging.close();
      }
    });
  });

  describe('routing', () => {
    it('answers the OPTIONS probe at once, /healthz, 405 and 404', async () => {
      const started = Date.now();
      const probe = await send(receiver.url, { method: 'OPTIONS' });
      expect(probe.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      const base = new URL(receiver.url).origin;
      expect((await send(`${base}/healthz`, { method: 'GET' })).json).toEqual({ status: 'ok' });
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
        const res = await send(receiver.url, { method });
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('POST, OPTIONS');
      }
      expect((await send(`${base}/webhooks/other`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await send(`${base}/`, { method: 'GET' })).status).toBe(404);
      // A query string does not change the path.
      const raw = videoOk('vid-q');
      expect(
        (
          await send(`${receiver.url}?source=heygen`, {
            body: raw,
            headers: { Signature: sign(SECRET, raw) },
          })
        ).status,
      ).toBe(200);
      expect(receiver.stats()).toMatchObject({ probes: 1, methodNotAllowed: 4, notFound: 2, received: 1 });
    });

    it('answers malformed HTTP, oversized headers and stalled bodies without falling over', async () => {
      const url = new URL(receiver.url);
      const raw = (payload: string, endAfterWrite: boolean) =>
        new Promise<string>((resolve) => {
          const socket = net.connect(Number(url.port), url.hostname, () => {
            socket.write(payload);
            if (endAfterWrite) socket.end();
          });
          let text = '';
          socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
          socket.on('close', () => resolve(text));
          socket.on('error', () => undefined);
        });
      expect(await raw('\x00\x01garbage\r\n\r\n', true)).toMatch(/^HTTP\/1\.1 400 /u);
      expect(
        await raw(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, false),
      ).toMatch(/^HTTP\/1\.1 431 /u);
      // Declares 100 bytes, sends 10, then stalls: closed after requestTimeoutMs (800 ms here).
      const started = Date.now();
      const stalled = await raw(
        `POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nSignature: ${'ab'.repeat(32)}\r\nContent-Length: 100\r\n\r\n0123456789`,
        false,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(stalled === '' || /^HTTP\/1\.1 408 /u.test(stalled)).toBe(true);
      // Headers that never finish.
      const slowHeaders = await raw(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nX-Slow: `, false);
      expect(slowHeaders === '' || /^HTTP\/1\.1 408 /u.test(slowHeaders)).toBe(true);
      await until(() => receiver.stats().aborted === 1);
      expect(sink.calls).toBe(0);
      const base = new URL(receiver.url).origin;
      expect((await send(`${base}/healthz`, { method: 'GET' })).status).toBe(200);
      expect(receiver.stats().clientErrors).toBeGreaterThanOrEqual(3);
    });

    it('close() ends open connections', async () => {
      const url = new URL(receiver.url);
      const socket = net.connect(Number(url.port), url.hostname);
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01`);
      await sleep(50);
      await receiver.close();
      await closed;
      await receiver.close();
    });
  });
});

describe('v3 deliveries and event ids', () => {
  const v3 = (eventId: string, eventType: string, data: Record<string, unknown>): Buffer =>
    Buffer.from(
      JSON.stringify({ event_id: eventId, event_type: eventType, event_data: data, created_at: 'x' }),
    );

  async function withReceiver(
    run: (ctx: {
      receiver: RunningWebhookReceiver;
      sink: FakeSink;
      post: (raw: Buffer) => Promise<number>;
    }) => Promise<void>,
    recentEventIds?: number,
  ): Promise<void> {
    const sink = new FakeSink();
    const receiver = await startWebhookReceiver({
      secrets: [SECRET],
      sink,
      ...(recentEventIds !== undefined ? { recentEventIds } : {}),
    });
    const post = async (raw: Buffer) =>
      (await send(receiver.url, { body: raw, headers: { 'X-HeyGen-Signature': sign(SECRET, raw) } })).status;
    try {
      await run({ receiver, sink, post });
    } finally {
      await receiver.close();
    }
  }

  it("maps the v3 body {event_id, event_type, event_data} like the legacy one, with HeyGen's event id", async () => {
    await withReceiver(async ({ sink, post }) => {
      expect(
        await post(v3('evt_v1', 'avatar_video.fail', { video_id: 'v9', msg: 'bad', callback_id: 'wf-9' })),
      ).toBe(200);
      expect(await post(v3('evt_v2', 'photo_avatar_train.success', { group_id: 'grp-9' }))).toBe(200);
      expect(await post(v3('evt_v3', 'photo_avatar_generation.fail', { generation_id: 'gen-9' }))).toBe(200);
      expect(sink.accepted).toEqual([
        {
          kind: 'render',
          resourceId: 'v9',
          outcome: 'fail',
          eventType: 'avatar_video.fail',
          route: 'wf-9',
          message: 'bad',
          eventId: 'evt_v1',
        },
        {
          kind: 'training',
          resourceId: 'grp-9',
          outcome: 'success',
          eventType: 'photo_avatar_train.success',
          eventId: 'evt_v2',
        },
        {
          kind: 'photo_generation',
          resourceId: 'gen-9',
          outcome: 'fail',
          eventType: 'photo_avatar_generation.fail',
          eventId: 'evt_v3',
        },
      ]);
    });
  });

  it('acknowledges v3-only and unknown event types and ignores them', async () => {
    await withReceiver(async ({ receiver, sink, post }) => {
      for (const type of [
        'batch.finished',
        'video_agent.success',
        'hyperframes_video.fail',
        'brand_new.event',
      ]) {
        expect(await post(v3(`evt_${type}`, type, { id: 'x' }))).toBe(200);
      }
      expect(sink.calls).toBe(0);
      expect(receiver.stats().ignored).toBe(4);
    });
  });

  it('an unusable event_id is no event id: the body hash stands in', async () => {
    await withReceiver(async ({ sink, post }) => {
      const raw = v3('has space', 'photo_avatar_train.success', { group_id: 'grp-x' });
      expect(await post(raw)).toBe(200);
      expect(sink.accepted[0]?.eventId).toBe(sha256(raw));
      const numeric = Buffer.from(
        JSON.stringify({
          event_id: 42,
          event_type: 'photo_avatar_train.fail',
          event_data: { group_id: 'grp-y' },
        }),
      );
      expect(await post(numeric)).toBe(200);
      expect(sink.accepted[1]?.eventId).toBe(sha256(numeric));
    });
  });

  it('answers a repeated event id from its memo without calling the sink', async () => {
    await withReceiver(async ({ receiver, sink, post }) => {
      const raw = v3('evt_rep', 'avatar_video.success', { video_id: 'v-rep', callback_id: 'wf-rep' });
      expect(await post(raw)).toBe(200);
      // A redelivery, even re-serialised (other bytes, same event id).
      const again = v3('evt_rep', 'avatar_video.success', { callback_id: 'wf-rep', video_id: 'v-rep' });
      const res = await send(receiver.url, { body: again, headers: { Signature: sign(SECRET, again) } });
      expect(res.json).toEqual({ status: 'duplicate' });
      expect(sink.calls).toBe(1);
      expect(receiver.stats()).toMatchObject({ accepted: 1, duplicate: 1, recentDuplicates: 1 });
      // The same id about another resource is not taken for a repeat.
      expect(
        await post(v3('evt_rep', 'avatar_video.success', { video_id: 'v-other', callback_id: 'wf-rep' })),
      ).toBe(200);
      // It reaches the sink (which keys on the event id alone, so calls it a duplicate itself).
      expect(sink.deliveries.map((e) => e.resourceId)).toEqual(['v-rep', 'v-other']);
    });
  });

  it('remembers only events handed over: a 503 is tried again on redelivery', async () => {
    await withReceiver(async ({ sink, post }) => {
      sink.failures = 1;
      const raw = v3('evt_503', 'photo_avatar_train.success', { group_id: 'grp-503' });
      expect(await post(raw)).toBe(503);
      expect(await post(raw)).toBe(200);
      expect(sink.accepted.map((e) => e.resourceId)).toEqual(['grp-503']);
      expect(sink.calls).toBe(2);
    });
  });

  it('keeps the memo bounded (least recently seen out first), and can turn it off', async () => {
    await withReceiver(async ({ receiver, sink, post }) => {
      const ev = (n: number) => v3(`evt_${n}`, 'photo_avatar_train.success', { group_id: `grp-${n}` });
      for (const n of [1, 2]) expect(await post(ev(n))).toBe(200);
      expect(await post(ev(1))).toBe(200); // memo hit, and 1 becomes the most recent
      expect(await post(ev(3))).toBe(200); // evicts 2
      expect(sink.calls).toBe(3);
      expect(await post(ev(1))).toBe(200); // still remembered
      expect(sink.calls).toBe(3);
      expect(await post(ev(2))).toBe(200); // forgotten: the sink decides (duplicate)
      expect(sink.calls).toBe(4);
      expect(receiver.stats()).toMatchObject({ accepted: 3, duplicate: 3, recentDuplicates: 2 });
    }, 2);
    await withReceiver(async ({ sink, post }) => {
      const raw = v3('evt_off', 'photo_avatar_train.success', { group_id: 'grp-off' });
      expect(await post(raw)).toBe(200);
      expect(await post(raw)).toBe(200);
      expect(sink.calls).toBe(2);
    }, 0);
  });
});

describe('event mapping', () => {
  const parse = (eventType: string, data: Record<string, unknown>, eventId?: string) =>
    parseWebhookEvent(body(eventType, data), eventId);

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'avatar_video.success',
      { video_id: 'v1', url: 'https://x/v.mp4', callback_id: 'wf-1', folder_id: '', extra: { a: 1 } },
      { kind: 'render', resourceId: 'v1', outcome: 'success', route: 'wf-1' },
    ],
    [
      'avatar_video.fail',
      { video_id: 'v2', msg: 'Video rendering failed', callback_id: 'wf-2' },
      { kind: 'render', resourceId: 'v2', outcome: 'fail', route: 'wf-2', message: 'Video rendering failed' },
    ],
    [
      'photo_avatar_generation.success',
      { generation_id: 'g1', group_id: 'grp' },
      { kind: 'photo_generation', resourceId: 'g1', outcome: 'success' },
    ],
    [
      'photo_avatar_generation.fail',
      { id: 'g2', msg: 'Image generation failed' },
      { kind: 'photo_generation', resourceId: 'g2', outcome: 'fail', message: 'Image generation failed' },
    ],
    [
      'photo_avatar_train.success',
      { avatar_group_id: 'grp-2' },
      { kind: 'training', resourceId: 'grp-2', outcome: 'success' },
    ],
    [
      'photo_avatar_train.fail',
      { group_id: 'grp-3', error_msg: 'Training failed' },
      { kind: 'training', resourceId: 'grp-3', outcome: 'fail', message: 'Training failed' },
    ],
  ])('%s', (eventType, data, expected) => {
    const raw = body(eventType, data);
    const parsed = parseWebhookEvent(raw);
    expect(parsed).toEqual({ kind: 'job', event: { ...expected, eventType, eventId: sha256(raw) } });
    const withHeader = parseWebhookEvent(raw, 'evt-9');
    expect(withHeader.kind === 'job' && withHeader.event.eventId).toBe('evt-9');
  });

  it('keeps no message on success events and prefers generation_id over id', () => {
    const parsed = parse('photo_avatar_generation.success', { generation_id: 'g', id: 'other', msg: 'x' });
    expect(parsed).toMatchObject({ kind: 'job', event: { resourceId: 'g' } });
    expect(parsed.kind === 'job' && 'message' in parsed.event).toBe(false);
  });

  it('is malformed when the id is unusable, ignored when the callback_id is', () => {
    expect(parse('avatar_video.success', { video_id: { nested: true }, callback_id: 'wf' }).kind).toBe(
      'malformed',
    );
    expect(parse('photo_avatar_train.fail', { group_id: '   ' }).kind).toBe('malformed');
    expect(parse('avatar_video.success', { video_id: 'v', callback_id: 42 }).kind).toBe('ignored');
    expect(parse('avatar_video.success', { video_id: 'v' })).toEqual({
      kind: 'ignored',
      eventType: 'avatar_video.success',
      reason: expect.stringContaining('callback_id') as unknown,
    });
  });
});

describe('verifySignature', () => {
  const raw = Buffer.from('{"event_type":"x","event_data":{}}');
  const base = { rawBody: raw, secrets: ['s1'], nowMs: NOW_MS, toleranceSeconds: 300 };

  it('never throws on odd input', () => {
    for (const value of [
      '',
      'a',
      'é'.repeat(64),
      'g'.repeat(64),
      '0'.repeat(65),
      '0'.repeat(64),
      ' '.repeat(64),
    ]) {
      expect(() => verifySignature({ ...base, headers: { signature: value } })).not.toThrow();
      expect(verifySignature({ ...base, headers: { signature: value } }).ok).toBe(false);
    }
    const repeated = { signature: ['a', 'b'] } as unknown as Parameters<typeof verifySignature>[0]['headers'];
    expect(verifySignature({ ...base, headers: repeated }).ok).toBe(false);
    expect(verifySignature({ ...base, secrets: [], headers: { signature: sign('s1', raw) } })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('accepts any secret of the rotation set and returns the event id header', () => {
    expect(
      verifySignature({ ...base, secrets: ['old', 's1'], headers: { signature: sign('s1', raw) } }),
    ).toEqual({
      ok: true,
    });
    expect(
      verifySignature({
        ...base,
        headers: {
          'heygen-signature': sign('s1', raw),
          'heygen-timestamp': String(NOW_S),
          'heygen-event-id': 'evt-1',
        },
      }),
    ).toEqual({ ok: true, eventIdHeader: 'evt-1' });
  });
});

describe('end to end with the simulator', () => {
  const PHOTO = { name: 'Ada', ...PHOTO_ATTRIBUTES };
  const SCENE = {
    character: { type: 'avatar', avatar_id: 'Tyler-incasualsuit-20220721' },
    voice: { type: 'text', voice_id: '2d5b0e6cf36f460aa7fc47e3eee4ba54', input_text: 'Webhook test' },
  };

  /* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- the simulator's JSON answers are read loosely */
  async function api(sim: RunningSimulator, method: string, path: string, payload?: unknown): Promise<any> {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const json: any = await res.json();
    expect(res.status).toBe(200);
    return json.data;
  }

  it.each<SignatureStyle>(['signature', 'x-heygen-signature', 'heygen-signature'])(
    'receives photo generation, training and render events signed in the %s style',
    async (style) => {
      const sink = new FakeSink();
      const secrets: string[] = [];
      const receiver = await startWebhookReceiver({ secrets, sink });
      const sim = await startSimulator({
        webhookSignatureStyle: style,
        webhookRetryBaseMs: 50,
        durations: ZERO_DURATIONS,
      });
      try {
        const endpoint = await api(sim, 'POST', '/v1/webhook/endpoint.add', { url: receiver.url });
        expect(receiver.stats().probes).toBe(1);
        expect(typeof endpoint.secret).toBe('string');
        secrets.push(endpoint.secret as string);

        const generation = await api(sim, 'POST', '/v2/photo_avatar/photo/generate', PHOTO);
        const generationId = generation.generation_id as string;
        await until(() => sink.accepted.length === 1);
        const status = await api(sim, 'GET', `/v2/photo_avatar/generation/${generationId}`);
        const group = await api(sim, 'POST', '/v2/photo_avatar/avatar_group/create', {
          name: 'Ada',
          image_key: status.image_key_list[0],
          generation_id: generationId,
        });
        const groupId = group.group_id as string;
        await api(sim, 'POST', '/v2/photo_avatar/train', { group_id: groupId });
        await until(() => sink.accepted.length === 2);

        const video = await api(sim, 'POST', '/v2/video/generate', {
          video_inputs: [SCENE],
          dimension: { width: 1280, height: 720 },
          callback_id: `wf-render-${style}`,
        });
        sim.addJobOutcome({ job: 'render', outcome: 'fail', message: 'boom' });
        const failed = await api(sim, 'POST', '/v2/video/generate', {
          video_inputs: [SCENE],
          callback_id: `wf-render-fail-${style}`,
        });
        // A render not started by us (no callback_id) is ignored.
        await api(sim, 'POST', '/v2/video/generate', { video_inputs: [SCENE] });
        await until(() => sink.accepted.length === 4 && receiver.stats().ignored === 1);

        const byKind = (kind: string, outcome = 'success') =>
          sink.accepted.find((e) => e.kind === kind && e.outcome === outcome);
        expect(byKind('photo_generation')).toMatchObject({
          kind: 'photo_generation',
          resourceId: generationId,
          outcome: 'success',
          eventType: 'photo_avatar_generation.success',
        });
        expect(byKind('photo_generation')?.route).toBeUndefined();
        expect(byKind('training')).toMatchObject({
          resourceId: groupId,
          outcome: 'success',
          eventType: 'photo_avatar_train.success',
        });
        expect(byKind('render')).toMatchObject({
          resourceId: video.video_id,
          outcome: 'success',
          eventType: 'avatar_video.success',
          route: `wf-render-${style}`,
        });
        expect(byKind('render', 'fail')).toMatchObject({
          resourceId: failed.video_id,
          outcome: 'fail',
          eventType: 'avatar_video.fail',
          route: `wf-render-fail-${style}`,
          message: 'boom',
        });

        // Event ids: HeyGen's header in the newest style, else the body hash.
        const log = sim.webhookLog();
        for (const event of sink.accepted) {
          if (style === 'heygen-signature') {
            expect(log.map((l) => l.eventId)).toContain(event.eventId);
          } else {
            expect(event.eventId).toMatch(/^[0-9a-f]{64}$/u);
          }
        }
        expect(log.every((l) => l.status === 200)).toBe(true);
        expect(receiver.stats()).toMatchObject({ received: 5, verified: 5, accepted: 4, ignored: 1 });
      } finally {
        await sim.close();
        await receiver.close();
      }
    },
  );
  /* eslint-enable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment */
});
