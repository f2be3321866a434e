export * from './config';
export * from './pipelinesClient';
export * from '../contracts';
