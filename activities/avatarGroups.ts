import type { PollResult } from '../contracts/polling';
import type { PhotoAvatarLook } from '../heygen/schemas/photoAvatar';
import { activitySignal, isRetry } from './context';
import type { ActivityDeps } from './deps';
import { classified, jobFailed } from './errors';

export interface GroupRef {
  groupId: string;
  firstLookId: string;
  /** True when an existing group of that name was found instead of creating one */
  reused: boolean;
}

/** Path of a signed image URL, which is the image key (`image/<hex>/original`). */
export function imageKeyOfUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '');
  } catch {
    return undefined;
  }
}

function isCompleted(look: PhotoAvatarLook): boolean {
  return (look.status ?? '').toLowerCase() === 'completed';
}
function isFailed(look: PhotoAvatarLook): boolean {
  return ['failed', 'fail', 'error'].includes((look.status ?? '').toLowerCase());
}

/**
 * Group and look creation. Both are reconciled before creating: the workflow gives every group a name unique to the
 * run and every add-call a name unique within the group, so a retry after HeyGen accepted a request (the response
 * was lost, or the worker died) finds what was created instead of creating it again. The group list is only read on
 * a retry (a first attempt cannot have created anything); a group's own looks are few and always checked.
 */
export function avatarGroupActivities({ heygen }: ActivityDeps) {
  const looksOf = (groupId: string) => heygen.listGroupLooks(groupId, { signal: activitySignal() });

  return {
    createAvatarGroup: classified(
      async (input: { name: string; imageKey: string; generationId?: string }): Promise<GroupRef> => {
        const signal = activitySignal();
        // Listing every group costs more as the account grows: only a retry can find one it created.
        const existing = isRetry()
          ? (await heygen.listAvatarGroups({ signal })).find((g) => g.name === input.name)
          : undefined;
        if (existing) {
          const looks = await looksOf(existing.id);
          const first =
            looks.find((l) => l.id === existing.id) ??
            [...looks].sort((a, b) => (a.created_at ?? 0) - (b.created_at ?? 0))[0];
          return { groupId: existing.id, firstLookId: first?.id ?? existing.id, reused: true };
        }
        const look = await heygen.createAvatarGroup(
          { name: input.name, image_key: input.imageKey, generation_id: input.generationId },
          { signal },
        );
        return { groupId: look.group_id ?? look.id, firstLookId: look.id, reused: false };
      },
    ),

    addLooks: classified(
      async (input: {
        groupId: string;
        name: string;
        imageKeys: string[];
      }): Promise<{ lookIds: string[]; reused: boolean }> => {
        const already = (await looksOf(input.groupId)).filter((l) => l.name === input.name);
        if (already.length > 0) return { lookIds: already.map((l) => l.id), reused: true };
        const created = await heygen.addLooks(
          { group_id: input.groupId, name: input.name, image_keys: input.imageKeys },
          { signal: activitySignal() },
        );
        return { lookIds: created.map((l) => l.id), reused: false };
      },
    ),

    /** Done when every given look is `completed` (a video requested before that fails). */
    checkLooksReady: classified(
      async (input: { groupId: string; lookIds: string[] }): Promise<PollResult<{ lookIds: string[] }>> => {
        const looks = new Map((await looksOf(input.groupId)).map((l) => [l.id, l]));
        const pending: string[] = [];
        for (const id of input.lookIds) {
          const look = looks.get(id);
          if (look && isFailed(look)) throw jobFailed(`Look ${id}`, `status ${look.status ?? 'failed'}`);
          if (!look || !isCompleted(look)) pending.push(`${id}=${look?.status ?? 'missing'}`);
        }
        if (pending.length > 0) return { done: false, status: pending.join(',') };
        return { done: true, value: { lookIds: input.lookIds } };
      },
    ),

    /**
     * Generated looks land in the group as new looks whose image URL path is the generated image key. Done when a
     * look exists and is completed for every key.
     */
    findLooksForImages: classified(
      async (input: { groupId: string; imageKeys: string[] }): Promise<PollResult<{ lookIds: string[] }>> => {
        const byKey = new Map<string, PhotoAvatarLook>();
        for (const look of await looksOf(input.groupId)) {
          const key = imageKeyOfUrl(look.image_url);
          if (key) byKey.set(key, look);
        }
        const lookIds: string[] = [];
        const waiting: string[] = [];
        for (const key of input.imageKeys) {
          const look = byKey.get(key);
          if (look && isFailed(look))
            throw jobFailed(`Generated look ${look.id}`, `status ${look.status ?? 'failed'}`);
          if (look && isCompleted(look)) lookIds.push(look.id);
          else waiting.push(look ? `${look.id}=${look.status ?? '?'}` : `${key}=missing`);
        }
        if (waiting.length > 0) return { done: false, status: waiting.join(',') };
        return { done: true, value: { lookIds } };
      },
    ),
  };
}
