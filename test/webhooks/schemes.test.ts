import { startWebhookReceiver, type RunningWebhookReceiver } from '../../webhooks/receiver';
import {
  secretKeys,
  verifySignature,
  type SignatureScheme,
  type SignatureSettings,
} from '../../webhooks/signature';
import { base64Key, FakeSink, send, sign, signTimestamped, whsecSecret } from './helpers';

/** Every signature variant the receiver accepts (webhooks/signature.ts), and what each setting turns off. */

const NOW_MS = Date.UTC(2026, 11, 1, 12, 0, 0);
const NOW_S = String(Math.floor(NOW_MS / 1000));
const WHSEC = whsecSecret();
const HEX_SECRET = 'a3f1c0ffee0123456789abcdef012345';

let seq = 0;
/** A v3 delivery body (unique event id and video per call). */
function v3Body(): { raw: Buffer; eventId: string; videoId: string } {
  seq += 1;
  const eventId = `evt_${seq}`;
  const videoId = `vid_${seq}`;
  const raw = Buffer.from(
    JSON.stringify({
      event_id: eventId,
      event_type: 'avatar_video.success',
      event_data: { video_id: videoId, url: 'https://files.example/v.mp4', callback_id: `wf-${seq}` },
    }),
  );
  return { raw, eventId, videoId };
}

interface Harness {
  receiver: RunningWebhookReceiver;
  sink: FakeSink;
}

async function start(
  signature?: SignatureSettings,
  secrets: string[] = [WHSEC, HEX_SECRET],
): Promise<Harness> {
  const sink = new FakeSink();
  const receiver = await startWebhookReceiver({
    secrets,
    sink,
    now: () => NOW_MS,
    ...(signature ? { signature } : {}),
  });
  return { receiver, sink };
}

