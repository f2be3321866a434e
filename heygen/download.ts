import axios, { isAxiosError } from 'axios';
import path from 'node:path';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { LocalDirectoryStorage } from '../storage/localStorage';
import { knownType, typeOfName } from '../storage/mediaTypes';
import { StorageError, type StoredObject, type VideoStorage } from '../storage/types';
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
  /** Max time without any byte arriving (before the answer and between chunks). Default 60 s. */
  idleTimeoutMs?: number;
}

/** A media URL that answered 2xx: its body, not read yet. */
export interface MediaResponse {
  body: Readable;
  /** From Content-Length, when the server sent one */
  contentLength?: number;
  /** From Content-Type (without parameters, lower case), when the server sent one */
  contentType?: string;
}

const OPERATION = 'media.download';
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * Opens a signed HeyGen media URL as a stream. A 403/404/410 means the signed URL expired or the file is not
 * downloadable yet: it is reported as a retryable `UrlExpired` so the caller fetches a fresh URL; 429 and 5xx are
 * retryable too, other statuses are not. The body stream fails with a `Timeout` HeyGenError when no byte arrives for
 * `idleTimeoutMs`. The URL is never logged nor put in an error (its query string is a credential).
 */
export async function openMediaStream(url: string, opts: DownloadOptions = {}): Promise<MediaResponse> {
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let response;
  try {
    response = await axios.get<Readable>(url, {
      responseType: 'stream',
      validateStatus: () => true,
      timeout: idleTimeoutMs,
      signal: opts.signal,
      maxRedirects: 5,
      decompress: false,
      // Never let axios buffer or cap a stream.
      maxContentLength: Infinity,
      maxBodyLength: Infinity,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw abortReason(opts.signal, err);
    const code = isAxiosError(err) ? err.code : undefined;
    const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    throw new HeyGenError({
      kind: timeout ? 'Timeout' : 'Network',
      operation: OPERATION,
      message: `Download failed before any byte arrived: ${code ?? (err instanceof Error ? err.message : String(err))}`,
    });
  }
  const status = response.status;
  if (status < 200 || status >= 300) {
    response.data.resume();
    if (status === 403 || status === 404 || status === 410) {
      throw new HeyGenError({
        kind: 'UrlExpired',
        operation: OPERATION,
        httpStatus: status,
        message: `The media URL answered ${status}: expired or not downloadable yet; a fresh URL is needed`,
      });
    }
    throw new HeyGenError({
      kind: status === 429 ? 'RateLimited' : status >= 500 ? 'ServerError' : 'InvalidRequest',
      operation: OPERATION,
      httpStatus: status,
      message: `The media URL answered HTTP ${status}`,
    });
  }
  const lengthHeader = Number(response.headers['content-length']);
  const typeHeader: unknown = response.headers['content-type'];
  const contentType =
    typeof typeHeader === 'string' ? typeHeader.split(';')[0]?.trim().toLowerCase() || undefined : undefined;
  return {
    body: withIdleTimeout(response.data, idleTimeoutMs),
    contentLength: Number.isFinite(lengthHeader) && lengthHeader >= 0 ? lengthHeader : undefined,
    contentType,
  };
}

/** Fails the stream with a `Timeout` HeyGenError when no chunk arrives for `ms`. */
function withIdleTimeout(source: Readable, ms: number): Readable {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const watch: Transform = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      arm();
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      stop();
      done();
    },
  });
  const arm = () => {
    stop();
    timer = setTimeout(() => {
      watch.destroy(
        new HeyGenError({
          kind: 'Timeout',
          operation: OPERATION,
          message: `No byte arrived for ${ms} ms`,
        }),
      );
    }, ms);
    timer.unref();
  };
  watch.on('close', stop);
  arm();
  // pipeline() forwards the source's errors to `watch` and destroys the source when `watch` is destroyed.
  return pipeline(source, watch, () => stop());
}

/** How the storage key is chosen: fixed, or from the response (e.g. the extension from the content type). */
export type KeyChoice = string | ((response: { contentType?: string }) => string);

