export * from './client';
export * from './config';
export * from './contentType';
export * from './errors';
export type * from './port';
export * from './schemas';
