import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobKind } from '../contracts/events';
import { EVENT_ID_PATTERN } from './signature';
import type { RoutedJobEvent } from './types';

/**
 * Maps a verified HeyGen webhook body to the job event it concerns. Two body shapes are accepted: v3's
 * `{event_id, event_type, event_data}` and the legacy `{event_type, event_data}`.
 *
 * - `avatar_video.success|fail` -> 'render', resourceId = video_id, route = callback_id. Without a callback_id the
 *   render was not started by this service: ignored.
 * - `photo_avatar_generation.success|fail` -> 'photo_generation', resourceId = generation_id (or `id`).
 * - `photo_avatar_train.success|fail` -> 'training', resourceId = group_id (or `avatar_group_id`).
 * - Every other event type, known (gif, caption, add_motion, instant_avatar, video_translate, batch...) or not:
 *   ignored (acknowledged with 200, so HeyGen does not redeliver it).
 * - Not JSON / not UTF-8, no event_type or event_data, or a mapped event without its id: malformed.
 *
 * Unknown fields are tolerated everywhere. Fail events carry HeyGen's message (msg, error_msg, ...), capped in
 * length. eventId = the Heygen-Event-Id header when given, else the body's event_id, else the sha256 hex of the raw
 * body (so a redelivery of the same bytes has the same id). An event_id that is not visible ASCII (at most 200
 * characters) is treated as absent: it is only a dedupe key, and nothing relies on it for correctness.
 */

export type ParsedWebhookEvent =
  | { kind: 'job'; event: RoutedJobEvent; /** the body's event_id (v3), when usable */ bodyEventId?: string }
  | { kind: 'ignored'; eventType: string; reason: string; bodyEventId?: string }
  | { kind: 'malformed'; reason: string };

const MAX_ID_LENGTH = 512;
const MAX_MESSAGE_LENGTH = 2000;
const MAX_EVENT_TYPE_LENGTH = 200;

interface Mapping {
  kind: JobKind;
  outcome: 'success' | 'fail';
  /** Fields holding the resource id, first present wins */
  idFields: readonly string[];
  /** Whether the event must name its workflow (callback_id) to be ours */
  needsRoute: boolean;
}

const video = (outcome: Mapping['outcome']): Mapping => ({
  kind: 'render',
  outcome,
  idFields: ['video_id'],
  needsRoute: true,
});
const photo = (outcome: Mapping['outcome']): Mapping => ({
  kind: 'photo_generation',
  outcome,
  idFields: ['generation_id', 'id'],
  needsRoute: false,
});
const training = (outcome: Mapping['outcome']): Mapping => ({
  kind: 'training',
  outcome,
  idFields: ['group_id', 'avatar_group_id'],
  needsRoute: false,
});

const MAPPINGS: ReadonlyMap<string, Mapping> = new Map<string, Mapping>([
  ['avatar_video.success', video('success')],
  ['avatar_video.fail', video('fail')],
  ['photo_avatar_generation.success', photo('success')],
  ['photo_avatar_generation.fail', photo('fail')],
  ['photo_avatar_train.success', training('success')],
  ['photo_avatar_train.fail', training('fail')],
]);

/**
 * The event types this service acts on: the one list `webhooks register` subscribes an endpoint to (every one is
 * in v3's event enum, notes §3.8, and in v2's).
 */
export const HANDLED_EVENT_TYPES: readonly string[] = [...MAPPINGS.keys()];

const envelopeSchema = z.looseObject({
  event_type: z.string().min(1).max(MAX_EVENT_TYPE_LENGTH),
  event_data: z.record(z.string(), z.unknown()),
  // Any value is tolerated here; only a usable one is kept (see eventIdOf).
  event_id: z.unknown().optional(),
});

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i += 1) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const idSchema = z.union([
  z
    .string()
    .trim()
    .min(1)
    .max(MAX_ID_LENGTH)
    .refine((s) => !hasControlCharacter(s)),
  z.number().int().safe().transform(String),
]);

const decoder = new TextDecoder('utf-8', { fatal: true });

function firstId(data: Record<string, unknown>, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = data[field];
    if (value === undefined || value === null || value === '') continue;
    const parsed = idSchema.safeParse(value);
    // A present but unusable id is not silently replaced by the next field.
    return parsed.success ? parsed.data : undefined;
  }
  return undefined;
}

function failureMessage(data: Record<string, unknown>): string | undefined {
  const candidates: unknown[] = [data.msg, data.error_msg, data.message, data.error];
  const error = data.error;
  if (error !== null && typeof error === 'object' && !Array.isArray(error)) {
    candidates.push((error as Record<string, unknown>).message);
  }
  for (const c of candidates) {
    if (typeof c === 'string' && c.trim().length > 0) return c.trim().slice(0, MAX_MESSAGE_LENGTH);
  }
  return undefined;
}

function eventIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && EVENT_ID_PATTERN.test(value) ? value : undefined;
}

export function bodyHash(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

export function parseWebhookEvent(rawBody: Buffer, eventIdHeader?: string): ParsedWebhookEvent {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(rawBody));
  } catch {
    return { kind: 'malformed', reason: 'body is not UTF-8 JSON' };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { kind: 'malformed', reason: 'body lacks event_type (string) or event_data (object)' };
  }
  const { event_type: eventType, event_data: data } = envelope.data;
  const fromBody = eventIdOf(envelope.data.event_id);
  const withBodyId = fromBody === undefined ? {} : { bodyEventId: fromBody };

  const mapping = MAPPINGS.get(eventType);
  if (!mapping) {
    return { kind: 'ignored', eventType, reason: 'event type not handled by this service', ...withBodyId };
  }

  const resourceId = firstId(data, mapping.idFields);
  if (resourceId === undefined) {
    return {
      kind: 'malformed',
      reason: `${eventType} event lacks a usable ${mapping.idFields.join(' or ')}`,
    };
  }

  let route: string | undefined;
  if (mapping.needsRoute) {
    const callbackId = data.callback_id;
    const parsed = typeof callbackId === 'string' ? idSchema.safeParse(callbackId) : undefined;
    if (!parsed?.success) {
      return {
        kind: 'ignored',
        eventType,
        reason: 'no callback_id: not started by this service',
        ...withBodyId,
      };
    }
    route = parsed.data;
  }

  const event: RoutedJobEvent = {
    kind: mapping.kind,
    resourceId,
    outcome: mapping.outcome,
    eventType,
    eventId:
      eventIdHeader !== undefined && eventIdHeader.length > 0
        ? eventIdHeader
        : (fromBody ?? bodyHash(rawBody)),
  };
  if (mapping.outcome === 'fail') {
    const message = failureMessage(data);
    if (message !== undefined) event.message = message;
  }
  if (route !== undefined) event.route = route;
  return { kind: 'job', event, ...withBodyId };
}
