import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectTaggingCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { SHA256_HEX } from '../contracts/media';
import { checkedMeter, putFailure } from './checkedBody';
import { typeOfName } from './mediaTypes';
import { uploadInParts, type MultipartUploader } from './s3Multipart';
import {
  assertValidKey,
  DEFAULT_CONTENT_TYPE,
  StorageError,
  type MediaReach,
  type PutOptions,
  type StoredObject,
  type VideoStorage,
} from './types';

/** The object tag that holds a stored object's sha256 (lower-case hex), written once the upload completed. */
export const SHA256_TAG = 'sha256';

export interface S3StorageOptions {
  client: S3Client;
  /** Presigns the links `reach` hands out, when callers reach the store by another endpoint (default: `client`) */
  linkClient?: S3Client;
  bucket: string;
  /** Prepended to every key: '' or a path ending with '/' */
  prefix: string;
  /** Multipart part size in bytes (S3's minimum is 5 MiB) */
  partSize: number;
  /** Parts uploading at once; memory is partSize x (queueSize + 1) per upload, whatever the file's size */
  queueSize: number;
  /** Default `uploadInParts`; the download benchmark passes lib-storage's to measure it beside ours */
  uploader?: MultipartUploader;
}

/**
 * Objects in an S3-compatible bucket (AWS S3, versitygw, MinIO, R2, ...), uploaded in parts from a fixed pool of
 * buffers (s3Multipart.ts). Crash and retry safety:
 * - the body flows through a meter that hashes it; at its end the size (Content-Length) and, when known, the
 *   expected sha256 are checked *before* the stream ends, so the multipart upload is completed only when they hold
 *   and aborted otherwise (nothing appears under the key);
 *   every part also carries an `x-amz-checksum-sha256` the server verifies on receipt;
 * - the object's sha256 is then written as its `sha256` tag, and `find` trusts only an object that has one: an
 *   object completed but untagged (a crash between the two) is uploaded again, replacing it in one step;
 * - a put first aborts the in-progress multipart uploads of the same key (the parts of an attempt whose worker
 *   died); a bucket lifecycle rule (docs/operations.md) expires any other abandoned upload.
 */
export class S3Storage implements VideoStorage {
  readonly backend = 's3';
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
  }

  /** The object key of a storage key (the prefix plus the key). */
  objectKey(key: string): string {
    return `${this.prefix}${assertValidKey(key)}`;
  }

  uriOf(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<StoredObject> {
    let objectKey: string;
    try {
      objectKey = this.objectKey(key);
    } catch (err) {
      body.destroy();
      throw err;
    }
    const { signal } = opts;
    const contentType = opts.contentType ?? typeOfName(key) ?? DEFAULT_CONTENT_TYPE;
    // Its end checks size and sha256 before the uploader sees the body end: a mismatch aborts the upload.
    const meter = checkedMeter(key, opts);
    let sourceError: unknown;
    const onSourceError = (err: unknown) => {
      sourceError ??= err;
      meter.stream.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    body.once('error', onSourceError);
    body.pipe(meter.stream);
    const onAbort = () => meter.stream.destroy(abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw abortError(signal);
      await this.abortUnfinishedUploads(objectKey, signal);
      await (this.options.uploader ?? uploadInParts)(meter.stream, {
        client: this.client,
        bucket: this.bucket,
        key: objectKey,
        contentType,
        partSize: this.options.partSize,
        concurrency: this.options.queueSize,
        ...(signal ? { signal } : {}),
      });
      await this.client.send(
        new PutObjectTaggingCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Tagging: { TagSet: [{ Key: SHA256_TAG, Value: meter.sha256 }] },
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (err) {
      body.destroy();
      meter.stream.destroy();
      const failure = signal?.aborted ? 'aborted' : sourceError !== undefined ? 'source' : 'write';
      throw putFailure(
        failure === 'source' ? sourceError : err,
        key,
        meter.bytes,
        failure,
        `Uploading ${key} to s3://${this.bucket}`,
        failure === 'write' ? describeS3Error(err) : undefined,
      );
    } finally {
      body.off('error', onSourceError);
      signal?.removeEventListener('abort', onAbort);
    }
    return { key, uri: this.uriOf(key), bytes: meter.bytes, sha256: meter.sha256, contentType };
  }

  /**
   * Aborts the multipart uploads in progress for exactly this object key: an attempt whose worker was killed midway
   * leaves one behind (its parts are invisible but billed as storage). Only the same key is touched.
   */
  private async abortUnfinishedUploads(objectKey: string, signal: AbortSignal | undefined): Promise<void> {
    const send = signal ? { abortSignal: signal } : {};
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let page = 0; page < 100; page++) {
      const listed = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: objectKey,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
        send,
      );
      for (const upload of listed.Uploads ?? []) {
        if (upload.Key !== objectKey || !upload.UploadId) continue;
        await this.client
          .send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: objectKey,
              UploadId: upload.UploadId,
            }),
            send,
          )
          .catch((err: unknown) => {
            // Already completed or aborted by someone else: nothing left to clean.
            if (!(err instanceof S3ServiceException && err.name === 'NoSuchUpload')) throw err;
          });
      }
      if (!listed.IsTruncated) return;
      keyMarker = listed.NextKeyMarker;
      uploadIdMarker = listed.NextUploadIdMarker;
    }
  }

  async find(key: string, opts: { signal?: AbortSignal } = {}): Promise<StoredObject | undefined> {
    const objectKey = this.objectKey(key);
    const send = opts.signal ? { abortSignal: opts.signal } : {};
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), send);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new StorageError({
        kind: 'WriteFailed',
        key,
        message: `Reading s3://${this.bucket}/${objectKey} failed: ${describeS3Error(err)}`,
        cause: err,
      });
    }
    const tags = await this.client
      .send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: objectKey }), send)
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    const sha256 = tags?.TagSet?.find((t) => t.Key === SHA256_TAG)?.Value;
    if (!sha256 || !SHA256_HEX.test(sha256) || head.ContentLength === undefined) return undefined;
    return {
      key,
      uri: this.uriOf(key),
      bytes: head.ContentLength,
      sha256,
      contentType: head.ContentType ?? typeOfName(key) ?? DEFAULT_CONTENT_TYPE,
    };
  }

  /** A presigned GET for an `s3://` URI of this bucket and prefix. */
  async reach(uri: string, opts: { expiresInSeconds: number }): Promise<MediaReach | undefined> {
    const head = `s3://${this.bucket}/${this.prefix}`;
    if (!uri.startsWith(head) || uri.length === head.length) return undefined;
    const objectKey = uri.slice(`s3://${this.bucket}/`.length);
    const expiresAt = new Date(Date.now() + opts.expiresInSeconds * 1000).toISOString();
    const url = await getSignedUrl(
      this.options.linkClient ?? this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }),
      {
        expiresIn: opts.expiresInSeconds,
      },
    );
    return { kind: 'url', url, expiresAt };
  }
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404;
}

function describeS3Error(err: unknown): string {
  if (err instanceof S3ServiceException) {
    return `${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'}): ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function abortError(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}
