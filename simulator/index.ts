export * from './types';
export { startSimulator } from './server';
export { simulatorOptionsFromEnv } from './config';
export { duplicatesBy } from './ledger';
