import { proxyActivities, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_TYPES } from '../contracts/failures';
import { activitySummary } from './summaries';

/**
 * Retry policies, one per kind of call. Temporal owns retries (the HeyGen client has none): 5xx, timeouts and resets
 * back off exponentially; 429 waits for Retry-After (the activity sets nextRetryDelay); 4xx, refused input and
 * failed jobs are final.
 */
const heygenRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 12,
  nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
};

// A little above the client's per-operation timeouts (30 s creates, 15 s status reads): an attempt lost with a
// dead worker is retried after this long.
const calls: ActivityOptions = { startToCloseTimeout: '40s', retry: heygenRetry };
const statusReads: ActivityOptions = {
  startToCloseTimeout: '20s',
  retry: { ...heygenRetry, maximumAttempts: 8 },
};
const uploads: ActivityOptions = {
  startToCloseTimeout: '15m',
  retry: { ...heygenRetry, maximumAttempts: 6 },
};
const downloads: ActivityOptions = {
  startToCloseTimeout: '2h',
  // The activity heartbeats when it starts and every second while bytes flow: a dead worker shows within 45 s
  // (leaving room for the final fsync of a large file).
  heartbeatTimeout: '45s',
  retry: { ...heygenRetry, initialInterval: '2s', maximumAttempts: 10 },
};

/**
 * Activity stubs whose every call carries a one-line summary (see summaries.ts) for the Temporal UI. A summary is
 * user metadata on the schedule command: it is not part of what replay compares.
 */
function summarized(options: ActivityOptions): Activities {
  const plain = proxyActivities<Activities>(options);
  return new Proxy(plain, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => {
        const summary = activitySummary(name, args);
        const stub = summary ? proxyActivities<Activities>({ ...options, summary }) : target;
        return (stub[name as keyof Activities] as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    },
  });
}

export const creates = summarized(calls);
export const reads = summarized(statusReads);
export const transfers = summarized(uploads);
export const deliveries = summarized(downloads);
