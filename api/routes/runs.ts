import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { HttpError, partValidator } from '../errors';
import { START_EXAMPLES } from '../openapi';
import type { RunsService } from '../runs';
import {
  answer,
  cancelledRunSchema,
  COMMON_REFUSALS,
  idempotencyHeadersSchema,
  listFilterSchema,
  refusal,
  runListSchema,
  runParamsSchema,
  runProgressSchema,
  runResultSchema,
  runViewSchema,
  RUN_KINDS,
  startBody,
  startedRunSchema,
  startEnvelopeSchema,
  type RunKind,
} from '../schemas';

const START_PATHS: Record<RunKind, string> = {
  lifecycle: '/v1/lifecycles',
  render: '/v1/renders',
  batch: '/v1/batches',
};
const RESULT_COMPONENTS: Record<RunKind, string> = {
  lifecycle: 'LifecycleResult',
  render: 'RenderResult',
  batch: 'BatchResult',
};
const NO_SUCH_RUN = refusal('No such run (or not one of this API: internal workflows are not)');

/** Starting runs, and reading, listing and cancelling them. */
export const runRoutes: FastifyPluginCallbackZod<{ runs: RunsService }> = (app, { runs }, done) => {
  for (const kind of RUN_KINDS) {
    app.route({
      method: 'POST',
      url: START_PATHS[kind],
      schema: {
        operationId: `start${kind[0]?.toUpperCase()}${kind.slice(1)}`,
        summary: `Start a ${kind}`,
        description:
          "Validates `input` (the product's API-neutral contract) with the workflow's own schema (a 400 names " +
          "the field; no HeyGen call is made), then starts the run. A field the worker's HeyGen API version " +
          'cannot honour (e.g. `test` on v3) fails the run before any HeyGen call, as InvalidInput naming the ' +
          'field. With a `reference` (or an `Idempotency-Key` header) the workflow id is derived from it: ' +
          'starting the same reference again returns the first run with 200 and `existing: true`. The ' +
          `finished run's result is a ${RESULT_COMPONENTS[kind]}.`,
        headers: idempotencyHeadersSchema,
        body: startBody(kind).meta({ 'x-examples': START_EXAMPLES[kind] }),
        response: {
          200: answer('A run for this reference already exists: this one', startedRunSchema),
          201: answer('Started', startedRunSchema),
          400: refusal('Invalid request or input (error.field names the field)'),
          413: refusal('The body is over API_MAX_BODY_BYTES'),
          415: refusal('The body is not application/json'),
          ...COMMON_REFUSALS,
        },
      },
      // The document shows the contract's input; only the envelope is checked here, the input by PipelinesClient.
      validatorCompiler: ({ httpPart }) =>
        partValidator(
          httpPart === 'body' ? startEnvelopeSchema : idempotencyHeadersSchema,
          httpPart ?? 'body',
        ),
      handler: async (request, reply) => {
        const { reference: bodyRef, input } = request.body;
        const headerRef = request.headers['idempotency-key'];
        if (headerRef && bodyRef && headerRef !== bodyRef) {
          throw new HttpError(
            400,
            'InvalidRequest',
            'reference: differs from the Idempotency-Key header',
            'reference',
          );
        }
        const reference = bodyRef ?? headerRef;
        const ref = await runs.start(kind, input, reference);
        request.workflowId = ref.workflowId;
        return reply
          .code(ref.existing ? 200 : 201)
          .header('location', `/v1/runs/${encodeURIComponent(ref.workflowId)}`)
          .send({
            workflowId: ref.workflowId,
            runId: ref.runId,
            kind,
            existing: Boolean(ref.existing),
            ...(reference ? { reference } : {}),
          });
      },
    });
  }

  app.get(
    '/v1/runs',
    {
      schema: {
        operationId: 'listRuns',
        summary: 'Recent runs, newest first',
        querystring: listFilterSchema,
        response: {
          200: answer('Runs', runListSchema),
          400: refusal('Invalid query parameter'),
          ...COMMON_REFUSALS,
        },
      },
    },
    async (request) => ({ runs: await runs.list(request.query) }),
  );

  app.get(
    '/v1/runs/:workflowId',
    {
      schema: {
        operationId: 'getRun',
        summary: 'A run: status, progress, and the result or failure once closed',
        params: runParamsSchema,
        response: {
          200: answer('The run', runViewSchema),
          404: NO_SUCH_RUN,
          ...COMMON_REFUSALS,
        },
      },
    },
    (request) => runs.get(request.params.workflowId),
  );

  app.get(
    '/v1/runs/:workflowId/progress',
    {
      schema: {
        operationId: 'getProgress',
        summary: "A run's progress query alone (stage, timings, HeyGen ids)",
        params: runParamsSchema,
        response: {
          200: answer('The progress query', runProgressSchema),
          404: NO_SUCH_RUN,
          ...COMMON_REFUSALS,
        },
      },
    },
    async (request) => {
      const { workflowId } = request.params;
      return { workflowId, progress: await runs.progress(workflowId) };
    },
  );

  app.get(
    '/v1/runs/:workflowId/result',
    {
      schema: {
        operationId: 'getResult',
        summary: "A run's result or failure, once it has closed",
        params: runParamsSchema,
        response: {
          200: answer('Closed: the result or the failure', runResultSchema),
          202: answer('Still running: ask again after Retry-After seconds', runResultSchema),
          404: NO_SUCH_RUN,
          ...COMMON_REFUSALS,
        },
      },
    },
    async (request, reply) => {
      const { workflowId, kind, status, result, failure } = await runs.get(request.params.workflowId);
      const running = status === 'running';
      if (running) reply.header('retry-after', '5');
      return reply.code(running ? 202 : 200).send({ workflowId, kind, status, result, failure });
    },
  );

  app.post(
    '/v1/runs/:workflowId/cancel',
    {
      schema: {
        operationId: 'cancelRun',
        summary: 'Request the cancellation of a running run',
        params: runParamsSchema,
        response: {
          202: answer('Cancellation requested', cancelledRunSchema),
          404: NO_SUCH_RUN,
          409: refusal('The run is already closed'),
          ...COMMON_REFUSALS,
        },
      },
    },
    async (request, reply) => {
      const run = await runs.cancel(request.params.workflowId);
      return reply.code(202).send({ ...run, cancelRequested: true as const });
    },
  );
  done();
};
