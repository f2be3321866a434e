export {
  createStorage,
  DEFAULT_LINK_TTL_SECONDS,
  describeStorage,
  localStorageConfig,
  s3ClientOf,
  storageConfigFromEnv,
  type StorageConfig,
} from './config';
export { LocalDirectoryStorage } from './localStorage';
export { S3Storage, SHA256_TAG } from './s3Storage';
export {
  assertValidKey,
  DEFAULT_CONTENT_TYPE,
  safeSegment,
  STORAGE_BACKENDS,
  storageKey,
  StorageError,
  type MediaReach,
  type PutOptions,
  type StorageBackend,
  type StorageErrorKind,
  type StoredObject,
  type VideoStorage,
} from './types';
