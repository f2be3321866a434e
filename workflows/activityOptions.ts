import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { activityTimeLimitMs, NON_RETRYABLE_TYPES } from '../contracts/retries';
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

// Each limit is the sum of the timeouts of the calls an attempt makes, plus a margin (contracts/retries.ts): an
// attempt lost with a dead worker is retried after this long, a live one times out in its own calls first.
const calls: ActivityOptions = { startToCloseTimeout: activityTimeLimitMs('create'), retry: heygenRetry };
const renderSubmissions: ActivityOptions = {
  startToCloseTimeout: activityTimeLimitMs('render'),
  retry: heygenRetry,
};
const statusReads: ActivityOptions = {
  startToCloseTimeout: activityTimeLimitMs('statusRead'),
  retry: { ...heygenRetry, maximumAttempts: 8 },
};
const uploads: ActivityOptions = {
  startToCloseTimeout: activityTimeLimitMs('upload'),
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
function summarized(stubs: (summary?: string) => Activities): Activities {
  const plain = stubs();
  return new Proxy(plain, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => {
        const summary = activitySummary(name, args);
        const stub = summary ? stubs(summary) : target;
        return (stub[name as keyof Activities] as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    },
  });
}

const remote = (options: ActivityOptions) =>
  summarized((summary) => proxyActivities<Activities>(summary ? { ...options, summary } : options));
const local = (options: LocalActivityOptions) =>
  summarized((summary) => proxyLocalActivities<Activities>(summary ? { ...options, summary } : options));

/**
 * Status reads and webhook-route registrations are local activities: they run inside the workflow task that asks for
 * them (a marker in the history) instead of going through the task queue and back, which saves a workflow task and
 * three history events per call. Both are idempotent, so the at-least-once of a local activity whose worker dies is
 * harmless. Billable creates stay normal activities: their Idempotency-Key (v3) is derived from the activity id, and
 * v2's reconciliation from the attempt, both of which a normal activity keeps across worker deaths.
 */
export const creates = remote(calls);
/** Render submissions: a create that may first check the avatar against the catalog (WebM). */
export const submissions = remote(renderSubmissions);
export const reads = local(statusReads);
export const routes = local(calls);
export const transfers = remote(uploads);
export const deliveries = remote(downloads);
