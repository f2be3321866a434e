import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolveOptions, type ResolvedOptions } from './config';
import {
  ApiError,
  CODES,
  DEFAULT_JSON_LIMIT,
  apiErrorEnvelope,
  apiErrors,
  errorEnvelope,
  successEnvelope,
  v3CodeForStatus,
  type ApiRoute,
  type EnvelopeStyle,
  type RouteResult,
} from './http';
import { answerClientError, readBody, sendJson } from '../lib/httpServer';
import { IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, fingerprintOf, type Claim } from './idempotency';
import { duplicatesBy } from './ledger';
import { assetRoutes, contentTypeOf } from './routes/assets';
import { catalogRoutes } from './routes/catalog';
import { handleControl, type ControlTarget } from './routes/control';
import { handleMedia } from './routes/media';
import { photoAvatarRoutes } from './routes/photoAvatars';
import { videoRoutes } from './routes/videos';
import { webhookRoutes } from './routes/webhooks';
import { handleDirectUpload, v3AssetRoutes } from './routes/v3/assets';
import { v3AvatarRoutes } from './routes/v3/avatars';
import { v3Error } from './routes/v3/common';
import { v3VideoRoutes } from './routes/v3/videos';
import { v3VoiceRoutes } from './routes/v3/voices';
import { v3WebhookRoutes } from './routes/v3/webhooks';
import { SimState } from './state';
import type {
  CallLogEntry,
  FaultRule,
  JobDurations,
  JobOutcomeRule,
  RunningSimulator,
  SimulatorOptions,
  WebhookFaultRule,
} from './types';
import { uuid } from './util';
import { WebhookDispatcher } from './webhookDelivery';

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
  method?: string;
  path?: RegExp;
}

const DEFAULT_SLOW_MS = 1000;

const CLIENT_ERROR_BODIES = {
  headersTooLarge: errorEnvelope('v3', 'request_header_fields_too_large', 'Request header fields too large'),
  timeout: errorEnvelope('v3', 'request_timeout', 'Request timeout'),
  badRequest: errorEnvelope('v3', 'bad_request', 'Malformed HTTP request'),
};
/** The call log keeps the most recent entries only, so that a long-running simulator does not grow forever. */
export const MAX_LOG_ENTRIES = 20_000;

function compileFault(rule: FaultRule): ActiveFault {
  const kinds: ReadonlyArray<FaultRule['kind']> = [
    'http_error',
    'rate_limit',
    'error_envelope',
    'slow',
    'drop',
  ];
  if (!kinds.includes(rule.kind)) throw new Error(`Unknown fault kind ${String(rule.kind)}`);
  let path: RegExp | undefined;
  if (rule.path !== undefined) {
    try {
      path = new RegExp(rule.path, 'u');
    } catch (err) {
      throw new Error(`Fault path ${rule.path} is not a valid regular expression: ${String(err)}`);
    }
  }
  return { rule: { ...rule }, remaining: rule.times ?? 1, method: rule.method?.toUpperCase(), path };
}

