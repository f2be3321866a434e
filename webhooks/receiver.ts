import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerClientError, readBody, sendJson } from '../lib/httpServer';
import { parseWebhookEvent } from './events';
import type { WebhookSecretSource } from './secrets';
import {
  checkSignatureSettings,
  DEFAULT_SIGNATURE_SETTINGS,
  DEFAULT_TOLERANCE_SECONDS,
  verifySignature,
  type SignatureFailure,
  type SignatureResult,
  type SignatureSettings,
} from './signature';
import type { JobEventSink, ReceiverLog } from './types';

/**
 * The HTTP endpoint HeyGen calls when a job ends.
 *
 * Per request, in this order:
 * - `OPTIONS <path>` -> 200 at once (HeyGen's 1-second registration probe); `GET|HEAD /healthz` -> 200;
 *   other methods on `<path>` or `/healthz` -> 405; other paths -> 404.
 * - `POST <path>`: Content-Length over `maxBodyBytes` -> 413 without reading; the raw body is read with a hard
 *   limit (streaming past it -> 413, reading stops, the connection is closed); the signature is verified on the raw
 *   bytes BEFORE anything is parsed (any failure -> 401, the sink is never called; a bad signature first makes the
 *   secret source re-read its file, rate-limited, and is checked once more if the set changed); then the body is
 *   parsed: a `Heygen-Event-Id` header that differs from the body's `event_id` -> 401 `event_id_mismatch`;
 *   malformed -> 400, ignored -> 200 `{"status":"ignored"}`; a job event whose HeyGen event id was handed over
 *   recently -> 200 `{"status":"duplicate"}` without calling the sink (a bounded in-memory memo that only saves
 *   work: the sink's own duplicate handling is what makes redeliveries harmless); else `sink.deliver()`:
 *   'accepted' / 'duplicate' -> 200, sink throws (or takes longer than `sinkTimeoutMs`) -> 503 so HeyGen redelivers.
 * Every answer is JSON. Malformed HTTP, oversized headers and slow clients are answered by the `clientError` handler
 * (400 / 431 / 408, JSON) and the connection is closed; headers must arrive within 5 s and the whole request within
 * `requestTimeoutMs`.
 *
 * `secrets` is read at every request (never copied): either an array the owner may change (e.g. add the secret
 * HeyGen returns from registration after the receiver is up: registration needs the OPTIONS probe to succeed first),
 * or a WebhookSecretSource such as the watched secrets file (webhooks/secrets.ts), which swaps its set atomically on
 * rotation. Each request verifies against the set it read, so a swap never affects a request already verified.
 * With no secret every POST is a 401.
 */

export interface ReceiverStats {
  /** POST requests on the events path (every one ends in exactly one of the buckets below) */
  received: number;
  /** Bodies whose signature verified */
  verified: number;
  rejected: {
    /** 401s by reason */
    missing_signature: number;
    bad_signature: number;
    stale_timestamp: number;
    bad_timestamp: number;
    /** Heygen-Event-Id header and body event_id disagree */
    event_id_mismatch: number;
    /** 400: verified but malformed */
    malformed: number;
    /** 413: Content-Length or streamed body over the limit */
    too_large: number;
  };
  /** 200 ignored (verified, not for us) */
  ignored: number;
  /** 200 accepted by the sink */
  accepted: number;
  /** 200 duplicate: per the sink, or (counted here too) per the receiver's memo of recent event ids */
  duplicate: number;
  /** Duplicates answered from the memo of recent HeyGen event ids, without calling the sink */
  recentDuplicates: number;
  /** Signatures that verified only after the secret source re-read its file */
  reverified: number;
  /** 503: the sink failed or timed out */
  unavailable: number;
  /** POSTs whose body never arrived completely (client went away, request timeout): no answer possible */
  aborted: number;
  /** 500: an unexpected error in the receiver itself (should stay 0) */
  errors: number;
  /** OPTIONS probes answered */
  probes: number;
  /** 404 and 405 answers */
  notFound: number;
  methodNotAllowed: number;
  /** Connections refused by the HTTP parser (malformed HTTP, headers too large, timeouts) */
  clientErrors: number;
}

