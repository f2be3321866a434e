import { ApplicationFailure, condition } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../contracts/retries';
import { jobEventKey, type JobKind } from '../contracts/events';
import type { JobEvent, PollingPolicy } from '../contracts/results';
import type { PollResult } from '../contracts/polling';

/** Job events received by signal, counted per job so each wait can tell a new event from one it already used. */
export class JobInbox {
  private readonly counts = new Map<string, number>();
  private readonly last = new Map<string, JobEvent>();

  record(event: JobEvent): void {
    const key = jobEventKey(event.kind, event.resourceId);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.last.set(key, event);
  }

  count(kind: JobKind, resourceId: string): number {
    return this.counts.get(jobEventKey(kind, resourceId)) ?? 0;
  }

  lastEvent(kind: JobKind, resourceId: string): JobEvent | undefined {
    return this.last.get(jobEventKey(kind, resourceId));
  }
}

export interface WaitSpec<T> {
  /** Human name of the job, for errors ("Training of group 123") */
  what: string;
  poll: () => Promise<PollResult<T>>;
  polling: PollingPolicy;
  deadlineMs: number;
  /** The event that can end the wait early; waits without one only poll. */
  event?: { inbox: JobInbox; kind: JobKind; resourceId: string };
  /** Read the status before the first sleep (default true). Webhook-driven runs start by waiting instead. */
  pollFirst?: boolean;
  onStatus?: (status: string) => void;
}

/**
 * Waits for a HeyGen job: reads its status, then sleeps with capped exponential backoff (with jitter) until the
 * next read, under a deadline. A matching job event wakes it at once; the status is always read after an event, so
 * the event only decides *when* to look, never *what* happened.
 */
export async function waitForJob<T>(spec: WaitSpec<T>): Promise<T> {
  const deadline = Date.now() + spec.deadlineMs;
  const maxMs = spec.polling.maxSeconds * 1000;
  let delayMs = spec.polling.initialSeconds * 1000;
  const events = () => (spec.event ? spec.event.inbox.count(spec.event.kind, spec.event.resourceId) : 0);
  let read = spec.pollFirst ?? true;
  // Events that arrived before a status read are covered by it. Without a first read, an event that came early
  // (even before this wait began) wakes the wait at once.
  let seen = 0;
  for (;;) {
    if (read) {
      seen = events();
      const result = await spec.poll();
      if (result.done) return result.value;
      spec.onStatus?.(result.status);
    }
    read = true;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw ApplicationFailure.create({
        type: FAILURE_TYPES.stageTimeout,
        message: `${spec.what} did not finish within ${Math.round(spec.deadlineMs / 1000)} s`,
        nonRetryable: true,
      });
    }
    const sleepMs = Math.min(jitter(delayMs), remaining);
    const summary = `${spec.what}: next status read in ${Math.round(sleepMs / 1000)} s${spec.event ? ' (or on its webhook)' : ''}`;
    if (spec.event) await condition(() => events() > seen, sleepMs, { summary });
    else await condition(() => false, sleepMs, { summary });
    delayMs = Math.min(delayMs * (spec.polling.backoff ?? 2), maxMs);
  }
}

/** ±10 % jitter; Math.random is deterministic inside workflows (seeded by Temporal). */
function jitter(ms: number): number {
  return Math.max(1, Math.round(ms * (0.9 + Math.random() * 0.2)));
}
