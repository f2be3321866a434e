/**
 * Fault campaign: N photo-avatar lifecycles (half webhook mode through the product's receiver registered with the
 * simulator, half poll mode) run on two supervised worker processes while the campaign
 * - SIGKILLs a worker at seeded random moments (half of the kills wait for a create call in flight from the killed
 *   worker, found through the simulator's call log and /proc), restarting it after a short delay;
 * - restarts the Temporal dev server once (startTemporalDevServer with a database file: every run survives);
 * - has the simulator drop and duplicate webhook deliveries;
 * - has the simulator answer a share of all API calls (default 20 %) with 5xx (before and after processing), a hang
 *   past the client's timeout (after processing) or 429 with Retry-After.
 * The workers speak one HeyGen API version (`--api v3|v2`, default HEYGEN_API_VERSION, else v3) and the faults hit
 * that version's endpoints. Then it checks, from the simulator's billing ledger, state and log and the workflows'
 * results: every lifecycle completed, every video is on disk with the sha256 its result claims, and the billable
 * creates of every kind (photo generations, avatars, looks, trainings, look generations, renders) per lifecycle
 * run, against what one lifecycle bills when nothing goes wrong. On v3 every create carries its step's
 * Idempotency-Key, so any duplicate fails the campaign; on v2 duplicate groups, looks and trainings fail it (the
 * product reconciles them) and the duplicates HeyGen gives no way to reconcile (photo and look generations,
 * renders) are reported, each with its cause. It also checks that lost answers were recovered (v3: replayed under
 * the same key; v2: found by the retry) and whether a webhook event the receiver accepted ever failed to reach its
 * run.
 *
 *   node dist/bench/faults.js [--api v3] [--lifecycles 100] [--kills 20] [--seed N] [--minutes 12] [--workers 2]
 *                             [--fault-rate 0.2] [--keep]
 *
 * Loopback only. Bounded by --minutes (runs still going at the deadline are reported, not waited for); every
 * process it starts is stopped before it exits. --keep leaves the temporary directory (Temporal database, worker
 * logs, videos) for `temporal server start-dev --db-filename <dir>/temporal.db` and `temporal workflow show`.
 * Markdown report on stdout, progress on stderr; exit code 1 when a check fails.
 */
import type { WaitMode } from '../contracts/polling';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { PipelinesClient } from '../client/pipelinesClient';
import { REPO_ROOT } from '../cli/devStack';
import { resolveTemporalCli } from '../cli/temporalDevServer';
import type { ApiVersion } from '../contracts/apiVersion';
import type { LifecycleInput, LifecycleVideo } from '../contracts/lifecycle';
import { createHeyGenPort } from '../heygen/select';
import {
  startSimulator,
  type CallLogEntry,
  type JobDurations,
  type LedgerEntry,
  type LedgerKind,
  type RunningSimulator,
} from '../simulator';
import { startWebhookReceiver, type RunningWebhookReceiver } from '../webhooks/receiver';
import { ensureWebhookEndpoint } from '../webhooks/registration';
import { TemporalJobEventSink } from '../webhooks/temporalSink';
import { apiVersion, BENCH_DIMENSION, expectedBilling } from './support/api';
import { Args } from './support/args';
import { descendants } from './support/proc';
import { describeError } from './support/productRun';
import { fixed, machineLine, mapLimit, progress, sec, sleep, table, type Cell } from './support/report';
import { BENCH_PHOTO_ATTRIBUTES } from './support/profiles';
import { writeWorkflowBundle } from './support/workers';
import {
  cutByKill,
  replayed,
  verify,
  type Check,
  type KillEvidence,
  type LifecycleRun,
} from './faults/checks';
import {
  analyzeWebhookRuns,
  openMailboxes,
  readRunHistories,
  RecordingSink,
  type JobOwner,
  type SinkRecord,
  type WebhookAnalysis,
} from './faults/events';
import {
  countInjected,
  CREATE_NAMES,
  createName,
  installFaults,
  isCreate,
  type InjectedCounts,
} from './faults/plan';
import { Rng } from './faults/rng';
import { clientPortOwners, PortTracker } from './faults/sockets';
import { RestartableTemporal } from './faults/temporal';
import { WorkerPool } from './faults/workerPool';

const TASK_QUEUE = 'heygen-faults';
const VOICE_ID = '1bd001e7e50f421d891986aad5158bc8';
/** Short but non-zero: every job passes through its statuses; a lifecycle's simulated critical path is 13 s. */
const DURATIONS: JobDurations = {
  photoGenerationMs: 2000,
  lookProcessingMs: 1000,
  trainingMs: 4000,
  lookGenerationMs: 2000,
  renderMs: 3000,
};
const POLL_POLLING = { initialSeconds: 0.5, maxSeconds: 2 };
/** Webhook mode: the fallback read when an event does not come (dropped, or every redelivery failed). */
const WEBHOOK_FALLBACK_POLLING = { initialSeconds: 15, maxSeconds: 30 };
const PHOTOS_PER_GENERATION = 4;
const LOOKS_PER_RUN = 1;

/**
 * The render of a campaign lifecycle. v2: a free test render at 320×240, as the campaign always ran. v3 has no test
 * mode (it would be billed, so v3 runs refuse it) and takes exact sizes only: a 1280×720 render.
 */
function campaignVideo(version: ApiVersion): LifecycleVideo {
  const video: LifecycleVideo = {
    script: 'One lifecycle of the fault campaign.',
    voiceId: VOICE_ID,
    background: { type: 'color', color: '#203040' },
  };
  return version === 'v2'
    ? { ...video, test: true, dimension: { width: 320, height: 240 } }
    : { ...video, dimension: BENCH_DIMENSION };
}

