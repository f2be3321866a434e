import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import parseRange from 'range-parser';
import { reachMedia } from '../client/media';
import type { StoredFile } from '../contracts/media';
import type { VideoStorage } from '../storage';

/** How `GET /v1/runs/{id}/media/{name}` answers, once the run's file is known. */
export interface MediaAnswerOptions {
  storage: VideoStorage;
  linkTtlSeconds: number;
  /** `?format=json`: a JSON description with the link instead of a redirect (S3) or the bytes (local) */
  json: boolean;
  /** The route's own path, the link of a local file in the JSON answer (fetched with the same bearer token) */
  selfPath: string;
}

/**
 * Answers with a stored file: S3 -> `302` to a presigned URL (short-lived, no token needed), or its JSON
 * description; local -> the bytes, with `Range` support (`206`, `416`), `ETag` = the sha256. Errors are thrown as
 * MediaErrors for the server's error mapping.
 */
export async function answerMedia(
  req: IncomingMessage,
  res: ServerResponse,
  file: StoredFile,
  opts: MediaAnswerOptions,
  send: (status: number, body: unknown, headers?: Record<string, string>) => void,
): Promise<void> {
  const reach = await reachMedia(opts.storage, file, opts.linkTtlSeconds);
  const description = {
    sha256: file.sha256,
    bytes: file.bytes,
    contentType: file.contentType,
    uri: file.uri,
  };
  if (reach.kind === 'url') {
    if (opts.json) return send(200, { url: reach.url, expiresAt: reach.expiresAt, ...description });
    return send(
      302,
      { url: reach.url, expiresAt: reach.expiresAt },
      { Location: reach.url, 'Cache-Control': 'no-store' },
    );
  }
  if (opts.json) return send(200, { url: opts.selfPath, ...description });

  const size = reach.bytes;
  const headers: Record<string, string | number> = {
    'Content-Type': file.contentType,
    'Accept-Ranges': 'bytes',
    ETag: `"${file.sha256}"`,
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  const rangeHeader = req.headers.range;
  let start = 0;
  let end = size - 1;
  let status = 200;
  // A Range only applies to the same file (If-Range with another ETag gets the whole file).
  const ifRange = req.headers['if-range'];
  if (rangeHeader && (!ifRange || ifRange === headers.ETag)) {
    const ranges = parseRange(size, rangeHeader, { combine: true });
    if (ranges === -1) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    // -2 (malformed) and several ranges: the whole file, as RFC 9110 allows.
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1 && ranges[0]) {
      start = ranges[0].start;
      end = ranges[0].end;
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(reach.path, { start, end }), res);
}
