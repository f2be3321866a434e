export * from './asset';
export * from './catalog';
export * from './envelope';
export * from './photoAvatar';
export * from './video';
export * from './webhook';
