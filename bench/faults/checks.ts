import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { LifecycleResult } from '../../contracts/lifecycle';
import type { CallLogEntry, SimulatorSnapshot } from '../../simulator';
import { CREATE_PATHS, isHang } from './plan';

export interface LifecycleRun {
  index: number;
  workflowId: string;
  name: string;
  mode: 'poll' | 'webhook';
  startedAt?: number;
  /** Server clock: workflow start and close */
  startMs?: number;
  closeMs?: number;
  status: string;
  result?: LifecycleResult;
  error?: string;
  /** For runs that did not finish: where they were */
  stuck?: string;
  /** From the progress query: the ids the run used (to tell duplicates from the one kept) */
  usedPhotoGenerationId?: string;
  usedLookGenerationIds?: string[];
}

export interface KillEvidence {
  at: number;
  pid: number;
  label: string;
  targeted: boolean;
  /** Client ports the killed process held to the simulator at the moment of the kill */
  ports: number[];
  /** Creates from that process in flight at the kill (seq, endpoint) */
  inFlightCreates: Array<{ seq: number; path: string }>;
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

export interface DuplicateRow {
  what: 'photo generation' | 'look generation' | 'render';
  lifecycles: number;
  applied: number;
  duplicates: number;
  runsWithDuplicates: number;
  causes: Map<DuplicateCause, number>;
  unexplained: Array<{ workflowId: string; seq: number; createdId?: string; detail: string }>;
}

/**
 * The group name photoAvatarLifecycle gives HeyGen (workflows/photoAvatarLifecycle.ts, groupNameFor): repeated here
 * because workflow modules are meant for the workflow sandbox, not for plain Node.
 */
function groupNameFor(name: string, workflowId: string): string {
  return `${name} [${workflowId}]`.slice(0, 200);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const bodyField = (e: CallLogEntry, field: string): unknown =>
  e.body && typeof e.body === 'object' ? (e.body as Record<string, unknown>)[field] : undefined;

export interface VerifyInput {
  runs: LifecycleRun[];
  log: CallLogEntry[];
  snapshot: SimulatorSnapshot;
  kills: KillEvidence[];
  restarts: Array<{ stoppedAt: number; upAt: number }>;
  looksPerRun: number;
  photosPerGeneration: number;
  /** The worker process that made a call (from its client port), when known */
  ownerOf: (e: CallLogEntry) => number | undefined;
}

export interface Verification {
  checks: Check[];
  duplicates: DuplicateRow[];
  /** Reconcilable creates whose answer was lost (fault or kill) and that were found again, not repeated */
  reconciled: Map<string, number>;
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
    `at ${new Date(e.at).toISOString().slice(11, 23)}, answered ${e.answeredAt ? `after ${e.answeredAt - e.at} ms (HTTP ${e.status})` : 'never'}` +
    `${e.callerGoneAt ? `, caller hung up after ${e.callerGoneAt - e.at} ms` : ''}${e.fault ? `, fault ${e.fault}` : ''}, port ${e.remotePort ?? '?'}, worker pid ${owner ?? '?'}${kills.length ? ` (${kills.join(', ')})` : ''}`
  );
}

export async function verify(v: VerifyInput): Promise<Verification> {
  const checks: Check[] = [];
  const { runs, log, snapshot } = v;
  const applied = (path: string) => log.filter((e) => e.method === 'POST' && e.path === path && e.applied);

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
      const st = await stat(r.result.videoPath);
      const digest = await sha256File(r.result.videoPath);
      const sim = videos.get(r.result.videoId);
      if (digest !== r.result.sha256)
        files.problems.push(`${r.workflowId}: sha256 ${digest} ≠ claimed ${r.result.sha256}`);
      else if (st.size === 0) files.problems.push(`${r.workflowId}: empty file`);
      else if (!sim || sim.status !== 'completed' || sim.callbackId !== `${r.workflowId}/render`)
        files.problems.push(`${r.workflowId}: video ${r.result.videoId} is not this run's completed render`);
      else files.ok += 1;
    } catch (err) {
      files.problems.push(
        `${r.workflowId}: ${r.result.videoPath}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  checks.push({
    name: 'every video on disk, sha256 recomputed = the result’s',
    pass: files.problems.length === 0 && files.checked === runs.length,
    detail: `${files.ok}/${runs.length} verified${files.problems.length ? `; ${files.problems.slice(0, 5).join('; ')}` : ''}`,
  });

  // 3. Exactly one avatar group per lifecycle (its run-unique name), and it is the one the result names.
  const groupsByName = new Map<string, SimulatorSnapshot['groups']>();
  for (const g of snapshot.groups) groupsByName.set(g.name, [...(groupsByName.get(g.name) ?? []), g]);
  const groupProblems: string[] = [];
  const groupOf = new Map<string, SimulatorSnapshot['groups'][number]>();
  for (const r of runs) {
    const gs = groupsByName.get(groupNameFor(r.name, r.workflowId)) ?? [];
    if (gs.length === 1) groupOf.set(r.workflowId, gs[0]!);
    if (gs.length > 1)
      groupProblems.push(`${r.workflowId}: ${gs.length} groups (${gs.map((g) => g.id).join(', ')})`);
    if (r.result && gs[0]?.id !== r.result.groupId)
      groupProblems.push(`${r.workflowId}: result group ≠ HeyGen's`);
    if (r.status === 'COMPLETED' && gs.length === 0) groupProblems.push(`${r.workflowId}: no group`);
  }
  const groupCreates = applied('/v2/photo_avatar/avatar_group/create');
  checks.push({
    name: 'no duplicate avatar group (one per lifecycle name)',
    pass: groupProblems.length === 0,
    detail: `${groupOf.size} groups for ${runs.length} lifecycles, ${groupCreates.length} group creates applied${
      groupProblems.length ? `; ${groupProblems.slice(0, 5).join('; ')}` : ''
    }`,
  });

  // 4. No duplicate look: one add call applied per group; the group's photo looks (the create's look, named like the
  // group, and the added ones, named "<name> look <k>") are exactly the generated photos, each image once.
  const adds = applied('/v2/photo_avatar/avatar_group/add');
  const lookProblems: string[] = [];
  let looksSeen = 0;
  const expectedAdds = Math.ceil((v.photosPerGeneration - 1) / 4);
  for (const r of runs) {
    const g = groupOf.get(r.workflowId);
    if (!g) continue;
    const addCalls = adds.filter((e) => bodyField(e, 'group_id') === g.id).length;
    const all = snapshot.looks.filter((l) => l.groupId === g.id);
    const added = new RegExp(`^${r.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} look \\d+$`);
    const photoLooks = all.filter((l) => l.name === g.name || added.test(l.name));
    looksSeen += photoLooks.length;
    if (addCalls > expectedAdds) lookProblems.push(`${r.workflowId}: ${addCalls} add calls applied`);
    if (new Set(all.map((l) => l.imageKey)).size !== all.length)
      lookProblems.push(`${r.workflowId}: an image is in two looks`);
    if (
      photoLooks.length > v.photosPerGeneration ||
      (r.status === 'COMPLETED' && photoLooks.length !== v.photosPerGeneration)
    )
      lookProblems.push(
        `${r.workflowId}: ${photoLooks.length} photo looks, expected ${v.photosPerGeneration}`,
      );
  }
  checks.push({
    name: 'no duplicate look (one add call per group, each photo once)',
    pass: lookProblems.length === 0,
    detail: `${looksSeen} photo looks in ${groupOf.size} groups, ${adds.length} add calls applied${
      lookProblems.length ? `; ${lookProblems.slice(0, 5).join('; ')}` : ''
    }`,
  });

  // 5. No duplicate training: one training per group, one train call applied.
  const trains = applied('/v2/photo_avatar/train');
  const trainProblems: string[] = [];
  for (const r of runs) {
    const g = groupOf.get(r.workflowId);
    if (!g) continue;
    const calls = trains.filter((e) => bodyField(e, 'group_id') === g.id).length;
    if (g.trainingsStarted > 1 || calls > 1)
      trainProblems.push(`${r.workflowId}: ${g.trainingsStarted} trainings, ${calls} train calls applied`);
  }
  checks.push({
    name: 'no duplicate training (count of applied train calls per group)',
    pass: trainProblems.length === 0,
    detail: `${trains.length} train calls applied for ${groupOf.size} groups${
      trainProblems.length ? `; ${trainProblems.slice(0, 5).join('; ')}` : ''
    }`,
  });

  // Reconcilable creates whose answer was lost (fault after processing, kill in flight) and were not repeated.
  const reconciled = new Map<string, number>();
  for (const path of [
    '/v2/photo_avatar/avatar_group/create',
    '/v2/photo_avatar/avatar_group/add',
    '/v2/photo_avatar/train',
  ]) {
    const lost = applied(path).filter((e) => {
      const cause = causeOf(e, v);
      return cause === 'injected fault (answer lost)' || cause === 'worker killed in flight';
    }).length;
    reconciled.set(CREATE_PATHS[path]!, lost);
  }

  // Duplicates HeyGen gives no way to reconcile: reported, not failed.
  const duplicates: DuplicateRow[] = [];
  const row = (what: DuplicateRow['what']): DuplicateRow => ({
    what,
    lifecycles: runs.length,
    applied: 0,
    duplicates: 0,
    runsWithDuplicates: 0,
    causes: new Map(),
    unexplained: [],
  });
  const photo = row('photo generation');
  const lookGen = row('look generation');
  const render = row('render');
  const photoCreates = applied('/v2/photo_avatar/photo/generate');
  const lookCreates = applied('/v2/photo_avatar/look/generate');
  const renderCreates = applied('/v2/video/generate');
  const account = (
    r: DuplicateRow,
    wf: string,
    entries: CallLogEntry[],
    used: Set<string> | undefined,
    expected: number,
  ) => {
    r.applied += entries.length;
    const extra = Math.max(0, entries.length - expected);
    r.duplicates += extra;
    if (extra > 0) r.runsWithDuplicates += 1;
    if (extra === 0) return;
    // The extra ones: those the run did not use (when known), else all but the last.
    const unused = used ? entries.filter((e) => !used.has(e.createdId ?? '')) : entries.slice(0, -1);
    for (const e of unused.slice(0, extra)) {
      const cause = causeOf(e, v);
      r.causes.set(cause, (r.causes.get(cause) ?? 0) + 1);
      if (cause === 'unexplained')
        r.unexplained.push({
          workflowId: wf,
          seq: e.seq,
          ...(e.createdId ? { createdId: e.createdId } : {}),
          detail: describeCall(e, v),
        });
    }
  };
  for (const r of runs) {
    account(
      photo,
      r.workflowId,
      photoCreates.filter((e) => bodyField(e, 'name') === r.name),
      r.usedPhotoGenerationId ? new Set([r.usedPhotoGenerationId]) : undefined,
      1,
    );
    const g = groupOf.get(r.workflowId);
    account(
      lookGen,
      r.workflowId,
      g ? lookCreates.filter((e) => bodyField(e, 'group_id') === g.id) : [],
      r.usedLookGenerationIds ? new Set(r.usedLookGenerationIds) : undefined,
      v.looksPerRun,
    );
    account(
      render,
      r.workflowId,
      renderCreates.filter((e) => bodyField(e, 'callback_id') === `${r.workflowId}/render`),
      r.result ? new Set([r.result.videoId]) : undefined,
      1,
    );
  }
  duplicates.push(photo, lookGen, render);
  return { checks, duplicates, reconciled, files };
}
