import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * HeyGen webhook signatures.
 *
 * Every delivery carries the lowercase hex HMAC-SHA256 of the raw request body keyed with the endpoint secret (no
 * timestamp in the signed content: see simulator/webhookDelivery.ts `signWebhookBody`). Three header names are in
 * use: `Signature` (the seeds), `X-HeyGen-Signature`, and `Heygen-Signature`, which comes with `Heygen-Timestamp`
 * (unix seconds) and `Heygen-Event-Id`.
 *
 * Rules (strict on purpose):
 * - at least one of the three signature headers must be present and non-empty, else `missing_signature`;
 * - EVERY signature header present must verify (a second, junk signature header is a rejection, not noise), and
 *   each must be exactly 64 lowercase hex characters; a header repeated on the wire (Node joins the copies with
 *   ", ") is therefore a rejection too;
 * - with `Heygen-Signature`, `Heygen-Timestamp` must be whole unix seconds within ±toleranceSeconds of now
 *   (`bad_timestamp` when missing or garbage, `stale_timestamp` when out of range); it is checked first;
 * - the secrets list is a rotation set: a signature is valid when it matches any non-empty secret. Empty secrets are
 *   skipped (an empty HMAC key would let anyone sign). Each comparison is constant-time over equal-length buffers.
 *
 * Nothing here logs, and no secret or signature appears in the result.
 */

export type SignatureFailure = 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'bad_timestamp';

export type SignatureResult = { ok: true; eventIdHeader?: string } | { ok: false; reason: SignatureFailure };

export interface VerifySignatureInput {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  secrets: readonly string[];
  nowMs: number;
  toleranceSeconds: number;
}

/** The signature headers, lowercased as Node delivers them. */
export const SIGNATURE_HEADERS = ['heygen-signature', 'x-heygen-signature', 'signature'] as const;
const TIMESTAMP_HEADER = 'heygen-timestamp';
const EVENT_ID_HEADER = 'heygen-event-id';

const HEX_SHA256 = /^[0-9a-f]{64}$/u;
/** Whole unix seconds (a milliseconds value parses too, and is stale); 15 digits keep Number() exact. */
const UNIX_SECONDS = /^[0-9]{1,15}$/u;
/** Event ids become dedupe keys: visible ASCII, bounded. Anything else falls back to the body hash. */
const EVENT_ID = /^[\x21-\x7e]{1,200}$/u;

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

function macs(rawBody: Buffer, secrets: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length === 0) continue;
    out.push(createHmac('sha256', secret).update(rawBody).digest());
  }
  return out;
}

/** Whether `provided` (a header value) is the hex HMAC of the body under any of the expected MACs. */
function matchesAny(provided: string | null, expected: readonly Buffer[]): boolean {
  if (provided === null || !HEX_SHA256.test(provided)) return false;
  const candidate = Buffer.from(provided, 'hex');
  if (candidate.length !== 32) return false;
  let ok = false;
  // No early exit: every secret is compared, so timing does not reveal which one matched.
  for (const mac of expected) {
    if (mac.length === candidate.length && timingSafeEqual(mac, candidate)) ok = true;
  }
  return ok;
}

function checkTimestamp(
  headers: IncomingHttpHeaders,
  nowMs: number,
  toleranceSeconds: number,
): SignatureFailure | undefined {
  const raw = headerValue(headers, TIMESTAMP_HEADER);
  if (raw === undefined || raw === null || !UNIX_SECONDS.test(raw)) return 'bad_timestamp';
  const seconds = Number(raw);
  if (!Number.isFinite(nowMs) || !Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    return 'stale_timestamp';
  }
  return Math.abs(nowMs / 1000 - seconds) > toleranceSeconds ? 'stale_timestamp' : undefined;
}

export function verifySignature(input: VerifySignatureInput): SignatureResult {
  const { rawBody, headers, secrets, nowMs, toleranceSeconds } = input;
  const present = SIGNATURE_HEADERS.map((name) => ({ name, value: headerValue(headers, name) })).filter(
    (h): h is { name: (typeof SIGNATURE_HEADERS)[number]; value: string | null } => h.value !== undefined,
  );
  if (present.length === 0) return { ok: false, reason: 'missing_signature' };

  if (present.some((h) => h.name === 'heygen-signature')) {
    const failure = checkTimestamp(headers, nowMs, toleranceSeconds);
    if (failure) return { ok: false, reason: failure };
  }

  const expected = macs(rawBody, secrets);
  let allValid = expected.length > 0;
  // Every present header is checked (no early exit) so the work done does not depend on which one is wrong.
  for (const h of present) {
    if (!matchesAny(h.value, expected)) allValid = false;
  }
  if (!allValid) return { ok: false, reason: 'bad_signature' };

  const eventId = headerValue(headers, EVENT_ID_HEADER);
  return typeof eventId === 'string' && EVENT_ID.test(eventId)
    ? { ok: true, eventIdHeader: eventId }
    : { ok: true };
}
