import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  /** Bytes per part (S3: at least 5 MiB but the last) */
  partSize: number;
  /** Parts uploading at once */
  concurrency: number;
  signal?: AbortSignal;
}

/**
 * How a body becomes an object: it must complete the upload only after `body` ended without error, and abort it
 * otherwise. `uploadInParts` is the one the product uses; the download benchmark plugs in lib-storage's to compare.
 */
export type MultipartUploader = (body: Readable, target: MultipartTarget) => Promise<void>;

/**
 * Uploads a stream to S3 in parts cut into a fixed pool of `concurrency + 1` part buffers, reused for the whole
 * upload: memory is bounded by construction, whatever the file's size (lib-storage's Upload concatenates every part
 * into a fresh buffer, and that garbage alone outgrew the worker's 64 MiB budget on a 1 GB video: docs/benchmarks.md).
 * A body smaller than one part goes in one PutObject. Every part carries its SHA-256 for the server to verify.
 *
 * The multipart upload is completed only after `body` ended without error: a body that fails (including the
 * checks its last transform makes before it ends) or any part that fails aborts the upload, so nothing appears
 * under the key. No retry here: Temporal retries the activity.
 */
export async function uploadInParts(body: Readable, target: MultipartTarget): Promise<void> {
  const { client, bucket, key, partSize, concurrency, signal } = target;
  const send = signal ? { abortSignal: signal } : {};
  const free: Buffer[] = Array.from({ length: concurrency + 1 }, () => Buffer.allocUnsafeSlow(partSize));
  const waiting: Array<() => void> = [];
  const release = (buffer: Buffer) => {
    free.push(buffer);
    waiting.shift()?.();
  };
  const acquire = async (): Promise<Buffer> => {
    while (free.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    return free.pop()!;
  };

  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let partFailure: Error | undefined;

  const startPart = (buffer: Buffer, length: number, partNumber: number) => {
    const upload = (async () => {
      try {
        const answer = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: buffer.subarray(0, length),
            ContentLength: length,
            ChecksumAlgorithm: 'SHA256',
          }),
          send,
        );
        parts.push({ PartNumber: partNumber, ETag: answer.ETag, ChecksumSHA256: answer.ChecksumSHA256 });
      } catch (err) {
        partFailure ??= err instanceof Error ? err : new Error(String(err));
      } finally {
        release(buffer);
      }
    })();
    inFlight.add(upload);
    void upload.finally(() => inFlight.delete(upload));
  };

  try {
    let current = await acquire();
    let filled = 0;
    let partNumber = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        if (partFailure !== undefined) throw partFailure;
        const n = Math.min(partSize - filled, chunk.length - offset);
        chunk.copy(current, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === partSize) {
          uploadId ??= (
            await client.send(
              new CreateMultipartUploadCommand({
                Bucket: bucket,
                Key: key,
                ContentType: target.contentType,
                ChecksumAlgorithm: 'SHA256',
              }),
              send,
            )
          ).UploadId;
          startPart(current, filled, ++partNumber);
          // Waits here while every buffer is uploading: the body is read no faster than S3 takes it.
          current = await acquire();
          filled = 0;
        }
      }
    }
    if (uploadId === undefined) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: current.subarray(0, filled),
          ContentLength: filled,
          ContentType: target.contentType,
          ChecksumAlgorithm: 'SHA256',
        }),
        send,
      );
      return;
    }
    if (filled > 0) startPart(current, filled, ++partNumber);
    await Promise.all(inFlight);
    if (partFailure !== undefined) throw partFailure;
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      send,
    );
  } catch (err) {
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined) {
      // Not under the caller's signal: the parts must go even when the put was aborted.
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    throw err;
  }
}