describe('signature schemes (default settings: every variant seen)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(() => h.receiver.close());

  const rawKey = WHSEC;
  const b64Key = base64Key(WHSEC);

  it.each<[string, (raw: Buffer) => Record<string, string>]>([
    [
      'Heygen-Signature over the body, whsec raw',
      (raw) => ({ 'Heygen-Signature': sign(rawKey, raw), 'Heygen-Timestamp': NOW_S }),
    ],
    [
      'Heygen-Signature over the body, whsec base64-decoded',
      (raw) => ({ 'Heygen-Signature': sign(b64Key, raw), 'Heygen-Timestamp': NOW_S }),
    ],
    [
      'Heygen-Signature over "<ts>.<body>"',
      (raw) => ({ 'Heygen-Signature': signTimestamped(rawKey, NOW_S, raw), 'Heygen-Timestamp': NOW_S }),
    ],
    ['X-HeyGen-Signature over the body', (raw) => ({ 'X-HeyGen-Signature': sign(b64Key, raw) })],
    [
      'X-HeyGen-Signature over "<ts>.<body>" with X-HeyGen-Timestamp (the Laravel variant)',
      (raw) => ({ 'X-HeyGen-Signature': signTimestamped(b64Key, NOW_S, raw), 'X-HeyGen-Timestamp': NOW_S }),
    ],
    [
      'X-HeyGen-Signature over the body with a fresh X-HeyGen-Timestamp',
      (raw) => ({ 'X-HeyGen-Signature': sign(rawKey, raw), 'X-HeyGen-Timestamp': NOW_S }),
    ],
    ['Signature over the body', (raw) => ({ Signature: sign(rawKey, raw) })],
    ['a v2 hex secret (always raw)', (raw) => ({ Signature: sign(HEX_SECRET, raw) })],
    [
      'both timestamp headers, agreeing',
      (raw) => ({
        'Heygen-Signature': sign(rawKey, raw),
        'Heygen-Timestamp': NOW_S,
        'X-HeyGen-Timestamp': NOW_S,
      }),
    ],
  ])('%s -> 200', async (_name, headers) => {
    const { raw, videoId } = v3Body();
    const res = await send(h.receiver.url, { body: raw, headers: headers(raw) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'accepted' });
    expect(h.sink.accepted.at(-1)?.resourceId).toBe(videoId);
  });

  it.each<[string, string, (raw: Buffer) => Record<string, string>]>([
    [
      'the whsec secret without its prefix as a raw key',
      'bad_signature',
      (raw) => ({ Signature: sign(WHSEC.slice('whsec_'.length), raw) }),
    ],
    [
      '"<ts>.<body>" signed with another timestamp than the header',
      'bad_signature',
      (raw) => ({
        'X-HeyGen-Signature': signTimestamped(rawKey, String(Number(NOW_S) - 1), raw),
        'X-HeyGen-Timestamp': NOW_S,
      }),
    ],
    [
      '"<ts>.<body>" without any timestamp header',
      'bad_signature',
      (raw) => ({ 'X-HeyGen-Signature': signTimestamped(rawKey, NOW_S, raw) }),
    ],
    [
      'X-HeyGen-Timestamp out of tolerance',
      'stale_timestamp',
      (raw) => ({
        'X-HeyGen-Signature': signTimestamped(rawKey, String(Number(NOW_S) - 301), raw),
        'X-HeyGen-Timestamp': String(Number(NOW_S) - 301),
      }),
    ],
    [
      'a stale Heygen-Timestamp next to a body-only Signature',
      'stale_timestamp',
      (raw) => ({ Signature: sign(rawKey, raw), 'Heygen-Timestamp': String(Number(NOW_S) + 301) }),
    ],
    [
      'timestamp headers that disagree',
      'bad_timestamp',
      (raw) => ({
        'Heygen-Signature': sign(rawKey, raw),
        'Heygen-Timestamp': NOW_S,
        'X-HeyGen-Timestamp': String(Number(NOW_S) - 5),
      }),
    ],
    [
      'Heygen-Signature with only X-HeyGen-Timestamp',
      'bad_timestamp',
      (raw) => ({ 'Heygen-Signature': sign(rawKey, raw), 'X-HeyGen-Timestamp': NOW_S }),
    ],
    [
      'a forged signature',
      'bad_signature',
      (raw) => ({ 'Heygen-Signature': sign(whsecSecret(), raw), 'Heygen-Timestamp': NOW_S }),
    ],
  ])('%s -> 401 %s', async (_name, reason, headers) => {
    const { raw } = v3Body();
    const before = h.receiver.stats();
    const calls = h.sink.calls;
    const res = await send(h.receiver.url, { body: raw, headers: headers(raw) });
    expect(res.status).toBe(401);
    expect(h.sink.calls).toBe(calls);
    const after = h.receiver.stats();
    expect(after.rejected[reason as keyof typeof after.rejected]).toBe(
      before.rejected[reason as keyof typeof before.rejected] + 1,
    );
  });

  it('Heygen-Event-Id must match the body event_id when both are present', async () => {
    const { raw, eventId } = v3Body();
    const signed = { 'Heygen-Signature': sign(rawKey, raw), 'Heygen-Timestamp': NOW_S };
    const calls = h.sink.calls;
    const mismatch = await send(h.receiver.url, {
      body: raw,
      headers: { ...signed, 'Heygen-Event-Id': `${eventId}-other` },
    });
    expect(mismatch.status).toBe(401);
    expect(h.receiver.stats().rejected.event_id_mismatch).toBe(1);
    expect(h.sink.calls).toBe(calls);
    const match = await send(h.receiver.url, {
      body: raw,
      headers: { ...signed, 'Heygen-Event-Id': eventId },
    });
    expect(match.status).toBe(200);
    expect(h.sink.accepted.at(-1)?.eventId).toBe(eventId);
  });
});

