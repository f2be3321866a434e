import type { HeyGenPort } from '../heygen/port';
import type { WebhookEndpoint } from '../heygen/schemas/webhook';

/** The events the product's waits listen for. */
export const PRODUCT_WEBHOOK_EVENTS = [
  'avatar_video.success',
  'avatar_video.fail',
  'photo_avatar_generation.success',
  'photo_avatar_generation.fail',
  'photo_avatar_train.success',
  'photo_avatar_train.fail',
] as const;

export interface RegistrationResult {
  endpoint: WebhookEndpoint;
  /** 'created' (new endpoint), 'updated' (same URL, events widened) or 'reused' (already as wanted) */
  action: 'created' | 'updated' | 'reused';
}

/**
 * Registers `url` with HeyGen for `events`, idempotently: an endpoint with the same URL is reused (its events
 * widened when some are missing), never duplicated. The returned endpoint carries the signing secret: keep it in
 * the receiver's environment (HEYGEN_WEBHOOK_SECRETS) or a file, never in workflow inputs or history.
 */
export async function ensureWebhookEndpoint(
  heygen: HeyGenPort,
  url: string,
  events: readonly string[] = PRODUCT_WEBHOOK_EVENTS,
): Promise<RegistrationResult> {
  const existing = (await heygen.listWebhookEndpoints()).find((e) => e.url === url);
  if (!existing)
    return { endpoint: await heygen.addWebhookEndpoint({ url, events: [...events] }), action: 'created' };
  const current = existing.events ?? [];
  const missing = events.filter((e) => !current.includes(e));
  // No events listed means "all events" on HeyGen's side.
  if (current.length === 0 || missing.length === 0) return { endpoint: existing, action: 'reused' };
  const updated = await heygen.updateWebhookEndpoint({
    endpoint_id: existing.endpoint_id,
    url,
    events: [...current, ...missing],
  });
  return { endpoint: { ...updated, secret: updated.secret ?? existing.secret }, action: 'updated' };
}
