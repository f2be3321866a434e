import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeStorage, s3ClientOf, storageConfigFromEnv } from '../../storage';
import { info, reportFailure } from '../output';

/**
 * `storage check [--create-bucket]`: the storage the environment names (STORAGE, S3_*, OUTPUT_DIR) is reachable and
 * writable: a probe object is written and deleted. With --create-bucket a missing bucket is created (the local
 * S3-compatible server of prod-shape; in the cloud, buckets come from infrastructure code).
 */
export async function storageCheck(opts: { createBucket?: boolean }): Promise<void> {
  try {
    const config = storageConfigFromEnv();
    if (config.backend === 'local') {
      await mkdir(config.outputDir, { recursive: true });
      const probe = path.join(config.outputDir, `.storage-check-${process.pid}`);
      await writeFile(probe, 'ok');
      await rm(probe);
      info(`storage: ${describeStorage(config)} is writable`);
      return;
    }
    const client = s3ClientOf(config);
    try {
      try {
        await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== 404 || !opts.createBucket) {
          throw new Error(
            status === 404
              ? `bucket ${config.bucket} does not exist (create it, or pass --create-bucket)`
              : `bucket ${config.bucket} is not reachable: ${(err as Error).name} (HTTP ${status ?? '?'})`,
          );
        }
        await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
        info(`storage: created bucket ${config.bucket}`);
      }
      const Key = `${config.prefix}.storage-check-${process.pid}`;
      await client.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: 'ok' }));
      await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key }));
      info(`storage: ${describeStorage(config)} is writable`);
    } finally {
      client.destroy();
    }
  } catch (err) {
    reportFailure(err, false);
  }
}
