export { photoAvatarLifecycle } from './photoAvatarLifecycle';
export { renderVideo } from './renderVideo';
export { jobEventMailbox } from './jobEventMailbox';
export { renderSlots } from './renderSlots';
export { renderBatch } from './renderBatch';