export interface WebhookReceiverOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Events path. Default '/webhooks/heygen'. */
  path?: string;
  /** Endpoint secrets (rotation set). Read at every request: see above. */
  secrets: readonly string[] | WebhookSecretSource;
  /** Accepted signature variants. Default: every variant seen (webhooks/signature.ts). */
  signature?: SignatureSettings;
  /** Recent HeyGen event ids remembered to skip repeats cheaply. Default 10 000; 0 turns the memo off. */
  recentEventIds?: number;
  sink: JobEventSink;
  /** Body limit. Default 256 KiB. */
  maxBodyBytes?: number;
  /** Accepted clock skew of Heygen-Timestamp. Default 300 s. */
  toleranceSeconds?: number;
  /** Default: silent. Never receives secrets, signatures or bodies. */
  log?: ReceiverLog;
  /** Clock for the timestamp check. Default Date.now. */
  now?: () => number;
  /** Whole-request deadline (headers + body), default 10 000 ms; headers alone get min(5000, this). */
  requestTimeoutMs?: number;
  /** How long a sink.deliver() may take before the receiver answers 503. Default 8000 ms. */
  sinkTimeoutMs?: number;
}

export interface RunningWebhookReceiver {
  /** Full URL of the events path, e.g. http://127.0.0.1:43210/webhooks/heygen */
  url: string;
  port: number;
  stats(): ReceiverStats;
  close(): Promise<void>;
}

const DEFAULT_PATH = '/webhooks/heygen';
const HEALTH_PATH = '/healthz';
const DEFAULT_MAX_BODY = 256 * 1024;
const DEFAULT_RECENT_EVENT_IDS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_SINK_TIMEOUT_MS = 8_000;
const MAX_HEADER_BYTES = 16 * 1024;

const CLIENT_ERROR_BODIES = {
  headersTooLarge: { status: 'headers_too_large' },
  timeout: { status: 'timeout' },
  badRequest: { status: 'bad_request' },
};

const SILENT: ReceiverLog = { info: () => undefined, warn: () => undefined };

function emptyStats(): ReceiverStats {
  return {
    received: 0,
    verified: 0,
    rejected: {
      missing_signature: 0,
      bad_signature: 0,
      stale_timestamp: 0,
      bad_timestamp: 0,
      event_id_mismatch: 0,
      malformed: 0,
      too_large: 0,
    },
    ignored: 0,
    accepted: 0,
    duplicate: 0,
    recentDuplicates: 0,
    reverified: 0,
    unavailable: 0,
    aborted: 0,
    errors: 0,
    probes: 0,
    notFound: 0,
    methodNotAllowed: 0,
    clientErrors: 0,
  };
}

const errorMessage = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).slice(0, 300);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Every answer is JSON, never cached and never sniffed. */
function send(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
): void {
  sendJson(res, status, body, {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...extraHeaders,
  });
}

function pathOf(rawUrl: string | undefined): string | undefined {
  if (!rawUrl) return undefined;
  try {
    return new URL(rawUrl, 'http://receiver.invalid').pathname;
  } catch {
    return undefined;
  }
}

const isSource = (s: readonly string[] | WebhookSecretSource): s is WebhookSecretSource => !Array.isArray(s);

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** A bounded set with least-recently-used eviction (a Map keeps insertion order). */
class RecentIds {
  private readonly ids = new Map<string, true>();
  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    if (!this.ids.has(id)) return false;
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  add(id: string): void {
    if (this.capacity === 0) return;
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }
}

