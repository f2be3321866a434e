import type { WaitMode } from '../../contracts/polling';
import type { Client } from '@temporalio/client';
import type { JobKind } from '../../contracts/events';
import { mailboxWorkflowId } from '../../contracts/events';
import { idempotencyKeyFor } from '../../activities/idempotency';
import type { JobEventSink, RoutedJobEvent } from '../../webhooks/types';
import { mapLimit } from '../support/report';
import type { KeyOwner } from './checks';

export interface SinkRecord {
  /** When the receiver handed the event over, and when the sink answered */
  startedAt: number;
  at: number;
  kind: JobKind;
  resourceId: string;
  outcome: 'accepted' | 'duplicate' | 'error';
  error?: string;
}

/** The product's sink (TemporalJobEventSink), with every hand-over recorded: what the receiver accepted, and when. */
export class RecordingSink implements JobEventSink {
  readonly records: SinkRecord[] = [];

  constructor(private readonly inner: JobEventSink) {}

  async deliver(event: RoutedJobEvent): Promise<'accepted' | 'duplicate'> {
    const base = { startedAt: Date.now(), kind: event.kind, resourceId: event.resourceId };
    try {
      const outcome = await this.inner.deliver(event);
      this.records.push({ at: Date.now(), ...base, outcome });
      return outcome;
    } catch (err) {
      this.records.push({
        at: Date.now(),
        ...base,
        outcome: 'error',
        error: (err instanceof Error ? err.message : String(err)).slice(0, 200),
      });
      throw err;
    }
  }
}

interface HistoryEventLike {
  eventId?: unknown;
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  userMetadata?: { summary?: PayloadLike | null } | null;
  workflowExecutionSignaledEventAttributes?: {
    signalName?: string | null;
    input?: { payloads?: PayloadLike[] | null } | null;
  } | null;
  activityTaskScheduledEventAttributes?: {
    activityType?: { name?: string | null } | null;
    input?: { payloads?: PayloadLike[] | null } | null;
  } | null;
  markerRecordedEventAttributes?: {
    markerName?: string | null;
    details?: Record<string, { payloads?: PayloadLike[] | null } | null> | null;
  } | null;
  timerStartedEventAttributes?: { timerId?: string | null } | null;
  timerFiredEventAttributes?: { timerId?: string | null } | null;
}
interface PayloadLike {
  data?: Uint8Array | null;
}

