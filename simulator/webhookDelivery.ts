import { createHmac } from 'node:crypto';
import type { ResolvedOptions, SignatureStyle } from './config';
import { outboundRequest } from './outbound';
import type { EmittedEvent, SimState, WebhookEndpoint } from './state';
import type { WebhookDeliveryLogEntry, WebhookFaultRule } from './types';

const PROBE_TIMEOUT_MS = 1000;
const DELIVERY_TIMEOUT_MS = 10_000;
/** The delivery log keeps the most recent entries only. */
const MAX_LOG_ENTRIES = 20_000;

interface FaultState {
  rule: WebhookFaultRule;
  remaining: number;
}

/** Hex HMAC-SHA256 of the raw body keyed with the endpoint secret (what every signature style carries). */
export function signWebhookBody(secret: string | Buffer, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The HMAC key of an endpoint's deliveries: v1 secrets as they are; v3 `whsec_` secrets per webhookV3SecretKey. */
export function webhookHmacKey(
  endpoint: Pick<WebhookEndpoint, 'version' | 'secret'>,
  options: ResolvedOptions,
) {
  if (
    endpoint.version === 'v3' &&
    options.webhookV3SecretKey === 'base64' &&
    endpoint.secret.startsWith('whsec_')
  ) {
    return Buffer.from(endpoint.secret.slice('whsec_'.length), 'base64');
  }
  return endpoint.secret;
}

/**
 * The signature headers of one delivery in a style (see SimulatorOptions.webhookSignatureStyle). `nowMs` is wall
 * time: receivers check the timestamp against their own clock.
 */
export function signatureHeaders(
  style: SignatureStyle,
  key: string | Buffer,
  body: Buffer,
  eventId: string,
  nowMs: number,
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  switch (style) {
    case 'signature':
      return { Signature: signWebhookBody(key, body) };
    case 'x-heygen-signature':
      return { 'X-HeyGen-Signature': signWebhookBody(key, body) };
    case 'heygen-signature':
      return {
        'Heygen-Signature': signWebhookBody(key, body),
        'Heygen-Timestamp': timestamp,
        'Heygen-Event-Id': eventId,
      };
    case 'x-heygen-signature-timestamped':
      return {
        'X-HeyGen-Signature': signWebhookBody(key, Buffer.concat([Buffer.from(`${timestamp}.`), body])),
        'X-HeyGen-Timestamp': timestamp,
      };
  }
}

/**
 * What a delivery carries: v1 endpoints get the legacy `{event_type, event_data}`; v3 endpoints
 * `{event_id, event_type, event_data}`, the v3 history item's fields (the v3 delivery body is not documented,
 * notes §3.9), so a receiver can match the body's id with the event id header and the history.
 */
function deliveryBody(event: EmittedEvent, version: WebhookEndpoint['version']): Buffer {
  const payload =
    version === 'v3'
      ? { event_id: event.eventId, event_type: event.eventType, event_data: event.eventData }
      : { event_type: event.eventType, event_data: event.eventData };
  return Buffer.from(JSON.stringify(payload));
}

/**
 * Sends job events to the registered endpoints: one POST per subscribed endpoint, signed, redelivered with doubling
 * delays on non-2xx or no answer, with injectable faults (drop / duplicate / delay). Every attempt is logged.
 */
export class WebhookDispatcher {
  private faults: FaultState[] = [];
  private entries: WebhookDeliveryLogEntry[] = [];
  private seq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly state: SimState,
    private readonly options: ResolvedOptions,
  ) {}

  log(): WebhookDeliveryLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  addFault(rule: WebhookFaultRule): void {
    this.faults.push({ rule: { ...rule }, remaining: rule.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /**
   * HeyGen's registration check: an OPTIONS request that must be answered (2xx) within one second.
   * Resolves when it was, rejects with a readable reason otherwise.
   */
  async probe(url: string): Promise<void> {
    let status: number;
    try {
      status = await outboundRequest(url, {
        method: 'OPTIONS',
        timeoutMs: PROBE_TIMEOUT_MS,
        signal: this.abort.signal,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        `Webhook endpoint ${url} did not answer the OPTIONS check within ${PROBE_TIMEOUT_MS} ms (${reason})`,
      );
    }
    if (status < 200 || status >= 300) {
      throw new Error(
        `Webhook endpoint ${url} answered the OPTIONS check with HTTP ${status}; a 2xx is required`,
      );
    }
  }

  /** Queues the deliveries of one event to every endpoint subscribed to it. */
  dispatch(event: EmittedEvent): void {
    if (this.closed) return;
    const eventId = event.eventId;
    for (const endpoint of this.state.endpoints.values()) {
      if (!endpoint.events.includes(event.eventType)) continue;
      if (endpoint.entityId !== undefined && endpoint.entityId !== event.entityId) continue;
      const body = deliveryBody(event, endpoint.version);
      const fault = this.takeFault(event.eventType);
      if (fault?.kind === 'drop') {
        this.record({
          endpointId: endpoint.endpointId,
          url: endpoint.url,
          eventType: event.eventType,
          eventId,
          attempt: 1,
          status: 0,
          fault: 'drop',
        });
        continue;
      }
      const delay = fault?.kind === 'delay' ? (fault.delayMs ?? 1000) : 0;
      const copies = fault?.kind === 'duplicate' ? 2 : 1;
      for (let i = 0; i < copies; i += 1) {
        this.later(delay, () =>
          this.attempt(endpoint.endpointId, event.eventType, eventId, body, 1, fault?.kind),
        );
      }
    }
  }

  private takeFault(eventType: string): WebhookFaultRule | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.rule.eventType !== undefined && f.rule.eventType !== eventType) continue;
      if (f.rule.probability !== undefined && Math.random() >= f.rule.probability) continue;
      f.remaining -= 1;
      this.faults = this.faults.filter((x) => x.remaining > 0);
      return f.rule;
    }
    return undefined;
  }

  private later(ms: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn().catch((err: unknown) => {
        process.stderr.write(`[simulator] webhook delivery error: ${String(err)}\n`);
      });
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private headers(endpoint: WebhookEndpoint, body: Buffer, eventId: string): Record<string, string> {
    const style =
      endpoint.version === 'v3' ? this.options.webhookV3SignatureStyle : this.options.webhookSignatureStyle;
    return {
      'Content-Type': 'application/json',
      ...signatureHeaders(style, webhookHmacKey(endpoint, this.options), body, eventId, Date.now()),
    };
  }

  private async attempt(
    endpointId: string,
    eventType: string,
    eventId: string,
    body: Buffer,
    attempt: number,
    fault: WebhookFaultRule['kind'] | undefined,
  ): Promise<void> {
    // The endpoint is read again at each attempt: a deleted endpoint gets nothing more, an updated one the new URL.
    const endpoint = this.state.endpoints.get(endpointId);
    if (this.closed || !endpoint || !endpoint.events.includes(eventType)) return;
    let status = 0;
    try {
      status = await outboundRequest(endpoint.url, {
        method: 'POST',
        // Signed at each attempt with the endpoint's current secret: a rotation applies to pending retries too.
        headers: this.headers(endpoint, body, eventId),
        body,
        timeoutMs: DELIVERY_TIMEOUT_MS,
        signal: this.abort.signal,
      });
    } catch {
      status = 0;
    }
    if (this.closed) return;
    this.record({ endpointId, url: endpoint.url, eventType, eventId, attempt, status, fault });
    if ((status >= 200 && status < 300) || attempt >= this.options.webhookMaxAttempts) return;
    const delay = this.options.webhookRetryBaseMs * 2 ** (attempt - 1);
    this.later(delay, () => this.attempt(endpointId, eventType, eventId, body, attempt + 1, fault));
  }

  private record(entry: Omit<WebhookDeliveryLogEntry, 'seq' | 'at'>): void {
    this.seq += 1;
    const full: WebhookDeliveryLogEntry = { seq: this.seq, at: Date.now(), ...entry };
    if (full.fault === undefined) delete full.fault;
    this.entries.push(full);
    if (this.entries.length > MAX_LOG_ENTRIES) this.entries.splice(0, this.entries.length - MAX_LOG_ENTRIES);
    if (this.options.verbose) {
      process.stderr.write(
        `[simulator] webhook ${entry.eventType} -> ${entry.url} attempt ${entry.attempt}: ${entry.status}${
          entry.fault ? ` (${entry.fault})` : ''
        }\n`,
      );
    }
  }
}
