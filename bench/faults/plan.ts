import type { ApiVersion } from '../../contracts/apiVersion';
import type {
  CallLogEntry,
  FaultRule,
  LedgerKind,
  RunningSimulator,
  WebhookDeliveryLogEntry,
} from '../../simulator';

/** How the report names each kind of billable create (the simulator ledger's kinds). */
export const CREATE_NAMES: Readonly<Record<LedgerKind, string>> = {
  photo_generation: 'photo generation',
  avatar: 'avatar (group) create',
  look: 'look add',
  training: 'training',
  look_generation: 'look generation',
  render: 'render',
};

/** v2's billable create endpoints (POST), one kind each. */
const V2_CREATES: Readonly<Record<string, LedgerKind>> = {
  '/v2/photo_avatar/photo/generate': 'photo_generation',
  '/v2/photo_avatar/avatar_group/create': 'avatar',
  '/v2/photo_avatar/avatar_group/add': 'look',
  '/v2/photo_avatar/train': 'training',
  '/v2/photo_avatar/look/generate': 'look_generation',
  '/v2/video/generate': 'render',
};
/** v3's: one avatar endpoint for avatars, looks and look generations (the body tells them apart), and videos. */
const V3_AVATARS = '/v3/avatars';
const V3_VIDEOS = '/v3/videos';

const escape = (path: string) => path.replace(/[.]/g, '\\.');

/** Each version's API paths and billable create paths (regular expressions for the simulator's fault rules). */
const PATHS: Readonly<Record<ApiVersion, { api: string; creates: string }>> = {
  v2: { api: '^/v[12]/', creates: `^(${Object.keys(V2_CREATES).map(escape).join('|')})$` },
  v3: { api: '^/v3/', creates: `^(${[V3_AVATARS, V3_VIDEOS].map(escape).join('|')})$` },
};

const bodyField = (e: { body?: unknown }, field: string): unknown =>
  e.body && typeof e.body === 'object' ? (e.body as Record<string, unknown>)[field] : undefined;

/**
 * Which billable create a call is (either version), undefined for every other call. On v3 `POST /v3/avatars` makes a
 * new avatar without `avatar_group_id` and `avatar_id`; with either it adds a look to an existing one: a photo
 * (`type: photo`) or a generated look (`type: prompt`).
 */
export function createKindOf(e: { method: string; path: string; body?: unknown }): LedgerKind | undefined {
  if (e.method !== 'POST') return undefined;
  const v2 = V2_CREATES[e.path];
  if (v2) return v2;
  if (e.path === V3_VIDEOS) return 'render';
  if (e.path !== V3_AVATARS) return undefined;
  const joins = Boolean(bodyField(e, 'avatar_group_id') ?? bodyField(e, 'avatar_id'));
  if (!joins) return 'avatar';
  return bodyField(e, 'type') === 'photo' ? 'look' : 'look_generation';
}

export const isCreate = (e: { method: string; path: string; body?: unknown }): boolean =>
  createKindOf(e) !== undefined;

/** The report's name of a create call. */
export const createName = (e: { method: string; path: string; body?: unknown }): string => {
  const kind = createKindOf(e);
  return kind ? CREATE_NAMES[kind] : `${e.method} ${e.path}`;
};

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
 * Installs the campaign's faults on the simulator, on the API paths of `version` (v2: /v1 and /v2; v3: /v3), so
 * each version gets the same mix on its own endpoints. The simulator takes the first matching rule whose probability
 * draw succeeds, so rule i gets probability share / (1 − i·share): each of the four error kinds then hits `rate/4`
 * of the version's calls, `rate` in total.
 * - 5xx before processing (503: nothing happened) and 5xx after processing (502: HeyGen did it, the answer is an
 *   error), the latter being a lost answer for creates;
 * - a hang past the client's timeout, after processing (the create happened, the answer never came in time);
 * - 429 with Retry-After (not processed).
 * Then, on creates only, extra latency so kills can be aimed at creates in flight.
 */
export function installFaults(sim: RunningSimulator, plan: FaultPlan, version: ApiVersion): void {
  const paths = PATHS[version];
  const ALWAYS = 1_000_000_000;
  const errors: FaultRule[] = [
    { kind: 'http_error', status: 503, message: 'Service temporarily unavailable' },
    { kind: 'http_error', status: 502, when: 'after', message: 'Bad gateway' },
    { kind: 'slow', delayMs: HANG_MS, when: 'after' },
    { kind: 'rate_limit', retryAfterSeconds: RETRY_AFTER_SECONDS },
  ];
  const share = plan.rate / errors.length;
  errors.forEach((rule, i) =>
    sim.addFault({ ...rule, path: paths.api, times: ALWAYS, probability: share / (1 - i * share) }),
  );
  if (plan.createLatencyShare > 0) {
    sim.addFault({
      method: 'POST',
      path: paths.creates,
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
