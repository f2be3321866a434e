import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { createReadStream } from 'node:fs';
import parseRange from 'range-parser';
import { z } from 'zod';
import { reachMedia } from '../../client/media';
import type { StoredFile } from '../../contracts/media';
import type { MediaReach, VideoStorage } from '../../storage';
import { HttpError } from '../errors';
import type { RunsService } from '../runs';
import {
  COMMON_REFUSALS,
  mediaHeadersSchema,
  mediaLinkSchema,
  mediaParamsSchema,
  mediaQuerySchema,
  redirectSchema,
  refusal,
} from '../schemas';

export interface MediaRouteOptions {
  runs: RunsService;
  /** Where the workers store media (the same STORAGE settings); none: the route answers 503 */
  storage?: VideoStorage | undefined;
  /** Lifetime of a presigned link */
  linkTtlSeconds: number;
}

const fileContent = { '*/*': { schema: z.string().meta({ format: 'binary' }) } };

/** `GET /v1/runs/{workflowId}/media/{name}`: a finished run's stored file, its link, or its description. */
export const mediaRoutes: FastifyPluginCallbackZod<MediaRouteOptions> = (app, options, done) => {
  app.get(
    '/v1/runs/:workflowId/media/:name',
    {
      config: { paramsError: 'InvalidMediaName' },
      schema: {
        operationId: 'getRunMedia',
        summary: "A finished run's video, captions, thumbnail or GIF",
        description:
          'For a completed lifecycle or render run (a batch item is a render run of its own). S3 storage: `302` ' +
          'to a presigned URL valid for MEDIA_LINK_TTL_SECONDS (fetch it without the bearer token). Local ' +
          'storage: the bytes, with `Range` support (`206`, `416`) and the sha256 as `ETag`. `?format=json`: a ' +
          'JSON description with the link instead (`url`, `expiresAt` for S3, `sha256`, `bytes`, `contentType`, ' +
          '`uri`).',
        params: mediaParamsSchema,
        querystring: mediaQuerySchema,
        headers: mediaHeadersSchema,
        response: {
          200: {
            description:
              "The file's bytes in its own type (local storage), or with ?format=json its description",
            content: { 'application/json': { schema: mediaLinkSchema }, ...fileContent },
          },
          206: { description: 'The requested range (local storage)', content: fileContent },
          302: redirectSchema.meta({
            description: 'Redirect to a presigned URL (S3 storage)',
            headers: { Location: { type: 'string', description: 'The presigned URL' } },
          }),
          400: refusal('Unknown media name or query parameter'),
          404: refusal('No such run, no media for it (failed run, batch), or no file of that name'),
          409: refusal('The run is still running (retry after Retry-After seconds)'),
          416: z.undefined().describe('The range is outside the file'),
          ...COMMON_REFUSALS,
        },
      },
    },
    async (request, reply) => {
      if (!options.storage) {
        throw new HttpError(503, 'MediaUnreachable', 'This API has no storage configured (STORAGE, S3_*)');
      }
      const { workflowId, name } = request.params;
      const file = await options.runs.mediaFile(workflowId, name);
      const reach = await reachMedia(options.storage, file, options.linkTtlSeconds);
      const { sha256, bytes, contentType, uri } = file;
      const json = request.query.format === 'json';
      if (reach.kind === 'url') {
        const { url, expiresAt } = reach;
        if (json) return reply.send({ url, expiresAt, sha256, bytes, contentType, uri });
        return reply.code(302).header('location', url).send({ url, expiresAt });
      }
      const selfPath = `/v1/runs/${encodeURIComponent(workflowId)}/media/${name}`;
      if (json) return reply.send({ url: selfPath, sha256, bytes, contentType, uri });
      return sendFile(request, reply, file, reach);
    },
  );
  done();
};

type LocalFile = Extract<MediaReach, { kind: 'file' }>;

/** The bytes of a local file: `Range` (one range; `206`, `416`), `If-Range`, `ETag` = the sha256. */
function sendFile(request: FastifyRequest, reply: FastifyReply, file: StoredFile, local: LocalFile) {
  const size = local.bytes;
  const etag = `"${file.sha256}"`;
  reply.headers({
    'content-type': file.contentType,
    'accept-ranges': 'bytes',
    etag,
    'cache-control': 'private, no-store',
  });
  let start = 0;
  let end = size - 1;
  const { range, 'if-range': ifRange } = request.headers;
  // A Range only applies to the same file (If-Range with another ETag gets the whole file).
  if (range && (!ifRange || ifRange === etag)) {
    const ranges = parseRange(size, range, { combine: true });
    if (ranges === -1) {
      return reply
        .code(416)
        .headers({ 'content-range': `bytes */${size}`, 'content-length': 0 })
        .send();
    }
    // -2 (malformed) and several ranges: the whole file, as RFC 9110 allows.
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1 && ranges[0]) {
      ({ start, end } = ranges[0]);
      reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
    }
  }
  reply.header('content-length', size === 0 ? 0 : end - start + 1);
  if (request.method === 'HEAD' || size === 0) return reply.send();
  return reply.send(createReadStream(local.path, { start, end }));
}
