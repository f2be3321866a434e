import type { CallLogEntry, FaultRule, RunningSimulator, WebhookDeliveryLogEntry } from '../../simulator';

/** The billable creates of a lifecycle (POST): where a kill or a lost answer can cost a duplicate. */
export const CREATE_PATHS: Record<string, string> = {
  '/v2/photo_avatar/photo/generate': 'photo generation',
  '/v2/photo_avatar/avatar_group/create': 'group create',
  '/v2/photo_avatar/avatar_group/add': 'look add',
  '/v2/photo_avatar/train': 'training',
  '/v2/photo_avatar/look/generate': 'look generation',
  '/v2/video/generate': 'render',
};
const CREATE_REGEX = `^(${Object.keys(CREATE_PATHS)
  .map((p) => p.replace(/[.]/g, '\\.'))
  .join('|')})$`;

export const isCreate = (e: { method: string; path: string }): boolean =>
  e.method === 'POST' && e.path in CREATE_PATHS;

/** The product's HTTP client gives up after 30 s on creates and lists (15 s on status reads): hang past that. */
export const HANG_MS = 31_000;
/** Extra latency on some creates (answered normally, just late) so that kills can land inside them. */
export const CREATE_LATENCY_MS = 2500;
export const RETRY_AFTER_SECONDS = 2;

export interface FaultPlan {
  /** Share of API calls answered with a fault (5xx, hang past the client timeout, 429) */
  rate: number;
  /** Share of the remaining creates answered late (CREATE_LATENCY_MS) */
  createLatencyShare: number;
  webhookDropShare: number;
  webhookDuplicateShare: number;
}

/**
 * Installs the campaign's faults on the simulator. The simulator takes the first matching rule whose probability
 * draw succeeds, so rule i gets probability share / (1 − i·share): each of the four error kinds then hits `rate/4`
 * of all calls, `rate` in total.
 * - 5xx before processing (503: nothing happened) and 5xx after processing (502: HeyGen did it, the answer is an
 *   error), the latter being a lost answer for creates;
 * - a hang past the client's timeout, after processing (the create happened, the answer never came in time);
 * - 429 with Retry-After (not processed).
 * Then, on creates only, extra latency so kills can be aimed at creates in flight.
 */
export function installFaults(sim: RunningSimulator, plan: FaultPlan): void {
  const ALWAYS = 1_000_000_000;
  const errors: FaultRule[] = [
    { kind: 'http_error', status: 503, message: 'Service temporarily unavailable' },
    { kind: 'http_error', status: 502, when: 'after', message: 'Bad gateway' },
    { kind: 'slow', delayMs: HANG_MS, when: 'after' },
    { kind: 'rate_limit', retryAfterSeconds: RETRY_AFTER_SECONDS },
  ];
  const share = plan.rate / errors.length;
  errors.forEach((rule, i) => sim.addFault({ ...rule, times: ALWAYS, probability: share / (1 - i * share) }));
  if (plan.createLatencyShare > 0) {
    sim.addFault({
      method: 'POST',
      path: CREATE_REGEX,
      kind: 'slow',
      delayMs: CREATE_LATENCY_MS,
      when: 'after',
      times: ALWAYS,
      probability: plan.createLatencyShare,
    });
  }
  if (plan.webhookDropShare > 0) {
    sim.addWebhookFault({ kind: 'drop', times: ALWAYS, probability: plan.webhookDropShare });
  }
  if (plan.webhookDuplicateShare > 0) {
    sim.addWebhookFault({
      kind: 'duplicate',
      times: ALWAYS,
      probability: plan.webhookDuplicateShare / (1 - plan.webhookDropShare),
    });
  }
}

export interface InjectedCounts {
  apiCalls: number;
  http5xxBefore: number;
  http5xxAfter: number;
  hangs: number;
  rateLimited: number;
  slowCreates: number;
  /** Creates whose answer was lost to an injected fault although HeyGen processed them */
  createsAnsweredLost: number;
  webhookEvents: number;
  webhooksDropped: number;
  webhooksDuplicated: number;
  /** Events no copy of which was ever answered 2xx (every redelivery failed) and not dropped on purpose */
  webhooksNeverAccepted: number;
  /** Delivery attempts the receiver did not answer 2xx (503 while Temporal was down, timeouts) */
  webhookAttemptsFailed: number;
}

const isHang = (e: CallLogEntry) =>
  e.fault === 'slow' && (e.answeredAt === undefined || e.answeredAt - e.at >= HANG_MS - 1000);

/** What was actually injected, read from the simulator's call and delivery logs. */
export function countInjected(log: CallLogEntry[], webhooks: WebhookDeliveryLogEntry[]): InjectedCounts {
  const events = new Map<string, WebhookDeliveryLogEntry[]>();
  for (const w of webhooks) events.set(w.eventId, [...(events.get(w.eventId) ?? []), w]);
  let neverAccepted = 0;
  for (const attempts of events.values()) {
    if (attempts.some((a) => a.fault === 'drop')) continue;
    if (!attempts.some((a) => a.status >= 200 && a.status < 300)) neverAccepted += 1;
  }
  return {
    apiCalls: log.length,
    http5xxBefore: log.filter((e) => e.fault === 'http_error' && !e.applied).length,
    http5xxAfter: log.filter((e) => e.fault === 'http_error' && e.applied).length,
    hangs: log.filter(isHang).length,
    rateLimited: log.filter((e) => e.fault === 'rate_limit').length,
    slowCreates: log.filter((e) => e.fault === 'slow' && !isHang(e)).length,
    createsAnsweredLost: log.filter(
      (e) => isCreate(e) && e.applied && (e.fault === 'http_error' || isHang(e)),
    ).length,
    webhookEvents: events.size,
    webhooksDropped: webhooks.filter((w) => w.fault === 'drop').length,
    webhooksDuplicated: new Set(webhooks.filter((w) => w.fault === 'duplicate').map((w) => w.eventId)).size,
    webhooksNeverAccepted: neverAccepted,
    webhookAttemptsFailed: webhooks.filter((w) => w.fault !== 'drop' && (w.status < 200 || w.status >= 300))
      .length,
  };
}

export { isHang };
