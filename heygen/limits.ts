// HeyGen's limits as plain values, without zod: workflows import them (the workflow bundle must not evaluate zod).
import { API_CAPABILITIES } from '../contracts/apiVersion';

/** `POST /v2/photo_avatar/avatar_group/add` takes at most this many image keys a call (the v2 capability). */
export const MAX_LOOKS_PER_ADD = API_CAPABILITIES.v2.maxPhotosPerAdd;
