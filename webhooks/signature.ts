import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * HeyGen webhook signatures.
 *
 * ## Why several schemes
 * HeyGen's v3 signing scheme is not publicly documented (notes §3.10: the header names, the signed string, the
 * digest encoding, whether the `whsec_` secret is used raw or base64-decoded, and the timestamp tolerance are all
 * "not found"). The receiver therefore accepts every variant seen in the wild, each of which can be switched off:
 *
 * | Scheme (WEBHOOK_SIGNATURE_SCHEMES) | What it accepts                                                           |
 * |------------------------------------|---------------------------------------------------------------------------|
 * | `heygen-signature`                 | `Heygen-Signature: <hex>`, with `Heygen-Timestamp` (required)            |
 * | `x-heygen-signature`               | `X-HeyGen-Signature: <hex>`                                              |
 * | `signature`                        | `Signature: <hex>` (the v1/v2 form)                                      |
 * | `timestamp-body`                   | the signed string may also be `"<timestamp>.<raw body>"` when a          |
 * |                                    | timestamp header (`Heygen-Timestamp` or `X-HeyGen-Timestamp`) is present |
 *
 * `<hex>` is the lowercase hex HMAC-SHA256 of the signed string (by default the raw body bytes). A
 * `Heygen-Event-Id` header is returned as the event id; the receiver refuses it (401 `event_id_mismatch`) when the
 * body's `event_id` differs.
 *
 * Secret encoding (WEBHOOK_SECRET_ENCODING), for `whsec_…` secrets only (others are always used raw):
 * `raw` = the whole secret string as the HMAC key; `base64` = the base64 text after `whsec_`, decoded; `both`.
 *
 * ## The default (cite this block)
 * WEBHOOK_SIGNATURE_SCHEMES=heygen-signature,x-heygen-signature,signature,timestamp-body and
 * WEBHOOK_SECRET_ENCODING=both: every variant above is accepted, with a ±300 s timestamp tolerance
 * (WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS). Once HeyGen's real scheme is known, list only it: each scheme left on is
 * one more way to present a valid signature (e.g. a body-only scheme cannot bind a timestamp).
 *
 * ## Rules (strict on purpose)
 * - Only the headers of enabled schemes are looked at. At least one must be present and non-empty, else
 *   `missing_signature`.
 * - EVERY signature header looked at must verify (a second, junk signature header is a rejection, not noise), and
 *   each must be exactly 64 lowercase hex characters; a header repeated on the wire (Node joins the copies with
 *   ", ") is therefore a rejection too.
 * - A timestamp header, whenever present, must be whole unix seconds (`bad_timestamp` when garbage or repeated, or
 *   when the two timestamp headers disagree) within ±toleranceSeconds of now (`stale_timestamp`); `Heygen-Signature`
 *   requires `Heygen-Timestamp`. The timestamp is checked before any MAC is computed.
 * - The secrets list is a rotation set: a signature is valid when it matches any key of any non-empty secret. Empty
 *   keys are skipped (an empty HMAC key would let anyone sign). Every comparison is constant-time over equal-length
 *   buffers, and every candidate is compared (no early exit), so timing does not reveal which secret matched.
 *
 * Nothing here logs, and no secret or signature appears in the result.
 */

export const SIGNATURE_SCHEMES = [
  'heygen-signature',
  'x-heygen-signature',
  'signature',
  'timestamp-body',
] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = SIGNATURE_SCHEMES;

export const SECRET_ENCODINGS = ['raw', 'base64', 'both'] as const;
export type SecretEncoding = (typeof SECRET_ENCODINGS)[number];
export const DEFAULT_SECRET_ENCODING: SecretEncoding = 'both';

export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Which variants a receiver accepts (see the table above). */
export interface SignatureSettings {
  schemes: readonly SignatureScheme[];
  secretEncoding: SecretEncoding;
}

export const DEFAULT_SIGNATURE_SETTINGS: SignatureSettings = {
  schemes: DEFAULT_SIGNATURE_SCHEMES,
  secretEncoding: DEFAULT_SECRET_ENCODING,
};

export type SignatureFailure = 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'bad_timestamp';

export type SignatureResult = { ok: true; eventIdHeader?: string } | { ok: false; reason: SignatureFailure };

export interface VerifySignatureInput {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  secrets: readonly string[];
  nowMs: number;
  toleranceSeconds: number;
  /** Default: DEFAULT_SIGNATURE_SETTINGS */
  settings?: SignatureSettings;
}

type HeaderScheme = Exclude<SignatureScheme, 'timestamp-body'>;

/** The signature header of each header scheme, lowercased as Node delivers them. */
export const SIGNATURE_HEADERS: Readonly<Record<HeaderScheme, string>> = {
  'heygen-signature': 'heygen-signature',
  'x-heygen-signature': 'x-heygen-signature',
  signature: 'signature',
};
const TIMESTAMP_HEADERS = ['heygen-timestamp', 'x-heygen-timestamp'] as const;
const HEYGEN_TIMESTAMP = 'heygen-timestamp';
const EVENT_ID_HEADER = 'heygen-event-id';

const WHSEC_PREFIX = 'whsec_';
const HEX_SHA256 = /^[0-9a-f]{64}$/u;
/** Whole unix seconds (a milliseconds value parses too, and is stale); 15 digits keep Number() exact. */
const UNIX_SECONDS = /^[0-9]{1,15}$/u;
/** Event ids become dedupe keys: visible ASCII, bounded. Anything else falls back to the body hash. */
export const EVENT_ID_PATTERN = /^[\x21-\x7e]{1,200}$/u;

const isHeaderScheme = (s: SignatureScheme): s is HeaderScheme => s !== 'timestamp-body';