export async function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<RunningWebhookReceiver> {
  const host = opts.host ?? '127.0.0.1';
  const eventsPath = opts.path ?? DEFAULT_PATH;
  if (!eventsPath.startsWith('/'))
    throw new Error(`Webhook receiver path must start with '/': ${eventsPath}`);
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new Error('maxBodyBytes must be an integer >= 1');
  const toleranceSeconds = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0)
    throw new Error('toleranceSeconds must be >= 0');
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 100) {
    throw new Error('requestTimeoutMs must be an integer >= 100');
  }
  const sinkTimeoutMs = opts.sinkTimeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
  if (!Number.isFinite(sinkTimeoutMs) || sinkTimeoutMs <= 0) throw new Error('sinkTimeoutMs must be > 0');
  const settings = opts.signature ?? DEFAULT_SIGNATURE_SETTINGS;
  const settingsProblem = checkSignatureSettings(settings);
  if (settingsProblem) throw new Error(`signature schemes: ${settingsProblem}`);
  const memoSize = opts.recentEventIds ?? DEFAULT_RECENT_EVENT_IDS;
  if (!Number.isInteger(memoSize) || memoSize < 0) throw new Error('recentEventIds must be an integer >= 0');
  const log = opts.log ?? SILENT;
  const now = opts.now ?? Date.now;
  const { sink } = opts;
  const source = opts.secrets;
  const stats = emptyStats();
  const recent = new RecentIds(memoSize);

  const secretsNow = (): readonly string[] => (isSource(source) ? source.current(now()) : source);
  const verify = (rawBody: Buffer, headers: IncomingMessage['headers'], secrets: readonly string[]) => {
    try {
      return verifySignature({ rawBody, headers, secrets, nowMs: now(), toleranceSeconds, settings });
    } catch {
      return { ok: false, reason: 'bad_signature' } satisfies SignatureResult;
    }
  };

  const safeLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => {
    try {
      log[level](message, fields);
    } catch {
      // A broken logger must not break the receiver.
    }
  };

  const reject401 = (
    res: ServerResponse,
    reason: SignatureFailure | 'event_id_mismatch',
    remote: string | undefined,
  ) => {
    stats.rejected[reason] += 1;
    safeLog('warn', 'webhook rejected: signature check failed', { reason, remote });
    send(res, 401, { status: 'unauthorized' });
  };

  const tooLarge = (res: ServerResponse, remote: string | undefined) => {
    stats.rejected.too_large += 1;
    safeLog('warn', 'webhook rejected: body too large', { limit: maxBodyBytes, remote });
    // The body is not (fully) read: the connection cannot be reused.
    send(res, 413, { status: 'too_large', limit: maxBodyBytes }, { Connection: 'close' });
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.received += 1;
    const remote = req.socket.remoteAddress;
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === 'too_large') {
      tooLarge(res, remote);
      return;
    }
    if (body.kind === 'aborted') {
      stats.aborted += 1;
      safeLog('warn', 'webhook request aborted before its body was complete', { remote });
      res.destroy();
      return;
    }

    const used = secretsNow();
    let check = verify(body.body, req.headers, used);
    if (!check.ok && check.reason === 'bad_signature' && isSource(source) && source.refresh) {
      // Maybe signed with a secret just rotated in that the watcher has not picked up yet.
      try {
        await source.refresh();
      } catch {
        // The source keeps its current set; the request is judged on it.
      }
      const fresh = secretsNow();
      if (!sameList(fresh, used)) {
        check = verify(body.body, req.headers, fresh);
        if (check.ok) stats.reverified += 1;
      }
    }
    if (!check.ok) {
      reject401(res, check.reason, remote);
      return;
    }

    const parsed = parseWebhookEvent(body.body, check.eventIdHeader);
    if (
      parsed.kind !== 'malformed' &&
      parsed.bodyEventId !== undefined &&
      check.eventIdHeader !== undefined &&
      parsed.bodyEventId !== check.eventIdHeader
    ) {
      reject401(res, 'event_id_mismatch', remote);
      return;
    }
    stats.verified += 1;

    if (parsed.kind === 'malformed') {
      stats.rejected.malformed += 1;
      safeLog('warn', 'webhook rejected: malformed body', { reason: parsed.reason });
      send(res, 400, { status: 'malformed', reason: parsed.reason });
      return;
    }
    if (parsed.kind === 'ignored') {
      stats.ignored += 1;
      safeLog('info', 'webhook ignored', {
        eventType: parsed.eventType.slice(0, 200),
        reason: parsed.reason,
      });
      send(res, 200, { status: 'ignored' });
      return;
    }

    const { event } = parsed;
    const fields = {
      eventType: event.eventType,
      kind: event.kind,
      resourceId: event.resourceId,
      eventId: event.eventId,
      route: event.route,
    };
    const heygenId = check.eventIdHeader ?? parsed.bodyEventId;
    // The memo key names the event's target too: a reused id never hides an event about something else.
    const memoKey =
      heygenId === undefined
        ? undefined
        : `${heygenId}\u0000${event.eventType}\u0000${event.kind}\u0000${event.resourceId}\u0000${event.route ?? ''}`;
    if (memoKey !== undefined && recent.has(memoKey)) {
      stats.duplicate += 1;
      stats.recentDuplicates += 1;
      safeLog('info', 'webhook event was a duplicate (seen recently)', fields);
      send(res, 200, { status: 'duplicate' });
      return;
    }
    let outcome: unknown;
    try {
      outcome = await withTimeout(
        Promise.resolve().then(() => sink.deliver(event)),
        sinkTimeoutMs,
      );
    } catch (err) {
      stats.unavailable += 1;
      safeLog('warn', 'webhook event could not be handed over; answering 503 so HeyGen redelivers', {
        ...fields,
        error: errorMessage(err),
      });
      send(res, 503, { status: 'unavailable' }, { 'Retry-After': '5' });
      return;
    }
    if ((outcome === 'accepted' || outcome === 'duplicate') && memoKey !== undefined) recent.add(memoKey);
    if (outcome === 'accepted') {
      stats.accepted += 1;
      safeLog('info', 'webhook event accepted', fields);
      send(res, 200, { status: 'accepted' });
    } else if (outcome === 'duplicate') {
      stats.duplicate += 1;
      safeLog('info', 'webhook event was a duplicate', fields);
      send(res, 200, { status: 'duplicate' });
    } else {
      stats.unavailable += 1;
      safeLog('warn', 'webhook sink answered neither accepted nor duplicate; answering 503', fields);
      send(res, 503, { status: 'unavailable' }, { 'Retry-After': '5' });
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const path = pathOf(req.url);
    const method = req.method ?? '';
    if (path === eventsPath) {
      if (method === 'OPTIONS') {
        stats.probes += 1;
        send(res, 200, { status: 'ok' }, { Allow: 'POST, OPTIONS' });
        return;
      }
      if (method !== 'POST') {
        stats.methodNotAllowed += 1;
        send(res, 405, { status: 'method_not_allowed' }, { Allow: 'POST, OPTIONS' });
        return;
      }
      handlePost(req, res).catch((err: unknown) => {
        stats.errors += 1;
        safeLog('warn', 'webhook receiver error', { error: errorMessage(err) });
        send(res, 500, { status: 'error' }, { Connection: 'close' });
      });
      return;
    }
    if (path === HEALTH_PATH) {
      if (method === 'GET' || method === 'HEAD') {
        send(res, 200, { status: 'ok' });
      } else {
        stats.methodNotAllowed += 1;
        send(res, 405, { status: 'method_not_allowed' }, { Allow: 'GET, HEAD' });
      }
      return;
    }
    stats.notFound += 1;
    send(res, 404, { status: 'not_found' });
  };

  const checkInterval = Math.max(100, Math.min(1000, Math.floor(requestTimeoutMs / 4)));
  const server = http.createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(5000, requestTimeoutMs),
      keepAliveTimeout: 5000,
      connectionsCheckingInterval: checkInterval,
      maxHeaderSize: MAX_HEADER_BYTES,
      requireHostHeader: false,
    },
    (req, res) => {
      try {
        onRequest(req, res);
      } catch (err) {
        stats.errors += 1;
        safeLog('warn', 'webhook receiver error', { error: errorMessage(err) });
        send(res, 500, { status: 'error' }, { Connection: 'close' });
      }
    },
  );
  server.maxHeadersCount = 200;
  // Backstop for sockets idle past every other deadline (a sink answer included).
  server.setTimeout(Math.max(requestTimeoutMs, sinkTimeoutMs) + 5000, (socket: Socket) => socket.destroy());

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    stats.clientErrors += 1;
    const code = answerClientError(err, socket, CLIENT_ERROR_BODIES);
    if (code !== 'ECONNRESET')
      safeLog('warn', 'webhook receiver refused a malformed or slow request', { code });
  });
  server.on('error', (err) => safeLog('warn', 'webhook receiver server error', { error: errorMessage(err) }));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}${eventsPath}`,
    port,
    stats: () => structuredClone(stats),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
