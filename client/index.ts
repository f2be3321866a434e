export * from './config';
export * from './pipelinesClient';
export { MediaError, type MediaErrorKind } from './media';
export * from '../contracts';
