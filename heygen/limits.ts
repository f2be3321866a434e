// HeyGen's limits as plain values, without zod: workflows import them (the workflow bundle must not evaluate zod).

/** `POST /v2/photo_avatar/avatar_group/add` takes at most this many image keys a call. */
export const MAX_LOOKS_PER_ADD = 4;