describe('signature settings narrow what is accepted', () => {
  const cases: Array<{
    name: string;
    settings: SignatureSettings;
    headers: (raw: Buffer) => Record<string, string>;
    status: number;
  }> = [
    {
      name: 'heygen-signature only: a Signature header is not looked at',
      settings: { schemes: ['heygen-signature'], secretEncoding: 'both' },
      headers: (raw) => ({ Signature: sign(WHSEC, raw) }),
      status: 401,
    },
    {
      name: 'heygen-signature only: a junk Signature beside a valid Heygen-Signature is ignored',
      settings: { schemes: ['heygen-signature'], secretEncoding: 'both' },
      headers: (raw) => ({
        'Heygen-Signature': sign(WHSEC, raw),
        'Heygen-Timestamp': NOW_S,
        Signature: 'ab'.repeat(32),
      }),
      status: 200,
    },
    {
      name: 'without timestamp-body: "<ts>.<body>" is refused',
      settings: { schemes: ['heygen-signature', 'x-heygen-signature', 'signature'], secretEncoding: 'both' },
      headers: (raw) => ({
        'Heygen-Signature': signTimestamped(WHSEC, NOW_S, raw),
        'Heygen-Timestamp': NOW_S,
      }),
      status: 401,
    },
    {
      name: 'raw: the base64-decoded key is refused',
      settings: { schemes: ['signature'], secretEncoding: 'raw' },
      headers: (raw) => ({ Signature: sign(base64Key(WHSEC), raw) }),
      status: 401,
    },
    {
      name: 'raw: the whole whsec string is accepted',
      settings: { schemes: ['signature'], secretEncoding: 'raw' },
      headers: (raw) => ({ Signature: sign(WHSEC, raw) }),
      status: 200,
    },
    {
      name: 'base64: the whole whsec string is refused',
      settings: { schemes: ['signature'], secretEncoding: 'base64' },
      headers: (raw) => ({ Signature: sign(WHSEC, raw) }),
      status: 401,
    },
    {
      name: 'base64: the decoded key is accepted',
      settings: { schemes: ['signature'], secretEncoding: 'base64' },
      headers: (raw) => ({ Signature: sign(base64Key(WHSEC), raw) }),
      status: 200,
    },
    {
      name: 'base64: a secret without the whsec_ prefix is still used raw',
      settings: { schemes: ['signature'], secretEncoding: 'base64' },
      headers: (raw) => ({ Signature: sign(HEX_SECRET, raw) }),
      status: 200,
    },
  ];

  it.each(cases)('$name', async ({ settings, headers, status }) => {
    const h = await start(settings);
    try {
      const { raw } = v3Body();
      const res = await send(h.receiver.url, { body: raw, headers: headers(raw) });
      expect(res.status).toBe(status);
      expect(h.sink.accepted).toHaveLength(status === 200 ? 1 : 0);
    } finally {
      await h.receiver.close();
    }
  });

  it('refuses settings with no header scheme, or a scheme twice', async () => {
    const sink = new FakeSink();
    await expect(
      startWebhookReceiver({
        secrets: [WHSEC],
        sink,
        signature: { schemes: ['timestamp-body'], secretEncoding: 'both' },
      }),
    ).rejects.toThrow(/header scheme/);
    const twice: SignatureScheme[] = ['signature', 'signature'];
    await expect(
      startWebhookReceiver({ secrets: [WHSEC], sink, signature: { schemes: twice, secretEncoding: 'both' } }),
    ).rejects.toThrow(/twice/);
  });
});

describe('secret keys', () => {
  it('derives raw and base64 keys only where they make sense', () => {
    expect(secretKeys('', 'both')).toEqual([]);
    expect(secretKeys(HEX_SECRET, 'base64')).toEqual([Buffer.from(HEX_SECRET)]);
    expect(secretKeys(WHSEC, 'both')).toEqual([Buffer.from(WHSEC), base64Key(WHSEC)]);
    expect(secretKeys(WHSEC, 'raw')).toEqual([Buffer.from(WHSEC)]);
    // Not base64 after the prefix: raw only, and nothing at all when base64 is required.
    expect(secretKeys('whsec_not*base64!', 'both')).toEqual([Buffer.from('whsec_not*base64!')]);
    expect(secretKeys('whsec_not*base64!', 'base64')).toEqual([]);
    expect(secretKeys('whsec_', 'base64')).toEqual([]);
    // URL-safe base64 decodes too.
    const urlSafe = `whsec_${Buffer.from([0xfb, 0xff, 0xfe]).toString('base64url')}`;
    expect(secretKeys(urlSafe, 'base64')).toEqual([Buffer.from([0xfb, 0xff, 0xfe])]);
  });

  it('a repeated or malformed signature never verifies, whatever the scheme', () => {
    const raw = Buffer.from('{}');
    const base = { rawBody: raw, secrets: [WHSEC], nowMs: NOW_MS, toleranceSeconds: 300 };
    const good = sign(WHSEC, raw);
    for (const headers of [
      { 'x-heygen-signature': [good, good] },
      { 'x-heygen-signature': `${good},${good}` },
      { 'x-heygen-signature': good.toUpperCase() },
      { 'x-heygen-signature': `v1=${good}` },
    ]) {
      expect(verifySignature({ ...base, headers }).ok).toBe(false);
    }
    expect(verifySignature({ ...base, headers: { 'x-heygen-signature': good } })).toEqual({ ok: true });
  });
});
