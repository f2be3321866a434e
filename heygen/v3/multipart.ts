import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A `multipart/form-data` body of one file part (RFC 7578), built as a stream: the file's bytes pass through
 * between a small header and trailer and are never collected in memory. `form-data` is in node_modules only as
 * axios's own dependency, not the product's, so the few lines it would save are written here.
 */

export interface MultipartBody {
  data: Buffer | Readable;
  contentType: string;
  /** Known when the file's length is: header + file + trailer. */
  contentLength?: number;
}

export interface FilePart {
  /** The form field's name (v3 `POST /v3/assets`: `file`). */
  field: string;
  fileName: string;
  contentType: string;
  data: Buffer | Readable;
  /** The file's length in bytes, when known. */
  length?: number;
}

export function multipartBody(part: FilePart): MultipartBody {
  const boundary = `----heygen-pipelines-${randomBytes(16).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${quoted(part.field)}"; filename="${quoted(part.fileName)}"\r\n` +
      `Content-Type: ${part.contentType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const length = Buffer.isBuffer(part.data) ? part.data.length : part.length;
  const contentLength = length === undefined ? undefined : head.length + length + tail.length;
  if (Buffer.isBuffer(part.data)) {
    return { data: Buffer.concat([head, part.data, tail]), contentType, contentLength };
  }
  const data = Readable.from(framed(head, part.data, tail), { objectMode: false });
  // The HTTP client reports a failing source through the request; an error after it settled must not go unhandled.
  data.on('error', () => undefined);
  return { data, contentType, contentLength };
}

async function* framed(head: Buffer, body: Readable, tail: Buffer): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of body) yield toBuffer(chunk);
  yield tail;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError(`a byte stream is required, got a ${typeof chunk} chunk`);
}

/** RFC 7578 §4.2: quotes, backslashes and line breaks cannot appear raw in a quoted parameter. */
function quoted(value: string): string {
  return value.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));
}

export interface SpooledFile {
  size: number;
  open(): Readable;
  remove(): Promise<void>;
}

/**
 * Writes a stream of unknown length to a temporary file, so that its length is known before it is sent (the v3
 * direct-upload flow needs `size_bytes` up front) without holding it in memory.
 */
export async function spoolToTempFile(stream: Readable, signal?: AbortSignal): Promise<SpooledFile> {
  const dir = await mkdtemp(path.join(tmpdir(), 'heygen-upload-'));
  const file = path.join(dir, 'body');
  const remove = () => rm(dir, { recursive: true, force: true });
  let size = 0;
  try {
    const counter = async function* (source: AsyncIterable<unknown>) {
      for await (const chunk of source) {
        const bytes = toBuffer(chunk);
        size += bytes.length;
        yield bytes;
      }
    };
    await pipeline(stream, counter, createWriteStream(file), { signal });
  } catch (err) {
    await remove();
    throw err;
  }
  return { size, open: () => createReadStream(file), remove };
}
