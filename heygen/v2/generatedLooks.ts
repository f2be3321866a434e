import type { JobState } from '../port';
import type { PhotoAvatarLook } from '../schemas';
import { byCreation, lookStatusOf } from './mapping';

export interface GeneratedLooksQuery {
  /** The image keys the succeeded generation reported: one look appears per key */
  imageKeys: readonly string[];
  lookIdsBefore: readonly string[];
  claimedLookIds: readonly string[];
}

/**
 * The looks a v2 look generation produced, among the group's looks. Identified only by what the API gives: the
 * look's own `image_key` when HeyGen sends one (undocumented), else as the looks that are new since the generation
 * was requested and not claimed by another generation of the run, oldest first, as many as the generation has
 * images. Never by the shape of an image URL: a signed URL's path is HeyGen's business and changes without notice.
 */
export function generatedLooksOf(
  looks: readonly PhotoAvatarLook[],
  query: GeneratedLooksQuery,
): PhotoAvatarLook[] {
  if (looks.some((look) => Boolean(look.image_key))) {
    const byKey = new Map(looks.filter((l) => l.image_key).map((l) => [l.image_key, l]));
    return query.imageKeys.flatMap((key) => byKey.get(key) ?? []);
  }
  const known = new Set([...query.lookIdsBefore, ...query.claimedLookIds]);
  return byCreation(looks.filter((look) => !known.has(look.id))).slice(0, query.imageKeys.length);
}

/** Done when every image has its look and all are completed; a failed look fails the generation. */
export function generatedLooksState(
  found: readonly PhotoAvatarLook[],
  expected: number,
): JobState<{ lookIds: string[] }> {
  const failed = found.find((look) => lookStatusOf(look.status) === 'failed');
  if (failed) {
    return {
      state: 'failed',
      message: `Generated look ${failed.id} has status ${failed.status ?? 'failed'}`,
    };
  }
  const pending = found.filter((look) => lookStatusOf(look.status) !== 'completed');
  const missing = expected - found.length;
  if (pending.length === 0 && missing <= 0)
    return { state: 'done', value: { lookIds: found.map((l) => l.id) } };
  const parts = pending.map((look) => `${look.id}=${look.status ?? 'unknown'}`);
  if (missing > 0) parts.push(`${missing} of ${expected} looks not in the group yet`);
  return { state: 'running', status: parts.join(',') };
}
