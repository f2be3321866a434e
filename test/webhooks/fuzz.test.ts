import http, { type OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import {
  startWebhookReceiver,
  type ReceiverStats,
  type RunningWebhookReceiver,
} from '../../webhooks/receiver';
import { base64Key, FakeSink, send, sign, signTimestamped } from './helpers';
import { Rng } from '../support/fuzz';

/**
 * Throws a reproducible storm of hostile, broken and valid requests at the real receiver on loopback and checks
 * that it never falls over, answers each one as predicted, and hands the sink exactly the validly signed events.
 *
 * Reproduce a failure with WEBHOOK_FUZZ_SEED=<seed printed below> npx jest test/webhooks/fuzz.test.ts
 */

const HTTP_CASES = 12_000;
const RAW_CASES = 400;
const CONCURRENCY = 16;
const MAX_BODY = 16 * 1024;
// A v3-style whsec_ secret among them: it verifies raw or base64-decoded (the default WEBHOOK_SECRET_ENCODING=both).
const WHSEC = 'whsec_ZnV6ei12My1zZWNyZXQtYmFzZTY0LWtleQ==';
const SECRETS = ['fuzz-secret-current-7f3a', 'fuzz-secret-previous-19c2', WHSEC] as const;
const WRONG_SECRET = 'fuzz-secret-unknown';
const PATH = '/webhooks/heygen';

// ---------------------------------------------------------------------------------------------------------------
// Case generation

const printable = (ch: string): boolean => {
  const code = ch.charCodeAt(0);
  return code >= 0x20 && code !== 0x7f;
};

type Bucket =
  | 'missing_signature'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'bad_timestamp'
  | 'event_id_mismatch'
  | 'malformed'
  | 'too_large'
  | 'ignored'
  | 'accepted'
  | 'method_not_allowed'
  | 'probe';

const STATUS: Record<Bucket, number> = {
  missing_signature: 401,
  bad_signature: 401,
  stale_timestamp: 401,
  bad_timestamp: 401,
  event_id_mismatch: 401,
  malformed: 400,
  too_large: 413,
  ignored: 200,
  accepted: 200,
  method_not_allowed: 405,
  probe: 200,
};

interface Case {
  id: number;
  category: string;
  method: string;
  headers: OutgoingHttpHeaders;
  body?: Buffer;
  chunked?: boolean;
  /** appended to the path */
  query?: string;
  bucket: Bucket;
  /** resourceId the sink must receive (controls only) */
  delivers?: string;
}

const MAPPED = [
  'avatar_video.success',
  'avatar_video.fail',
  'photo_avatar_generation.success',
  'photo_avatar_generation.fail',
  'photo_avatar_train.success',
  'photo_avatar_train.fail',
] as const;
const OTHER_KNOWN = [
  'avatar_video_gif.success',
  'avatar_video_gif.fail',
  'avatar_video_caption.success',
  'avatar_video_caption.fail',
  'photo_avatar_add_motion.success',
  'photo_avatar_add_motion.fail',
  'instant_avatar.success',
  'instant_avatar.fail',
  'video_translate.success',
  'video_translate.fail',
];
const ID_FIELD: Record<(typeof MAPPED)[number], string> = {
  'avatar_video.success': 'video_id',
  'avatar_video.fail': 'video_id',
  'photo_avatar_generation.success': 'generation_id',
  'photo_avatar_generation.fail': 'generation_id',
  'photo_avatar_train.success': 'group_id',
  'photo_avatar_train.fail': 'group_id',
};
const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'image/png',
  '',
  '*/*',
  'application/json;;;;',
];

function randomJson(rng: Rng, depth = 0): unknown {
  const roll = rng.int(0, depth > 3 ? 4 : 7);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, rng.next() * 1e6, rng.int(-1000, 1000)]);
    case 3:
    case 4:
      return rng.string(40);
    case 5:
    case 6: {
      const obj: Record<string, unknown> = {};
      const n = rng.int(0, 5);
      for (let i = 0; i < n; i += 1) {
        obj[
          rng.chance(0.2)
            ? rng.pick(['event_data', 'video_id', 'callback_id', '__proto__', 'msg'])
            : rng.string(12)
        ] = randomJson(rng, depth + 1);
      }
      return obj;
    }
    default:
      return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth + 1));
  }
}

const encode = (rng: Rng, value: unknown): Buffer =>
  Buffer.from(rng.chance(0.2) ? JSON.stringify(value, null, rng.int(1, 4)) : JSON.stringify(value));

