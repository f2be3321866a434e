import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { V3_WEBHOOK_EVENTS, V3_WEBHOOK_EVENT_TYPES } from '../../catalogData';
import type { ApiRoute } from '../../http';
import type { EmittedEvent, SimState, WebhookEndpoint } from '../../state';
import { hexId } from '../../util';
import type { WebhookDispatcher } from '../../webhookDelivery';
import { LIMITS, httpUrl, id, paginate, v3Errors, validateV3 } from './common';

const KNOWN_EVENTS = new Set(V3_WEBHOOK_EVENTS);

// URLs: HeyGen wants public HTTPS; the simulator takes any http(s) URL, since its receivers are on loopback.
const eventsSchema = z
  .array(
    z.string().refine((e) => KNOWN_EVENTS.has(e), 'unknown event type (see GET /v3/webhooks/event-types)'),
  )
  .nullish();
const createSchema = z.looseObject({ url: httpUrl, events: eventsSchema, entity_id: id.nullish() });
const updateSchema = z.looseObject({ url: httpUrl.optional(), events: eventsSchema });

/** `whsec_` + random bytes in base64, like the documented `whsec_k7x9m2...` (notes §3.8). */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** Omitted or null = every event (notes §3.8); the stored list is explicit, so the answer shows what is delivered. */
const eventsOrAll = (events: string[] | null | undefined): string[] =>
  events && events.length > 0 ? [...new Set(events)] : [...V3_WEBHOOK_EVENTS];

/** "secret ... will be null in list responses" (notes §3.8): only create and rotate show it. */
function endpointJson(e: WebhookEndpoint, withSecret: boolean): Record<string, unknown> {
  return {
    endpoint_id: e.endpointId,
    url: e.url,
    events: [...e.events],
    status: 'enabled',
    created_at: new Date(e.createdAt).toISOString(),
    secret: withSecret ? e.secret : null,
    entity_id: e.entityId ?? null,
  };
}

function eventJson(e: EmittedEvent): Record<string, unknown> {
  return {
    event_id: e.eventId,
    event_type: e.eventType,
    event_data: e.eventData,
    created_at: new Date(e.createdAt).toISOString(),
  };
}

export function v3WebhookRoutes(state: SimState, dispatcher: WebhookDispatcher): ApiRoute[] {
  const probe = async (url: string) => {
    if (!state.options.webhookV3Probe) return;
    try {
      await dispatcher.probe(url);
    } catch (err) {
      throw v3Errors.invalid('url', err instanceof Error ? err.message : String(err));
    }
  };
  const find = (endpointId: string) => {
    const endpoint = state.endpoints.get(endpointId);
    if (!endpoint)
      throw v3Errors.notFound('not_found', `Webhook endpoint ${endpointId} not found`, 'endpoint_id');
    return endpoint;
  };

  return [
    {
      method: 'POST',
      pattern: /^\/v3\/webhooks\/endpoints$/u,
      envelope: 'v3',
      idempotent: true,
      handle: async (ctx) => {
        const body = validateV3(createSchema, ctx.body);
        await probe(body.url);
        const endpoint: WebhookEndpoint = {
          endpointId: hexId(),
          version: 'v3',
          url: body.url,
          events: eventsOrAll(body.events),
          secret: newSecret(),
          createdAt: ctx.now,
        };
        if (body.entity_id) endpoint.entityId = body.entity_id;
        state.endpoints.set(endpoint.endpointId, endpoint);
        return { data: endpointJson(endpoint, true), createdId: endpoint.endpointId };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/webhooks\/endpoints$/u,
      envelope: 'v3',
      handle: (ctx) =>
        paginate([...state.endpoints.values()], ctx.query, LIMITS.webhookEndpoints, {}, (e) =>
          endpointJson(e, false),
        ),
    },
    {
      method: 'PATCH',
      pattern: /^\/v3\/webhooks\/endpoints\/([^/]+)$/u,
      envelope: 'v3',
      handle: async (ctx) => {
        const endpoint = find(ctx.params[0] ?? '');
        const body = validateV3(updateSchema, ctx.body);
        if (body.url !== undefined && body.url !== endpoint.url) await probe(body.url);
        if (body.url !== undefined) endpoint.url = body.url;
        // "The events array is fully replaced" (notes §3.8).
        if (body.events !== undefined) endpoint.events = eventsOrAll(body.events);
        return { data: endpointJson(endpoint, false) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v3\/webhooks\/endpoints\/([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const endpoint = find(ctx.params[0] ?? '');
        state.endpoints.delete(endpoint.endpointId);
        return { data: {} };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/webhooks\/endpoints\/([^/]+)\/rotate-secret$/u,
      envelope: 'v3',
      idempotent: true,
      handle: (ctx) => {
        const endpoint = find(ctx.params[0] ?? '');
        // "immediately invalidates the old one" (notes §3.8): deliveries sign with the endpoint's current secret.
        endpoint.secret = newSecret();
        return { data: { endpoint_id: endpoint.endpointId, secret: endpoint.secret } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/webhooks\/event-types$/u,
      envelope: 'v3',
      handle: () => ({ data: V3_WEBHOOK_EVENT_TYPES.map((e) => ({ ...e })) }),
    },
    {
      method: 'GET',
      pattern: /^\/v3\/webhooks\/events$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const eventType = ctx.query.event_type || undefined;
        const entityId = ctx.query.entity_id || undefined;
        // Every event the account's jobs produced, newest first, whether or not a delivery reached anyone.
        const events = state.events
          .filter(
            (e) =>
              (eventType === undefined || e.eventType === eventType) &&
              (entityId === undefined || e.entityId === entityId),
          )
          .reverse();
        return paginate(
          events,
          ctx.query,
          LIMITS.webhookEvents,
          { event_type: eventType, entity_id: entityId },
          eventJson,
        );
      },
    },
  ];
}
