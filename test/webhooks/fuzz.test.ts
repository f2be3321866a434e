import http, { type OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import {
  startWebhookReceiver,
  type ReceiverStats,
  type RunningWebhookReceiver,
} from '../../webhooks/receiver';
import { base64Key, FakeSink, send, sign, signTimestamped } from './helpers';
import { assertNoFailures, chance, fuzzSession, hexString, hostileString, runStreams } from '../support/fuzz';

/**
 * Throws a storm of hostile, broken and valid requests at the real receiver on loopback (fast-check properties,
 * CONCURRENCY of them at once) and checks that each is answered as predicted and hands the sink exactly its event
 * when validly signed, nothing otherwise; then that the receiver still answers and its counters add up.
 *
 * A failure prints the seed, the shrunk request and the command that replays it. WEBHOOK_FUZZ_SEED=<seed> reruns a
 * whole run; WEBHOOK_FUZZ_REPLAY=<label>#<stream>@<path> replays one counterexample.
 */

const HTTP_CASES = 12_000;
const RAW_CASES = 400;
const CONCURRENCY = 16;
const MAX_BODY = 16 * 1024;
/** Shrinking stops this long after a stream's first failure. */
const SHRINK_BUDGET_MS = 20_000;
// A v3-style whsec_ secret among them: it verifies raw or base64-decoded (the default WEBHOOK_SECRET_ENCODING=both).
const WHSEC = 'whsec_ZnV6ei12My1zZWNyZXQtYmFzZTY0LWtleQ==';
const SECRETS = ['fuzz-secret-current-7f3a', 'fuzz-secret-previous-19c2', WHSEC] as const;
const WRONG_SECRET = 'fuzz-secret-unknown';
const PATH = '/webhooks/heygen';

const session = fuzzSession('WEBHOOK_FUZZ_SEED', 'npx jest test/webhooks/fuzz.test.ts');

// ---------------------------------------------------------------------------------------------------------------
// Requests

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

/** A request as sent. Every resource id in it starts with `token(id)`, unique to the request. */
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

const token = (id: number) => `fz-${id}-`;

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

type Style = 'signature' | 'x-heygen-signature' | 'heygen-signature';
const STYLES: readonly Style[] = ['signature', 'x-heygen-signature', 'heygen-signature'];
const HEADER_NAME: Record<Style, string> = {
  signature: 'Signature',
  'x-heygen-signature': 'X-HeyGen-Signature',
  'heygen-signature': 'Heygen-Signature',
};

/** Any JSON value, at most `maxDepth` levels of objects and arrays deep. */
function randomJson(maxDepth: number): fc.Arbitrary<unknown> {
  const number = fc.oneof(
    fc.constantFrom(0, -1, 1e308, -1e-308, 2 ** 53 + 1),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.integer({ min: -1000, max: 1000 }),
  );
  const key = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom('event_data', 'video_id', 'callback_id', '__proto__', 'msg') },
    { weight: 4, arbitrary: hostileString(12) },
  );
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { maxDepth, depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      number,
      { weight: 2, arbitrary: hostileString(40) },
      {
        weight: 2,
        arbitrary: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((e) => Object.fromEntries(e)),
      },
      fc.array(tie('value'), { maxLength: 5 }),
    ),
  })).value;
}

/** JSON text, pretty-printed with `indent` spaces when it is not 0. */
const encoding = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
);
const encode = (value: unknown, indent: number): Buffer =>
  Buffer.from(indent > 0 ? JSON.stringify(value, null, indent) : JSON.stringify(value));

/** A mapped event that is ours (videos carry a callback_id), with unknown extra fields. */
const eventPlan = fc.record({
  eventType: fc.constantFrom(...MAPPED),
  hex: hexString(8),
  suffix: fc.option(hostileString(6), { freq: 10 }),
  msg: hostileString(60),
  extras: fc.array(fc.tuple(hexString(4), randomJson(1)), { maxLength: 3 }),
  indent: encoding,
});
type EventPlan = typeof eventPlan extends fc.Arbitrary<infer P> ? P : never;

