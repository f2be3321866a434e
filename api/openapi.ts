import { API_VERSIONS } from '../contracts/apiVersion';
import { contractJsonSchemas } from '../contracts/jsonSchemas';
import { MEDIA_NAMES } from '../contracts/media';
import demoLifecycle from '../examples/demo-lifecycle.json';
import renderAvatarIv from '../examples/render-avatar-iv.json';
import renderVideo from '../examples/render-video.json';
import renderWebm from '../examples/render-webm.json';
import { RUN_KINDS, RUN_STATUSES, type RunKind } from './runs';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const COMMON_ERRORS = {
  '401': errorResponse('Missing or unknown bearer token'),
  '503': errorResponse('Temporal is not reachable (retry after the Retry-After seconds)'),
};

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

function startOperation(kind: RunKind, inputSchema: string, resultSchema: string) {
  return {
    post: {
      operationId: `start${kind[0]?.toUpperCase()}${kind.slice(1)}`,
      summary: `Start a ${kind}`,
      description:
        `Validates \`input\` (the product's API-neutral contract) with the workflow's own schema (a 400 names the ` +
        "field; no HeyGen call is made), then starts the run. A field the worker's HeyGen API version cannot " +
        'honour (e.g. `test` on v3) fails the run before any HeyGen call, as InvalidInput naming the field. With a `reference` (or an `Idempotency-Key` header) the workflow id is derived from it: ' +
        `starting the same reference again returns the first run with 200 and \`existing: true\`. The finished ` +
        `run's result follows ${resultSchema}.`,
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['input'],
              properties: {
                reference: {
                  type: 'string',
                  minLength: 1,
                  maxLength: 200,
                  description: "The caller's own id",
                },
                input: ref(inputSchema),
              },
            },
            examples: START_EXAMPLES[kind],
          },
        },
      },
      responses: {
        '201': { description: 'Started', content: json(ref('StartedRun')) },
        '200': { description: 'A run for this reference already exists', content: json(ref('StartedRun')) },
        '400': errorResponse('Invalid request or input (error.field names the field)'),
        ...COMMON_ERRORS,
      },
    },
  };
}

const idParam = { name: 'workflowId', in: 'path', required: true, schema: { type: 'string' } };

