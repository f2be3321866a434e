import type { PollResult } from '../contracts/polling';
import type { JobState } from '../heygen/port';
import { jobFailed } from './errors';

/** A port JobState as a status read reports it: done, still running, or a final `HeyGenJobFailed`. */
export function pollResultOf<T>(what: string, state: JobState<T>): PollResult<T> {
  if (state.state === 'done') return { done: true, value: state.value };
  if (state.state === 'failed') throw jobFailed(what, state.message, state.code);
  return { done: false, status: state.status };
}
