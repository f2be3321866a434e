export { photoAvatarLifecycle } from './photoAvatarLifecycle';
export { renderVideo } from './renderVideo';
