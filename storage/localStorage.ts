import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkedMeter, putFailure } from './checkedBody';
import { typeOfName } from './mediaTypes';
import {
  assertValidKey,
  DEFAULT_CONTENT_TYPE,
  StorageError,
  type MediaReach,
  type PutOptions,
  type StoredObject,
  type VideoStorage,
} from './types';

/**
 * Files under a local directory. `put` streams the body to a temporary name in the destination's own directory
 * (`.<name>.<random>.part`, so the final rename never crosses file systems) while hashing it, checks the size,
 * fsyncs, and renames it into place; on any failure the temporary file is removed. A reader therefore sees either
 * nothing or the complete, checked file under its final name. Memory use is one stream chunk, whatever the size.
 */
export class LocalDirectoryStorage implements VideoStorage {
  readonly backend = 'local';
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /** The absolute path a key maps to; throws StorageError('InvalidKey') for a key that is not a safe relative path. */
  pathOf(key: string): string {
    assertValidKey(key);
    const destination = path.resolve(this.rootDir, ...key.split('/'));
    const relative = path.relative(this.rootDir, destination);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new StorageError({
        kind: 'InvalidKey',
        key,
        message: `Storage key ${key} leaves the storage root`,
      });
    }
    return destination;
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<StoredObject> {
    let destination: string;
    try {
      destination = this.pathOf(key);
    } catch (err) {
      body.destroy();
      throw err;
    }
    const { signal } = opts;
    const directory = path.dirname(destination);
    const temp = path.join(
      directory,
      `.${path.basename(destination)}.${randomBytes(6).toString('hex')}.part`,
    );
    const meter = checkedMeter(key, opts);
    // Which side failed first: pipeline() destroys every stream with the first error, so only the first one counts.
    let firstFailure: 'source' | 'write' | undefined;
    const onSourceError = () => (firstFailure ??= 'source');
    const onWriteError = () => (firstFailure ??= 'write');
    body.on('error', onSourceError);
    try {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      await mkdir(directory, { recursive: true });
      meter.stream.on('error', onWriteError);
      // 'wx': never write into a file someone else created under the temporary name.
      const file = createWriteStream(temp, { flags: 'wx' });
      file.on('error', onWriteError);
      await pipeline(body, meter.stream, file, signal ? { signal } : {});
      await fsyncFile(temp);
      await rename(temp, destination);
    } catch (err) {
      body.destroy();
      await rm(temp, { force: true }).catch(() => undefined);
      const failure = signal?.aborted ? 'aborted' : (firstFailure ?? 'write');
      throw putFailure(err, key, meter.bytes, failure, `Writing ${key}`);
    } finally {
      body.off('error', onSourceError);
    }
    await syncDirectory(directory);
    const contentType = opts.contentType ?? typeOfName(key) ?? DEFAULT_CONTENT_TYPE;
    const { bytes, sha256 } = meter;
    return { key, uri: pathToFileURL(destination).href, path: destination, bytes, sha256, contentType };
  }

  /**
   * A file under its final name is always complete (puts rename into place): its checksum is read back from the
   * file itself (local reads are far cheaper than a download).
   */
  async find(key: string, opts: { signal?: AbortSignal } = {}): Promise<StoredObject | undefined> {
    const destination = this.pathOf(key);
    const info = await stat(destination).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const hash = createHash('sha256');
    await pipeline(createReadStream(destination), hash, opts.signal ? { signal: opts.signal } : {});
    return {
      key,
      uri: pathToFileURL(destination).href,
      path: destination,
      bytes: info.size,
      sha256: hash.digest('hex'),
      contentType: typeOfName(key) ?? DEFAULT_CONTENT_TYPE,
    };
  }

  /** A `file://` URI under this storage's root, as a path to stream (the only way a local file leaves the host). */
  async reach(uri: string): Promise<MediaReach | undefined> {
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch {
      return undefined;
    }
    const relative = path.relative(this.rootDir, file);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? { kind: 'file', path: file, bytes: info.size } : undefined;
  }
}

/** Flushes a written file to disk (fsync applies to the file, whichever descriptor wrote it). */
async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the rename itself durable. Best effort: some platforms cannot fsync a directory. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // not supported here
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