function lifecycleInput(name: string, mode: WaitMode, version: ApiVersion): LifecycleInput {
  return {
    name,
    photo: {
      generate: { ...BENCH_PHOTO_ATTRIBUTES, appearance: 'Fault campaign presenter' },
    },
    looks: [
      { prompt: 'Grey suit, front-facing', orientation: 'square', pose: 'half_body', style: 'Realistic' },
    ],
    video: campaignVideo(version),
    waitMode: mode,
    polling: mode === 'poll' ? POLL_POLLING : WEBHOOK_FALLBACK_POLLING,
  };
}

/** Keeps every call-log entry (merged by seq), whatever the simulator's own log keeps. */
class LogMirror {
  private readonly entries = new Map<number, CallLogEntry>();
  constructor(private readonly sim: RunningSimulator) {}
  refresh(): CallLogEntry[] {
    const now = this.sim.log();
    for (const e of now) this.entries.set(e.seq, e);
    return now;
  }
  all(): CallLogEntry[] {
    this.refresh();
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

interface Campaign {
  version: ApiVersion;
  began: number;
  machine: string;
  seed: number;
  args: { lifecycles: number; kills: number; minutes: number; workers: number; faultRate: number };
  runs: LifecycleRun[];
  /** The simulator's call log, whole (mirrored) */
  log: CallLogEntry[];
  kills: KillEvidence[];
  /** Creates whose caller hung up within 1.5 s after a kill (from the simulator's log), by endpoint */
  createsCutByKill: Map<string, number>;
  injected?: InjectedCounts;
  restarts: Array<{ stoppedAt: number; upAt: number; downMs: number }>;
  workerStarts: number;
  /** Running workers that died without being killed */
  crashes: number;
  /** Workers that failed to start (e.g. Temporal unreachable at that moment) and were started again */
  startFailures: number;
  receiverStats?: ReturnType<RunningWebhookReceiver['stats']>;
  sinkAfterRestart: number;
  /** Events the receiver handed over while Temporal was down */
  sinkDuringOutage: SinkRecord[];
  callsAfterRestart: number;
  webhook?: WebhookAnalysis;
  openMailboxes?: Awaited<ReturnType<typeof openMailboxes>>;
  histories?: Awaited<ReturnType<typeof readRunHistories>>;
  checks: Check[];
  verification?: Awaited<ReturnType<typeof verify>>;
  leftover: Array<{ pid: number; comm: string }>;
  timedOut: boolean;
  keptDir?: string;
  endedAt: number;
  loadEnd: string;
}

async function main(): Promise<number> {
  const args = new Args().only([
    'api',
    'lifecycles',
    'kills',
    'seed',
    'minutes',
    'workers',
    'fault-rate',
    'keep',
  ]);
  const version = apiVersion(args);
  const n = args.num('lifecycles', 100);
  const killTarget = args.num('kills', 20);
  const seed = args.num('seed', Math.floor(Date.now() % 1_000_000));
  const minutes = args.num('minutes', 12);
  const workerCount = args.num('workers', 2);
  const faultRate = args.num('fault-rate', 0.2);
  const keep = args.flag('keep');
  if (!(n >= 2 && Number.isInteger(n))) throw new Error('--lifecycles must be an integer >= 2');
  if (!(faultRate >= 0 && faultRate < 0.5)) throw new Error('--fault-rate must be in [0, 0.5)');
  const began = Date.now();
  const budgetMs = minutes * 60_000;
  /** Kept for collecting results, checks and teardown. */
  const reserveMs = Math.min(100_000, Math.max(45_000, budgetMs * 0.15));
  const rng = new Rng(seed);
  const machine = machineLine();
  progress(
    `fault campaign on HeyGen API ${version}: ${n} lifecycles, ≥ ${killTarget} kills, seed ${seed}, ${minutes} min budget`,
  );

  const dir = await mkdtemp(path.join(os.tmpdir(), 'heygen-faults-'));
  const outputDir = path.join(dir, 'videos');
  let temporal: RestartableTemporal | undefined;
  let sim: RunningSimulator | undefined;
  let receiver: RunningWebhookReceiver | undefined;
  let pool: WorkerPool | undefined;
  let connection: Connection | undefined;
  let bundle: Awaited<ReturnType<typeof writeWorkflowBundle>> | undefined;
  let tornDown = false;

  // Whatever happens, no process outlives the campaign.
  const killEverythingNow = () => {
    pool?.killAllNow();
    const pid = temporal?.pid();
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killEverythingNow);
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping every process the campaign started`);
    killEverythingNow();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A hard stop in case anything hangs past the budget.
  const watchdog = setTimeout(() => {
    progress('time budget exceeded by 45 s: killing every process the campaign started');
    killEverythingNow();
    process.exit(3);
  }, budgetMs + 45_000);
  watchdog.unref();

  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await pool?.close().catch((err: unknown) => progress(`worker shutdown: ${String(err)}`));
    await receiver?.close();
    await connection?.close().catch(() => undefined);
    await sim?.close();
    await temporal?.stop().catch((err: unknown) => progress(`temporal stop: ${String(err)}`));
    await bundle?.dispose();
    if (!keep) await rm(dir, { recursive: true, force: true });
  };

  const campaign: Campaign = {
    version,
    began,
    machine,
    seed,
    args: { lifecycles: n, kills: killTarget, minutes, workers: workerCount, faultRate },
    runs: [],
    log: [],
    kills: [],
    createsCutByKill: new Map(),
    restarts: [],
    workerStarts: 0,
    crashes: 0,
    startFailures: 0,
    sinkAfterRestart: 0,
    sinkDuringOutage: [],
    callsAfterRestart: 0,
    checks: [],
    leftover: [],
    timedOut: false,
    endedAt: 0,
    loadEnd: '',
  };

  try {
    // ---- the stack, wired as `dev` wires it ----
    progress(`starting the Temporal dev server (database in ${dir}) and bundling the workflows`);
    const cliPath = await resolveTemporalCli(REPO_ROOT);
    const [t, b] = await Promise.all([RestartableTemporal.start(cliPath, dir), writeWorkflowBundle()]);
    temporal = t;
    bundle = b;
    sim = await startSimulator({ durations: DURATIONS });
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    const pipelines = new PipelinesClient(client, TASK_QUEUE, 'poll');
    const secrets: string[] = [];
    const sink = new RecordingSink(new TemporalJobEventSink(client, TASK_QUEUE));
    receiver = await startWebhookReceiver({ secrets, sink });
    // Registered through the version's API, as `dev` does: a v3 endpoint gets v3 deliveries and signatures.
    const heygen = createHeyGenPort({
      apiVersion: version,
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: sim.apiKey,
    });
    const { endpoint } = await ensureWebhookEndpoint(heygen, receiver.url);
    if (endpoint.secret) secrets.push(endpoint.secret);
    pool = new WorkerPool(workerCount, {
      apiVersion: version,
      temporalAddress: temporal.address,
      taskQueue: TASK_QUEUE,
      heygenUrl: sim.url,
      heygenApiKey: sim.apiKey,
      outputDir,
      codePath: bundle.codePath,
      logFile: path.join(dir, 'workers.log'),
    });
    await pool.startAll();
    progress(
      `Temporal ${temporal.address}, simulator ${sim.url}, receiver ${receiver.url}, ${workerCount} worker(s) (pids ${pool
        .live()
        .map((w) => w.pid)
        .join(', ')})`,
    );
    sim.clearLog();
    installFaults(
      sim,
      {
        rate: faultRate,
        createLatencyShare: 0.5,
        webhookDropShare: 0.15,
        webhookDuplicateShare: 0.15,
      },
      version,
    );
    const mirror = new LogMirror(sim);
    const tracker = new PortTracker(sim.port, () => pool!.live().map((w) => w.pid)).start();
    const mirrorTimer = setInterval(() => mirror.refresh(), 5000);
    mirrorTimer.unref();

    // ---- the schedule (fixed by the seed) ----
    const t0 = Date.now();
    const runUntil = began + budgetMs - reserveMs;
    const activeMs = runUntil - t0;
    if (activeMs < 60_000) throw new Error(`--minutes ${minutes} leaves no time to run lifecycles`);
    // Starts ~1.8 s apart (at most 30 % of the time); kills until a minute after the last start, so they land while
    // lifecycles run whatever their number; the restart in the middle of the kills.
    const startWindowMs = Math.min(0.3 * activeMs, n * 1800);
    const killWindowMs = Math.min(0.55 * activeMs, startWindowMs + 60_000);
    const restartAt = t0 + rng.between(0.4, 0.7) * killWindowMs;
    const modes = rng.shuffle(
      Array.from({ length: n }, (_, i): WaitMode => (i < n / 2 ? 'webhook' : 'poll')),
    );
    const runs: LifecycleRun[] = modes.map((mode, i) => {
      const name = `Faults ${String(i + 1).padStart(3, '0')}`;
      return {
        index: i,
        workflowId: `faults-${seed}-${String(i + 1).padStart(3, '0')}`,
        name,
        mode,
        status: 'NOT_STARTED',
      };
    });
    campaign.runs = runs;
    const killTimes: number[] = [];
    const meanGap = (killWindowMs - 8000) / Math.max(1, killTarget);
    let at = t0 + 8000;
    for (let k = 0; k < killTarget; k++) {
      at += rng.between(0.5, 1.5) * meanGap;
      killTimes.push(at);
    }
    progress(
      `schedule: starts over ${sec(startWindowMs / 1000, 0)}, ${killTarget} kills over ${sec(killWindowMs / 1000, 0)} ` +
        `(every ~${sec(meanGap / 1000, 0)}), Temporal restart at +${sec((restartAt - t0) / 1000, 0)}, ` +
        `deadline +${sec(activeMs / 1000, 0)}`,
    );

    let finished = false;
    const allClosed = () => runs.every((r) => r.status !== 'NOT_STARTED' && r.status !== 'RUNNING');

    // Starts, spread over the start window; a start that fails (Temporal restarting) is tried again.
    const starter = (async () => {
      for (const r of runs) {
        const due = t0 + (r.index * startWindowMs) / n;
        if (due > Date.now()) await sleep(due - Date.now());
        for (;;) {
          if (Date.now() > runUntil) return;
          try {
            await pipelines.startLifecycle(lifecycleInput(r.name, r.mode, version), {
              workflowId: r.workflowId,
            });
            break;
          } catch (err) {
            if (err instanceof WorkflowExecutionAlreadyStartedError) break;
            await sleep(1000);
          }
        }
        r.startedAt = Date.now();
        r.status = 'RUNNING';
      }
    })();

    // Kills and the restart, in time order.
    const inFlightCreates = (now: number) =>
      sim!
        .log()
        .filter(
          (e) =>
            isCreate(e) &&
            e.answeredAt === undefined &&
            e.callerGoneAt === undefined &&
            e.remotePort !== undefined &&
            now - e.at > 100,
        );
    const killOne = async (index: number, targeted: boolean) => {
      const deadline = Date.now() + 12_000;
      for (;;) {
        if (finished) return;
        const live = pool!.live();
        if (live.length === 0) {
          await sleep(250);
          continue;
        }
        const now = Date.now();
        const owners = clientPortOwners(
          sim!.port,
          live.map((w) => w.pid),
        );
        const creates = inFlightCreates(now).filter((e) => owners.has(e.remotePort!));
        let victim: number | undefined;
        if (targeted && creates.length > 0) victim = owners.get(rng.pick(creates).remotePort!);
        else if (!targeted || Date.now() > deadline) victim = rng.pick(live).pid;
        if (victim === undefined) {
          await sleep(200);
          continue;
        }
        const ports = [...owners].filter(([, pid]) => pid === victim).map(([port]) => port);
        const mine = creates.filter((e) => ports.includes(e.remotePort!));
        const record = await pool!.kill(victim, targeted && mine.length > 0, rng.between(1000, 3000));
        if (!record) continue;
        campaign.kills.push({
          at: record.at,
          pid: victim,
          label: record.label,
          targeted: record.targeted,
          ports,
          inFlightCreates: mine.map((e) => ({ seq: e.seq, what: createName(e) })),
        });
        progress(
          `kill ${index + 1}: SIGKILL ${record.label} (pid ${victim})` +
            (mine.length > 0
              ? ` during ${mine.map((e) => createName(e)).join(', ')}`
              : targeted
                ? ' (no create in flight within 12 s)'
                : ''),
        );
        return;
      }
    };
    const scheduler = (async () => {
      const events = [
        ...killTimes.map((time, k) => ({ time, kind: 'kill' as const, k })),
        { time: restartAt, kind: 'restart' as const, k: -1 },
      ].sort((a, b) => a.time - b.time);
      let killed = 0;
      for (const ev of events) {
        while (!finished && Date.now() < ev.time) await sleep(Math.min(500, ev.time - Date.now()));
        if (finished) return;
        if (ev.kind === 'kill') {
          await killOne(killed, killed % 2 === 0);
          killed += 1;
        } else {
          // Workers that are restarting after a kill finish starting first (they need the server to start).
          const until = Date.now() + 20_000;
          while (pool.live().length < workerCount && Date.now() < until) await sleep(250);
          progress('restarting the Temporal dev server (same ports, same database file)');
          await temporal.restart(rng.between(5000, 10_000));
          const r = temporal.restarts.at(-1)!;
          progress(`Temporal dev server back after ${sec(r.downMs / 1000)}`);
        }
      }
    })();

    // Follow the runs until all are closed or the deadline.
    let lastLine = 0;
    while (Date.now() < runUntil) {
      await sleep(3000);
      await mapLimit(
        runs.filter((r) => r.status === 'RUNNING'),
        10,
        async (r) => {
          try {
            r.status = (await pipelines.describe(r.workflowId)).status;
          } catch {
            // Temporal restarting: next round
          }
        },
      );
      const done = runs.filter((r) => r.status === 'COMPLETED').length;
      if (Date.now() - lastLine > 15_000) {
        lastLine = Date.now();
        const other = runs.filter((r) => !['COMPLETED', 'RUNNING', 'NOT_STARTED'].includes(r.status)).length;
        progress(
          `${done}/${n} completed${other ? `, ${other} failed/closed otherwise` : ''}, ` +
            `${runs.filter((r) => r.status === 'RUNNING').length} running; kills ${campaign.kills.length}/${killTarget}, ` +
            `restarts ${temporal.restarts.length}`,
        );
      }
      if (allClosed()) break;
    }
    finished = true;
    campaign.timedOut = !allClosed();
    await Promise.all([starter, scheduler]);
    clearInterval(mirrorTimer);
    tracker.stop();
    if (campaign.timedOut) progress('deadline reached: collecting what finished, reporting the rest');

    // ---- results ----
    progress('collecting results');
    await mapLimit(runs, 10, async (r) => {
      if (r.status === 'NOT_STARTED') return;
      try {
        const d = await pipelines.client.workflow.getHandle(r.workflowId).describe();
        r.status = d.status.name;
        r.startMs = d.startTime.getTime();
        if (d.closeTime) r.closeMs = d.closeTime.getTime();
        if (r.status === 'COMPLETED') {
          r.result = await pipelines.waitForLifecycle(r.workflowId);
        } else if (r.status === 'RUNNING') {
          let pending = d.raw.pendingActivities ?? [];
          if (pending.length === 0 && (d.raw.pendingChildren ?? []).length > 0) {
            // Rendering: what the child render workflow is doing.
            const child = await pipelines.client.workflow
              .getHandle(`${r.workflowId}/render`)
              .describe()
              .catch(() => undefined);
            pending = child?.raw.pendingActivities ?? [];
          }
          const stage = await withTimeout(pipelines.lifecycleProgress(r.workflowId), 10_000, 'progress').then(
            (p) => p.stage,
            () => '?',
          );
          r.stuck =
            `stage ${stage}; ` +
            (pending.length > 0
              ? pending
                  .map(
                    (a) =>
                      `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? '?'}${a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 120)})` : ''}`,
                  )
                  .join('; ')
              : 'no activity pending (waiting)');
        } else {
          r.error = await pipelines.waitForLifecycle(r.workflowId).then(
            () => undefined,
            (err: unknown) => describeError(err),
          );
        }
        // The ids the run went on with (to tell the duplicates HeyGen billed from the one kept).
        const p = await withTimeout(pipelines.lifecycleProgress(r.workflowId), 10_000, 'progress');
        r.usedIds = [
          p.ids.photoGenerationId,
          p.ids.groupId,
          ...p.ids.addedLookIds,
          ...p.ids.lookGenerationIds,
          ...p.ids.generatedLookIds,
          p.ids.videoId,
          ...(r.result ? [r.result.groupId, ...r.result.lookIds, r.result.videoId] : []),
        ].filter((x): x is string => typeof x === 'string');
      } catch (err) {
        r.error ??= describeError(err);
      }
    });

    const log = mirror.all();
    campaign.log = log;
    const webhookLog = sim.webhookLog();
    campaign.injected = countInjected(log, webhookLog);
    for (const e of log) {
      if (!isCreate(e) || !cutByKill(e, campaign.kills)) continue;
      const what = createName(e);
      campaign.createsCutByKill.set(what, (campaign.createsCutByKill.get(what) ?? 0) + 1);
    }
    campaign.restarts = temporal.restarts;
    campaign.workerStarts = pool.starts.length;
    campaign.crashes = pool.unexpectedExits.filter((x) => !x.whileStarting).length;
    campaign.startFailures = pool.unexpectedExits.filter((x) => x.whileStarting).length;
    campaign.receiverStats = receiver.stats();
    const upAt = temporal.restarts[0]?.upAt;
    if (upAt !== undefined) {
      campaign.sinkAfterRestart = sink.records.filter((s) => s.at > upAt && s.outcome !== 'error').length;
      campaign.callsAfterRestart = log.filter((e) => e.at > upAt && e.applied).length;
    }

    progress('reading the runs’ histories; verifying files, groups and the billing ledger');
    campaign.histories = await readRunHistories(
      client,
      runs.filter((r) => r.status !== 'NOT_STARTED').map((r) => r.workflowId),
    );
    const snapshot = sim.snapshot();
    campaign.verification = await verify({
      version,
      runs,
      log,
      snapshot,
      kills: campaign.kills,
      restarts: temporal.restarts,
      expected: expectedBilling(version, {
        photosPerGeneration: PHOTOS_PER_GENERATION,
        generatedLooks: LOOKS_PER_RUN,
      }),
      keyOwners: campaign.histories.keyOwners,
      ownerOf: (e) => (e.remotePort !== undefined ? tracker.ownerAt(e.remotePort, e.at) : undefined),
    });
    progress('reading webhook-mode histories and open mailboxes');
    campaign.webhook = await analyzeWebhookRuns(
      client,
      runs
        .filter((r) => r.mode === 'webhook' && r.status !== 'NOT_STARTED')
        .map((r) => ({ workflowId: r.workflowId, ...(r.result ? { videoId: r.result.videoId } : {}) })),
      sink.records,
    );
    campaign.openMailboxes = await openMailboxes(
      client,
      jobOwners(snapshot.ledger, campaign.verification.owners),
      sink.records,
    );
    if (keep) {
      // Everything the checks read, for investigating a finding after the run.
      const dump = (file: string, value: unknown) =>
        writeFile(path.join(dir, file), JSON.stringify(value, null, 1));
      await dump('sim-log.json', log);
      await dump('webhook-log.json', webhookLog);
      await dump('kills.json', campaign.kills);
      await dump('sink.json', sink.records);
      await dump('runs.json', runs);
      await dump('sim-state.json', snapshot);
      await dump('workers.json', { starts: pool.starts, kills: pool.kills, exits: pool.unexpectedExits });
    }
    campaign.sinkDuringOutage = sink.records.filter((x) =>
      temporal!.restarts.some((r) => x.startedAt >= r.stoppedAt && x.startedAt <= r.upAt),
    );
  } finally {
    progress('stopping workers, receiver, simulator and the Temporal dev server');
    await teardown();
    clearTimeout(watchdog);
  }

  campaign.leftover = descendants(process.pid).map((p) => ({ pid: p.pid, comm: p.comm }));
  campaign.endedAt = Date.now();
  campaign.loadEnd = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  if (keep) campaign.keptDir = dir;
  campaign.checks = buildChecks(campaign);
  console.log(report(campaign));
  return campaign.checks.every((c) => c.pass) ? 0 : 1;
}