/**
 * Refuses a scheme list that can never verify anything (no header scheme) or names a scheme twice; the config
 * calls it at start-up.
 */
export function checkSignatureSettings(settings: SignatureSettings): string | undefined {
  if (!settings.schemes.some(isHeaderScheme)) {
    return 'name at least one header scheme (heygen-signature, x-heygen-signature or signature)';
  }
  if (new Set(settings.schemes).size !== settings.schemes.length) return 'a scheme is listed twice';
  return undefined;
}

/** Canonical base64 (standard or URL alphabet, padding optional) decoded, or undefined when it is not that. */
function decodeBase64(text: string): Buffer | undefined {
  if (text.length === 0) return undefined;
  const bare = text.replace(/=+$/u, '');
  for (const alphabet of ['base64', 'base64url'] as const) {
    const decoded = Buffer.from(text, alphabet);
    if (decoded.length > 0 && decoded.toString(alphabet).replace(/=+$/u, '') === bare) return decoded;
  }
  return undefined;
}

/**
 * The HMAC keys one secret stands for under `encoding` (see the header comment). Empty when the secret can sign
 * nothing: an empty secret, or a `whsec_` secret that is not base64 under `base64`. Config and the secrets-file
 * reader refuse such secrets up front.
 */
export function secretKeys(secret: string, encoding: SecretEncoding): Buffer[] {
  if (typeof secret !== 'string' || secret.length === 0) return [];
  const raw = Buffer.from(secret, 'utf8');
  if (!secret.startsWith(WHSEC_PREFIX)) return [raw];
  const decoded = decodeBase64(secret.slice(WHSEC_PREFIX.length));
  if (encoding === 'raw') return [raw];
  if (encoding === 'base64') return decoded ? [decoded] : [];
  return decoded ? [raw, decoded] : [raw];
}

/**
 * One header's value, looked up case-insensitively. `null` = present but unusable (several values); `undefined` =
 * absent or empty.
 */
function headerValue(headers: IncomingHttpHeaders, name: string): string | null | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (Array.isArray(value)) values.push(...value.map(String));
    else values.push(String(value));
  }
  if (values.length === 0) return undefined;
  if (values.length > 1) return null;
  const [only] = values;
  return only === undefined || only === '' ? undefined : only;
}

/** Whether `provided` (a header value) is the hex form of any of the expected MACs. */
function matchesAny(provided: string | null, expected: readonly Buffer[]): boolean {
  if (provided === null || !HEX_SHA256.test(provided)) return false;
  const candidate = Buffer.from(provided, 'hex');
  if (candidate.length !== 32) return false;
  let ok = false;
  // No early exit: every candidate is compared, so timing does not reveal which one matched.
  for (const mac of expected) {
    if (mac.length === candidate.length && timingSafeEqual(mac, candidate)) ok = true;
  }
  return ok;
}

type TimestampCheck = { ok: true; value?: string } | { ok: false; reason: SignatureFailure };

function checkTimestamp(
  headers: IncomingHttpHeaders,
  required: boolean,
  nowMs: number,
  toleranceSeconds: number,
): TimestampCheck {
  const values = TIMESTAMP_HEADERS.map((name) => headerValue(headers, name)).filter((v) => v !== undefined);
  if (required && headerValue(headers, HEYGEN_TIMESTAMP) === undefined)
    return { ok: false, reason: 'bad_timestamp' };
  if (values.length === 0) return { ok: true };
  const [first] = values;
  if (first === undefined || first === null || values.some((v) => v !== first) || !UNIX_SECONDS.test(first)) {
    return { ok: false, reason: 'bad_timestamp' };
  }
  if (!Number.isFinite(nowMs) || !Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  return Math.abs(nowMs / 1000 - Number(first)) > toleranceSeconds
    ? { ok: false, reason: 'stale_timestamp' }
    : { ok: true, value: first };
}

export function verifySignature(input: VerifySignatureInput): SignatureResult {
  const { rawBody, headers, secrets, nowMs, toleranceSeconds } = input;
  const settings = input.settings ?? DEFAULT_SIGNATURE_SETTINGS;
  const present: Array<{ scheme: HeaderScheme; value: string | null }> = [];
  for (const scheme of settings.schemes) {
    if (!isHeaderScheme(scheme)) continue;
    const value = headerValue(headers, SIGNATURE_HEADERS[scheme]);
    if (value !== undefined) present.push({ scheme, value });
  }
  if (present.length === 0) return { ok: false, reason: 'missing_signature' };

  const timestamp = checkTimestamp(
    headers,
    present.some((h) => h.scheme === 'heygen-signature'),
    nowMs,
    toleranceSeconds,
  );
  if (!timestamp.ok) return timestamp;

  const signed: Buffer[] = [rawBody];
  if (timestamp.value !== undefined && settings.schemes.includes('timestamp-body')) {
    signed.push(Buffer.concat([Buffer.from(`${timestamp.value}.`, 'utf8'), rawBody]));
  }
  const expected: Buffer[] = [];
  for (const secret of secrets) {
    for (const key of secretKeys(secret, settings.secretEncoding)) {
      for (const content of signed) expected.push(createHmac('sha256', key).update(content).digest());
    }
  }
  let allValid = expected.length > 0;
  // Every present header is checked (no early exit) so the work done does not depend on which one is wrong.
  for (const h of present) {
    if (!matchesAny(h.value, expected)) allValid = false;
  }
  if (!allValid) return { ok: false, reason: 'bad_signature' };

  const eventId = headerValue(headers, EVENT_ID_HEADER);
  return typeof eventId === 'string' && EVENT_ID_PATTERN.test(eventId)
    ? { ok: true, eventIdHeader: eventId }
    : { ok: true };
}
