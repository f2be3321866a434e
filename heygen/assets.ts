import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import axios, { isAxiosError, type AxiosResponse } from 'axios';
import { sniffContentType } from './contentType';
import { HeyGenError, kindForHttpStatus } from './errors';
import {
  ASSET_CONTENT_TYPES,
  type Asset,
  type AssetContentType,
  type AssetQuery,
  type HeyGenPort,
  type UploadedAsset,
} from './port';

/**
 * Uploads to HeyGen's asset store from bytes, a stream, a local file or a URL. Every variant decides the content type
 * from the file's first bytes (never from a name or a header) and refuses, before anything is sent, a file HeyGen
 * does not accept. Streams are never held whole in memory: only their first few bytes are read ahead, then sent in
 * front of the rest.
 */

export interface UploadOptions {
  signal?: AbortSignal;
}

export interface NamedUploadOptions extends UploadOptions {
  /** The file's name, for APIs that keep one (v3 multipart); never used to decide the type */
  fileName?: string;
}

export interface StreamUploadOptions extends NamedUploadOptions {
  /** The stream's length in bytes, when known: sent as Content-Length (otherwise the upload is chunked). */
  contentLength?: number;
}

export interface UrlUploadOptions extends UploadOptions {
  /** How long to wait for the source to start answering. Default 30 s. */
  timeoutMs?: number;
  /** Redirects followed when fetching the source. Default 5. */
  maxRedirects?: number;
}

const OPERATION = 'asset.upload';
const SOURCE_OPERATION = 'asset.fetchSource';
/** Enough for every signature we look at (the ISO BMFF brand sits at bytes 8..11; text detection looks further). */
export const SNIFF_BYTES = 64;
const DEFAULT_URL_TIMEOUT_MS = 30_000;

/** ISO BMFF brands that are not MP4 video HeyGen takes (sniffContentType calls every `ftyp` file video/mp4). */
const NON_MP4_BRANDS: Record<string, string> = {
  heic: 'image/heic',
  heix: 'image/heic',
  hevc: 'image/heic',
  heim: 'image/heic',
  heis: 'image/heic',
  mif1: 'image/heif',
  msf1: 'image/heif',
  avif: 'image/avif',
  avis: 'image/avif',
  'qt  ': 'video/quicktime',
  'M4A ': 'audio/mp4',
  'M4B ': 'audio/mp4',
  'M4P ': 'audio/mp4',
  'crx ': 'image/x-canon-cr3',
};

export interface DetectedType {
  /** The HeyGen content type, when the bytes are one HeyGen accepts. */
  accepted?: AssetContentType;
  /** What the bytes look like, for messages: a MIME type or 'unknown binary data'. */
  detected: string;
}

/** Detects a file's type from its first bytes (at least SNIFF_BYTES of them when the file is that long). */
export function detectAssetType(head: Uint8Array): DetectedType {
  const b = (i: number) => head[i] ?? -1;
  const ascii = (from: number, to: number) => Buffer.from(head.subarray(from, to)).toString('latin1');
  if (head.length >= 12 && ascii(4, 8) === 'ftyp') {
    const refused = NON_MP4_BRANDS[ascii(8, 12)];
    if (refused) return { detected: refused };
    if (ascii(8, 11) === '3gp' || ascii(8, 11) === '3g2') return { detected: 'video/3gpp' };
  }
  const accepted = sniffContentType(head);
  if (accepted) return { accepted, detected: accepted };
  return { detected: describeUnsupported(head, b, ascii) };
}

function describeUnsupported(
  head: Uint8Array,
  b: (i: number) => number,
  ascii: (from: number, to: number) => string,
): string {
  if (head.length === 0) return 'an empty file';
  if (ascii(0, 4) === 'GIF8') return 'image/gif';
  if (ascii(0, 4) === 'RIFF') {
    const kind = ascii(8, 12);
    if (kind === 'WEBP') return 'image/webp';
    if (kind === 'WAVE') return 'audio/wav';
    if (kind === 'AVI ') return 'video/x-msvideo';
  }
  if (ascii(0, 2) === 'BM') return 'image/bmp';
  if ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 0x2a) || (b(0) === 0x4d && b(1) === 0x4d && b(3) === 0x2a))
    return 'image/tiff';
  if (ascii(0, 5) === '%PDF-') return 'application/pdf';
  if (ascii(0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(0, 4) === 'fLaC') return 'audio/flac';
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return 'application/zip';
  if (b(0) === 0x1f && b(1) === 0x8b) return 'application/gzip';
  if (ascii(4, 8) === 'ftyp') return 'an ISO media file of an unsupported kind';
  if (looksLikeText(head)) return 'text/plain';
  return 'unknown binary data';
}