/**
 * Which lifecycle each job a webhook event can name belongs to (from the billing ledger), keyed as the mailboxes
 * are (`kind:resourceId`), and whether the run went on with it. v2 photo and look generations are
 * `photo_generation` jobs, a group's training event names the group, a render names its video.
 */
function jobOwners(ledger: LedgerEntry[], owners: Map<number, LifecycleRun>): Map<string, JobOwner> {
  const out = new Map<string, JobOwner>();
  for (const e of ledger) {
    const r = owners.get(e.seq);
    if (!r) continue;
    const job =
      e.kind === 'photo_generation' || e.kind === 'look_generation'
        ? 'photo_generation'
        : e.kind === 'avatar'
          ? 'training'
          : e.kind === 'render'
            ? 'render'
            : undefined;
    if (job === undefined) continue;
    out.set(`${job}:${e.resourceId}`, {
      workflowId: r.workflowId,
      mode: r.mode,
      used: (r.usedIds ?? []).includes(e.resourceId),
    });
  }
  return out;
}

function buildChecks(c: Campaign): Check[] {
  const checks: Check[] = [...(c.verification?.checks ?? [])];
  const inj = c.injected;
  const duringCreates = c.kills.filter((k) => k.inFlightCreates.length > 0).length;
  checks.push({
    name: 'fault plan carried out',
    pass:
      c.kills.length >= c.args.kills &&
      duringCreates > 0 &&
      c.restarts.length === 1 &&
      (inj?.webhooksDropped ?? 0) > 0 &&
      (inj?.webhooksDuplicated ?? 0) > 0 &&
      (c.args.faultRate === 0 ||
        ((inj?.http5xxBefore ?? 0) + (inj?.http5xxAfter ?? 0) > 0 &&
          (inj?.hangs ?? 0) > 0 &&
          (inj?.rateLimited ?? 0) > 0)),
    detail:
      `${c.kills.length}/${c.args.kills} kills (${duringCreates} during creates), ${c.restarts.length} Temporal restart(s), ` +
      `${inj?.webhooksDropped ?? 0} webhooks dropped, ${inj?.webhooksDuplicated ?? 0} duplicated, ` +
      `${(inj?.http5xxBefore ?? 0) + (inj?.http5xxAfter ?? 0)} 5xx, ${inj?.hangs ?? 0} hangs, ${inj?.rateLimited ?? 0} 429`,
  });
  const webhookRuns = c.runs.filter((r) => r.mode === 'webhook').length;
  checks.push({
    name: 'workers and receiver reconnected after the Temporal restart',
    pass:
      c.restarts.length === 1 &&
      c.crashes === 0 &&
      c.callsAfterRestart > 0 &&
      (webhookRuns === 0 || c.sinkAfterRestart > 0),
    detail:
      `${c.crashes} running workers died unasked (${c.startFailures} start-ups failed and were retried); after the restart: ${c.callsAfterRestart} HeyGen calls processed, ` +
      `${c.sinkAfterRestart} webhook events handed to Temporal by the receiver`,
  });
  const lostAnswers = c.verification?.lostAnswers;
  const h = c.histories;
  if (lostAnswers && h) {
    const lost = (kind: LedgerKind) => lostAnswers.get(kind) ?? [];
    if (c.version === 'v3') {
      // v3: each lost answer is recovered by replaying the same Idempotency-Key (nothing billed again).
      const rows = [...lostAnswers].map(([kind, calls]) => ({
        kind,
        lost: calls.length,
        missing: calls.filter((e) => !replayed(e, c.log)),
      }));
      const missing = rows.flatMap((r) => r.missing);
      checks.push({
        name: 'every lost answer of a create was replayed under its Idempotency-Key',
        pass: h.errors === 0 && missing.length === 0,
        detail:
          (rows
            .map(
              (r) => `${CREATE_NAMES[r.kind]}: ${r.lost} answers lost, ${r.lost - r.missing.length} replayed`,
            )
            .join('; ') || 'no answer of a create was lost') +
          (missing.length > 0
            ? `; not replayed: ${missing
                .slice(0, 4)
                .map(
                  (e) =>
                    `log seq ${e.seq} (${createName(e)} of ${h.keyOwners.get(e.idempotencyKey ?? '')?.workflowId ?? '?'}, ` +
                    `HTTP ${e.status}${e.fault ? `, fault ${e.fault}` : ''}${e.callerGoneAt ? ', caller gone' : ''})`,
                )
                .join('; ')}`
            : ''),
      });
    } else {
      const pairs: Array<[LedgerKind, number, number]> = [
        ['avatar', lost('avatar').length, h.groupReused],
        ['look', lost('look').length, h.looksReused],
        ['training', lost('training').length, h.trainingFound],
      ];
      checks.push({
        name: 'every lost answer of a group create, look add or train was reconciled by the retry',
        pass: h.errors === 0 && pairs.every(([, l, r]) => r >= l),
        detail: pairs
          .map(([k, l, r]) => `${CREATE_NAMES[k]}: ${l} answers lost, ${r} found again`)
          .join('; '),
      });
    }
  }
  const w = c.webhook;
  checks.push({
    name: 'no accepted webhook event lost (each reached its waiting run)',
    pass:
      w !== undefined &&
      w.lost.length === 0 &&
      w.historyErrors.length === 0 &&
      (c.openMailboxes?.unexpected.length ?? 0) === 0,
    detail: w
      ? `${w.waits} webhook waits: ${w.signaled} ended by their event, ${w.neverAccepted} whose event never reached ` +
        `the receiver (ended by a status read), ${w.lost.length} lost` +
        (w.lost.length
          ? `: ${w.lost
              .slice(0, 4)
              .map((l) => `${l.workflowId} ${l.kind} ${l.resourceId} (mailbox ${l.mailboxStatus})`)
              .join('; ')}`
          : '') +
        (w.historyErrors.length ? `; history errors: ${w.historyErrors.slice(0, 2).join('; ')}` : '') +
        (c.openMailboxes?.unexpected.length
          ? `; mailboxes of used jobs still open: ${c.openMailboxes.unexpected.slice(0, 4).join(', ')}`
          : '')
      : 'not analysed',
  });
  checks.push({
    name: 'every process the campaign started has exited',
    pass: c.leftover.length === 0,
    detail:
      c.leftover.length === 0
        ? `${c.workerStarts} worker processes and ${1 + c.restarts.length} Temporal server processes, none left`
        : c.leftover.map((p) => `${p.comm} ${p.pid}`).join(', '),
  });
  checks.push({
    name: 'finished within the time budget',
    pass: !c.timedOut && c.endedAt - c.began <= c.args.minutes * 60_000,
    detail: `${sec((c.endedAt - c.began) / 1000, 0)} of ${c.args.minutes} min${c.timedOut ? '; lifecycles still running at the deadline' : ''}`,
  });
  return checks;
}

