import axios, { isAxiosError } from 'axios';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HeyGenError } from './errors';

export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive (activities heartbeat from here). */
  onProgress?: (bytes: number, total: number | undefined) => void;
  /** Max time without any byte arriving. Default 60 s. */
  idleTimeoutMs?: number;
}

/**
 * Streams a signed HeyGen media URL to `destination`: bytes go to a temporary file in the same directory while
 * their sha256 is computed, the size is checked against Content-Length, and only then is the file renamed into
 * place — no partial file is ever visible under the final name. A 403/404 means the signed URL expired (or the file
 * is not downloadable yet): it is reported as a retryable `UrlExpired` so the caller fetches a fresh URL.
 * The URL is never logged (its query string is a credential).
 */
export async function downloadToFile(
  url: string,
  destination: string,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const operation = 'media.download';
  await mkdir(path.dirname(destination), { recursive: true });
  const temp = path.join(
    path.dirname(destination),
    `.${path.basename(destination)}.${randomBytes(6).toString('hex')}.part`,
  );
  let response;
  try {
    response = await axios.get<NodeJS.ReadableStream>(url, {
      responseType: 'stream',
      validateStatus: () => true,
      timeout: opts.idleTimeoutMs ?? 60_000,
      signal: opts.signal,
      maxRedirects: 5,
      decompress: false,
    });
  } catch (err) {
    const code = isAxiosError(err) ? err.code : undefined;
    const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    throw new HeyGenError({
      kind: timeout ? 'Timeout' : 'Network',
      operation,
      message: `Download failed before any byte arrived: ${code ?? (err instanceof Error ? err.message : String(err))}`,
    });
  }
  const status = response.status;
  if (status === 403 || status === 404 || status === 410) {
    response.data.resume();
    throw new HeyGenError({
      kind: 'UrlExpired',
      operation,
      httpStatus: status,
      message: `The media URL answered ${status}: expired or not downloadable yet; a fresh URL is needed`,
    });
  }
  if (status < 200 || status >= 300) {
    response.data.resume();
    throw new HeyGenError({
      kind:
        status >= 500 || status === 429 ? (status === 429 ? 'RateLimited' : 'ServerError') : 'InvalidRequest',
      operation,
      httpStatus: status,
      message: `The media URL answered HTTP ${status}`,
    });
  }
  const lengthHeader = Number(response.headers['content-length']);
  const expected = Number.isFinite(lengthHeader) && lengthHeader >= 0 ? lengthHeader : undefined;
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      hash.update(chunk);
      bytes += chunk.length;
      opts.onProgress?.(bytes, expected);
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.data, meter, createWriteStream(temp, { flags: 'wx' }), { signal: opts.signal });
    if (expected !== undefined && bytes !== expected) {
      throw new HeyGenError({
        kind: 'Network',
        operation,
        message: `Download truncated: got ${bytes} of ${expected} bytes`,
      });
    }
    await rename(temp, destination);
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof HeyGenError) throw err;
    throw new HeyGenError({
      kind: 'Network',
      operation,
      message: `Download interrupted after ${bytes} bytes: ${err instanceof Error ? err.message : String(err)}`,
      cause: err,
    });
  }
  return { path: destination, sha256: hash.digest('hex'), bytes };
}