/** A stored download; `reused` when an earlier attempt had stored the same file completely (no bytes moved). */
export interface StoredDownload extends StoredObject {
  reused?: boolean;
}

/**
 * Streams a signed media URL into `storage` under `key`: the storage writes it to a temporary name (or multipart
 * upload), checks the size against Content-Length and the sha256, and only then makes it visible (see
 * VideoStorage). A complete object already stored under the key with the announced size (an earlier attempt that
 * stored it and then lost its result) is kept, not uploaded again. The content type stored is the response's when
 * the product knows it, else the one of the key's extension. HTTP failures are the HeyGenErrors of
 * `openMediaStream`; a body cut midway or shorter than announced is a retryable `Network` error.
 */
export async function downloadToStorage(
  url: string,
  storage: VideoStorage,
  key: KeyChoice,
  opts: DownloadOptions = {},
): Promise<StoredDownload> {
  const media = await openMediaStream(url, opts);
  let finalKey: string;
  try {
    finalKey = typeof key === 'string' ? key : key({ contentType: media.contentType });
  } catch (err) {
    media.body.destroy();
    throw err;
  }
  // The body may fail while the storage looks for an earlier copy (before put listens to it): keep that error.
  let early: unknown;
  const onEarly = (err: unknown) => (early ??= err);
  media.body.on('error', onEarly);
  try {
    const existing = await storage.find(finalKey, opts.signal ? { signal: opts.signal } : {});
    if (existing && (media.contentLength === undefined || existing.bytes === media.contentLength)) {
      media.body.destroy();
      return { ...existing, reused: true };
    }
  } catch (err) {
    media.body.destroy();
    throw err;
  } finally {
    media.body.off('error', onEarly);
  }
  if (early !== undefined || media.body.destroyed) {
    if (opts.signal?.aborted) throw abortReason(opts.signal, early);
    if (early instanceof HeyGenError) throw early; // our idle timeout
    throw new HeyGenError({
      kind: 'Network',
      operation: OPERATION,
      message: `Download interrupted before any byte was stored: ${early instanceof Error ? early.message : 'stream closed'}`,
    });
  }
  const contentType = knownType(media.contentType) ?? typeOfName(finalKey);
  try {
    return await storage.put(finalKey, media.body, {
      expectedBytes: media.contentLength,
      signal: opts.signal,
      onProgress: opts.onProgress,
      ...(contentType ? { contentType } : {}),
    });
  } catch (err) {
    throw downloadFailure(err, opts.signal);
  }
}

/** Maps what a storage put throws while the body comes from HTTP. Write-side failures stay StorageErrors. */
function downloadFailure(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return abortReason(signal, err);
  if (!(err instanceof StorageError)) return err;
  if (err.kind === 'SizeMismatch') {
    return new HeyGenError({
      kind: 'Network',
      operation: OPERATION,
      message: `Download truncated: ${err.message}`,
    });
  }
  if (err.kind === 'SourceFailed') {
    if (err.cause instanceof HeyGenError) return err.cause; // our idle timeout
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    return new HeyGenError({
      kind: 'Network',
      operation: OPERATION,
      message: `Download interrupted after ${err.bytesWritten} bytes: ${reason}`,
      cause: err,
    });
  }
  return err;
}

function abortReason(signal: AbortSignal, fallback: unknown): unknown {
  return signal.reason instanceof Error ? signal.reason : fallback;
}

/**
 * Streams a signed media URL to the file `destination` (through a LocalDirectoryStorage rooted at its directory):
 * no partial file is ever visible under the final name. Kept for callers that want a plain file.
 */
export async function downloadToFile(
  url: string,
  destination: string,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const absolute = path.resolve(destination);
  const storage = new LocalDirectoryStorage(path.dirname(absolute));
  const stored = await downloadToStorage(url, storage, path.basename(absolute), opts);
  return { path: stored.path ?? absolute, sha256: stored.sha256, bytes: stored.bytes };
}
