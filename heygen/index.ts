// The package's public face: the neutral port and its pieces. HeyGen's own request and response shapes (./schemas,
// ./client) stay inside heygen/, behind the adapters.
export * from './config';
export * from './contentType';
export * from './errors';
export * from './port';
export { createHeyGenPort } from './select';