function decode(p: PayloadLike | null | undefined): unknown {
  if (!p?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(p.data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

interface ParsedHistory {
  /** (kind, resourceId) the run registered a webhook route for */
  routes: Array<{ kind: JobKind; resourceId: string }>;
  /** heygenJobEvent signals received, as `kind:resourceId` */
  signals: Set<string>;
  /** Waits on a webhook that ended because their fallback timer fired (a status read without an event) */
  fallbackTimersFired: number;
}

function parseHistory(events: HistoryEventLike[]): ParsedHistory {
  const routes: ParsedHistory['routes'] = [];
  const signals = new Set<string>();
  const webhookTimers = new Set<string>();
  let fallbackTimersFired = 0;
  for (const e of events) {
    const sig = e.workflowExecutionSignaledEventAttributes;
    if (sig?.signalName === 'heygenJobEvent') {
      const ev = decode(sig.input?.payloads?.[0]) as { kind?: string; resourceId?: string } | undefined;
      if (ev?.kind && ev.resourceId) signals.add(`${ev.kind}:${ev.resourceId}`);
    }
    // A route registration: a normal activity (runs started before the local-activities patch) or the marker
    // of a local one, whose result names the job.
    const act = e.activityTaskScheduledEventAttributes;
    const marker = e.markerRecordedEventAttributes;
    const job =
      act?.activityType?.name === 'registerJobRoute'
        ? decode(act.input?.payloads?.[0])
        : marker?.markerName === 'core_local_activity' &&
            (decode(marker.details?.data?.payloads?.[0]) as { activity_type?: string } | undefined)
              ?.activity_type === 'registerJobRoute'
          ? decode(marker.details?.result?.payloads?.[0])
          : undefined;
    const route = job as { kind?: JobKind; resourceId?: string } | undefined;
    if (route?.kind && route.resourceId) routes.push({ kind: route.kind, resourceId: route.resourceId });
    const started = e.timerStartedEventAttributes;
    if (started?.timerId) {
      const summary = decode(e.userMetadata?.summary);
      if (typeof summary === 'string' && summary.includes('on its webhook'))
        webhookTimers.add(started.timerId);
    }
    const fired = e.timerFiredEventAttributes;
    if (fired?.timerId && webhookTimers.has(fired.timerId)) fallbackTimersFired += 1;
  }
  return { routes, signals, fallbackTimersFired };
}

export interface LostEvent {
  workflowId: string;
  kind: JobKind;
  resourceId: string;
  acceptedAt: number;
  mailbox: string;
  mailboxStatus: string;
  mailboxResult?: unknown;
}

export interface WebhookAnalysis {
  runs: number;
  waits: number;
  /** Waits whose event reached the run (heygenJobEvent signal in its history) */
  signaled: number;
  /** Waits whose event never reached the receiver (dropped, every redelivery failed): ended by a status read */
  neverAccepted: number;
  /** Accepted by the receiver before the waiting run closed, yet never signalled to it */
  lost: LostEvent[];
  fallbackTimersFired: number;
  historiesRead: number;
  historyErrors: string[];
}

/**
 * For every webhook-mode lifecycle (and its render child): which jobs it waited for (routes it registered, and its
 * video), which events reached it, and whether an event the receiver accepted got lost on the way (mailbox).
 */
export async function analyzeWebhookRuns(
  client: Client,
  runs: Array<{ workflowId: string; videoId?: string }>,
  sink: SinkRecord[],
): Promise<WebhookAnalysis> {
  const accepted = new Map<string, number>();
  for (const r of sink) {
    if (r.outcome === 'error') continue;
    const key = `${r.kind}:${r.resourceId}`;
    if (!accepted.has(key)) accepted.set(key, r.at);
  }
  const out: WebhookAnalysis = {
    runs: runs.length,
    waits: 0,
    signaled: 0,
    neverAccepted: 0,
    lost: [],
    fallbackTimersFired: 0,
    historiesRead: 0,
    historyErrors: [],
  };
  await mapLimit(runs, 8, async (run) => {
    const renderId = `${run.workflowId}/render`;
    const waits: Array<{ owner: string; kind: JobKind; resourceId: string }> = [];
    const parsed = new Map<string, ParsedHistory>();
    const closeTimes = new Map<string, number>();
    for (const id of [run.workflowId, renderId]) {
      try {
        const handle = client.workflow.getHandle(id);
        const history = await handle.fetchHistory();
        const d = await handle.describe();
        closeTimes.set(id, d.closeTime?.getTime() ?? Infinity);
        parsed.set(id, parseHistory(history.events ?? []));
        out.historiesRead += 1;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // A run stopped by the deadline before its render started has no render child yet.
        if (id === renderId && /not found/i.test(message)) continue;
        out.historyErrors.push(`${id}: ${message}`.slice(0, 200));
      }
    }
    const main = parsed.get(run.workflowId);
    const render = parsed.get(renderId);
    for (const r of main?.routes ?? []) waits.push({ owner: run.workflowId, ...r });
    if (run.videoId) waits.push({ owner: renderId, kind: 'render', resourceId: run.videoId });
    // A route registered twice (a retried activity) is one wait.
    const unique = new Map(waits.map((w) => [`${w.owner}|${w.kind}:${w.resourceId}`, w]));
    for (const w of unique.values()) {
      out.waits += 1;
      const key = `${w.kind}:${w.resourceId}`;
      const history = parsed.get(w.owner);
      if (history?.signals.has(key)) {
        out.signaled += 1;
        continue;
      }
      const at = accepted.get(key);
      if (at === undefined) {
        out.neverAccepted += 1;
        continue;
      }
      if (at > (closeTimes.get(w.owner) ?? Infinity) - 2000) continue; // the run was done by then
      const mailbox = mailboxWorkflowId(w.kind, w.resourceId);
      let mailboxStatus = 'unknown';
      let mailboxResult: unknown;
      try {
        const h = client.workflow.getHandle(mailbox);
        mailboxStatus = (await h.describe()).status.name;
        if (mailboxStatus === 'COMPLETED') mailboxResult = await h.result();
      } catch (err) {
        mailboxStatus = `describe failed: ${err instanceof Error ? err.message : String(err)}`;
      }
      out.lost.push({
        workflowId: run.workflowId,
        kind: w.kind,
        resourceId: w.resourceId,
        acceptedAt: at,
        mailbox,
        mailboxStatus,
        ...(mailboxResult !== undefined ? { mailboxResult } : {}),
      });
    }
    out.fallbackTimersFired += (main?.fallbackTimersFired ?? 0) + (render?.fallbackTimersFired ?? 0);
  });
  return out;
}

export interface JobOwner {
  workflowId: string;
  mode: WaitMode;
  /** The run went on with this job (false: a duplicate create nobody waits for) */
  used: boolean;
}

/**
 * Mailbox workflows still running at the end, by why: an event no route will ever claim (a poll-mode run's job, a
 * duplicate create's job) is expected; a webhook-mode run's own job means its route and its event never met.
 */
export async function openMailboxes(
  client: Client,
  owners: Map<string, JobOwner>,
  sink: SinkRecord[],
): Promise<{ total: number; byReason: Map<string, number>; unexpected: string[] }> {
  const byReason = new Map<string, number>();
  const unexpected: string[] = [];
  let total = 0;
  const accepted = new Set(sink.filter((r) => r.outcome !== 'error').map((r) => `${r.kind}:${r.resourceId}`));
  const query = `WorkflowType = 'jobEventMailbox' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    total += 1;
    const m = /^heygen-event\/([a-z_]+)\/(.+)$/.exec(wf.workflowId);
    const owner = m ? owners.get(`${m[1]}:${m[2]}`) : undefined;
    let reason: string;
    if (!owner) reason = 'job of no lifecycle';
    else if (owner.mode === 'poll') reason = 'job of a poll-mode run (it registers no route)';
    else if (!owner.used) reason = 'duplicate create (no run waits for it)';
    else if (!accepted.has(`${m![1]}:${m![2]}`)) reason = 'route registered, event never accepted (dropped)';
    else {
      reason = 'UNEXPECTED: route registered and event accepted';
      unexpected.push(`${wf.workflowId} (${owner.workflowId})`);
    }
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  return { total, byReason, unexpected };
}

/**
 * What the runs' own histories say, read once per run (the lifecycle and its render child):
 * - how often v2's reconciliation worked: group creates that found the group already there (`reused`), add calls
 *   whose looks existed (`reused`), trainings already started (`started: false`);
 * - the Idempotency-Key of every activity the runs scheduled (v3 sends it on billable creates), recomputed from the
 *   run's ids and the activity's id and type exactly as activities/idempotency.ts derives it, with the lifecycle
 *   and step it belongs to.
 */
export async function readRunHistories(
  client: Client,
  workflowIds: string[],
): Promise<{
  groupReused: number;
  looksReused: number;
  trainingFound: number;
  errors: number;
  keyOwners: Map<string, KeyOwner>;
}> {
  const out = {
    groupReused: 0,
    looksReused: 0,
    trainingFound: 0,
    errors: 0,
    keyOwners: new Map<string, KeyOwner>(),
  };
  await mapLimit(workflowIds, 8, async (lifecycleId) => {
    for (const id of [lifecycleId, `${lifecycleId}/render`]) {
      try {
        const handle = client.workflow.getHandle(id);
        const { runId } = await handle.describe();
        const history = await handle.fetchHistory();
        const types = new Map<string, string>();
        for (const e of history.events ?? []) {
          const scheduled = e.activityTaskScheduledEventAttributes;
          const type = scheduled?.activityType?.name;
          if (scheduled && type) {
            types.set(String(e.eventId), type);
            if (scheduled.activityId) {
              const key = idempotencyKeyFor({
                workflowId: id,
                runId,
                activityId: scheduled.activityId,
                step: type,
              });
              out.keyOwners.set(key, { workflowId: lifecycleId, step: type });
            }
          }
          const done = e.activityTaskCompletedEventAttributes;
          if (!done) continue;
          const doneType = types.get(String(done.scheduledEventId));
          const result = decode(done.result?.payloads?.[0]) as
            { reused?: boolean; started?: boolean } | undefined;
          if (doneType === 'createAvatar' && result?.reused) out.groupReused += 1;
          if (doneType === 'addLooks' && result?.reused) out.looksReused += 1;
          if (doneType === 'startTraining' && result?.started === false) out.trainingFound += 1;
        }
      } catch (err) {
        // A run stopped by the deadline before its render started has no render child.
        if (id !== lifecycleId && /not found/i.test(err instanceof Error ? err.message : String(err)))
          continue;
        out.errors += 1;
      }
    }
  });
  return out;
}
