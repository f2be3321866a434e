export { LocalDirectoryStorage } from './localStorage';
export {
  assertValidKey,
  safeSegment,
  storageKey,
  StorageError,
  type PutOptions,
  type StorageErrorKind,
  type StoredObject,
  type VideoStorage,
} from './types';
