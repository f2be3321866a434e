import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError, type PutOptions } from './types';

/** The stream every put passes its body through: counts and hashes it, and checks it before it ends. */
export interface Meter {
  stream: Transform;
  /** Bytes seen so far */
  readonly bytes: number;
  /** Lower-case hex sha256 of the whole body; set once the body ended */
  readonly sha256: string;
}

/**
 * Hashes and counts the body as it flows (reporting progress), and at its end checks the size and, when known, the
 * sha256 *before* the stream ends: a mismatch fails the stream with a StorageError (SizeMismatch,
 * ChecksumMismatch), so whatever consumes it (a file about to be renamed, a multipart upload about to be completed)
 * never takes a wrong body for a complete one.
 */
export function checkedMeter(
  key: string,
  opts: Pick<PutOptions, 'expectedBytes' | 'expectedSha256' | 'onProgress'>,
): Meter {
  const hash = createHash('sha256');
  const state = { bytes: 0, sha256: '' };
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      hash.update(chunk);
      state.bytes += chunk.length;
      opts.onProgress?.(state.bytes, opts.expectedBytes);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      const { bytes } = state;
      state.sha256 = hash.digest('hex');
      if (opts.expectedBytes !== undefined && bytes !== opts.expectedBytes) {
        done(
          new StorageError({
            kind: 'SizeMismatch',
            key,
            bytesWritten: bytes,
            message: `Stored ${bytes} bytes for ${key}, expected ${opts.expectedBytes}`,
          }),
        );
      } else if (opts.expectedSha256 !== undefined && state.sha256 !== opts.expectedSha256) {
        done(
          new StorageError({
            kind: 'ChecksumMismatch',
            key,
            bytesWritten: bytes,
            message: `The body of ${key} has sha256 ${state.sha256}, expected ${opts.expectedSha256}`,
          }),
        );
      } else done();
    },
  });
  return {
    stream,
    get bytes() {
      return state.bytes;
    },
    get sha256() {
      return state.sha256;
    },
  };
}

/**
 * What a failed put throws, for every backend: a StorageError as it is; otherwise Aborted (the put's signal),
 * SourceFailed (the body failed first) or WriteFailed (the destination did), with the bytes that got through.
 */
export function putFailure(
  err: unknown,
  key: string,
  bytes: number,
  failure: 'source' | 'write' | 'aborted',
  /** What the write was, for WriteFailed: `Writing <key>`, `Uploading <key> to s3://bucket` */
  writing: string,
  reason: string = err instanceof Error ? err.message : String(err),
): StorageError {
  if (err instanceof StorageError) return err;
  const common = { key, bytesWritten: bytes, cause: err };
  if (failure === 'aborted')
    return new StorageError({ ...common, kind: 'Aborted', message: `Put of ${key} aborted` });
  if (failure === 'source') {
    return new StorageError({
      ...common,
      kind: 'SourceFailed',
      message: `The body of ${key} failed after ${bytes} bytes: ${reason}`,
    });
  }
  return new StorageError({
    ...common,
    kind: 'WriteFailed',
    message: `${writing} failed after ${bytes} bytes: ${reason}`,
  });
}
