import { z } from 'zod';
import { ACCOUNT, WEBHOOK_EVENTS } from '../catalogData';
import { ApiError, CODES, apiErrors, validate, type ApiRoute } from '../http';
import type { SimState, WebhookEndpoint } from '../state';
import { hexId, isHttpUrl } from '../util';
import type { WebhookDispatcher } from '../webhookDelivery';

const KNOWN_EVENTS = new Set(WEBHOOK_EVENTS);

const httpUrl = z.string().refine(isHttpUrl, 'must be an http(s) URL');

const eventsSchema = z
  .array(
    z.string().refine((e) => KNOWN_EVENTS.has(e), 'unknown event type (see GET /v1/webhook/webhook.list)'),
  )
  .nullable()
  .optional();

const addSchema = z.object({ url: httpUrl, events: eventsSchema });
const updateSchema = z.object({
  endpoint_id: z.string().trim().min(1),
  url: httpUrl.optional(),
  events: eventsSchema,
});

export function endpointJson(e: WebhookEndpoint): Record<string, unknown> {
  return {
    endpoint_id: e.endpointId,
    username: ACCOUNT.username,
    url: e.url,
    status: 'enabled',
    events: [...e.events],
    secret: e.secret,
    created_at: new Date(e.createdAt).toISOString(),
    space_id: ACCOUNT.spaceId,
  };
}

const eventsOrAll = (events: string[] | null | undefined): string[] =>
  events && events.length > 0 ? [...new Set(events)] : [...WEBHOOK_EVENTS];

export function webhookRoutes(state: SimState, dispatcher: WebhookDispatcher): ApiRoute[] {
  const probe = async (url: string) => {
    try {
      await dispatcher.probe(url);
    } catch (err) {
      throw new ApiError(400, CODES.INVALID_PARAMETER, err instanceof Error ? err.message : String(err));
    }
  };

  return [
    {
      method: 'POST',
      pattern: /^\/v1\/webhook\/endpoint\.add$/u,
      envelope: 'v1',
      handle: async (ctx) => {
        const body = validate(addSchema, ctx.body);
        await probe(body.url);
        const endpoint: WebhookEndpoint = {
          endpointId: hexId(),
          version: 'v1',
          url: body.url,
          events: eventsOrAll(body.events),
          secret: hexId(),
          createdAt: state.now(),
        };
        state.endpoints.set(endpoint.endpointId, endpoint);
        return { data: endpointJson(endpoint), createdId: endpoint.endpointId };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/webhook\/endpoint\.list$/u,
      envelope: 'v1',
      handle: () => ({ data: [...state.endpoints.values()].map(endpointJson) }),
    },
    {
      method: 'PATCH',
      pattern: /^\/v1\/webhook\/endpoint\.update$/u,
      envelope: 'v1',
      handle: async (ctx) => {
        const body = validate(updateSchema, ctx.body);
        const endpoint = state.endpoints.get(body.endpoint_id);
        if (!endpoint) throw apiErrors.notFound(`Webhook endpoint ${body.endpoint_id} not found`);
        if (body.url !== undefined && body.url !== endpoint.url) await probe(body.url);
        if (body.url !== undefined) endpoint.url = body.url;
        if (body.events !== undefined) endpoint.events = eventsOrAll(body.events);
        return { data: endpointJson(endpoint) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/webhook\/endpoint\.delete$/u,
      envelope: 'v1',
      handle: (ctx) => {
        const endpointId = ctx.query.endpoint_id?.trim();
        if (!endpointId) throw apiErrors.missing('endpoint_id');
        if (!state.endpoints.delete(endpointId))
          throw apiErrors.notFound(`Webhook endpoint ${endpointId} not found`);
        return { data: null };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/webhook\/webhook\.list$/u,
      envelope: 'v1',
      handle: () => ({ data: [...WEBHOOK_EVENTS] }),
    },
  ];
}