/** A mapped event that is ours (videos carry a callback_id), with unknown extra fields. */
function validEvent(rng: Rng, id: number): { raw: Buffer; resourceId: string } {
  const eventType = rng.pick(MAPPED);
  const resourceId = `fz-${id}-${rng.hex(8)}${
    rng.chance(0.1) ? rng.string(6).split('').filter(printable).join('').trim() : ''
  }`;
  const data: Record<string, unknown> = { [ID_FIELD[eventType]]: resourceId };
  if (eventType.startsWith('avatar_video')) data.callback_id = `wf-${id}`;
  if (eventType.endsWith('.fail')) data.msg = rng.string(60) || 'failed';
  for (let i = rng.int(0, 3); i > 0; i -= 1) data[`x_${rng.hex(4)}`] = randomJson(rng, 2);
  return { raw: encode(rng, { event_type: eventType, event_data: data }), resourceId };
}

type Style = 'signature' | 'x-heygen-signature' | 'heygen-signature';
const STYLES: readonly Style[] = ['signature', 'x-heygen-signature', 'heygen-signature'];
const HEADER_NAME: Record<Style, string> = {
  signature: 'Signature',
  'x-heygen-signature': 'X-HeyGen-Signature',
  'heygen-signature': 'Heygen-Signature',
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function signedHeaders(rng: Rng, style: Style, signature: string, id: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'Content-Type': 'application/json' };
  headers[HEADER_NAME[style]] = signature;
  if (style === 'heygen-signature') {
    headers['Heygen-Timestamp'] = String(nowSeconds() + rng.int(-200, 200));
    // Unique ids: two controls must never share one (the sink would call the second a duplicate).
    if (rng.chance(0.5)) headers['Heygen-Event-Id'] = `evt-${id}-${rng.hex(6)}`;
  }
  return headers;
}

const secret = (rng: Rng) => rng.pick(SECRETS);
/** UTF-8 bytes as a header value (Node sends latin1 strings byte for byte); control characters cannot be sent. */
const utf8AsLatin1 = (s: string) =>
  Buffer.from(s.split('').filter(printable).join(''), 'utf8').toString('latin1');

