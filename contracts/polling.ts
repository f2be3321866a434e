// No zod here: workflows import these values, and the workflow bundle must not evaluate zod (see pollingSchema.ts).
import type { PollingPolicy } from './results';

/** How a run's waits end: polling HeyGen, or webhook events (polling only as a slow fallback). */
export const WAIT_MODES = ['poll', 'webhook'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

/**
 * Sized for real HeyGen (jobs take 20 s to tens of minutes): reads after 5, 12.5, 24, 41, 66 s, then every 30 s.
 * A job is seen done at most ~30 s late and about 8 s late on average for 20 s-2 min jobs, with a third of the reads
 * of a fixed 5 s loop. (Was 5 s doubling to 60 s: up to 40 s late, ~15 s typical; bench/baseline.ts.)
 */
export const DEFAULT_POLLING: PollingPolicy = { initialSeconds: 5, maxSeconds: 30, backoff: 1.5 };

/**
 * With webhooks the poll is only a fallback for a lost event: the first read comes after 10 minutes, so a healthy
 * run (every job shorter than that, or its event delivered) does not poll at all.
 */
export const DEFAULT_WEBHOOK_FALLBACK_POLLING: PollingPolicy = { initialSeconds: 600, maxSeconds: 1800 };

/**
 * Looks becoming `completed` send no event; in webhook mode these waits keep a short cadence of their own: reads at
 * 0, 1, 2.5, 4.8, 8.1, 13.1 s, then every 5 s. On v3 a look's wait stands in for a generation job (20 s to a few
 * minutes), so it must see the look soon: the 15 s cap it had (reads at 0, 1, 3, 7, 15, 30 s) saw a 20 s look at
 * 30 s, 10 s late, twice per lifecycle (bench:baseline, docs/benchmarks.md); this costs about two more reads a wait.
 */
export const LOOK_READY_POLLING: PollingPolicy = { initialSeconds: 1, maxSeconds: 5, backoff: 1.5 };

/** The cadence a run uses: its own `polling`, else the default of its wait mode. */
export function pollingFor(mode: WaitMode, polling: PollingPolicy | undefined): PollingPolicy {
  return polling ?? (mode === 'webhook' ? DEFAULT_WEBHOOK_FALLBACK_POLLING : DEFAULT_POLLING);
}

/** What a status-read activity reports: finished with a value, or still running with HeyGen's status. */
export type PollResult<T> = { done: true; value: T } | { done: false; status: string };
