import type { LookSpec } from '../contracts/fields';
import type { PollResult } from '../contracts/polling';
import type { CreateAvatarRequest, GeneratedLook } from '../heygen/port';
import { callOptions } from './context';
import { portFor, type ActivityDeps, type Versioned } from './deps';
import { classified, jobFailed } from './errors';
import { pollResultOf } from './jobState';

export interface GroupRef {
  groupId: string;
  firstLookId: string;
  /** v2: an existing group of the run's name was found instead of creating one */
  reused: boolean;
}

/**
 * Avatars (HeyGen photo-avatar groups) and their looks. Every create is billable and made safe by the adapter:
 * v3 sends the step's Idempotency-Key (a retry replays the first answer), v2 reconciles on a retry by the run-unique
 * group name and the call-unique look name.
 */
export function avatarActivities(deps: ActivityDeps) {
  const port = (input: Versioned) => portFor(deps, input.api);
  return {
    createAvatar: classified(async (input: Versioned & CreateAvatarRequest): Promise<GroupRef> => {
      const { api: _api, ...request } = input;
      const created = await port(input).createAvatar(request, callOptions({ billable: true }));
      return { groupId: created.groupId, firstLookId: created.lookId, reused: created.reused ?? false };
    }),

    addLooks: classified(
      async (
        input: Versioned & { groupId: string; name: string; photos: string[] },
      ): Promise<{ lookIds: string[]; reused: boolean }> => {
        const { api: _api, ...request } = input;
        const added = await port(input).addLooks(request, callOptions({ billable: true }));
        return { lookIds: added.lookIds, reused: added.reused ?? false };
      },
    ),

    /** Done when every given look is `completed` (a video requested before that fails); a failed look is final. */
    checkLooksReady: classified(
      async (
        input: Versioned & { groupId: string; lookIds: string[] },
      ): Promise<PollResult<{ lookIds: string[] }>> => {
        const looks = new Map(
          (await port(input).listGroupLooks(input.groupId, callOptions())).map((l) => [l.id, l]),
        );
        const pending: string[] = [];
        for (const id of input.lookIds) {
          const look = looks.get(id);
          if (look?.status === 'failed') {
            throw jobFailed(
              `Look ${id}`,
              look.failure?.message ?? `status ${look.rawStatus ?? 'failed'}`,
              look.failure?.code,
            );
          }
          if (look?.status !== 'completed')
            pending.push(`${id}=${look?.rawStatus ?? look?.status ?? 'missing'}`);
        }
        if (pending.length > 0) return { done: false, status: pending.join(',') };
        return { done: true, value: { lookIds: input.lookIds } };
      },
    ),

    /** v2 only: group training (billable; the adapter does not start a second job for a group that has one). */
    startTraining: classified(async (input: Versioned & { groupId: string }) =>
      port(input).startTraining(input.groupId, callOptions({ billable: true })),
    ),

    checkTraining: classified(
      async (input: Versioned & { groupId: string }): Promise<PollResult<{ status: string }>> => {
        const state = await port(input).getTraining(input.groupId, callOptions());
        // A group whose training the API does not know yet (just started) is still pending.
        const result = pollResultOf(
          `Training of group ${input.groupId}`,
          state ?? { state: 'running', status: 'pending' },
        );
        return result.done ? { done: true, value: { status: 'ready' } } : result;
      },
    ),

    /**
     * A new look from a prompt (billable). v3 returns the look at once (wait for it with checkLooksReady); v2 returns a
     * generation job whose looks are found with findGeneratedLooks.
     */
    generateLook: classified(
      async (
        input: Versioned & { groupId: string; baseLookId: string; name: string; look: LookSpec },
      ): Promise<GeneratedLook> => {
        const { api: _api, ...request } = input;
        return port(input).generateLook(request, callOptions({ billable: true }));
      },
    ),

    findGeneratedLooks: classified(
      async (
        input: Versioned & {
          groupId: string;
          generationId: string;
          lookIdsBefore: string[];
          claimedLookIds?: string[];
        },
      ): Promise<PollResult<{ lookIds: string[] }>> => {
        const { api: _api, ...request } = input;
        return pollResultOf(
          `Look generation ${input.generationId}`,
          await port(input).findGeneratedLooks(request, callOptions()),
        );
      },
    ),
  };
}