function looksLikeText(head: Uint8Array): boolean {
  let text = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte !== 0x7f)) text += 1;
  }
  return text === head.length;
}

/** The accepted type of these first bytes, or an InvalidRequest HeyGenError naming what was detected. */
export function requireAcceptedType(head: Uint8Array): AssetContentType {
  if (head.length === 0) throw invalid('the file is empty');
  const { accepted, detected } = detectAssetType(head);
  if (accepted) return accepted;
  throw new HeyGenError({
    kind: 'InvalidRequest',
    operation: OPERATION,
    message:
      `Unsupported file type: the content looks like ${detected}; ` +
      `HeyGen accepts ${ASSET_CONTENT_TYPES.join(', ')}`,
    mayHaveBeenProcessed: false,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Uploads

/** Uploads bytes already in memory. */
export async function uploadFromBytes(
  heygen: HeyGenPort,
  bytes: Buffer,
  opts: NamedUploadOptions = {},
): Promise<UploadedAsset> {
  const contentType = requireAcceptedType(bytes.subarray(0, SNIFF_BYTES));
  return heygen.uploadAsset(bytes, contentType, {
    signal: opts.signal,
    contentLength: bytes.length,
    fileName: opts.fileName,
  });
}

/**
 * Uploads a stream: reads just its first bytes to detect the type, then streams those bytes followed by the rest.
 * The stream is consumed; it is destroyed when the type is refused or the upload fails.
 */
export async function uploadFromStream(
  heygen: HeyGenPort,
  stream: Readable,
  opts: StreamUploadOptions = {},
): Promise<UploadedAsset> {
  if (
    opts.contentLength !== undefined &&
    !(Number.isSafeInteger(opts.contentLength) && opts.contentLength >= 0)
  ) {
    stream.destroy();
    throw invalid(`contentLength must be a whole number of bytes, got ${String(opts.contentLength)}`);
  }
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  let handedOver = false;
  try {
    const head = await readHead(iterator, SNIFF_BYTES, opts.signal);
    const contentType = requireAcceptedType(Buffer.concat(head.chunks));
    if (head.ended) {
      // The whole file fit in the first chunks: send it as a buffer (its length is known exactly).
      const bytes = Buffer.concat(head.chunks);
      if (opts.contentLength !== undefined && opts.contentLength !== bytes.length) {
        throw invalid(`the stream held ${bytes.length} bytes, not the ${opts.contentLength} announced`);
      }
      return await heygen.uploadAsset(bytes, contentType, {
        signal: opts.signal,
        contentLength: bytes.length,
        fileName: opts.fileName,
      });
    }
    const body = Readable.from(prepend(head.chunks, iterator), { objectMode: false });
    handedOver = true;
    // A late error (after the upload settled) must not surface as an unhandled 'error' event.
    body.on('error', () => undefined);
    try {
      return await heygen.uploadAsset(body, contentType, {
        signal: opts.signal,
        contentLength: opts.contentLength,
        fileName: opts.fileName,
      });
    } finally {
      if (!body.readableEnded) body.destroy();
      if (!stream.readableEnded) stream.destroy();
    }
  } finally {
    if (!handedOver && !stream.readableEnded) stream.destroy();
  }
}

/** Uploads a local file, streamed from disk with its size as Content-Length. */
export async function uploadFromPath(
  heygen: HeyGenPort,
  path: string,
  opts: UploadOptions = {},
): Promise<UploadedAsset> {
  const info = await stat(path);
  if (!info.isFile()) throw invalid(`${path} is not a regular file`);
  return uploadFromStream(heygen, createReadStream(path), {
    signal: opts.signal,
    contentLength: info.size,
    fileName: basename(path),
  });
}

/**
 * Uploads the file at an http(s) URL: the download is piped straight into the upload (Content-Length forwarded when
 * the source sends one), so the file is never held in memory. A source that answers non-2xx is a HeyGenError of
 * operation 'asset.fetchSource' naming the status; nothing is uploaded then.
 */
export async function uploadFromUrl(
  heygen: HeyGenPort,
  url: string,
  opts: UrlUploadOptions = {},
): Promise<UploadedAsset> {
  const source = parseSourceUrl(url);
  const where = describeUrl(source);
  let response: AxiosResponse<Readable>;
  try {
    response = await axios.get<Readable>(source.href, {
      responseType: 'stream',
      // Raw bytes: Content-Length must describe what is forwarded.
      decompress: false,
      headers: { 'Accept-Encoding': 'identity' },
      validateStatus: () => true,
      maxRedirects: opts.maxRedirects ?? 5,
      timeout: opts.timeoutMs ?? DEFAULT_URL_TIMEOUT_MS,
      signal: opts.signal,
    });
  } catch (err) {
    throw sourceTransportError(where, err);
  }
  const raw = response.data;
  if (response.status < 200 || response.status >= 300) {
    raw.destroy();
    throw new HeyGenError({
      kind: kindForHttpStatus(response.status),
      operation: SOURCE_OPERATION,
      httpStatus: response.status,
      message: `The source ${where} answered HTTP ${response.status}${statusText(response)}; nothing was uploaded`,
      mayHaveBeenProcessed: false,
    });
  }
  const encoding = headerValue(response.headers['content-encoding'])?.trim().toLowerCase();
  const decoder = encoding && encoding !== 'identity' ? decoderFor(encoding) : undefined;
  if (encoding && encoding !== 'identity' && !decoder) {
    raw.destroy();
    throw invalid(`the source ${where} sent an unsupported Content-Encoding: ${encoding}`);
  }
  const declared = Number(headerValue(response.headers['content-length']));
  const contentLength = !decoder && Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
  const body = decoder ? raw.pipe(decoder) : raw;
  if (decoder) raw.on('error', (err) => decoder.destroy(err));
  try {
    const fileName = fileNameOf(source);
    return await uploadFromStream(heygen, body, { signal: opts.signal, contentLength, fileName });
  } catch (err) {
    throw isHeyGenError(err) ? err : sourceTransportError(where, err);
  } finally {
    if (!raw.readableEnded) raw.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Listing and deleting

/** Every asset (optionally of one type or folder), following HeyGen's cursor page by page. */
export function listAllAssets(
  heygen: HeyGenPort,
  query: Omit<AssetQuery, 'token'> = {},
  opts: UploadOptions = {},
): AsyncIterable<Asset> {
  return heygen.listAssets(query, opts);
}

export function deleteAsset(heygen: HeyGenPort, assetId: string, opts: UploadOptions = {}): Promise<void> {
  return heygen.deleteAsset(assetId, opts);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

interface Head {
  chunks: Buffer[];
  /** True when the stream ended within the head: `chunks` is then the whole file. */
  ended: boolean;
}

/** Reads chunks until at least `wanted` bytes (or the end), leaving the rest of the stream unread. */
async function readHead(
  iterator: AsyncIterator<unknown>,
  wanted: number,
  signal?: AbortSignal,
): Promise<Head> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < wanted) {
    throwIfAborted(signal);
    const next = await iterator.next();
    throwIfAborted(signal);
    if (next.done) return { chunks, ended: true };
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  return { chunks, ended: false };
}

async function* prepend(head: Buffer[], rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  } finally {
    await rest.return?.();
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw invalid(`the stream produced a ${typeof chunk} chunk; a byte stream is required`);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new HeyGenError({
      kind: 'Timeout',
      operation: OPERATION,
      message: 'Upload cancelled before it was sent',
      mayHaveBeenProcessed: false,
    });
  }
}

function parseSourceUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(`only http:// and https:// sources can be uploaded, got ${parsed.protocol}`);
  }
  return parsed;
}

/** The last path segment, decoded (a name only: it never decides the type). */
function fileNameOf(url: URL): string | undefined {
  const last = basename(url.pathname);
  try {
    return decodeURIComponent(last) || undefined;
  } catch {
    return last || undefined;
  }
}

/** Origin and path only: a signed URL's query string is a credential. */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function decoderFor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  return undefined;
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function statusText(response: AxiosResponse): string {
  return response.statusText ? ` (${response.statusText})` : '';
}

function isHeyGenError(err: unknown): err is HeyGenError {
  return err instanceof HeyGenError;
}

function sourceTransportError(where: string, err: unknown): HeyGenError {
  if (isHeyGenError(err)) return err;
  const code = isAxiosError(err) ? err.code : (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (axios.isCancel(err) || code === 'ERR_CANCELED' || code === 'ABORT_ERR') {
    return new HeyGenError({
      kind: 'Timeout',
      operation: SOURCE_OPERATION,
      message: `Fetching ${where} was cancelled`,
      mayHaveBeenProcessed: false,
      cause: err,
    });
  }
  const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  return new HeyGenError({
    kind: timeout ? 'Timeout' : 'Network',
    operation: SOURCE_OPERATION,
    message: `Could not fetch ${where}: ${typeof code === 'string' ? `${code} ` : ''}${message}`,
    mayHaveBeenProcessed: false,
    cause: err,
  });
}

function invalid(detail: string): HeyGenError {
  return new HeyGenError({
    kind: 'InvalidRequest',
    operation: OPERATION,
    message: `Invalid upload: ${detail}`,
    mayHaveBeenProcessed: false,
  });
}