function validateDurations(durations: Partial<JobDurations>): Partial<JobDurations> {
  const out: Partial<JobDurations> = {};
  for (const [key, value] of Object.entries(durations) as Array<[keyof JobDurations, number | undefined]>) {
    if (value === undefined) continue;
    if (
      !['photoGenerationMs', 'lookGenerationMs', 'lookProcessingMs', 'trainingMs', 'renderMs'].includes(key)
    ) {
      throw new Error(`Unknown duration ${key}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`Duration ${key} must be a number >= 0`);
    }
    out[key] = value;
  }
  return out;
}

/** Where a path's answers go when no route matched it. */
function envelopeForPath(path: string): EnvelopeStyle {
  if (path.startsWith('/v3/')) return 'v3';
  return path.startsWith('/v2/') || path === '/v1/asset/list' ? 'v2' : 'v1';
}

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;

class Simulator {
  readonly state: SimState;
  readonly webhooks: WebhookDispatcher;
  private readonly routes: ApiRoute[];
  private readonly server: http.Server;
  private faults: ActiveFault[] = [];
  private readonly idempotency: IdempotencyStore;
  private calls: CallLogEntry[] = [];
  private seq = 0;
  private readonly sleeps = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;
  url = '';
  port = 0;

  constructor(readonly options: ResolvedOptions) {
    this.state = new SimState(options);
    this.webhooks = new WebhookDispatcher(this.state, options);
    this.state.onEvent = (event) => this.webhooks.dispatch(event);
    this.idempotency = new IdempotencyStore(() => this.state.now());
    this.routes = [
      ...photoAvatarRoutes(this.state),
      ...videoRoutes(this.state),
      ...assetRoutes(this.state),
      ...catalogRoutes(this.state),
      ...webhookRoutes(this.state, this.webhooks),
      ...v3AvatarRoutes(this.state),
      ...v3VideoRoutes(this.state),
      ...v3AssetRoutes(this.state),
      ...v3VoiceRoutes(this.state),
      ...v3WebhookRoutes(this.state, this.webhooks),
    ];
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        process.stderr.write(
          `[simulator] unexpected error: ${err instanceof Error ? (err.stack ?? '') : String(err)}\n`,
        );
        if (!res.headersSent)
          sendJson(res, 500, errorEnvelope('v1', CODES.INTERNAL, 'Internal server error'));
        else res.destroy();
      });
    });
    // What the HTTP parser refuses gets a JSON answer (as HeyGen's edge gives one), then the socket closes.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      answerClientError(err, socket, CLIENT_ERROR_BODIES);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        const address = this.server.address() as AddressInfo;
        this.port = address.port;
        let host = this.options.host;
        if (host === '0.0.0.0') host = '127.0.0.1';
        else if (host === '::') host = '[::1]';
        else if (host.includes(':')) host = `[${host}]`;
        this.url = `http://${host}:${this.port}`;
        this.state.baseUrl = this.options.publicBaseUrl ?? this.url;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.state.close();
      this.webhooks.close();
      for (const t of this.sleeps) clearTimeout(t);
      this.sleeps.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  // ---- test hooks ----

  addFault(rule: FaultRule): void {
    this.faults.push(compileFault(rule));
  }

  clearFaults(): void {
    this.faults = [];
    this.state.clearJobOutcomes();
    this.webhooks.clearFaults();
  }

  addJobOutcome(rule: JobOutcomeRule): void {
    if (!['photo_generation', 'look_generation', 'training', 'render'].includes(rule.job)) {
      throw new Error(`Unknown job kind ${String(rule.job)}`);
    }
    this.state.addJobOutcome(rule);
  }

  addWebhookFault(rule: WebhookFaultRule): void {
    if (!['drop', 'duplicate', 'delay'].includes(rule.kind)) {
      throw new Error(`Unknown webhook fault kind ${String(rule.kind)}`);
    }
    this.webhooks.addFault(rule);
  }

  setDurations(durations: Partial<JobDurations>): void {
    Object.assign(this.state.durations, validateDurations(durations));
  }

  log(): CallLogEntry[] {
    return this.calls.map((e) => structuredClone(e));
  }

  clearLog(): void {
    this.calls = [];
  }

  snapshot() {
    const now = this.state.now();
    this.state.settle(now);
    return this.state.snapshot(now);
  }

  rendersInFlight(): number {
    return this.state.rendersInFlight(this.state.now());
  }

  setCredits(credits: number | undefined): void {
    if (credits !== undefined && !(Number.isInteger(credits) && credits >= 0)) {
      throw new Error('Credits must be a whole number >= 0 (or undefined for unlimited)');
    }
    this.state.credits = credits;
  }

  advanceClock(ms: number): void {
    this.state.clock.advance(ms);
    // Jobs now due complete (and send their webhooks) without waiting for a request.
    this.state.settle();
  }

  // ---- request handling ----

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleeps.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.sleeps.add(t);
    });
  }

  private takeFault(method: string, path: string): FaultRule | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.method !== undefined && f.method !== method) continue;
      if (f.path !== undefined && !f.path.test(path)) continue;
      if (f.rule.probability !== undefined && Math.random() >= f.rule.probability) continue;
      f.remaining -= 1;
      this.faults = this.faults.filter((x) => x.remaining > 0);
      return f.rule;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = uuid();
    res.setHeader('X-Request-Id', requestId);
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const path = url.pathname;
    this.state.settle();

    if (path === '/_sim' || path.startsWith('/_sim/')) {
      await handleControl(this.controlTarget, req, res, path);
      return;
    }
    if (await handleDirectUpload(this.state, req, res, url)) return;
    if (handleMedia(this.state, req, res, url)) return;
    await this.handleApi(req, res, url, requestId);
  }

  private readonly controlTarget: ControlTarget = {
    baseUrl: () => this.url,
    log: () => this.log(),
    webhookLog: () => this.webhooks.log(),
    snapshot: () => this.snapshot(),
    addFault: (r) => this.addFault(r),
    addJobOutcome: (r) => this.addJobOutcome(r),
    addWebhookFault: (r) => this.addWebhookFault(r),
    clearFaults: () => this.clearFaults(),
    setDurations: (d) => this.setDurations(d),
    clearLog: () => this.clearLog(),
    rendersInFlight: () => this.rendersInFlight(),
    ledger: () => this.state.ledger.entries(),
    duplicatesBy: (kind, keyFn) => duplicatesBy(this.state.ledger.entries(), kind, keyFn),
    credits: () => this.state.credits,
    setCredits: (credits) => this.setCredits(credits),
    now: () => this.state.now(),
    advanceClock: (ms) => this.advanceClock(ms),
  };

  /** X-Api-Key everywhere; v3 also takes `Authorization: Bearer <key>` (notes §2.1). */
  private authorized(req: IncomingMessage, envelope: EnvelopeStyle): boolean {
    const key = req.headers['x-api-key'];
    if ((Array.isArray(key) ? key[0] : key) === this.options.apiKey) return true;
    if (envelope !== 'v3') return false;
    const bearer = /^Bearer (.+)$/u.exec(headerValue(req.headers.authorization) ?? '')?.[1];
    return bearer === this.options.apiKey;
  }

  private async handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestId: string,
  ): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const entry: CallLogEntry = {
      seq: ++this.seq,
      at: started,
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      requestId,
      applied: false,
      ...(req.socket.remotePort !== undefined ? { remotePort: req.socket.remotePort } : {}),
    };
    this.calls.push(entry);
    res.once('close', () => {
      if (entry.answeredAt === undefined) entry.callerGoneAt = Date.now();
    });
    if (this.calls.length > MAX_LOG_ENTRIES) this.calls.splice(0, this.calls.length - MAX_LOG_ENTRIES);

    const matching = this.routes.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === method);
    const envelope = route?.envelope ?? matching[0]?.envelope ?? envelopeForPath(path);

    const finish = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      entry.answeredAt = Date.now();
      sendJson(res, status, body, headers);
      this.trace(entry, started);
    };
    const fail = (err: ApiError) => finish(err.status, apiErrorEnvelope(envelope, err), err.headers);

    // Body (size-limited; uploads are raw bytes, everything else JSON).
    const read = await readBody(req, route?.maxBodyBytes?.(req.headers) ?? DEFAULT_JSON_LIMIT);
    if (read.kind === 'too_large') {
      if (route?.raw)
        entry.body = {
          bytes: Number(req.headers['content-length'] ?? 0),
          contentType: contentTypeOf(req.headers),
        };
      res.setHeader('Connection', 'close');
      res.once('finish', () => req.socket.destroySoon());
      fail(apiErrors.tooLarge(`Payload too large: the limit for this request is ${read.limit} bytes`));
      return;
    }
    if (read.kind === 'aborted') {
      entry.answeredAt = Date.now();
      req.destroy();
      return;
    }
    const raw = read.body;
    let body: unknown = {};
    if (route?.raw) {
      entry.body = { bytes: raw.length, contentType: contentTypeOf(req.headers) };
      body = undefined;
    } else if (raw.length > 0) {
      const text = raw.toString('utf8');
      try {
        body = JSON.parse(text) as unknown;
        entry.body = body;
      } catch {
        entry.body = text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
        if (route) {
          fail(apiErrors.invalid('body', 'the request body is not valid JSON'));
          return;
        }
      }
    }

    if (!route) {
      const reason =
        matching.length > 0
          ? `Method ${method} is not allowed on ${path}`
          : `Unknown route ${method} ${path}`;
      fail(new ApiError(404, CODES.NOT_FOUND, reason, 'not_found'));
      return;
    }

    if (!this.authorized(req, envelope)) {
      fail(apiErrors.unauthorized());
      return;
    }

    let idempotencyKey: string | undefined;
    if (route.idempotent) {
      const header = headerValue(req.headers['idempotency-key']);
      if (header !== undefined) {
        if (!IDEMPOTENCY_KEY_PATTERN.test(header)) {
          fail(
            v3Error(
              400,
              'invalid_parameter',
              'Idempotency-Key must be 1 to 255 characters from A-Z a-z 0-9 _ - : .',
              'Idempotency-Key',
            ),
          );
          return;
        }
        idempotencyKey = header;
        entry.idempotencyKey = header;
      }
    }

    const fault = this.takeFault(method, path);
    const when = fault?.when ?? 'before';
    if (fault) entry.fault = fault.kind;
    if (fault && when === 'before' && fault.kind !== 'slow') {
      this.answerFault(fault, envelope, req, res, entry, started);
      return;
    }

    // The key is claimed before a 'before' slow fault waits: the request is in flight from its arrival.
    let claim: Extract<Claim, { kind: 'new' }> | undefined;
    if (idempotencyKey !== undefined) {
      const fingerprint = route.fingerprint
        ? route.fingerprint(raw, req.headers)
        : fingerprintOf(route.raw ? raw : JSON.stringify(body));
      const claimed = this.idempotency.claim(
        { apiKey: this.options.apiKey, method, path, key: idempotencyKey },
        fingerprint,
      );
      entry.idempotentReplay = claimed.kind === 'replay';
      if (claimed.kind === 'in_flight') {
        fail(
          v3Error(409, 'request_in_progress', 'A request with this Idempotency-Key is still being processed'),
        );
        return;
      }
      if (claimed.kind === 'replay') {
        if (claimed.bodyDiffers) {
          entry.warning =
            'Idempotency-Key reused with a different body: the original response was replayed, the new body ignored';
          if (this.options.verbose) process.stderr.write(`[simulator] warning: ${entry.warning}\n`);
        }
        if (fault?.kind === 'slow') await this.sleep(fault.delayMs ?? DEFAULT_SLOW_MS);
        else if (fault) {
          this.answerFault(fault, envelope, req, res, entry, started);
          return;
        }
        finish(claimed.response.status, claimed.response.body, claimed.response.headers);
        return;
      }
      claim = claimed;
    }
    if (fault && when === 'before') await this.sleep(fault.delayMs ?? DEFAULT_SLOW_MS);

    let result: RouteResult | undefined;
    let error: ApiError | undefined;
    try {
      result = await route.handle({
        method,
        path,
        query: entry.query,
        params: route.pattern.exec(path)?.slice(1) ?? [],
        headers: req.headers,
        body,
        rawBody: raw,
        requestId,
        now: this.state.now(),
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
      entry.applied = true;
      if (result.createdId !== undefined) entry.createdId = result.createdId;
    } catch (err) {
      if (err instanceof ApiError) {
        error = err;
      } else {
        process.stderr.write(
          `[simulator] ${method} ${path} failed: ${err instanceof Error ? (err.stack ?? '') : String(err)}\n`,
        );
        error = new ApiError(500, CODES.INTERNAL, 'Internal server error', 'internal_error');
      }
    }

    const status = result?.status ?? 200;
    const answer = successEnvelope(envelope, result?.data ?? null, result?.extra);
    // A processed request's answer is stored before it is sent, so a lost answer is replayed to the retry; a
    // failed one frees its key. With a slow 'after' fault, the request stays in flight until it is answered.
    const settleClaim = () => {
      if (!claim) return;
      if (error) claim.release();
      else claim.complete({ status, body: answer, headers: {} });
    };
    if (fault && when === 'after') {
      if (fault.kind !== 'slow') {
        settleClaim();
        this.answerFault(fault, envelope, req, res, entry, started);
        return;
      }
      await this.sleep(fault.delayMs ?? DEFAULT_SLOW_MS);
    }
    settleClaim();

    if (error) fail(error);
    else finish(status, answer);
  }

  private answerFault(
    fault: FaultRule,
    envelope: EnvelopeStyle,
    req: IncomingMessage,
    res: ServerResponse,
    entry: CallLogEntry,
    started: number,
  ): void {
    const send = (
      status: number,
      code: number | string,
      message: string,
      headers: Record<string, string> = {},
    ) => {
      entry.status = status;
      entry.answeredAt = Date.now();
      sendJson(res, status, errorEnvelope(envelope, code, message), headers);
      this.trace(entry, started);
    };
    // v3 codes are strings: a numeric rule code is a v1/v2 code, so v3 answers its status's code instead.
    const v3Code = (status: number) =>
      typeof fault.code === 'string' ? fault.code : v3CodeForStatus(status);
    const legacyInternal = envelope === 'v1' ? CODES.INTERNAL : 'internal_error';
    switch (fault.kind) {
      case 'http_error': {
        const status = fault.status ?? 500;
        send(
          status,
          envelope === 'v3' ? v3Code(status) : (fault.code ?? legacyInternal),
          fault.message ?? 'Internal server error',
        );
        return;
      }
      case 'rate_limit': {
        const status = fault.status ?? 429;
        send(
          status,
          envelope === 'v3' ? v3Code(status) : (fault.code ?? CODES.RATE_LIMITED),
          fault.message ?? 'Exceeded rate limit',
          { 'Retry-After': String(fault.retryAfterSeconds ?? 1) },
        );
        return;
      }
      case 'error_envelope':
        send(
          200,
          envelope === 'v3' ? v3Code(500) : (fault.code ?? legacyInternal),
          fault.message ?? 'Internal error, please try again later',
        );
        return;
      case 'drop':
      case 'slow':
        entry.status = 0;
        entry.answeredAt = Date.now();
        this.trace(entry, started);
        req.socket.destroy();
        return;
    }
  }

  private trace(entry: CallLogEntry, started: number): void {
    if (!this.options.verbose) return;
    const fault = entry.fault ? ` [fault ${entry.fault}]` : '';
    const created = entry.createdId ? ` created=${entry.createdId}` : '';
    process.stderr.write(
      `[simulator] ${entry.method} ${entry.path} -> ${entry.status} (${Date.now() - started} ms)${fault}${created} ${entry.requestId}\n`,
    );
  }
}

/** Starts a simulator; resolves once it listens. Port 0 (the default) picks a free port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = new Simulator(resolveOptions(options));
  await sim.listen();
  const running: RunningSimulator = {
    url: sim.url,
    apiKey: sim.options.apiKey,
    port: sim.port,
    log: () => sim.log(),
    webhookLog: () => sim.webhooks.log(),
    snapshot: () => sim.snapshot(),
    addFault: (rule) => sim.addFault(rule),
    addJobOutcome: (rule) => sim.addJobOutcome(rule),
    addWebhookFault: (rule) => sim.addWebhookFault(rule),
    clearFaults: () => sim.clearFaults(),
    setDurations: (durations) => sim.setDurations(durations),
    clearLog: () => sim.clearLog(),
    ledger: () => sim.state.ledger.entries(),
    duplicatesBy: (kind, keyFn) => duplicatesBy(sim.state.ledger.entries(), kind, keyFn),
    credits: () => sim.state.credits,
    setCredits: (credits) => sim.setCredits(credits),
    now: () => sim.state.now(),
    advanceClock: (ms) => sim.advanceClock(ms),
    close: () => sim.close(),
  };
  return running;
}
