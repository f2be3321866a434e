import type { SwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import demoLifecycle from '../examples/demo-lifecycle.json';
import renderAvatarIv from '../examples/render-avatar-iv.json';
import renderVideo from '../examples/render-video.json';
import renderWebm from '../examples/render-webm.json';
import type { RunKind } from './schemas';

/**
 * Request examples of each start route, from the files in examples/ (the same ones the README and the CLI use; a
 * test checks that every one is valid input).
 */
export const START_EXAMPLES: Record<RunKind, Record<string, { summary: string; value: unknown }>> = {
  lifecycle: {
    generated: {
      summary: 'AI photos from attributes, one extra look, one video (examples/demo-lifecycle.json)',
      value: { reference: 'crm-order-42', input: demoLifecycle },
    },
  },
  render: {
    scenes: { summary: 'Two scenes of a studio avatar', value: { input: renderVideo } },
    avatarIv: { summary: 'Avatar IV: a photo on the worker speaks', value: { input: renderAvatarIv } },
    webm: { summary: 'A transparent-background WebM', value: { input: renderWebm } },
  },
  batch: {
    twoRenders: {
      summary: "Two renders, each with the caller's own reference",
      value: {
        reference: 'campaign-7',
        input: {
          items: [
            { ref: 'row-1', render: renderVideo },
            { ref: 'row-2', render: renderWebm },
          ],
          maxParallel: 2,
        },
      },
    },
  },
};

/** The names of the components `value` refers to. */
const refsIn = (value: unknown) =>
  [...JSON.stringify(value ?? null).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');

/**
 * The zod provider writes every schema with an id twice (as a request and as a response schema): keep the
 * components the operations refer to, directly or through other components.
 */
function keepReferencedComponents<T extends { paths?: unknown; components?: { schemas?: object } }>(
  doc: T,
): T {
  const schemas: Record<string, unknown> = { ...doc.components?.schemas };
  const kept: Record<string, unknown> = {};
  const pending = refsIn(doc.paths);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in kept || !(name in schemas)) continue;
    kept[name] = schemas[name];
    pending.push(...refsIn(schemas[name]));
  }
  return { ...doc, components: { ...doc.components, schemas: kept } };
}

/**
 * How @fastify/swagger writes the document (OpenAPI 3.1) from the routes' zod schemas: paths, parameters, bodies and
 * responses come from the routes; this adds what is the API's as a whole.
 */
export const swaggerOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'HeyGen pipelines API',
      version: '1',
      description:
        'Start and follow durable HeyGen photo-avatar lifecycles, renders and batches without a Temporal client. ' +
        "Inputs are the product's own, API-neutral contract; which HeyGen API (v3 or v2) the runs speak is the " +
        "workers' setting, and every run and result names it (`apiVersion`). " +
        'Every route except /healthz requires `Authorization: Bearer <token>`. Errors are ' +
        '`{ "error": { "type", "message", "field"? } }`.',
    },
    // Relative: the document is served by the API it describes, wherever that is mounted.
    servers: [{ url: '/', description: 'This API' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from API_TOKENS or API_TOKENS_FILE' },
      },
    },
    security: [{ bearer: [] }],
  },
  transform: jsonSchemaTransform,
  transformObject: (doc) => keepReferencedComponents(jsonSchemaTransformObject(doc)),
};
