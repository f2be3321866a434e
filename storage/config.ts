import { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { z } from 'zod';
import { envFlag, parseEnv } from '../lib/env';
import { LocalDirectoryStorage } from './localStorage';
import { S3Storage } from './s3Storage';
import { STORAGE_BACKENDS, type VideoStorage } from './types';

const MIB = 1024 * 1024;
/** How long a media link (presigned URL) stays valid unless MEDIA_LINK_TTL_SECONDS says otherwise. */
export const DEFAULT_LINK_TTL_SECONDS = 900;

/** S3 bucket names: 3-63 characters, lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/u;

const storageEnvSchema = z.object({
  STORAGE: z
    .enum(STORAGE_BACKENDS, { message: `must be one of ${STORAGE_BACKENDS.join(', ')}` })
    .default('local'),
  OUTPUT_DIR: z.string().trim().min(1).default('output'),
  S3_BUCKET: z
    .string()
    .trim()
    .regex(BUCKET_NAME, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)')
    .optional(),
  S3_PREFIX: z
    .string()
    .trim()
    .regex(/^[\w.\-/]*$/u, 'may hold letters, digits, _ . - and /')
    .refine(
      (p) =>
        !p
          .replace(/^\/+/u, '')
          .split('/')
          .some((s, i, all) => (s === '' && i < all.length - 1) || s === '.' || s === '..'),
      {
        message: 'must be a relative path without empty, . or .. segments',
      },
    )
    .optional(),
  S3_REGION: z.string().trim().min(1).optional(),
  AWS_REGION: z.string().trim().min(1).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  S3_PUBLIC_ENDPOINT: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  S3_FORCE_PATH_STYLE: envFlag.optional(),
  S3_PART_SIZE_MB: z.coerce.number().int().min(5).max(512).default(5),
  S3_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  MEDIA_LINK_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(DEFAULT_LINK_TTL_SECONDS),
});

export type StorageConfig =
  | { backend: 'local'; outputDir: string; linkTtlSeconds: number }
  | {
      backend: 's3';
      outputDir: string;
      linkTtlSeconds: number;
      bucket: string;
      /** '' or ending with '/' */
      prefix: string;
      region: string;
      endpoint?: string;
      /** The endpoint presigned links name, when callers reach the store by another address than the workers */
      publicEndpoint?: string;
      forcePathStyle: boolean;
      partSize: number;
      queueSize: number;
      /** From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of `env`; undefined: the SDK's default provider chain */
      credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    };

/**
 * Where finished media goes, from the environment (validated at start-up; errors name the variable). `STORAGE=local`
 * (the default) keeps files under OUTPUT_DIR; `STORAGE=s3` needs S3_BUCKET, credentials come from the AWS SDK's
 * standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance and container roles).
 */
export function storageConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): StorageConfig {
  const v = parseEnv(storageEnvSchema, env);
  const outputDir = path.resolve(cwd, v.OUTPUT_DIR);
  if (v.STORAGE === 'local') return { backend: 'local', outputDir, linkTtlSeconds: v.MEDIA_LINK_TTL_SECONDS };
  if (!v.S3_BUCKET) throw new Error('Invalid environment variable S3_BUCKET: required when STORAGE=s3');
  const rawPrefix = v.S3_PREFIX?.replace(/^\/+/u, '') ?? '';
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new Error(
      `Invalid environment variable ${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}: give both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (the SDK's provider chain)`,
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  return {
    backend: 's3',
    outputDir,
    linkTtlSeconds: v.MEDIA_LINK_TTL_SECONDS,
    bucket: v.S3_BUCKET,
    prefix: rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`,
    region: v.S3_REGION ?? v.AWS_REGION ?? 'us-east-1',
    ...(v.S3_ENDPOINT ? { endpoint: v.S3_ENDPOINT } : {}),
    ...(v.S3_PUBLIC_ENDPOINT ? { publicEndpoint: v.S3_PUBLIC_ENDPOINT } : {}),
    forcePathStyle: v.S3_FORCE_PATH_STYLE ?? false,
    partSize: v.S3_PART_SIZE_MB * MIB,
    queueSize: v.S3_UPLOAD_CONCURRENCY,
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  };
}

/** Local storage under `outputDir` (tests, embedded workers). */
export function localStorageConfig(outputDir: string): StorageConfig {
  return { backend: 'local', outputDir, linkTtlSeconds: DEFAULT_LINK_TTL_SECONDS };
}

/**
 * The S3 client of an S3 storage configuration; `use: 'links'` gives the one that presigns links, for the
 * public endpoint when one is set (signing is local: that client never connects).
 */
export function s3ClientOf(
  config: Extract<StorageConfig, { backend: 's3' }>,
  use: 'calls' | 'links' = 'calls',
): S3Client {
  const endpoint = use === 'links' ? (config.publicEndpoint ?? config.endpoint) : config.endpoint;
  return new S3Client({
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Temporal owns retries: a failed call fails the attempt, the activity's retry policy decides what follows.
    maxAttempts: 1,
  });
}

/** The storage a configuration names. */
export function createStorage(config: StorageConfig): VideoStorage {
  if (config.backend === 'local') return new LocalDirectoryStorage(config.outputDir);
  return new S3Storage({
    client: s3ClientOf(config),
    ...(config.publicEndpoint ? { linkClient: s3ClientOf(config, 'links') } : {}),
    bucket: config.bucket,
    prefix: config.prefix,
    partSize: config.partSize,
    queueSize: config.queueSize,
  });
}

/** What a log line may say about the storage (no credentials). */
export function describeStorage(config: StorageConfig): string {
  if (config.backend === 'local') return `local directory ${config.outputDir}`;
  const at = config.endpoint ? ` at ${config.endpoint}` : '';
  const links = config.publicEndpoint ? `, links via ${config.publicEndpoint}` : '';
  return `s3://${config.bucket}/${config.prefix}${at}${links}`;
}