/** OpenAPI 3.1 description of the HTTP API; request and result bodies are the contract's JSON Schemas. */
export function openApiDocument(): Record<string, unknown> {
  const contract = Object.fromEntries(
    Object.entries(contractJsonSchemas()).map(([name, schema]) => {
      const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
      return [name.replace(/\./g, '_'), rest];
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'HeyGen pipelines API',
      version: '1',
      description:
        'Start and follow durable HeyGen photo-avatar lifecycles, renders and batches without a Temporal client. ' +
        "Inputs are the product's own, API-neutral contract; which HeyGen API (v3 or v2) the runs speak is the " +
        "workers' setting, and every run and result names it (`apiVersion`). " +
        'Every route except /healthz requires `Authorization: Bearer <token>`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...contract,
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['type', 'message'],
              properties: {
                type: { type: 'string' },
                message: { type: 'string' },
                field: { type: 'string' },
              },
            },
          },
        },
        MediaLink: {
          type: 'object',
          required: ['url', 'sha256', 'bytes', 'contentType', 'uri'],
          properties: {
            url: {
              type: 'string',
              description: 'Presigned URL (S3), or this route (local, needs the token)',
            },
            expiresAt: { type: 'string', format: 'date-time', description: 'When the presigned URL expires' },
            sha256: { type: 'string' },
            bytes: { type: 'integer' },
            contentType: { type: 'string' },
            uri: { type: 'string', description: 's3://bucket/key or file:///path' },
          },
        },
        StartedRun: {
          type: 'object',
          required: ['workflowId', 'runId', 'kind', 'existing'],
          properties: {
            workflowId: { type: 'string' },
            runId: { type: 'string' },
            kind: { enum: [...RUN_KINDS] },
            existing: { type: 'boolean' },
            reference: { type: 'string' },
          },
        },
        RunSummary: {
          type: 'object',
          required: ['workflowId', 'runId', 'kind', 'status', 'startTime'],
          properties: {
            workflowId: { type: 'string' },
            runId: { type: 'string' },
            kind: { enum: [...RUN_KINDS] },
            status: { enum: [...RUN_STATUSES] },
            startTime: { type: 'string', format: 'date-time' },
            closeTime: { type: 'string', format: 'date-time' },
            reference: { type: 'string' },
            apiVersion: {
              enum: [...API_VERSIONS],
              description: 'The HeyGen API generation the run speaks (set once its input is validated)',
            },
          },
        },
        Failure: {
          type: 'object',
          required: ['type', 'message'],
          properties: {
            type: { type: 'string', description: 'e.g. HeyGenJobFailed, HeyGenRequestRejected' },
            message: { type: 'string' },
            stage: { type: 'string' },
            code: { type: ['string', 'number'], description: "HeyGen's error code, e.g. 40119" },
          },
        },
        Run: {
          allOf: [
            ref('RunSummary'),
            {
              type: 'object',
              properties: {
                progress: {
                  type: 'object',
                  description:
                    'The progress query: stage, stage timings, HeyGen ids (and the API version once known)',
                },
                result: {
                  oneOf: [
                    ref('photoAvatarLifecycle_result'),
                    ref('renderVideo_result'),
                    ref('renderBatch_result'),
                  ],
                },
                failure: ref('Failure'),
              },
            },
          ],
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: { operationId: 'health', security: [], responses: { '200': { description: 'Up' } } },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          responses: { '200': { description: 'This document' }, ...COMMON_ERRORS },
        },
      },
      '/v1/lifecycles': startOperation(
        'lifecycle',
        'photoAvatarLifecycle_input',
        'photoAvatarLifecycle_result',
      ),
      '/v1/renders': startOperation('render', 'renderVideo_input', 'renderVideo_result'),
      '/v1/batches': startOperation('batch', 'renderBatch_input', 'renderBatch_result'),
      '/v1/runs': {
        get: {
          operationId: 'listRuns',
          summary: 'Recent runs, newest first',
          parameters: [
            { name: 'kind', in: 'query', schema: { enum: [...RUN_KINDS] } },
            { name: 'status', in: 'query', schema: { enum: [...RUN_STATUSES] } },
            { name: 'reference', in: 'query', schema: { type: 'string' } },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
            },
          ],
          responses: {
            '200': {
              description: 'Runs',
              content: json({
                type: 'object',
                properties: { runs: { type: 'array', items: ref('RunSummary') } },
              }),
            },
            '400': errorResponse('Invalid query parameter'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/runs/{workflowId}': {
        get: {
          operationId: 'getRun',
          parameters: [idParam],
          responses: {
            '200': {
              description: 'Status, progress, and the result or failure once closed',
              content: json(ref('Run')),
            },
            '404': errorResponse('No such run'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/runs/{workflowId}/progress': {
        get: {
          operationId: 'getProgress',
          parameters: [idParam],
          responses: {
            '200': { description: 'The progress query', content: json({ type: 'object' }) },
            '404': errorResponse('No such run'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/runs/{workflowId}/result': {
        get: {
          operationId: 'getResult',
          parameters: [idParam],
          responses: {
            '200': { description: 'Closed: result or failure', content: json(ref('Run')) },
            '202': { description: 'Still running (poll again after Retry-After)', content: json(ref('Run')) },
            '404': errorResponse('No such run'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/runs/{workflowId}/cancel': {
        post: {
          operationId: 'cancelRun',
          parameters: [idParam],
          responses: {
            '202': { description: 'Cancellation requested', content: json(ref('RunSummary')) },
            '404': errorResponse('No such run'),
            '409': errorResponse('The run is already closed'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/runs/{workflowId}/media/{name}': {
        get: {
          operationId: 'getRunMedia',
          summary: "A finished run's video, captions, thumbnail or GIF",
          description:
            'For a completed lifecycle or render run (a batch item is a render run of its own). S3 storage: `302` ' +
            'to a presigned URL valid for MEDIA_LINK_TTL_SECONDS (fetch it without the bearer token). Local storage: ' +
            'the bytes, with `Range` support (`206`, `416`) and the sha256 as `ETag`. `?format=json`: a JSON ' +
            'description with the link instead (`url`, `expiresAt` for S3, `sha256`, `bytes`, `contentType`, `uri`).',
          parameters: [
            idParam,
            {
              name: 'name',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: [...MEDIA_NAMES] },
            },
            {
              name: 'format',
              in: 'query',
              required: false,
              schema: { type: 'string', enum: ['redirect', 'json'], default: 'redirect' },
            },
            { name: 'Range', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description:
                'The bytes (local storage), or with ?format=json the link and the file description',
              content: {
                'application/json': { schema: ref('MediaLink') },
                'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              },
            },
            '206': {
              description: 'The requested range (local storage)',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            '302': {
              description: 'Redirect to a presigned URL (S3 storage)',
              headers: { Location: { schema: { type: 'string' } } },
            },
            '400': errorResponse('Unknown media name or query parameter'),
            '404': errorResponse('No such run, no media for it (failed run, batch), or no file of that name'),
            '409': errorResponse('The run is still running (retry after Retry-After)'),
            '416': { description: 'The range is outside the file' },
            ...COMMON_ERRORS,
          },
        },
      },
    },
  };
}
