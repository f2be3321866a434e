import type { WaitMode } from '../../contracts/polling';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ApiVersion } from '../../contracts/apiVersion';
import type { LifecycleResult } from '../../contracts/results';
import type { CallLogEntry, LedgerEntry, LedgerKind, SimulatorSnapshot } from '../../simulator';
import { duplicatesBy } from '../../simulator/ledger';
import { groupNameFor } from '../../workflows/photoAvatarLifecycle';
import { CREATE_NAMES, createKindOf, isHang } from './plan';

export interface LifecycleRun {
  index: number;
  workflowId: string;
  name: string;
  mode: WaitMode;
  startedAt?: number;
  /** Server clock: workflow start and close */
  startMs?: number;
  closeMs?: number;
  status: string;
  result?: LifecycleResult;
  error?: string;
  /** For runs that did not finish: where they were */
  stuck?: string;
  /**
   * Every HeyGen id the run went on with (its progress query and result: photo and look generations, group, looks,
   * video), to tell the duplicates HeyGen billed from the one kept.
   */
  usedIds?: string[];
}

export interface KillEvidence {
  at: number;
  pid: number;
  label: string;
  targeted: boolean;
  /** Client ports the killed process held to the simulator at the moment of the kill */
  ports: number[];
  /** Creates from that process in flight at the kill (seq, what it creates) */
  inFlightCreates: Array<{ seq: number; what: string }>;
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export type DuplicateCause =
  | 'injected fault (answer lost)'
  | 'worker killed in flight'
  | 'worker killed before recording the answer'
  | 'Temporal restart'
  | 'unexplained';

/** What keeps a kind of create from being billed twice, per version. */
export type Protection = 'Idempotency-Key' | 'reconciled by name' | 'reconciled by training status' | 'none';

/**
 * v3: every create carries its step's Idempotency-Key, so a retry replays the first answer (notes §2.6). v2 has no
 * such header: the product finds an earlier attempt's group by its run-unique name, its looks by the call-unique
 * look name, and its training by the group's training status (heygen/v2/adapter.ts); photo generations, look
 * generations and renders have nothing to find them by.
 */
export function protectionOf(version: ApiVersion, kind: LedgerKind): Protection {
  if (version === 'v3') return 'Idempotency-Key';
  if (kind === 'avatar' || kind === 'look') return 'reconciled by name';
  if (kind === 'training') return 'reconciled by training status';
  return 'none';
}

export const LEDGER_KINDS: readonly LedgerKind[] = [
  'photo_generation',
  'avatar',
  'look',
  'training',
  'look_generation',
  'render',
];

/** Duplicates of one kind of billable create, counted from the simulator's ledger per lifecycle run. */
export interface DuplicateRow {
  kind: LedgerKind;
  protection: Protection;
  /** Billed per lifecycle when nothing goes wrong */
  expectedPerLifecycle: number;
  /** Ledger entries of this kind attributed to a lifecycle of the campaign */
  billed: number;
  /** Ledger entries of this kind no lifecycle could be found for */
  unattributed: number;
  duplicates: number;
  runsWithDuplicates: number;
  causes: Map<DuplicateCause, number>;
  unexplained: Array<{ workflowId: string; resourceId: string; detail: string }>;
  /** v3: distinct Idempotency-Keys among the entries, and entries billed under a key already billed */
  keys?: number;
  sameKeyTwice?: number;
}

/** Which run and step an Idempotency-Key belongs to (recomputed from the runs' histories). */
export interface KeyOwner {
  workflowId: string;
  step: string;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface VerifyInput {
  version: ApiVersion;
  runs: LifecycleRun[];
  log: CallLogEntry[];
  snapshot: SimulatorSnapshot;
  kills: KillEvidence[];
  restarts: Array<{ stoppedAt: number; upAt: number }>;
  /** Billable creates of one lifecycle when nothing goes wrong, by kind */
  expected: Record<LedgerKind, number>;
  /** v3: every scheduled activity's Idempotency-Key → its run and step */
  keyOwners: Map<string, KeyOwner>;
  /** The worker process that made a call (from its client port), when known */
  ownerOf: (e: CallLogEntry) => number | undefined;
}

export interface Verification {
  checks: Check[];
  duplicates: DuplicateRow[];
  /** The lifecycle each ledger entry was billed for (by ledger seq) */
  owners: Map<number, LifecycleRun>;
  /** Creates HeyGen processed whose answer the worker lost (injected fault or killed mid-call), by kind */
  lostAnswers: Map<LedgerKind, CallLogEntry[]>;
  files: { checked: number; ok: number; problems: string[] };
}

/**
 * How long after its answer a killed worker may still not have recorded the activity's completion in Temporal
 * (measured: completions are recorded within milliseconds; a wider window misattributes).
 */
const RECORD_WINDOW_MS = 1000;

/** Why did the caller of this applied create not get (or not record) its answer? */
function causeOf(e: CallLogEntry, v: VerifyInput): DuplicateCause {
  if (e.fault === 'http_error' || isHang(e)) return 'injected fault (answer lost)';
  const end = e.answeredAt ?? Infinity;
  const owner = v.ownerOf(e);
  // The simulator saw the caller hang up mid-call right when a worker (this one, when known) was killed.
  if (e.callerGoneAt !== undefined && cutByKill(e, v.kills, owner)) return 'worker killed in flight';
  const kill = v.kills.find(
    (k) =>
      (k.pid === owner || (e.remotePort !== undefined && k.ports.includes(e.remotePort))) &&
      k.at >= e.at - 50 &&
      k.at <= end + RECORD_WINDOW_MS,
  );
  if (kill)
    return kill.at <= end + 50 ? 'worker killed in flight' : 'worker killed before recording the answer';
  // The answer arrived while Temporal was down or restarting: the activity's completion could not be recorded.
  if (v.restarts.some((r) => end >= r.stoppedAt - 5000 && e.at <= r.upAt + 5000)) return 'Temporal restart';
  return 'unexplained';
}

/** The kill that cut this call off (the caller hung up within 1.5 s after it), if any. */
export function cutByKill(
  e: CallLogEntry,
  kills: Array<{ at: number; pid: number }>,
  owner?: number,
): { at: number; pid: number } | undefined {
  const gone = e.callerGoneAt;
  if (gone === undefined) return undefined;
  return kills.find(
    (k) => gone >= k.at - 200 && gone <= k.at + 1500 && (owner === undefined || k.pid === owner),
  );
}

/** Everything known about one call, for the report of an unexplained duplicate. */
function describeCall(e: CallLogEntry, v: VerifyInput): string {
  const owner = v.ownerOf(e);
  const kills = v.kills
    .filter((k) => k.pid === owner)
    .map((k) => `killed ${((k.at - e.at) / 1000).toFixed(1)} s after the call`);
  return (
    `log seq ${e.seq} at ${new Date(e.at).toISOString().slice(11, 23)}, answered ${e.answeredAt ? `after ${e.answeredAt - e.at} ms (HTTP ${e.status})` : 'never'}` +
    `${e.callerGoneAt ? `, caller hung up after ${e.callerGoneAt - e.at} ms` : ''}${e.fault ? `, fault ${e.fault}` : ''}, port ${e.remotePort ?? '?'}, worker pid ${owner ?? '?'}${kills.length ? ` (${kills.join(', ')})` : ''}`
  );
}

/**
 * The lifecycle each ledger entry was billed for, from what the ledger records: a render's callback_id is its
 * render workflow's id (`<lifecycle>/render`); a group's name holds the workflow id (`<name> [<workflowId>]`), and a
 * training (v2) and a v2 look generation carry the group's name; a look (added or generated) and a v2 look
 * generation belong to the group the simulator's account holds them in; a v2 photo generation has the lifecycle's
 * name (unique in the campaign).
 */
export function ledgerOwners(
  runs: LifecycleRun[],
  ledger: readonly LedgerEntry[],
  snapshot: SimulatorSnapshot,
): Map<number, LifecycleRun> {
  const byRender = new Map(runs.map((r) => [`${r.workflowId}/render`, r]));
  const byGroupName = new Map(runs.map((r) => [groupNameFor(r.name, r.workflowId), r]));
  const byName = new Map(runs.map((r) => [r.name, r]));
  const groupRun = new Map<string, LifecycleRun>();
  for (const g of snapshot.groups) {
    const r = byGroupName.get(g.name);
    if (r) groupRun.set(g.id, r);
  }
  for (const e of ledger) {
    const r = e.kind === 'avatar' && e.name !== undefined ? byGroupName.get(e.name) : undefined;
    if (r) groupRun.set(e.resourceId, r);
  }
  const groupOf = new Map<string, string>();
  for (const l of snapshot.looks) groupOf.set(l.id, l.groupId);
  for (const g of snapshot.photoGenerations) if (g.groupId !== undefined) groupOf.set(g.id, g.groupId);

  const owners = new Map<number, LifecycleRun>();
  for (const e of ledger) {
    const r =
      (e.callbackId !== undefined ? byRender.get(e.callbackId) : undefined) ??
      groupRun.get(e.resourceId) ??
      groupRun.get(groupOf.get(e.resourceId) ?? '') ??
      (e.name !== undefined ? (byGroupName.get(e.name) ?? byName.get(e.name)) : undefined);
    if (r) owners.set(e.seq, r);
  }
  return owners;
}

/** The call that billed a ledger entry: v3 by its Idempotency-Key (the first, non-replayed call), v2 by created id. */
function callOf(e: LedgerEntry, log: CallLogEntry[]): CallLogEntry | undefined {
  const candidates = log.filter(
    (c) =>
      c.applied &&
      !c.idempotentReplay &&
      createKindOf(c) === e.kind &&
      (e.idempotencyKey !== undefined
        ? c.idempotencyKey === e.idempotencyKey
        : (c.createdId ?? '').split(',').includes(e.resourceId)),
  );
  return candidates.sort((a, b) => Math.abs(a.at - e.at) - Math.abs(b.at - e.at))[0];
}

/**
 * Creates HeyGen processed whose answer never reached the worker: an injected error or hang after processing, or the
 * caller gone before any answer was written (its worker killed mid-call). A kill just after the answer was written
 * is not counted: the worker may have recorded the result before it died.
 */
function answerLost(e: CallLogEntry): boolean {
  return e.fault === 'http_error' || isHang(e) || e.callerGoneAt !== undefined;
}

export async function verify(v: VerifyInput): Promise<Verification> {
  const checks: Check[] = [];
  const { runs, log, snapshot, version } = v;
  const ledger = snapshot.ledger;

  // 1. Every lifecycle completed.
  const notDone = runs.filter((r) => r.status !== 'COMPLETED');
  checks.push({
    name: 'every lifecycle completed',
    pass: notDone.length === 0,
    detail:
      notDone.length === 0
        ? `${runs.length}/${runs.length} COMPLETED`
        : `${runs.length - notDone.length}/${runs.length} completed; not: ${notDone
            .slice(0, 8)
            .map((r) => `${r.workflowId} ${r.status}`)
            .join(', ')}${notDone.length > 8 ? ', …' : ''}`,
  });

  // 2. Every video on disk with the sha256 the result claims; the video is the run's own render at HeyGen.
  const files = { checked: 0, ok: 0, problems: [] as string[] };
  const videos = new Map(snapshot.videos.map((x) => [x.id, x]));
  for (const r of runs) {
    if (!r.result) continue;
    files.checked += 1;
    try {
      const st = await stat(r.result.videoPath ?? '');
      const digest = await sha256File(r.result.videoPath ?? '');
      const sim = videos.get(r.result.videoId);
      if (digest !== r.result.sha256)
        files.problems.push(`${r.workflowId}: sha256 ${digest} ≠ claimed ${r.result.sha256}`);
      else if (st.size === 0) files.problems.push(`${r.workflowId}: empty file`);
      else if (!sim || sim.status !== 'completed' || sim.callbackId !== `${r.workflowId}/render`)
        files.problems.push(`${r.workflowId}: video ${r.result.videoId} is not this run's completed render`);
      else if (r.result.apiVersion !== version)
        files.problems.push(`${r.workflowId}: spoke HeyGen API ${r.result.apiVersion}, not ${version}`);
      else files.ok += 1;
    } catch (err) {
      files.problems.push(
        `${r.workflowId}: ${r.result.videoPath}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  checks.push({
    name: `every video on disk, sha256 recomputed = the result’s, rendered through HeyGen API ${version}`,
    pass: files.problems.length === 0 && files.checked === runs.length,
    detail: `${files.ok}/${runs.length} verified${files.problems.length ? `; ${files.problems.slice(0, 5).join('; ')}` : ''}`,
  });

  // 3. Exactly one avatar group per lifecycle in HeyGen's account (its run-unique name), the one the result names.
  const groupsByName = new Map<string, SimulatorSnapshot['groups']>();
  for (const g of snapshot.groups) groupsByName.set(g.name, [...(groupsByName.get(g.name) ?? []), g]);
  const groupProblems: string[] = [];
  let groupsFound = 0;
  for (const r of runs) {
    const gs = groupsByName.get(groupNameFor(r.name, r.workflowId)) ?? [];
    if (gs.length === 1) groupsFound += 1;
    if (gs.length > 1)
      groupProblems.push(`${r.workflowId}: ${gs.length} groups (${gs.map((g) => g.id).join(', ')})`);
    if (r.result && gs[0]?.id !== r.result.groupId)
      groupProblems.push(`${r.workflowId}: result group ≠ HeyGen's`);
    if (r.status === 'COMPLETED' && gs.length === 0) groupProblems.push(`${r.workflowId}: no group`);
  }
  checks.push({
    name: 'one avatar group per lifecycle in the account, the one its result names',
    pass: groupProblems.length === 0,
    detail: `${groupsFound} groups for ${runs.length} lifecycles${
      groupProblems.length ? `; ${groupProblems.slice(0, 5).join('; ')}` : ''
    }`,
  });

  // 4. Billable creates of every kind, from the ledger, per lifecycle run.
  const owners = ledgerOwners(runs, ledger, snapshot);
  const duplicates: DuplicateRow[] = [];
  for (const kind of LEDGER_KINDS) {
    const entries = ledger.filter((e) => e.kind === kind);
    const row: DuplicateRow = {
      kind,
      protection: protectionOf(version, kind),
      expectedPerLifecycle: v.expected[kind],
      billed: 0,
      unattributed: 0,
      duplicates: 0,
      runsWithDuplicates: 0,
      causes: new Map(),
      unexplained: [],
    };
    if (version === 'v3') {
      const sameKey = duplicatesBy(entries, kind, (e) => e.idempotencyKey);
      row.keys = sameKey.keys;
      row.sameKeyTwice = sameKey.duplicates;
    }
    const perRun = new Map<LifecycleRun, LedgerEntry[]>();
    for (const e of entries) {
      const r = owners.get(e.seq);
      if (!r) {
        row.unattributed += 1;
        continue;
      }
      row.billed += 1;
      perRun.set(r, [...(perRun.get(r) ?? []), e]);
    }
    for (const [r, billed] of perRun) {
      const extra = Math.max(0, billed.length - v.expected[kind]);
      if (extra === 0) continue;
      row.duplicates += extra;
      row.runsWithDuplicates += 1;
      // The extra ones: those the run did not go on with, else all but the last.
      const used = new Set(r.usedIds ?? []);
      const unused = billed.filter((e) => !used.has(e.resourceId));
      for (const e of (unused.length >= extra ? unused : billed.slice(0, -1)).slice(0, extra)) {
        const call = callOf(e, log);
        const cause = call ? causeOf(call, v) : 'unexplained';
        row.causes.set(cause, (row.causes.get(cause) ?? 0) + 1);
        if (cause === 'unexplained')
          row.unexplained.push({
            workflowId: r.workflowId,
            resourceId: e.resourceId,
            detail: call ? describeCall(call, v) : 'no create call found in the log for this ledger entry',
          });
      }
    }
    duplicates.push(row);
  }
  const mustBeZero = duplicates.filter((d) => d.protection !== 'none');
  const describeRows = (rows: DuplicateRow[]) =>
    rows.map((d) => `${CREATE_NAMES[d.kind]} ${d.duplicates} (${d.billed} billed)`).join(', ');
  checks.push({
    name:
      version === 'v3'
        ? 'no duplicate billable create of any kind (ledger, per lifecycle run)'
        : 'no duplicate avatar group, look or training (the kinds v2 reconciles; ledger, per lifecycle run)',
    pass: mustBeZero.every((d) => d.duplicates === 0 && d.unattributed === 0),
    detail:
      describeRows(mustBeZero) +
      (mustBeZero.some((d) => d.unattributed > 0)
        ? `; billed for no lifecycle of the campaign: ${mustBeZero
            .filter((d) => d.unattributed > 0)
            .map((d) => `${CREATE_NAMES[d.kind]} ×${d.unattributed}`)
            .join(', ')}`
        : ''),
  });

  // 5. v3: every billable create carried its own run's and step's key, and no key was billed twice.
  if (version === 'v3') {
    const keyless = ledger.filter((e) => e.idempotencyKey === undefined);
    const foreign = ledger.filter(
      (e) =>
        e.idempotencyKey !== undefined &&
        v.keyOwners.get(e.idempotencyKey)?.workflowId !== owners.get(e.seq)?.workflowId,
    );
    const twice = duplicates.reduce((a, d) => a + (d.sameKeyTwice ?? 0), 0);
    checks.push({
      name: "every v3 create carried its own run's and step's Idempotency-Key; no key billed twice",
      pass: keyless.length === 0 && foreign.length === 0 && twice === 0,
      detail:
        `${ledger.length} ledger entries, ${keyless.length} without a key, ${foreign.length} whose key is not a ` +
        `step of the run it was billed for (keys recomputed from the runs' histories), ${twice} billed again under ` +
        `a key already billed`,
    });
  }

  // Creates HeyGen processed whose answer the worker lost: what the next attempt had to recover.
  const lostAnswers = new Map<LedgerKind, CallLogEntry[]>();
  for (const e of log) {
    const kind = createKindOf(e);
    if (!kind || !e.applied || e.idempotentReplay || !answerLost(e)) continue;
    lostAnswers.set(kind, [...(lostAnswers.get(kind) ?? []), e]);
  }
  return { checks, duplicates, owners, lostAnswers, files };
}

/** v3: whether a later call with the same Idempotency-Key got the lost answer replayed (2xx, nothing billed). */
export function replayed(lost: CallLogEntry, log: CallLogEntry[]): boolean {
  return log.some(
    (c) =>
      c.seq > lost.seq &&
      c.idempotentReplay === true &&
      c.idempotencyKey === lost.idempotencyKey &&
      c.status >= 200 &&
      c.status < 300,
  );
}
