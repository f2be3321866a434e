import { contractJsonSchemas } from '../contracts/jsonSchemas';
import { RUN_KINDS, RUN_STATUSES } from './runs';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const COMMON_ERRORS = {
  '401': errorResponse('Missing or unknown bearer token'),
  '503': errorResponse('Temporal is not reachable (retry after the Retry-After seconds)'),
};

function startOperation(kind: string, inputSchema: string, resultSchema: string) {
  return {
    post: {
      operationId: `start${kind[0]?.toUpperCase()}${kind.slice(1)}`,
      summary: `Start a ${kind}`,
      description:
        `Validates \`input\` with the workflow's own schema (a 400 names the field; no HeyGen call is made), then ` +
        'starts the run. With a `reference` (or an `Idempotency-Key` header) the workflow id is derived from it: ' +
        `starting the same reference again returns the first run with 200 and \`existing: true\`. The finished ` +
        `run's result follows ${resultSchema}.`,
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          additionalProperties: false,
          required: ['input'],
          properties: {
            reference: { type: 'string', minLength: 1, maxLength: 200, description: "The caller's own id" },
            input: ref(inputSchema),
          },
        }),
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
                  description: 'The progress query: stage, stage timings, HeyGen ids',
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
    },
  };
}
