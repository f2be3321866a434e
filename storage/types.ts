import type { Readable } from 'node:stream';

/** What a stored file is, small enough for a workflow result (never the bytes). */
export interface StoredObject {
  /** The storage key, a relative path such as `<workflowId>/<videoId>.mp4` */
  key: string;
  /** Where it is, for every backend: `file:///abs/path` (local) or `s3://bucket/prefix/key` (S3) */
  uri: string;
  /** The absolute path of the file (local storage only) */
  path?: string;
  bytes: number;
  /** Lower-case hex sha256 of the stored bytes */
  sha256: string;
  /** The media type it was stored with (`application/octet-stream` when the source named none) */
  contentType: string;
}

/** How a caller reaches a stored file: a short-lived presigned URL, or a file this process can stream. */
export type MediaReach =
  { kind: 'url'; url: string; expiresAt: string } | { kind: 'file'; path: string; bytes: number };

/** The type stored when the source names none. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export interface PutOptions {
  /** The size the body must have (e.g. Content-Length); a different size fails the put. */
  expectedBytes?: number;
  /** The sha256 (lower-case hex) the body must have, when known; a different one fails the put. */
  expectedSha256?: string;
  /** Stored with the object; default application/octet-stream */
  contentType?: string;
  /** Stops the write; nothing is left behind. */
  signal?: AbortSignal;
  /** Called as bytes are written (activities heartbeat from here). */
  onProgress?(bytes: number, total: number | undefined): void;
}

/**
 * Where finished media goes. `put` streams `body` (never buffered whole) and makes the object visible under `key`
 * only once all of it is written and checked (size, sha256): a failed or interrupted put leaves nothing behind,
 * partial or final. Putting the same key again replaces the object atomically.
 */
export interface VideoStorage {
  /** `local` or `s3`: what results and logs name */
  readonly backend: StorageBackend;
  put(key: string, body: Readable, opts?: PutOptions): Promise<StoredObject>;
  /**
   * The object under `key` when a complete one is stored with its checksum, else undefined: a download retried
   * after the previous attempt stored the file (and then lost its result) does not upload it again.
   */
  find(key: string, opts?: { signal?: AbortSignal }): Promise<StoredObject | undefined>;
  /**
   * How a caller reaches the file `uri` (one of this storage's own URIs, from a result): a presigned URL valid for
   * `expiresInSeconds` (S3), or a path to stream (local). Undefined when the URI is not this storage's or the file
   * is gone.
   */
  reach(uri: string, opts: { expiresInSeconds: number }): Promise<MediaReach | undefined>;
}

export const STORAGE_BACKENDS = ['local', 's3'] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

export type StorageErrorKind =
  /** The key is not a safe relative path */
  | 'InvalidKey'
  /** The body ended with a different number of bytes than expected */
  | 'SizeMismatch'
  /** The body's sha256 is not the expected one */
  | 'ChecksumMismatch'
  /** The body stream failed (e.g. the connection it comes from was cut) */
  | 'SourceFailed'
  /** Writing, syncing or renaming failed (disk full, permissions...) */
  | 'WriteFailed'
  /** The put was aborted through its signal */
  | 'Aborted';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly kind: StorageErrorKind;
  readonly key: string;
  /** Bytes written before the failure */
  readonly bytesWritten: number;

  constructor(init: {
    kind: StorageErrorKind;
    key: string;
    message: string;
    bytesWritten?: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.key = init.key;
    this.bytesWritten = init.bytesWritten ?? 0;
  }
}

/** Characters a key segment may not contain: path separators of any platform, NUL and other control characters. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_SEGMENT = /[\\/\u0000-\u001f\u007f:]/u;
const MAX_KEY_LENGTH = 1024;

/**
 * Checks that `key` is a canonical relative path (`a/b/c.mp4`): not empty, not absolute, no `.`/`..`/empty
 * segments, no backslash, colon or control characters. Returns the key; throws StorageError('InvalidKey').
 */
export function assertValidKey(key: string): string {
  const bad = (why: string): never => {
    throw new StorageError({
      kind: 'InvalidKey',
      key,
      message: `Invalid storage key ${JSON.stringify(key)}: ${why}`,
    });
  };
  if (typeof key !== 'string' || key.length === 0) bad('empty');
  if (key.length > MAX_KEY_LENGTH) bad(`longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith('/')) bad('absolute');
  for (const segment of key.split('/')) {
    if (segment === '') bad('empty path segment');
    if (segment === '.' || segment === '..') bad(`"${segment}" segment`);
    if (FORBIDDEN_IN_SEGMENT.test(segment)) bad('forbidden character');
  }
  return key;
}

/** One safe key segment from any text (workflow ids, HeyGen ids, file names): `[A-Za-z0-9_.-]`, no dot-only names. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[^\w.-]+/gu, '_').slice(0, 200);
  if (cleaned === '') return 'file';
  return /^\.+$/u.test(cleaned) ? cleaned.replace(/\./gu, '_') : cleaned;
}

/** Builds a valid key from arbitrary segments, each made safe with `safeSegment`. */
export function storageKey(...segments: string[]): string {
  return assertValidKey(segments.map(safeSegment).join('/'));
}
