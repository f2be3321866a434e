import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { MultipartTarget } from '../../storage/s3Multipart';

/**
 * `@aws-sdk/lib-storage`'s `Upload` behind the product's uploader signature, for `bench:download
 * --compare-lib-storage` only: the same part size, concurrency and per-part SHA-256 as `uploadInParts`, so the two
 * are measured on the same file in the same run (ADR 0006 says why the product does not use it). `Upload` aborts
 * the multipart upload when the body fails (`leavePartsOnError: false`), as `uploadInParts` does.
 */
export async function uploadWithLibStorage(body: Readable, target: MultipartTarget): Promise<void> {
  const upload = new Upload({
    client: target.client,
    params: {
      Bucket: target.bucket,
      Key: target.key,
      Body: body,
      ContentType: target.contentType,
      ChecksumAlgorithm: 'SHA256',
    },
    partSize: target.partSize,
    queueSize: target.concurrency,
    leavePartsOnError: false,
  });
  const onAbort = () => void upload.abort();
  target.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
  } finally {
    target.signal?.removeEventListener('abort', onAbort);
  }
}