function report(c: Campaign): string {
  const out: string[] = [];
  const inj = c.injected;
  out.push(`\n## Fault campaign, HeyGen API ${c.version}\n`);
  out.push(c.machine + `; load average at the end ${c.loadEnd}`);
  const video = campaignVideo(c.version);
  const steps =
    c.version === 'v2'
      ? '4 generated photos → group + 3 added looks → training → 1 generated look'
      : 'avatar from the prompt (one look) → 1 generated look (v3 has no training)';
  out.push(
    `\n${c.args.lifecycles} lifecycles (${c.runs.filter((r) => r.mode === 'webhook').length} webhook mode through the ` +
      `receiver, ${c.runs.filter((r) => r.mode === 'poll').length} poll mode), ${c.args.workers} worker processes ` +
      `speaking HeyGen API ${c.version}, seed ${c.seed}. Each lifecycle: ${steps} → render ` +
      `(${video.dimension?.width}×${video.dimension?.height}${video.test ? ', test' : ''}) → ` +
      `download. Simulated durations: ` +
      (c.version === 'v2'
        ? `photo ${DURATIONS.photoGenerationMs / 1000} s, looks ${DURATIONS.lookProcessingMs / 1000} s, ` +
          `training ${DURATIONS.trainingMs / 1000} s, look generation ${DURATIONS.lookGenerationMs / 1000} s, `
        : `the avatar's look from the prompt ${DURATIONS.photoGenerationMs / 1000} s, the generated look ` +
          `${DURATIONS.lookGenerationMs / 1000} s, `) +
      `render ${DURATIONS.renderMs / 1000} s; ` +
      `poll mode polls ${POLL_POLLING.initialSeconds} s → ${POLL_POLLING.maxSeconds} s, webhook mode falls back to a status read after ` +
      `${WEBHOOK_FALLBACK_POLLING.initialSeconds} s.`,
  );

  out.push('\n### Faults injected (counted from the simulator’s logs and the campaign’s own records)\n');
  const killsDuring = c.kills.filter((k) => k.inFlightCreates.length > 0);
  const byEndpoint = new Map<string, number>();
  for (const k of killsDuring)
    for (const e of k.inFlightCreates) byEndpoint.set(e.what, (byEndpoint.get(e.what) ?? 0) + 1);
  const pct = (x: number) => (inj && inj.apiCalls > 0 ? `${fixed((100 * x) / inj.apiCalls, 1)} %` : '–');
  const faultRows: Cell[][] = [
    [
      'worker SIGKILLs',
      c.kills.length,
      `${c.kills.filter((k) => k.targeted).length} aimed at a create in flight`,
    ],
    [
      'kills while the killed worker had a create in flight',
      killsDuring.length,
      [...byEndpoint].map(([k, v]) => `${k} ×${v}`).join(', ') || '–',
    ],
    [
      'creates cut off by a kill (the simulator saw the caller hang up)',
      [...c.createsCutByKill.values()].reduce((a, b) => a + b, 0),
      [...c.createsCutByKill].map(([k, v]) => `${k} ×${v}`).join(', ') || '–',
    ],
    [
      'worker processes started (incl. restarts)',
      c.workerStarts,
      `${c.crashes} running workers died unasked, ${c.startFailures} start-ups failed`,
    ],
    [
      'Temporal dev server restarts',
      c.restarts.length,
      c.restarts.map((r) => `down ${sec(r.downMs / 1000)}`).join(', ') || '–',
    ],
    ['HeyGen API calls', inj?.apiCalls ?? 0, ''],
    [
      'answered 5xx',
      (inj?.http5xxBefore ?? 0) + (inj?.http5xxAfter ?? 0),
      `${pct((inj?.http5xxBefore ?? 0) + (inj?.http5xxAfter ?? 0))}; ${inj?.http5xxBefore ?? 0} × 503 not processed, ${inj?.http5xxAfter ?? 0} × 502 after processing`,
    ],
    ['hung past the client timeout (31 s, after processing)', inj?.hangs ?? 0, pct(inj?.hangs ?? 0)],
    ['answered 429 + Retry-After: 2', inj?.rateLimited ?? 0, pct(inj?.rateLimited ?? 0)],
    [
      '**all error answers**',
      (inj?.http5xxBefore ?? 0) + (inj?.http5xxAfter ?? 0) + (inj?.hangs ?? 0) + (inj?.rateLimited ?? 0),
      pct((inj?.http5xxBefore ?? 0) + (inj?.http5xxAfter ?? 0) + (inj?.hangs ?? 0) + (inj?.rateLimited ?? 0)),
    ],
    ['creates processed whose answer was an error or a hang', inj?.createsAnsweredLost ?? 0, ''],
    ['creates answered 2.5 s late (to aim kills)', inj?.slowCreates ?? 0, ''],
    ['webhook events sent', inj?.webhookEvents ?? 0, ''],
    ['webhooks dropped', inj?.webhooksDropped ?? 0, ''],
    ['webhooks delivered twice', inj?.webhooksDuplicated ?? 0, ''],
    [
      'webhook delivery attempts not answered 2xx',
      inj?.webhookAttemptsFailed ?? 0,
      `receiver: ${c.receiverStats?.accepted ?? 0} accepted, ${c.receiverStats?.duplicate ?? 0} duplicate, ${c.receiverStats?.unavailable ?? 0} × 503`,
    ],
    ['webhook events never accepted (every redelivery failed)', inj?.webhooksNeverAccepted ?? 0, ''],
    [
      'webhook events the receiver handed over while Temporal was down',
      c.sinkDuringOutage.length,
      c.sinkDuringOutage.length > 0
        ? `${c.sinkDuringOutage.filter((x) => x.outcome === 'error').length} failed (receiver answered 503), ` +
          `slowest answer ${sec(Math.max(...c.sinkDuringOutage.map((x) => x.at - x.startedAt)) / 1000)}`
        : '',
    ],
  ];
  out.push(table(['fault', 'count', 'detail'], faultRows));

  out.push('\n### Outcome checks\n');
  out.push(
    table(
      ['check', 'result', 'detail'],
      c.checks.map((k) => [k.name, k.pass ? 'PASS' : '**FAIL**', k.detail]),
    ),
  );

  out.push(
    `\n### Billable creates of every kind, from the simulator’s billing ledger, per lifecycle run (HeyGen API ${c.version})\n`,
  );
  const v = c.verification;
  if (v) {
    const started = c.runs.filter((r) => r.status !== 'NOT_STARTED').length;
    const keyed = c.version === 'v3';
    out.push(
      'Each ledger entry is one billed resource (an idempotent replay bills nothing and is not recorded); it is ' +
        "attributed to its lifecycle by what the ledger records (a render's callback_id, the group's run-unique name " +
        '`<name> [<workflowId>]`, the group a look belongs to, the lifecycle name of a v2 photo generation). A ' +
        'duplicate is an entry beyond what one lifecycle bills when nothing goes wrong.\n',
    );
    out.push(
      table(
        [
          'create',
          'billed per lifecycle (no faults)',
          'billed',
          'duplicates',
          'lifecycles with a duplicate',
          'kept from billing twice by',
          ...(keyed ? ['distinct keys', 'billed twice under one key'] : []),
          'result',
          'cause of each duplicate',
        ],
        v.duplicates.map((d) => [
          CREATE_NAMES[d.kind],
          d.expectedPerLifecycle,
          d.billed + (d.unattributed > 0 ? ` (+${d.unattributed} of no lifecycle)` : ''),
          `**${d.duplicates}**`,
          `${d.runsWithDuplicates}/${started}`,
          d.protection === 'none' ? 'nothing (v2 gives no way to find it again)' : d.protection,
          ...(keyed ? [d.keys ?? 0, d.sameKeyTwice ?? 0] : []),
          d.protection === 'none'
            ? 'reported'
            : d.duplicates === 0 && d.unattributed === 0
              ? 'PASS'
              : '**FAIL**',
          [...d.causes].map(([k, n]) => `${k} ×${n}`).join(', ') || '–',
        ]),
      ),
    );
    const unexplained = v.duplicates.flatMap((d) =>
      d.unexplained.map((u) => ({ ...u, what: CREATE_NAMES[d.kind] })),
    );
    if (unexplained.length > 0) {
      out.push('\nUnexplained duplicates (no fault, no kill, no restart around the call):\n');
      for (const u of unexplained.slice(0, 10))
        out.push(`- ${u.what} of ${u.workflowId}: billed ${u.resourceId}; ${u.detail}`);
    }
    const lost = [...v.lostAnswers].map(([k, calls]) => `${CREATE_NAMES[k]} ×${calls.length}`).join(', ');
    const h = c.histories;
    out.push(
      `\nCreates HeyGen processed but whose answer the worker lost (an injected 502 or hang after processing, or the caller gone before the answer, its worker killed ` +
        `mid-call; from the simulator's log): ${lost || 'none'}. ` +
        (c.version === 'v3'
          ? `On v3 the retry sends the same Idempotency-Key and HeyGen replays the first answer: ` +
            `${[...v.lostAnswers].map(([k, calls]) => `${CREATE_NAMES[k]} ${calls.filter((e) => replayed(e, c.log)).length}/${calls.length} replayed`).join(', ') || 'nothing to replay'}.`
          : h
            ? `The runs' histories show the retry finding them: group reused ×${h.groupReused}, looks reused ` +
              `×${h.looksReused}, training already started ×${h.trainingFound}.`
            : ''),
    );
  }

  if (c.webhook) {
    const w = c.webhook;
    out.push('\n### Webhook mode\n');
    out.push(
      table(
        ['measure', 'value'],
        [
          ['webhook-mode lifecycles analysed (histories read)', `${w.runs} (${w.historiesRead})`],
          ['webhook waits (photo generation, training, look generation, render)', w.waits],
          ['ended by their event (heygenJobEvent signal in history)', w.signaled],
          [
            'event never accepted by the receiver (dropped / redeliveries failed) → status read',
            w.neverAccepted,
          ],
          [
            'fallback timers fired (a status read came before the event, or instead of it)',
            w.fallbackTimersFired,
          ],
          ['accepted by the receiver but never reached the run (lost)', `**${w.lost.length}**`],
          [
            'mailbox workflows still running at the end (TTL 1 h for an unrouted event, 6 h for a route)',
            c.openMailboxes
              ? `${c.openMailboxes.total}` +
                (c.openMailboxes.total > 0
                  ? `: ${[...c.openMailboxes.byReason].map(([k, n]) => `${k} ×${n}`).join(', ')}`
                  : '')
              : '–',
          ],
        ],
      ),
    );
    for (const l of w.lost.slice(0, 10))
      out.push(
        `- lost: ${l.workflowId} ${l.kind} ${l.resourceId}, accepted at ${new Date(l.acceptedAt).toISOString()}, ` +
          `mailbox ${l.mailbox} ${l.mailboxStatus}${l.mailboxResult ? ` ${JSON.stringify(l.mailboxResult)}` : ''}`,
      );
  }

  out.push('\n### Lifecycle wall times (start → close, server clock)\n');
  const durRows: Cell[][] = (['webhook', 'poll'] as const).map((mode) => {
    const done = c.runs.filter((r) => r.mode === mode && r.status === 'COMPLETED' && r.startMs && r.closeMs);
    const walls = done.map((r) => (r.closeMs! - r.startMs!) / 1000).sort((a, b) => a - b);
    const q = (p: number) => walls[Math.min(walls.length - 1, Math.floor(p * walls.length))];
    const slowest = done.sort((a, b) => b.closeMs! - b.startMs! - (a.closeMs! - a.startMs!))[0];
    return [
      mode,
      `${done.length}/${c.runs.filter((r) => r.mode === mode).length}`,
      sec(q(0.5) ?? NaN, 0),
      sec(q(0.9) ?? NaN, 0),
      sec(walls.at(-1) ?? NaN, 0),
      slowest?.workflowId ?? '–',
    ];
  });
  out.push(table(['mode', 'completed', 'p50', 'p90', 'max', 'slowest'], durRows));

  const notDone = c.runs.filter((r) => r.status !== 'COMPLETED');
  if (notDone.length > 0) {
    out.push('\n### Lifecycles that did not complete\n');
    out.push(
      table(
        ['workflow id', 'mode', 'status', 'where / error'],
        notDone.map((r) => [r.workflowId, r.mode, r.status, (r.stuck ?? r.error ?? '').replace(/\|/g, '/')]),
      ),
    );
  }
  if (c.keptDir) out.push(`\nKept: ${c.keptDir} (temporal.db, workers.log, videos/).`);
  out.push(`\nTotal wall time: ${sec((c.endedAt - c.began) / 1000, 0)} (budget ${c.args.minutes} min).`);
  return out.join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
