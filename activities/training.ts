import type { PollResult } from '../contracts/polling';
import { HeyGenError } from '../heygen/errors';
import { activitySignal } from './context';
import type { ActivityDeps } from './deps';
import { classified, jobFailed } from './errors';

/** Training statuses that mean a training job exists for the group. */
const STARTED = new Set(['pending', 'training', 'ready', 'in_progress', 'processing']);

/**
 * Training is billable and reconcilable: before asking HeyGen to train, read the group's training status; a job
 * that already exists (started by an earlier attempt whose answer was lost) is not started again.
 */
export function trainingActivities({ heygen }: ActivityDeps) {
  const currentStatus = async (groupId: string): Promise<string | undefined> => {
    try {
      return (await heygen.getTrainingStatus(groupId, { signal: activitySignal() })).status.toLowerCase();
    } catch (err) {
      if (err instanceof HeyGenError && err.kind === 'NotFound') return undefined; // never trained
      throw err;
    }
  };

  return {
    startTraining: classified(
      async (input: { groupId: string }): Promise<{ started: boolean; status: string }> => {
        const before = await currentStatus(input.groupId);
        if (before && STARTED.has(before)) return { started: false, status: before };
        try {
          await heygen.trainGroup(input.groupId, { signal: activitySignal() });
        } catch (err) {
          // "Already training": an earlier attempt got through after all. Anything else is a real refusal.
          if (err instanceof HeyGenError && (err.kind === 'InvalidRequest' || err.kind === 'ApiError')) {
            const after = await currentStatus(input.groupId);
            if (after && STARTED.has(after)) return { started: false, status: after };
          }
          throw err;
        }
        return { started: true, status: 'pending' };
      },
    ),

    checkTraining: classified(async (input: { groupId: string }): Promise<PollResult<{ status: string }>> => {
      const status = await heygen.getTrainingStatus(input.groupId, { signal: activitySignal() });
      const state = status.status.toLowerCase();
      if (state === 'ready') return { done: true, value: { status: state } };
      if (state === 'failed' || state === 'fail' || state === 'error') {
        throw jobFailed(`Training of group ${input.groupId}`, status.error_msg);
      }
      return { done: false, status: status.status };
    }),
  };
}
