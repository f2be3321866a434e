import type { LookSpec } from '../heygen/schemas/photoAvatar';
import { activitySignal } from './context';
import type { ActivityDeps } from './deps';
import { classified } from './errors';

/**
 * Look generation (POST /v2/photo_avatar/look/generate). HeyGen offers no lookup of generations, so a lost answer
 * cannot be reconciled; the duplicate window is one HTTP round trip. Its status is read with `checkGeneration`.
 */
export function lookGenerationActivities({ heygen }: ActivityDeps) {
  return {
    generateLook: classified(async (input: { groupId: string; look: LookSpec }) => {
      return heygen.generateLook({ group_id: input.groupId, ...input.look }, { signal: activitySignal() });
    }),
  };
}