function makeCase(rng: Rng, id: number): Case {
  const post = (
    category: string,
    headers: OutgoingHttpHeaders,
    body: Buffer | undefined,
    bucket: Bucket,
  ): Case => ({
    id,
    category,
    method: 'POST',
    headers,
    body,
    bucket,
  });
  const roll = rng.int(0, 99);

  // ---- controls: validly signed events of ours (10 %)
  if (roll < 10) {
    const { raw, resourceId } = validEvent(rng, id);
    const style = rng.pick(STYLES);
    let signature = sign(secret(rng), raw);
    const variant = rng.int(0, 7);
    let headers = signedHeaders(rng, style, signature, id);
    let chunked = false;
    switch (variant) {
      case 0:
        headers['Content-Type'] = rng.pick(ODD_CONTENT_TYPES);
        break;
      case 1:
        headers['X-Padding'] = 'p'.repeat(rng.int(1000, 9000));
        break;
      case 2:
        // HTTP strips optional whitespace around header values (RFC 9110 5.5): still the right signature.
        signature = `${rng.pick([' ', '\t', '  '])}${signature}${rng.pick([' ', '\t', ''])}`;
        headers[HEADER_NAME[style]] = signature;
        break;
      case 3:
        headers = {
          ...headers,
          [HEADER_NAME[rng.pick(STYLES.filter((s) => s !== style))]]: sign(secret(rng), raw),
        };
        if (headers['Heygen-Signature'] !== undefined && headers['Heygen-Timestamp'] === undefined) {
          headers['Heygen-Timestamp'] = String(nowSeconds());
        }
        break;
      case 4:
        chunked = true;
        break;
      case 5:
        headers['X-Unicode'] = utf8AsLatin1(rng.string(30));
        break;
      default:
        break;
    }
    return {
      ...post(`control/${style}/${variant}`, headers, raw, 'accepted'),
      chunked,
      delivers: resourceId,
    };
  }

  // ---- random bytes, unsigned or with a random signature
  if (roll < 18) {
    const raw = rng.bytes(rng.int(0, 2000));
    if (rng.chance(0.3))
      return post(
        'random-bytes/unsigned',
        { 'Content-Type': 'application/octet-stream' },
        raw,
        'missing_signature',
      );
    const style = rng.pick(STYLES.filter((s) => s !== 'heygen-signature'));
    return post(`random-bytes/${style}`, signedHeaders(rng, style, rng.hex(64), id), raw, 'bad_signature');
  }

  // ---- random JSON: forged (401) or validly signed but not an envelope (400)
  if (roll < 28) {
    let value = randomJson(rng);
    if (rng.chance(0.4)) {
      const raw = encode(rng, value);
      return post(
        'random-json/forged',
        signedHeaders(rng, 'signature', sign(WRONG_SECRET, raw), id),
        raw,
        'bad_signature',
      );
    }
    const shape = rng.int(0, 3);
    if (shape === 0) value = rng.chance(0.5) ? [value] : rng.pick([null, 42, 'str', true]);
    else if (shape === 1) value = { event_data: { video_id: 'x' }, other: value };
    else if (shape === 2)
      value = { event_type: rng.pick([null, 7, ['avatar_video.success'], { a: 1 }, '']), event_data: {} };
    else value = { event_type: rng.pick(MAPPED), event_data: rng.pick([null, 'data', 3, [value], true]) };
    const raw = encode(rng, value);
    return post(
      `random-json/signed-shape-${shape}`,
      signedHeaders(rng, rng.pick(STYLES), sign(secret(rng), raw), id),
      raw,
      'malformed',
    );
  }

  // ---- validly signed, well-formed, not ours: ignored (200, no delivery)
  if (roll < 34) {
    const kind = rng.int(0, 2);
    let value: unknown;
    if (kind === 0)
      value = { event_type: rng.pick(OTHER_KNOWN), event_data: { id: `x-${id}`, callback_id: `wf-${id}` } };
    else if (kind === 1)
      value = { event_type: `zz.${rng.string(30)}`.slice(0, 200), event_data: { video_id: `x-${id}` } };
    else
      value = {
        event_type: rng.pick(['avatar_video.success', 'avatar_video.fail']),
        event_data: { video_id: `x-${id}`, callback_id: rng.pick([null, '', undefined, 5]) },
      };
    const raw = encode(rng, value);
    return post(
      `ignored/${kind}`,
      signedHeaders(rng, rng.pick(STYLES), sign(secret(rng), raw), id),
      raw,
      'ignored',
    );
  }

  // ---- validly signed mapped event lacking its id: malformed
  if (roll < 38) {
    const eventType = rng.pick(MAPPED);
    const data: Record<string, unknown> = { callback_id: `wf-${id}`, msg: 'm' };
    if (rng.chance(0.5)) data[ID_FIELD[eventType]] = rng.pick([null, '', '   ', { id: 1 }, [1], true, 1.5]);
    const raw = encode(rng, { event_type: eventType, event_data: data });
    return post(
      'malformed/no-id',
      signedHeaders(rng, rng.pick(STYLES), sign(secret(rng), raw), id),
      raw,
      'malformed',
    );
  }

  // ---- v3 deliveries: {event_id, event_type, event_data}, signed in the v3 variants
  if (roll < 44) {
    const { raw: legacy, resourceId } = validEvent(rng, id);
    const parsed = JSON.parse(legacy.toString('utf8')) as Record<string, unknown>;
    const eventId = `evt_${id}_${rng.hex(6)}`;
    const raw = encode(rng, { event_id: eventId, ...parsed, created_at: new Date().toISOString() });
    const ts = String(nowSeconds() + rng.int(-200, 200));
    const key = rng.chance(0.5) ? base64Key(WHSEC) : secret(rng);
    const variant = rng.int(0, 3);
    if (variant === 0) {
      // The Laravel variant: "<ts>.<body>" with X-HeyGen-Timestamp.
      const headers = { 'X-HeyGen-Signature': signTimestamped(key, ts, raw), 'X-HeyGen-Timestamp': ts };
      return { ...post('v3/x-heygen-timestamped', headers, raw, 'accepted'), delivers: resourceId };
    }
    const headers: OutgoingHttpHeaders = { 'Heygen-Signature': sign(key, raw), 'Heygen-Timestamp': ts };
    if (variant === 1) {
      if (rng.chance(0.5)) headers['Heygen-Event-Id'] = eventId;
      return { ...post('v3/heygen-signature', headers, raw, 'accepted'), delivers: resourceId };
    }
    if (variant === 2) {
      headers['Heygen-Event-Id'] = `${eventId}${rng.pick(['x', '-2', 'A'])}`;
      return post('v3/event-id-mismatch', headers, raw, 'event_id_mismatch');
    }
    // Signed over "<ts>.<body>" with a timestamp other than the one sent.
    headers['Heygen-Signature'] = signTimestamped(key, String(Number(ts) + rng.int(1, 50)), raw);
    return post('v3/other-timestamp', headers, raw, 'bad_signature');
  }

  // ---- our event, bad signature
  if (roll < 56) {
    const { raw } = validEvent(rng, id);
    const good = sign(secret(rng), raw);
    const style = rng.pick(STYLES);
    const variants: Array<[string, string, Bucket]> = [
      ['random', rng.hex(64), 'bad_signature'],
      ['wrong-secret', sign(WRONG_SECRET, raw), 'bad_signature'],
      ['truncated', good.slice(0, rng.int(1, 63)), 'bad_signature'],
      ['extended', `${good}${rng.hex(rng.int(1, 8))}`, 'bad_signature'],
      ['uppercased', good.toUpperCase(), 'bad_signature'],
      ['inner-whitespace', `${good.slice(0, 30)} ${good.slice(30)}`, 'bad_signature'],
      ['other-body', sign(secret(rng), Buffer.concat([raw, Buffer.from(' ')])), 'bad_signature'],
      ['prefixed', `sha256=${good}`, 'bad_signature'],
      ['base64', Buffer.from(good, 'hex').toString('base64'), 'bad_signature'],
      ['empty', '', 'missing_signature'],
      ['long', rng.hex(rng.int(2000, 9000)), 'bad_signature'],
      ['unicode', utf8AsLatin1(`${good.slice(0, 60)}é😀`), 'bad_signature'],
      ['one-digit-off', `${good.slice(0, 63)}${good.endsWith('0') ? '1' : '0'}`, 'bad_signature'],
    ];
    const [name, signature, bucket] = rng.pick(variants);
    const headers = signedHeaders(rng, style, signature, id);
    if (rng.chance(0.2)) headers['Content-Type'] = rng.pick(ODD_CONTENT_TYPES);
    return post(`bad-signature/${name}`, headers, raw, bucket);
  }

  // ---- valid signature, body with one byte changed
  if (roll < 64) {
    const { raw } = validEvent(rng, id);
    const style = rng.pick(STYLES);
    const headers = signedHeaders(rng, style, sign(secret(rng), raw), id);
    const mutated = Buffer.from(raw);
    const at = rng.int(0, mutated.length - 1);
    mutated[at] = (mutated[at] ?? 0) ^ rng.int(1, 255);
    return post('mutated-body', headers, mutated, 'bad_signature');
  }

  // ---- valid body and signature, mutated or duplicated headers
  if (roll < 74) {
    const { raw } = validEvent(rng, id);
    const style = rng.pick(STYLES);
    const signature = sign(secret(rng), raw);
    const headers = signedHeaders(rng, style, signature, id);
    const name = HEADER_NAME[style];
    const variant = rng.int(0, 4);
    if (variant === 0) {
      // A misspelt header name: no signature at all.
      delete headers[name];
      const misspelt = rng.pick(
        [
          name.slice(1),
          `${name}s`,
          name.replace('-', '_'),
          `X-${name}-Sha256`,
          name.replace('Signature', 'Sig'),
        ].filter((n) => n.toLowerCase() !== name.toLowerCase()),
      );
      headers[misspelt] = signature;
      return post('headers/misspelt', headers, raw, 'missing_signature');
    }
    if (variant === 1) {
      // The same header twice on the wire (Node joins them with ", "): refused.
      headers[name] = [signature, rng.chance(0.5) ? signature : rng.hex(64)];
      return post('headers/duplicated', headers, raw, 'bad_signature');
    }
    if (variant === 2) {
      // A second signature header in another style that does not verify.
      headers[HEADER_NAME[rng.pick(STYLES.filter((s) => s !== style && s !== 'heygen-signature'))]] =
        rng.hex(64);
      return post('headers/second-forged', headers, raw, 'bad_signature');
    }
    if (variant === 3) {
      if (style !== 'heygen-signature') {
        headers['Heygen-Signature'] = signature; // no timestamp
        return post('headers/heygen-without-timestamp', headers, raw, 'bad_timestamp');
      }
      headers['Heygen-Timestamp'] = [String(nowSeconds()), String(nowSeconds())];
      return post('headers/duplicated-timestamp', headers, raw, 'bad_timestamp');
    }
    // The signature in the query string instead of a header: not looked at.
    delete headers[name];
    return {
      ...post('headers/in-query', headers, raw, 'missing_signature'),
      query: `?signature=${signature}`,
    };
  }

  // ---- Heygen-Signature style with a wrong timestamp (signature itself valid)
  if (roll < 80) {
    const { raw } = validEvent(rng, id);
    const headers = signedHeaders(rng, 'heygen-signature', sign(secret(rng), raw), id);
    const variants: Array<[string, string | undefined, Bucket]> = [
      ['past', String(nowSeconds() - rng.int(400, 10_000_000)), 'stale_timestamp'],
      ['future', String(nowSeconds() + rng.int(400, 10_000_000)), 'stale_timestamp'],
      ['milliseconds', String(Date.now()), 'stale_timestamp'],
      ['zero', '0', 'stale_timestamp'],
      ['negative', String(-nowSeconds()), 'bad_timestamp'],
      ['decimal', `${nowSeconds()}.5`, 'bad_timestamp'],
      ['iso', new Date().toISOString(), 'bad_timestamp'],
      ['garbage', rng.string(20, false).replace(/[0-9]/gu, 'x') || 'x', 'bad_timestamp'],
      ['huge', '9'.repeat(rng.int(16, 400)), 'bad_timestamp'],
      ['missing', undefined, 'bad_timestamp'],
      ['empty', '', 'bad_timestamp'],
      ['unicode', utf8AsLatin1('١٧٠٠٠٠٠٠٠٠'), 'bad_timestamp'],
    ];
    const [name, value, bucket] = rng.pick(variants);
    if (value === undefined) delete headers['Heygen-Timestamp'];
    else headers['Heygen-Timestamp'] = value;
    return post(`timestamp/${name}`, headers, raw, bucket);
  }

  // ---- empty bodies
  if (roll < 84) {
    const raw = Buffer.alloc(0);
    if (rng.chance(0.5)) return post('empty/unsigned', {}, raw, 'missing_signature');
    return post(
      'empty/signed',
      signedHeaders(rng, rng.pick(STYLES), sign(secret(rng), raw), id),
      raw,
      'malformed',
    );
  }

  // ---- unicode bodies, forged or validly signed non-envelopes
  if (roll < 88) {
    const raw = Buffer.from(rng.string(300), 'utf8');
    if (rng.chance(0.5))
      return post(
        'unicode/forged',
        signedHeaders(rng, 'x-heygen-signature', rng.hex(64), id),
        raw,
        'bad_signature',
      );
    // A raw unicode string is never a JSON object with event_type and event_data.
    return post(
      'unicode/signed',
      signedHeaders(rng, rng.pick(STYLES), sign(secret(rng), raw), id),
      raw,
      'malformed',
    );
  }

  // ---- over the body limit: declared or streamed
  if (roll < 92) {
    const { raw } = validEvent(rng, id);
    const big = Buffer.concat([raw, Buffer.alloc(MAX_BODY + rng.int(1, 24_000) - raw.length, 0x20)]);
    const headers = signedHeaders(rng, rng.pick(STYLES), sign(secret(rng), big), id);
    const chunked = rng.chance(0.5);
    return { ...post(`too-large/${chunked ? 'chunked' : 'declared'}`, headers, big, 'too_large'), chunked };
  }

  // ---- other methods on the path, and the probe
  if (roll < 96) {
    const method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH']);
    const { raw } = validEvent(rng, id);
    return {
      id,
      category: `method/${method}`,
      method,
      headers: { Signature: sign(secret(rng), raw) },
      body: method === 'GET' ? undefined : raw,
      bucket: 'method_not_allowed',
    };
  }
  return { id, category: 'probe', method: 'OPTIONS', headers: {}, bucket: 'probe' };
}