function validEvent(p: EventPlan, id: number): { raw: Buffer; resourceId: string } {
  const suffix = p.suffix === null ? '' : p.suffix.split('').filter(printable).join('').trim();
  const resourceId = `${token(id)}${p.hex}${suffix}`;
  const data: Record<string, unknown> = { [ID_FIELD[p.eventType]]: resourceId };
  if (p.eventType.startsWith('avatar_video')) data.callback_id = `wf-${id}`;
  if (p.eventType.endsWith('.fail')) data.msg = p.msg || 'failed';
  for (const [hex, value] of p.extras) data[`x_${hex}`] = value;
  return { raw: encode({ event_type: p.eventType, event_data: data }, p.indent), resourceId };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The Heygen-Signature style's timestamp (within the tolerance) and optional event id. */
const headersPlan = fc.record({
  skew: fc.integer({ min: -200, max: 200 }),
  eventId: fc.option(hexString(6)),
});
type HeadersPlan = typeof headersPlan extends fc.Arbitrary<infer P> ? P : never;

function signedHeaders(p: HeadersPlan, style: Style, signature: string, id: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'Content-Type': 'application/json' };
  headers[HEADER_NAME[style]] = signature;
  if (style === 'heygen-signature') {
    headers['Heygen-Timestamp'] = String(nowSeconds() + p.skew);
    // Unique ids: two controls must never share one (the sink would call the second a duplicate).
    if (p.eventId !== null) headers['Heygen-Event-Id'] = `evt-${id}-${p.eventId}`;
  }
  return headers;
}

const style = fc.constantFrom(...STYLES);
const secret = fc.constantFrom(...SECRETS);
/** UTF-8 bytes as a header value (Node sends latin1 strings byte for byte); control characters cannot be sent. */
const utf8AsLatin1 = (s: string) =>
  Buffer.from(s.split('').filter(printable).join(''), 'utf8').toString('latin1');
const tag = <T extends string>(name: T) => fc.constant(name);

const post = (
  id: number,
  category: string,
  headers: OutgoingHttpHeaders,
  body: Buffer | undefined,
  bucket: Bucket,
): Case => ({ id, category, method: 'POST', headers, body, bucket });

/**
 * The kinds of request, each a plan (what fast-check generates and shrinks) and how to build the request from it
 * with its id (unique per request sent, so that shrinking never replays an event the sink has seen).
 */
function kind<P>(weight: number, arbitrary: fc.Arbitrary<P>, build: (p: P, id: number) => Case) {
  return { weight, arbitrary, build };
}

