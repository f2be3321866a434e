export { photoAvatarLifecycle } from './photoAvatarLifecycle';
export { renderVideo } from './renderVideo';
export { jobEventMailbox } from './jobEventMailbox';