// ---------------------------------------------------------------------------------------------------------------

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next;
      next += 1;
      const item = items[i];
      if (item === undefined) return;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Sends raw bytes, half-closes, and collects whatever comes back until the server closes. */
function rawExchange(port: number, payload: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(payload));
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
}

describe('webhook receiver fuzz', () => {
  const seed = Number(process.env.WEBHOOK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
  let receiver: RunningWebhookReceiver;
  const sink = new FakeSink();

  beforeAll(async () => {
    console.log(`webhook fuzz seed: ${seed} (rerun with WEBHOOK_FUZZ_SEED=${seed})`);
    receiver = await startWebhookReceiver({ secrets: SECRETS, sink, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it(`survives ${HTTP_CASES} random requests and delivers exactly the validly signed ones`, async () => {
    const rng = new Rng(seed);
    const cases = Array.from({ length: HTTP_CASES }, (_, i) => makeCase(rng, i));
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const origin = new URL(receiver.url).origin;
    const mismatches: string[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();

    try {
      await pool(cases, CONCURRENCY, async (c) => {
        let status: number;
        let detail = '';
        try {
          const res = await send(`${origin}${PATH}${c.query ?? ''}`, {
            method: c.method,
            headers: c.headers,
            body: c.body,
            agent,
            chunkSize: c.chunked ? 4096 : undefined,
          });
          status = res.status;
          detail = res.text.slice(0, 120);
        } catch (err) {
          status = -1;
          detail = err instanceof Error ? err.message : String(err);
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status !== STATUS[c.bucket] && mismatches.length < 25) {
          mismatches.push(
            `#${c.id} ${c.category}: expected ${STATUS[c.bucket]} (${c.bucket}), got ${status} ${detail}`,
          );
        }
      });

      // Raw, non-HTTP garbage on fresh connections: the parser refuses it with a 400.
      const raws = Array.from({ length: RAW_CASES }, () => {
        const first = rng.pick([0x00, 0x01, 0x07, 0x1b, 0x7f, 0x80, 0xc3, 0xff, 0x3c, 0x7b]);
        return Buffer.concat([Buffer.from([first]), rng.bytes(rng.int(0, 3000))]);
      });
      let rawOk = 0;
      await pool(raws, CONCURRENCY, async (payload) => {
        const answer = await rawExchange(receiver.port, payload);
        if (/^HTTP\/1\.1 400 /u.test(answer)) rawOk += 1;
        else if (mismatches.length < 25)
          mismatches.push(`raw garbage: got ${JSON.stringify(answer.slice(0, 80))}`);
      });
      const elapsed = Date.now() - started;
      console.log(
        `webhook fuzz: ${HTTP_CASES} HTTP requests + ${RAW_CASES} raw connections in ${elapsed} ms ` +
          `(seed ${seed}); statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );

      // The server still answers.
      const health = await send(`${origin}/healthz`, { method: 'GET' });
      expect(health.status).toBe(200);

      expect({ seed, mismatches }).toEqual({ seed, mismatches: [] });
      expect(rawOk).toBe(RAW_CASES);
      for (const status of statuses.keys()) expect([200, 400, 401, 405, 413]).toContain(status);

      // Exactly the controls reached the sink, each once.
      const controls = cases.filter((c) => c.delivers !== undefined).map((c) => c.delivers as string);
      expect(controls.length).toBeGreaterThan(HTTP_CASES / 20);
      expect(sink.deliveries.map((e) => e.resourceId).sort()).toEqual([...controls].sort());
      expect(sink.accepted).toHaveLength(controls.length);

      // The counters add up, bucket by bucket.
      const expected = (bucket: Bucket) => cases.filter((c) => c.bucket === bucket).length;
      const stats: ReceiverStats = receiver.stats();
      const posts = cases.filter((c) => c.method === 'POST').length;
      expect(stats).toMatchObject({
        received: posts,
        verified: expected('malformed') + expected('ignored') + expected('accepted'),
        rejected: {
          missing_signature: expected('missing_signature'),
          bad_signature: expected('bad_signature'),
          stale_timestamp: expected('stale_timestamp'),
          bad_timestamp: expected('bad_timestamp'),
          event_id_mismatch: expected('event_id_mismatch'),
          malformed: expected('malformed'),
          too_large: expected('too_large'),
        },
        ignored: expected('ignored'),
        accepted: expected('accepted'),
        duplicate: 0,
        unavailable: 0,
        aborted: 0,
        errors: 0,
        probes: expected('probe'),
        methodNotAllowed: expected('method_not_allowed'),
        notFound: 0,
      });
      const r = stats.rejected;
      expect(
        r.missing_signature +
          r.bad_signature +
          r.stale_timestamp +
          r.bad_timestamp +
          r.event_id_mismatch +
          r.too_large +
          stats.verified,
      ).toBe(stats.received);
      expect(r.malformed + stats.ignored + stats.accepted + stats.duplicate + stats.unavailable).toBe(
        stats.verified,
      );
      expect(stats.clientErrors).toBeGreaterThanOrEqual(RAW_CASES);
      expect(elapsed).toBeLessThan(45_000);
    } finally {
      agent.destroy();
    }
  });
});
