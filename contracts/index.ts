export * from './batch';
export * from './events';
export * from './failures';
export * from './lifecycle';
export * from './polling';
export * from './progress';
export * from './render';
export * from './validation';