const KINDS = {
  // ---- controls: validly signed events of ours
  control: kind(
    10,
    fc.record({
      event: eventPlan,
      style,
      secret,
      headers: headersPlan,
      variant: fc.oneof(
        { weight: 2, arbitrary: fc.record({ v: tag('plain') }) },
        fc.record({ v: tag('contentType'), contentType: fc.constantFrom(...ODD_CONTENT_TYPES) }),
        fc.record({ v: tag('padding'), length: fc.integer({ min: 1000, max: 9000 }) }),
        fc.record({
          v: tag('whitespace'),
          before: fc.constantFrom(' ', '\t', '  '),
          after: fc.constantFrom(' ', '\t', ''),
        }),
        fc.record({ v: tag('secondStyle'), other: fc.nat(1), secret }),
        fc.record({ v: tag('chunked') }),
        fc.record({ v: tag('unicodeHeader'), text: hostileString(30) }),
      ),
    }),
    (p, id) => {
      const { raw, resourceId } = validEvent(p.event, id);
      let headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
      const name = HEADER_NAME[p.style];
      const v = p.variant;
      if (v.v === 'contentType') headers['Content-Type'] = v.contentType;
      else if (v.v === 'padding') headers['X-Padding'] = 'p'.repeat(v.length);
      else if (v.v === 'whitespace') {
        // HTTP strips optional whitespace around header values (RFC 9110 5.5): still the right signature.
        headers[name] = `${v.before}${String(headers[name])}${v.after}`;
      } else if (v.v === 'secondStyle') {
        const other = STYLES.filter((s) => s !== p.style)[v.other]!;
        headers = { ...headers, [HEADER_NAME[other]]: sign(v.secret, raw) };
        if (headers['Heygen-Signature'] !== undefined && headers['Heygen-Timestamp'] === undefined) {
          headers['Heygen-Timestamp'] = String(nowSeconds());
        }
      } else if (v.v === 'unicodeHeader') headers['X-Unicode'] = utf8AsLatin1(v.text);
      return {
        ...post(id, `control/${p.style}/${v.v}`, headers, raw, 'accepted'),
        chunked: v.v === 'chunked',
        delivers: resourceId,
      };
    },
  ),

  // ---- random bytes, unsigned or with a random signature
  randomBytes: kind(
    8,
    fc.record({
      bytes: fc.uint8Array({ maxLength: 2000 }),
      signed: chance(0.7),
      style: fc.constantFrom<Style>('signature', 'x-heygen-signature'),
      signature: hexString(64),
      headers: headersPlan,
    }),
    (p, id) => {
      const raw = Buffer.from(p.bytes);
      if (!p.signed) {
        const headers = { 'Content-Type': 'application/octet-stream' };
        return post(id, 'random-bytes/unsigned', headers, raw, 'missing_signature');
      }
      const headers = signedHeaders(p.headers, p.style, p.signature, id);
      return post(id, `random-bytes/${p.style}`, headers, raw, 'bad_signature');
    },
  ),

  // ---- random JSON: forged (401) or validly signed but not an envelope (400)
  randomJson: kind(
    10,
    fc.record({
      value: randomJson(4),
      indent: encoding,
      headers: headersPlan,
      style,
      secret,
      shape: fc.oneof(
        { weight: 4, arbitrary: fc.record({ s: tag('forged') }) },
        {
          weight: 6,
          arbitrary: fc.oneof(
            fc.record({
              s: tag('wrapped'),
              wrapped: chance(0.5),
              other: fc.constantFrom(null, 42, 'str', true),
            }),
            fc.record({ s: tag('noEventType') }),
            fc.record({
              s: tag('badEventType'),
              type: fc.constantFrom(null, 7, ['avatar_video.success'], { a: 1 }, ''),
            }),
            fc.record({
              s: tag('badEventData'),
              type: fc.constantFrom(...MAPPED),
              data: fc.nat(4),
            }),
          ),
        },
      ),
    }),
    (p, id) => {
      const sh = p.shape;
      if (sh.s === 'forged') {
        const raw = encode(p.value, p.indent);
        const headers = signedHeaders(p.headers, 'signature', sign(WRONG_SECRET, raw), id);
        return post(id, 'random-json/forged', headers, raw, 'bad_signature');
      }
      let value: unknown;
      if (sh.s === 'wrapped') value = sh.wrapped ? [p.value] : sh.other;
      else if (sh.s === 'noEventType') value = { event_data: { video_id: 'x' }, other: p.value };
      else if (sh.s === 'badEventType') value = { event_type: sh.type, event_data: {} };
      else value = { event_type: sh.type, event_data: [null, 'data', 3, [p.value], true][sh.data] };
      const raw = encode(value, p.indent);
      const headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
      return post(id, `random-json/signed-${sh.s}`, headers, raw, 'malformed');
    },
  ),

  // ---- validly signed, well-formed, not ours: ignored (200, no delivery)
  ignored: kind(
    6,
    fc.record({
      event: fc.oneof(
        fc.record({ e: tag('otherKnown'), type: fc.constantFrom(...OTHER_KNOWN) }),
        fc.record({ e: tag('unknownType'), text: hostileString(30) }),
        fc.record({
          e: tag('videoWithoutCallback'),
          type: fc.constantFrom('avatar_video.success', 'avatar_video.fail'),
          callback: fc.constantFrom(null, '', undefined, 5),
        }),
      ),
      indent: encoding,
      headers: headersPlan,
      style,
      secret,
    }),
    (p, id) => {
      const e = p.event;
      const x = `${token(id)}x`;
      const value =
        e.e === 'otherKnown'
          ? { event_type: e.type, event_data: { id: x, callback_id: `wf-${id}` } }
          : e.e === 'unknownType'
            ? { event_type: `zz.${e.text}`.slice(0, 200), event_data: { video_id: x } }
            : { event_type: e.type, event_data: { video_id: x, callback_id: e.callback } };
      const raw = encode(value, p.indent);
      const headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
      return post(id, `ignored/${e.e}`, headers, raw, 'ignored');
    },
  ),

  // ---- validly signed mapped event lacking its id: malformed
  noId: kind(
    4,
    fc.record({
      eventType: fc.constantFrom(...MAPPED),
      id: fc.option(fc.constantFrom(null, '', '   ', { id: 1 }, [1], true, 1.5), { freq: 2, nil: undefined }),
      indent: encoding,
      headers: headersPlan,
      style,
      secret,
    }),
    (p, id) => {
      const data: Record<string, unknown> = { callback_id: `wf-${id}`, msg: 'm' };
      if (p.id !== undefined) data[ID_FIELD[p.eventType]] = p.id;
      const raw = encode({ event_type: p.eventType, event_data: data }, p.indent);
      const headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
      return post(id, 'malformed/no-id', headers, raw, 'malformed');
    },
  ),

  // ---- v3 deliveries: {event_id, event_type, event_data}, signed in the v3 variants
  v3: kind(
    6,
    fc.record({
      event: eventPlan,
      eventId: hexString(6),
      skew: fc.integer({ min: -200, max: 200 }),
      key: fc.oneof(fc.constant('base64' as const), secret),
      variant: fc.oneof(
        fc.record({ v: tag('xHeygenTimestamped') }),
        fc.record({ v: tag('heygenSignature'), sendEventId: fc.boolean() }),
        fc.record({ v: tag('eventIdMismatch'), suffix: fc.constantFrom('x', '-2', 'A') }),
        fc.record({ v: tag('otherTimestamp'), by: fc.integer({ min: 1, max: 50 }) }),
      ),
    }),
    (p, id) => {
      const { raw: legacy, resourceId } = validEvent(p.event, id);
      const parsed = JSON.parse(legacy.toString('utf8')) as Record<string, unknown>;
      const eventId = `evt_${id}_${p.eventId}`;
      const raw = encode(
        { event_id: eventId, ...parsed, created_at: new Date().toISOString() },
        p.event.indent,
      );
      const ts = String(nowSeconds() + p.skew);
      const key = p.key === 'base64' ? base64Key(WHSEC) : p.key;
      const v = p.variant;
      if (v.v === 'xHeygenTimestamped') {
        // The Laravel variant: "<ts>.<body>" with X-HeyGen-Timestamp.
        const headers = { 'X-HeyGen-Signature': signTimestamped(key, ts, raw), 'X-HeyGen-Timestamp': ts };
        return { ...post(id, 'v3/x-heygen-timestamped', headers, raw, 'accepted'), delivers: resourceId };
      }
      const headers: OutgoingHttpHeaders = { 'Heygen-Signature': sign(key, raw), 'Heygen-Timestamp': ts };
      if (v.v === 'heygenSignature') {
        if (v.sendEventId) headers['Heygen-Event-Id'] = eventId;
        return { ...post(id, 'v3/heygen-signature', headers, raw, 'accepted'), delivers: resourceId };
      }
      if (v.v === 'eventIdMismatch') {
        headers['Heygen-Event-Id'] = `${eventId}${v.suffix}`;
        return post(id, 'v3/event-id-mismatch', headers, raw, 'event_id_mismatch');
      }
      // Signed over "<ts>.<body>" with a timestamp other than the one sent.
      headers['Heygen-Signature'] = signTimestamped(key, String(Number(ts) + v.by), raw);
      return post(id, 'v3/other-timestamp', headers, raw, 'bad_signature');
    },
  ),

  // ---- our event, bad signature
  badSignature: kind(
    12,
    fc.record({
      event: eventPlan,
      secret,
      otherSecret: secret,
      style,
      headers: headersPlan,
      oddContentType: fc.option(fc.constantFrom(...ODD_CONTENT_TYPES), { freq: 5 }),
      variant: fc.oneof(
        fc.record({ v: tag('random'), hex: hexString(64) }),
        fc.record({ v: tag('wrong-secret') }),
        fc.record({ v: tag('truncated'), length: fc.integer({ min: 1, max: 63 }) }),
        fc.record({
          v: tag('extended'),
          hex: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 8 }),
        }),
        fc.record({ v: tag('uppercased') }),
        fc.record({ v: tag('inner-whitespace') }),
        fc.record({ v: tag('other-body') }),
        fc.record({ v: tag('prefixed') }),
        fc.record({ v: tag('base64') }),
        fc.record({ v: tag('empty') }),
        fc.record({ v: tag('long'), length: fc.integer({ min: 2000, max: 9000 }), hex: hexString(64) }),
        fc.record({ v: tag('unicode') }),
        fc.record({ v: tag('one-digit-off') }),
      ),
    }),
    (p, id) => {
      const { raw } = validEvent(p.event, id);
      const good = sign(p.secret, raw);
      const v = p.variant;
      const signature =
        v.v === 'random'
          ? v.hex
          : v.v === 'wrong-secret'
            ? sign(WRONG_SECRET, raw)
            : v.v === 'truncated'
              ? good.slice(0, v.length)
              : v.v === 'extended'
                ? `${good}${v.hex}`
                : v.v === 'uppercased'
                  ? good.toUpperCase()
                  : v.v === 'inner-whitespace'
                    ? `${good.slice(0, 30)} ${good.slice(30)}`
                    : v.v === 'other-body'
                      ? sign(p.otherSecret, Buffer.concat([raw, Buffer.from(' ')]))
                      : v.v === 'prefixed'
                        ? `sha256=${good}`
                        : v.v === 'base64'
                          ? Buffer.from(good, 'hex').toString('base64')
                          : v.v === 'empty'
                            ? ''
                            : v.v === 'long'
                              ? v.hex.repeat(Math.ceil(v.length / 64)).slice(0, v.length)
                              : v.v === 'unicode'
                                ? utf8AsLatin1(`${good.slice(0, 60)}é😀`)
                                : `${good.slice(0, 63)}${good.endsWith('0') ? '1' : '0'}`;
      const headers = signedHeaders(p.headers, p.style, signature, id);
      if (p.oddContentType !== null) headers['Content-Type'] = p.oddContentType;
      const bucket = v.v === 'empty' ? 'missing_signature' : 'bad_signature';
      return post(id, `bad-signature/${v.v}`, headers, raw, bucket);
    },
  ),

  // ---- valid signature, body with one byte changed
  mutatedBody: kind(
    8,
    fc.record({
      event: eventPlan,
      style,
      secret,
      headers: headersPlan,
      at: fc.nat(),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
    (p, id) => {
      const { raw } = validEvent(p.event, id);
      const headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
      const mutated = Buffer.from(raw);
      const at = p.at % mutated.length;
      mutated[at] = (mutated[at] ?? 0) ^ p.xor;
      return post(id, 'mutated-body', headers, mutated, 'bad_signature');
    },
  ),

  // ---- valid body and signature, mutated or duplicated headers
  headers: kind(
    10,
    fc.record({
      event: eventPlan,
      style,
      secret,
      headers: headersPlan,
      variant: fc.oneof(
        fc.record({ v: tag('misspelt'), pick: fc.nat() }),
        fc.record({ v: tag('duplicated'), same: fc.boolean(), hex: hexString(64) }),
        fc.record({ v: tag('second-forged'), other: fc.nat(), hex: hexString(64) }),
        fc.record({ v: tag('timestamp') }),
        fc.record({ v: tag('in-query') }),
      ),
    }),
    (p, id) => {
      const { raw } = validEvent(p.event, id);
      const signature = sign(p.secret, raw);
      const headers = signedHeaders(p.headers, p.style, signature, id);
      const name = HEADER_NAME[p.style];
      const v = p.variant;
      if (v.v === 'misspelt') {
        // A misspelt header name: no signature at all.
        delete headers[name];
        const misspelt = [
          name.slice(1),
          `${name}s`,
          name.replace('-', '_'),
          `X-${name}-Sha256`,
          name.replace('Signature', 'Sig'),
        ].filter((n) => n.toLowerCase() !== name.toLowerCase());
        headers[misspelt[v.pick % misspelt.length]!] = signature;
        return post(id, 'headers/misspelt', headers, raw, 'missing_signature');
      }
      if (v.v === 'duplicated') {
        // The same header twice on the wire (Node joins them with ", "): refused.
        headers[name] = [signature, v.same ? signature : v.hex];
        return post(id, 'headers/duplicated', headers, raw, 'bad_signature');
      }
      if (v.v === 'second-forged') {
        // A second signature header in another style that does not verify.
        const others = STYLES.filter((s) => s !== p.style && s !== 'heygen-signature');
        headers[HEADER_NAME[others[v.other % others.length]!]] = v.hex;
        return post(id, 'headers/second-forged', headers, raw, 'bad_signature');
      }
      if (v.v === 'timestamp') {
        if (p.style !== 'heygen-signature') {
          headers['Heygen-Signature'] = signature; // no timestamp
          return post(id, 'headers/heygen-without-timestamp', headers, raw, 'bad_timestamp');
        }
        headers['Heygen-Timestamp'] = [String(nowSeconds()), String(nowSeconds())];
        return post(id, 'headers/duplicated-timestamp', headers, raw, 'bad_timestamp');
      }
      // The signature in the query string instead of a header: not looked at.
      delete headers[name];
      return {
        ...post(id, 'headers/in-query', headers, raw, 'missing_signature'),
        query: `?signature=${signature}`,
      };
    },
  ),

  // ---- Heygen-Signature style with a wrong timestamp (signature itself valid)
  timestamp: kind(
    6,
    fc.record({
      event: eventPlan,
      secret,
      headers: headersPlan,
      variant: fc.oneof(
        fc.record({ v: tag('past'), by: fc.integer({ min: 400, max: 10_000_000 }) }),
        fc.record({ v: tag('future'), by: fc.integer({ min: 400, max: 10_000_000 }) }),
        fc.record({ v: tag('milliseconds') }),
        fc.record({ v: tag('zero') }),
        fc.record({ v: tag('negative') }),
        fc.record({ v: tag('decimal') }),
        fc.record({ v: tag('iso') }),
        fc.record({ v: tag('garbage'), text: hostileString(20, false) }),
        fc.record({ v: tag('huge'), digits: fc.integer({ min: 16, max: 400 }) }),
        fc.record({ v: tag('missing') }),
        fc.record({ v: tag('empty') }),
        fc.record({ v: tag('unicode') }),
      ),
    }),
    (p, id) => {
      const { raw } = validEvent(p.event, id);
      const headers = signedHeaders(p.headers, 'heygen-signature', sign(p.secret, raw), id);
      const v = p.variant;
      const now = nowSeconds();
      const [value, bucket]: [string | undefined, Bucket] =
        v.v === 'past'
          ? [String(now - v.by), 'stale_timestamp']
          : v.v === 'future'
            ? [String(now + v.by), 'stale_timestamp']
            : v.v === 'milliseconds'
              ? [String(Date.now()), 'stale_timestamp']
              : v.v === 'zero'
                ? ['0', 'stale_timestamp']
                : v.v === 'negative'
                  ? [String(-now), 'bad_timestamp']
                  : v.v === 'decimal'
                    ? [`${now}.5`, 'bad_timestamp']
                    : v.v === 'iso'
                      ? [new Date().toISOString(), 'bad_timestamp']
                      : v.v === 'garbage'
                        ? [v.text.replace(/[0-9]/gu, 'x') || 'x', 'bad_timestamp']
                        : v.v === 'huge'
                          ? ['9'.repeat(v.digits), 'bad_timestamp']
                          : v.v === 'missing'
                            ? [undefined, 'bad_timestamp']
                            : v.v === 'empty'
                              ? ['', 'bad_timestamp']
                              : [utf8AsLatin1('١٧٠٠٠٠٠٠٠٠'), 'bad_timestamp'];
      if (value === undefined) delete headers['Heygen-Timestamp'];
      else headers['Heygen-Timestamp'] = value;
      return post(id, `timestamp/${v.v}`, headers, raw, bucket);
    },
  ),

  // ---- empty bodies
  empty: kind(4, fc.record({ signed: fc.boolean(), style, secret, headers: headersPlan }), (p, id) => {
    const raw = Buffer.alloc(0);
    if (!p.signed) return post(id, 'empty/unsigned', {}, raw, 'missing_signature');
    const headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
    return post(id, 'empty/signed', headers, raw, 'malformed');
  }),

  // ---- unicode bodies, forged or validly signed non-envelopes
  unicode: kind(
    4,
    fc.record({
      text: hostileString(300),
      signed: fc.boolean(),
      hex: hexString(64),
      style,
      secret,
      headers: headersPlan,
    }),
    (p, id) => {
      const raw = Buffer.from(p.text, 'utf8');
      if (!p.signed) {
        const headers = signedHeaders(p.headers, 'x-heygen-signature', p.hex, id);
        return post(id, 'unicode/forged', headers, raw, 'bad_signature');
      }
      // A raw unicode string is never a JSON object with event_type and event_data.
      const headers = signedHeaders(p.headers, p.style, sign(p.secret, raw), id);
      return post(id, 'unicode/signed', headers, raw, 'malformed');
    },
  ),

  // ---- over the body limit: declared or streamed
  tooLarge: kind(
    4,
    fc.record({
      event: eventPlan,
      over: fc.integer({ min: 1, max: 24_000 }),
      style,
      secret,
      headers: headersPlan,
      chunked: fc.boolean(),
    }),
    (p, id) => {
      const { raw } = validEvent(p.event, id);
      const big = Buffer.concat([raw, Buffer.alloc(MAX_BODY + p.over - raw.length, 0x20)]);
      const headers = signedHeaders(p.headers, p.style, sign(p.secret, big), id);
      const category = `too-large/${p.chunked ? 'chunked' : 'declared'}`;
      return { ...post(id, category, headers, big, 'too_large'), chunked: p.chunked };
    },
  ),

  // ---- other methods on the path, and the probe
  method: kind(
    4,
    fc.record({ method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH'), event: eventPlan, secret }),
    (p, id) => {
      const { raw } = validEvent(p.event, id);
      return {
        id,
        category: `method/${p.method}`,
        method: p.method,
        headers: { Signature: sign(p.secret, raw) },
        body: p.method === 'GET' ? undefined : raw,
        bucket: 'method_not_allowed',
      };
    },
  ),
  probe: kind(4, fc.constant({}), (_, id) => ({
    id,
    category: 'probe',
    method: 'OPTIONS',
    headers: {},
    bucket: 'probe',
  })),
};

type KindName = keyof typeof KINDS;
interface Spec {
  kind: KindName;
  plan: unknown;
}

const specArbitrary: fc.Arbitrary<Spec> = fc.oneof(
  ...(Object.entries(KINDS) as Array<[KindName, (typeof KINDS)[KindName]]>).map(([name, k]) => ({
    weight: k.weight,
    arbitrary: (k.arbitrary as fc.Arbitrary<unknown>).map((plan) => ({ kind: name, plan })),
  })),
);

const build = (spec: Spec, id: number): Case =>
  (KINDS[spec.kind].build as (p: unknown, id: number) => Case)(spec.plan, id);

/** Raw, non-HTTP garbage for a fresh connection. */
const rawArbitrary = fc.record({
  first: fc.constantFrom(0x00, 0x01, 0x07, 0x1b, 0x7f, 0x80, 0xc3, 0xff, 0x3c, 0x7b),
  rest: fc.uint8Array({ maxLength: 3000 }),
});

// ---------------------------------------------------------------------------------------------------------------

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
  let receiver: RunningWebhookReceiver;
  const sink = new FakeSink();

  beforeAll(async () => {
    console.log(`webhook fuzz seed: ${session.seed} (rerun with WEBHOOK_FUZZ_SEED=${session.seed})`);
    receiver = await startWebhookReceiver({ secrets: SECRETS, sink, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it(`survives ${HTTP_CASES} random requests and delivers exactly the validly signed ones`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const origin = new URL(receiver.url).origin;
    const sent: Case[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    let nextId = 0;

    try {
      const httpRun = await runStreams(session, {
        label: 'http',
        streams: CONCURRENCY,
        numRuns: HTTP_CASES / CONCURRENCY,
        shrinkBudgetMs: SHRINK_BUDGET_MS,
        arbitrary: () => specArbitrary,
        predicate: async (spec) => {
          const c = build(spec, nextId++);
          sent.push(c);
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
          if (status !== STATUS[c.bucket]) {
            throw new Error(
              `${c.category}: expected ${STATUS[c.bucket]} (${c.bucket}), got ${status} ${detail}`,
            );
          }
          // The sink has this request's event once if it is a control, nothing of it otherwise.
          const delivered = sink.deliveries.filter((e) => e.resourceId.startsWith(token(c.id)));
          const expected = c.delivers === undefined ? [] : [c.delivers];
          if (JSON.stringify(delivered.map((e) => e.resourceId)) !== JSON.stringify(expected)) {
            throw new Error(
              `${c.category}: the sink got ${JSON.stringify(delivered.map((e) => e.resourceId))}, expected ${JSON.stringify(expected)}`,
            );
          }
        },
      });

      // Raw, non-HTTP garbage on fresh connections: the parser refuses it with a 400.
      const rawRun = await runStreams(session, {
        label: 'raw',
        streams: CONCURRENCY,
        numRuns: RAW_CASES / CONCURRENCY,
        shrinkBudgetMs: SHRINK_BUDGET_MS,
        arbitrary: () => rawArbitrary,
        predicate: async ({ first, rest }) => {
          const answer = await rawExchange(receiver.port, Buffer.concat([Buffer.from([first]), rest]));
          if (!/^HTTP\/1\.1 400 /u.test(answer))
            throw new Error(`got ${JSON.stringify(answer.slice(0, 80))}`);
        },
        describe: ({ first, rest }) =>
          `first byte ${first}, then ${rest.length} bytes ${Buffer.from(rest.slice(0, 40)).toString('hex')}…`,
      });
      const elapsed = Date.now() - started;
      console.log(
        `webhook fuzz: ${httpRun.runs} HTTP requests (${sent.length} sent, shrinking included) + ${rawRun.runs} raw ` +
          `connections in ${elapsed} ms (seed ${session.seed}); statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );

      assertNoFailures(session, httpRun, rawRun);

      // The server still answers.
      const health = await send(`${origin}/healthz`, { method: 'GET' });
      expect(health.status).toBe(200);
      for (const status of statuses.keys()) expect([200, 400, 401, 405, 413]).toContain(status);

      // Exactly the controls reached the sink, each once.
      const controls = sent.filter((c) => c.delivers !== undefined).map((c) => c.delivers as string);
      if (!session.replay) {
        expect(httpRun.runs).toBe(HTTP_CASES);
        expect(rawRun.runs).toBe(RAW_CASES);
        expect(controls.length).toBeGreaterThan(HTTP_CASES / 20);
        expect(elapsed).toBeLessThan(45_000);
      }
      expect(sink.deliveries.map((e) => e.resourceId).sort()).toEqual([...controls].sort());
      expect(sink.accepted).toHaveLength(controls.length);

      // The counters add up, bucket by bucket.
      const expected = (bucket: Bucket) => sent.filter((c) => c.bucket === bucket).length;
      const stats: ReceiverStats = receiver.stats();
      const posts = sent.filter((c) => c.method === 'POST').length;
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
      expect(stats.clientErrors).toBeGreaterThanOrEqual(rawRun.runs);
    } finally {
      agent.destroy();
    }
  });
});
