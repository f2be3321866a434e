import type { HeyGenPort, WebhookEndpoint } from '../heygen/port';
import { HANDLED_EVENT_TYPES } from './events';

/**
 * The events `webhooks register` subscribes to: exactly those the receiver acts on (webhooks/events.ts), the same
 * list on v2 and v3 (v3's event enum, notes §3.8, has every one of them).
 */
export const PRODUCT_WEBHOOK_EVENTS: readonly string[] = HANDLED_EVENT_TYPES;

export interface RegistrationResult {
  endpoint: WebhookEndpoint;
  /** 'created' (new endpoint), 'updated' (same URL, events widened) or 'reused' (already as wanted) */
  action: 'created' | 'updated' | 'reused';
}

/**
 * Registers `url` with HeyGen for `events`, idempotently: an endpoint with the same URL is reused (its events
 * widened when some are missing), never duplicated. A created endpoint carries the signing secret (v3 returns it
 * at creation only; a reused one has none on v3): keep it in the receiver's secrets file or environment, never in
 * workflow inputs or history.
 */
export async function ensureWebhookEndpoint(
  heygen: HeyGenPort,
  url: string,
  events: readonly string[] = PRODUCT_WEBHOOK_EVENTS,
): Promise<RegistrationResult> {
  // The URL is compared as the exact string registered: its shape means nothing here.
  const existing = (await heygen.listWebhookEndpoints()).find((e) => e.url === url);
  if (!existing) {
    return { endpoint: await heygen.addWebhookEndpoint({ url, events: [...events] }), action: 'created' };
  }
  const current = existing.events ?? [];
  const missing = events.filter((e) => !current.includes(e));
  // No events listed means "all events" on HeyGen's side.
  if (current.length === 0 || missing.length === 0) return { endpoint: existing, action: 'reused' };
  // v3's PATCH replaces the events array whole (notes §3.8): send the union, not only the missing ones.
  const updated = await heygen.updateWebhookEndpoint({
    endpointId: existing.endpointId,
    url,
    events: [...current, ...missing],
  });
  const secret = updated.secret ?? existing.secret;
  return { endpoint: { ...updated, ...(secret !== undefined ? { secret } : {}) }, action: 'updated' };
}
