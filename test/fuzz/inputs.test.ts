import { writeFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import { z } from 'zod';
import { unsupportedFields, type WorkflowContract } from '../../activities/inputValidation';
import { RunsService, type RunKind } from '../../api/runs';
import { startApiServer, type RunningApiServer } from '../../api/server';
import { PipelinesClient, referenceWorkflowId } from '../../client/pipelinesClient';
import { API_CAPABILITIES, type ApiVersion } from '../../contracts/apiVersion';
import { renderBatchInputSchema } from '../../contracts/batch';
import { lifecycleInputSchema } from '../../contracts/lifecycle';
import { renderVideoInputSchema } from '../../contracts/render';
import { describeIssue, InputValidationError } from '../../contracts/validation';
import type { HeyGenPort } from '../../heygen/port';
import { createHeyGenPort } from '../../heygen/select';
import { renderPng } from '../../simulator/media/png';
import {
  assertNoFailures,
  fuzzSession,
  isRecord,
  replaceJsonStrings,
  replaceStrings,
  runStreams,
} from '../support/fuzz';
import { FAST_POLLING, VOICE_ID } from '../support/inputs';
import { testedApiVersions, workflowSuite } from '../support/stack';
import { STUDIO_AVATAR_ID } from '../support/versions';
import { send } from '../webhooks/helpers';
import {
  buildCase,
  caseArbitrary,
  CHANNELS,
  describePlan,
  fixtureMap,
  httpInputBytes,
  KINDS,
  mixedCaseArbitrary,
  type Case,
  type CasePlan,
  type Channel,
  type Fixtures,
} from './cases';

/**
 * Input fuzzing of the three workflow inputs (photoAvatarLifecycle, renderVideo, renderBatch), in the product's
 * API-neutral contract, through both edges: the typed PipelinesClient and the HTTP API. Valid inputs are mutated
 * (fields deleted, wrong types, empty, huge and hostile strings, bad numbers, extra and prototype-polluting keys,
 * deep nesting, out-of-enum values, too many items, duplicated JSON keys, odd URLs and paths, non-object and
 * invalid JSON bodies; see ./cases.ts) by fast-check properties, and every answer is checked:
 *
 * - phase 1: every case goes to a task queue no worker polls. A refusal must name the field (the same field the
 *   contract's own first issue names) and start no workflow; an acceptance must be an input the contract accepts.
 *   No 500s. After all cases: the simulator saw no call at all, the queue holds exactly the accepted runs, no
 *   prototype pollution. The edges know no HeyGen version: phase 1 is the same whichever the workers speak.
 * - phase 2: accepted, cheap mutated cases are started on a worker of one of the tested HeyGen API versions
 *   (HEYGEN_TEST_API_VERSIONS; all workers share one simulator), and run (zero job durations). A field that version
 *   cannot honour (the adapter's own `unsupported` check) must fail the run as InvalidInput naming the field, with
 *   no HeyGen request for the run. Any other run must complete correctly (HeyGen asked for exactly the ids, texts,
 *   URLs and numbers given) or fail with a HeyGen-side business failure (an id HeyGen does not know, a missing
 *   local file...); the simulator must never answer an error no run accounts for.
 *
 * A failing case is shrunk (fewest, simplest mutations) and reported with the seed and the command that replays
 * it (FUZZ_REPLAY). Product bugs the fuzzer found are listed in KNOWN_BUGS (all fixed: hitting one fails the case;
 * FUZZ_STRICT=0 only reports them) and pinned by the regression cases at the end.
 *
 * Rerun a whole run with FUZZ_SEED=<seed printed below> npx jest test/fuzz. FUZZ_CASES (per kind and channel,
 * default 300) and FUZZ_EXEC (runs executed in all, default 24) size it.
 */

const CASES_PER_KIND = Number(process.env.FUZZ_CASES ?? 300);
const EXEC_CAP = Number(process.env.FUZZ_EXEC ?? 24);
/** Kinds of the executed runs (lifecycles are the slowest) */
const EXEC_WEIGHTS: Record<RunKind, number> = { lifecycle: 30, render: 45, batch: 25 };
const STRICT = process.env.FUZZ_STRICT !== '0';
/** Phase 1 runs one property per kind and channel at once; phase 2 this many */
const EXEC_CONCURRENCY = 4;
const EXEC_RUNS_PER_STREAM = Math.ceil(EXEC_CAP / EXEC_CONCURRENCY);
/**
 * A run still going after this is terminated and reported. Webhook-mode lifecycles without a receiver take tens of
 * seconds by design (look readiness is polled at LOOK_READY_POLLING, 1 s backing off to 5 s), more on a busy host.
 */
const EXEC_DEADLINE_MS = 90_000;
/** Shrinking stops this long after a stream's first failure: probes take milliseconds, runs seconds. */
const PROBE_SHRINK_BUDGET_MS = 60_000;
const EXEC_SHRINK_BUDGET_MS = 180_000;
/** Bound of phase 1: its cases (half a minute at the default size on a loaded machine), then shrinking. */
const PROBE_TIMEOUT_MS = 240_000 + PROBE_SHRINK_BUDGET_MS;
/** Bound of phase 2: each stream's runs one after the other, each terminated after EXEC_DEADLINE_MS, then shrinking. */
const EXEC_TIMEOUT_MS = (EXEC_RUNS_PER_STREAM + 1) * EXEC_DEADLINE_MS + EXEC_SHRINK_BUDGET_MS + 60_000;
/** Largest video (width × height × seconds) a sampled run may ask the simulator to encode (1080p for 4 s) */
const EXEC_PIXEL_SECONDS = 8_300_000;
const TOKEN = 'fuzz-token-0123456789abcdef';
const MAX_BODY = 4 * 1024 * 1024;
/** Temporal's default limit on a workflow's input payload (blob size) */
const TEMPORAL_BLOB_LIMIT = 2 * 1024 * 1024;
const VERSIONS = testedApiVersions();
const ROUTES: Record<RunKind, string> = {
  lifecycle: '/v1/lifecycles',
  render: '/v1/renders',
  batch: '/v1/batches',
};
const SCHEMAS: Record<RunKind, z.ZodType> = {
  lifecycle: lifecycleInputSchema,
  render: renderVideoInputSchema,
  batch: renderBatchInputSchema,
};
const CONTRACTS: Record<RunKind, WorkflowContract> = {
  lifecycle: 'lifecycle',
  render: 'render',
  batch: 'batch',
};
/** The HTTP API's request envelope (api/server.ts), the oracle for body-level refusals. */
const envelopeSchema = z
  .object({ reference: z.string().trim().min(1).max(200).optional(), input: z.unknown() })
  .strict();

const STUDIO = STUDIO_AVATAR_ID;

// ---------------------------------------------------------------------------------------------------------------
// Product bugs found by this fuzzer, now fixed (see the regression cases below). Matched on what a case did.

const KNOWN_BUGS = {
  'non-http-url':
    'z.url() accepted ftp:, mailto:, javascript:, file: ... media URLs (backgrounds, audio): HeyGen refuses ' +
    'them with "must be an http(s) URL" after the run has started',
  'webm-text-and-audio-without-voice':
    'a WebM with both a script and an audio file but no voice passed the contract (v2 shape); HeyGen answers ' +
    '"Missing required parameter: voice_id". The neutral speech is one of text, audio or silence.',
  'batch-internal-fields':
    'renderBatch accepts caller-set next/outcomes: items are skipped silently, outcomes can be forged, and ' +
    'non-object outcomes make the workflow task fail forever',
  'oversized-input':
    'an input the contract accepts but larger than Temporal accepts (2 MiB) is not a validation error: the ' +
    'client throws a gRPC ServiceError and the HTTP API answers 500',
} as const;
type KnownBug = keyof typeof KNOWN_BUGS;

// One simulator for every version (v2 and v3 share its account); each version's worker is started below.
const suite = workflowSuite({}, { startWorker: false });
const session = fuzzSession(
  'FUZZ_SEED',
  'TEMPORAL_CLI_PATH=<temporal CLI> npx jest test/fuzz/inputs.test.ts',
);
const seed = session.seed;

// ---------------------------------------------------------------------------------------------------------------
// Oracles: what the contract says each case should get

type Verdict = { accepted: true; data: unknown } | { accepted: false; field: string };

function contractVerdict(kind: RunKind, value: unknown): Verdict {
  const parsed = SCHEMAS[kind].safeParse(value);
  return parsed.success
    ? { accepted: true, data: parsed.data }
    : { accepted: false, field: describeIssue(parsed.error).field };
}

type HttpExpectation =
  | { status: 201; data: unknown; reference: string }
  | { status: 400; type: 'InvalidJson' }
  | { status: 400; type: 'InvalidRequest' | 'InvalidInput'; field: string }
  | { status: 413 };

function httpExpectation(
  kind: RunKind,
  body: Buffer,
  headerKey: string,
): HttpExpectation & { refs: string[] } {
  const refs = [headerKey];
  if (body.length > MAX_BODY) return { status: 413, refs };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, type: 'InvalidJson', refs };
  }
  if (isRecord(parsed) && typeof parsed.reference === 'string') refs.push(parsed.reference.trim());
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) {
    // A body that is not an object is named `(body)` (the API's field for the request body itself).
    const field = describeIssue(envelope.error).field;
    return { status: 400, type: 'InvalidRequest', field: field === '(input)' ? '(body)' : field, refs };
  }
  const reference = envelope.data.reference;
  if (reference && reference !== headerKey.trim()) {
    return { status: 400, type: 'InvalidRequest', field: 'reference', refs };
  }
  if (envelope.data.input === undefined) return { status: 400, type: 'InvalidRequest', field: 'input', refs };
  const verdict = contractVerdict(kind, envelope.data.input);
  return verdict.accepted
    ? { status: 201, data: verdict.data, reference: reference ?? headerKey.trim(), refs }
    : {
        status: 400,
        type: 'InvalidInput',
        field: verdict.field === '(input)' ? 'input' : `input.${verdict.field}`,
        refs,
      };
}

/** A named field must be a real place in the input: its parent exists (the field itself may be missing). */
function fieldResolves(input: unknown, field: string): boolean {
  if (field === '(input)') return true;
  // Keys may contain dots themselves (an unknown key named `a.b`): try every way of grouping the parts.
  const resolves = (current: unknown, parts: string[]): boolean => {
    if (parts.length === 1) return typeof current === 'object' && current !== null;
    // The rest is one key of this object (an unknown key whose name holds dots).
    if (isRecord(current) && Object.prototype.hasOwnProperty.call(current, parts.join('.'))) return true;
    for (let take = 1; take < parts.length; take++) {
      const part = parts.slice(0, take).join('.');
      const rest = parts.slice(take);
      if (Array.isArray(current) && /^\d+$/.test(part) && resolves(current[Number(part)], rest)) return true;
      if (
        isRecord(current) &&
        Object.prototype.hasOwnProperty.call(current, part) &&
        resolves(current[part], rest)
      )
        return true;
    }
    return false;
  };
  return resolves(input, field.split('.'));
}

const encodedBytes = (value: unknown): number => {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
};

/** Caller-set batch fields that change what the batch does (see KNOWN_BUGS['batch-internal-fields']). */
function setsInternalFields(kind: RunKind, data: unknown): boolean {
  if (kind !== 'batch' || !isRecord(data)) return false;
  const outcomes = data.outcomes;
  return (typeof data.next === 'number' && data.next > 0) || (Array.isArray(outcomes) && outcomes.length > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Running the cases

interface Failure {
  type: string;
  message: string;
  code?: unknown;
}

function failureOf(err: unknown): Failure {
  let current: unknown = err;
  for (let depth = 0; current && depth < 10; depth += 1) {
    if (current instanceof ApplicationFailure) {
      const details = (current.details?.[0] ?? {}) as { code?: unknown };
      return { type: current.type ?? 'Error', message: current.message, code: details.code };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
}

type Classification = { legit: string } | { known: KnownBug } | { violation: string };

/** Why an accepted run failed: HeyGen-side business failures are legitimate, anything else is not. */
function classifyFailure(f: Failure): Classification {
  if (/must be an http\(s\) URL/.test(f.message)) return { known: 'non-http-url' };
  if (/Missing required parameter: voice_id/.test(f.message)) {
    return { known: 'webm-text-and-audio-without-voice' };
  }
  // v2 answers 400 for an id it does not know, v3 400 (voices, assets) or 404 (avatars, looks).
  if (
    (f.type === 'HeyGenInvalidRequest' || f.type === 'HeyGenNotFound') &&
    /\[HTTP 40[04]\]/.test(f.message) &&
    /not found/i.test(f.message)
  ) {
    return { legit: 'unknown-reference' };
  }
  if (f.type === 'FileError') return { legit: 'local-file' };
  if (f.type === 'InvalidInput' && /not a HeyGen studio avatar/.test(f.message))
    return { legit: 'not-studio' };
  if (f.type === 'HeyGenJobFailed' && String(f.code) === '40119') return { legit: 'plan-limit' };
  return { violation: `${f.type}: ${f.message}` };
}

/** HeyGen errors a failure reports (the HTTP status in its message), to match against the simulator's answers. */
const reportedHttpError = (f: Failure) => /\[HTTP (400|404)\]/.exec(f.message)?.[1];

function start(client: PipelinesClient, kind: RunKind, value: unknown, workflowId?: string) {
  const opts = workflowId ? { workflowId } : {};
  if (kind === 'lifecycle') return client.startLifecycle(value as never, opts);
  if (kind === 'render') return client.startRender(value as never, opts);
  return client.startBatch(value as never, opts);
}

/** The first field of a valid input the version cannot honour (the worker refuses it before any HeyGen call). */
function refusedField(port: HeyGenPort, kind: RunKind, data: unknown): string | undefined {
  return unsupportedFields(port, CONTRACTS[kind], data)[0]?.field;
}

// ---------------------------------------------------------------------------------------------------------------

/** What a run found: violations fail the test; known bugs are reported; counts make the summary. */
class Findings {
  readonly violations: string[] = [];
  readonly known = new Map<KnownBug, string[]>();
  readonly stats = new Map<string, { tried: number; refused: number; accepted: number; other: number }>();
  readonly httpStatuses = new Map<number, number>();
  readonly accepted: Array<{ c: Case; data: unknown; workflowId: string }> = [];
  readonly exec = {
    runs: 0,
    completed: 0,
    batchItems: 0,
    legit: new Map<string, number>(),
    /** Runs refused by their worker for a field its API version cannot honour, by version */
    unsupported: new Map<ApiVersion, number>(),
    /** HeyGen errors the failed runs report, by HTTP status */
    httpErrors: new Map<string, number>(),
    perVersion: new Map<ApiVersion, number>(),
    durations: [] as Array<{ ms: number; label: string }>,
  };

  /** A problem of the whole run (not of one case) */
  violate(what: string): void {
    this.violations.push(what.slice(0, 600));
  }

  note(bug: KnownBug, c: Case, what: string): void {
    const list = this.known.get(bug) ?? [];
    list.push(`${caseLabel(c)}: ${what}`.slice(0, 400));
    this.known.set(bug, list);
  }

  count(c: Case, outcome: 'refused' | 'accepted' | 'other'): void {
    const key = `${c.channel}/${c.kind}`;
    const s = this.stats.get(key) ?? { tried: 0, refused: 0, accepted: 0, other: 0 };
    s.tried += 1;
    s[outcome] += 1;
    this.stats.set(key, s);
  }

  totals(): { refused: number; accepted: number } {
    let refused = 0;
    let accepted = 0;
    for (const s of this.stats.values()) {
      refused += s.refused;
      accepted += s.accepted;
    }
    return { refused, accepted };
  }

  probeSummary(header: string): string {
    const table = [...this.stats.entries()].map(([k, s]) => `  ${k}: ${JSON.stringify(s)}`).join('\n');
    return [
      header,
      table,
      `  HTTP statuses: ${JSON.stringify(Object.fromEntries(this.httpStatuses))}`,
      this.knownBugs(),
    ].join('\n');
  }

  execSummary(
    header: string,
    perKind: Record<RunKind, number>,
    simCalls: number,
    simErrors: Record<string, number>,
  ): string {
    return [
      header,
      `  executed ${this.exec.runs} accepted inputs ${JSON.stringify(perKind)} on HeyGen API ` +
        `${JSON.stringify(Object.fromEntries(this.exec.perVersion))}: ${this.exec.completed} completed correctly ` +
        `(${this.exec.batchItems} batch items); refused by the worker for a field its API cannot honour ` +
        `${JSON.stringify(Object.fromEntries(this.exec.unsupported))}; legitimate HeyGen-side failures ` +
        `${JSON.stringify(Object.fromEntries(this.exec.legit))}; simulator calls ${simCalls}, errors ` +
        JSON.stringify(simErrors),
      `  slowest runs: ${[...this.exec.durations]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((d) => `${d.ms} ms ${d.label}`)
        .join('; ')}`,
      this.knownBugs(),
    ].join('\n');
  }

  private knownBugs(): string {
    const bugs = [...this.known.entries()].map(
      ([bug, list]) =>
        `   - ${bug} (${list.length}): ${KNOWN_BUGS[bug]}\n       e.g. ${list.slice(0, 2).join('\n       e.g. ')}`,
    );
    return bugs.length ? `  KNOWN PRODUCT BUGS hit:\n${bugs.join('\n')}` : '  no known product bug hit';
  }
}

const caseLabel = (c: Case) => `${c.id} [${c.base}; ${c.steps.join(', ')}]`;

/** One case's problems: any of them fails the case's property run, and so does a known bug unless FUZZ_STRICT=0. */
class CaseCheck {
  readonly problems: string[] = [];
  constructor(
    readonly c: Case,
    readonly found: Findings,
  ) {}

  fail(what: string): void {
    this.problems.push(what.slice(0, 600));
  }

  known(bug: KnownBug, what: string): void {
    this.found.note(bug, this.c, what);
    if (STRICT) this.fail(`known product bug ${bug} (${KNOWN_BUGS[bug]}): ${what}`);
  }

  accept(data: unknown, workflowId: string): void {
    this.found.accepted.push({ c: this.c, data, workflowId });
    if (setsInternalFields(this.c.kind, data)) this.known('batch-internal-fields', 'accepted');
  }

  /** A failed run (or batch item) of an accepted input: legitimate, a known bug, or a violation. */
  judge(f: Failure, where: string): void {
    const { exec } = this.found;
    const status = reportedHttpError(f);
    if (status) exec.httpErrors.set(status, (exec.httpErrors.get(status) ?? 0) + 1);
    const verdict = classifyFailure(f);
    if ('legit' in verdict) exec.legit.set(verdict.legit, (exec.legit.get(verdict.legit) ?? 0) + 1);
    else if ('known' in verdict) this.known(verdict.known, `${where}: ${f.message}`);
    else this.fail(`${where} failed: ${verdict.violation}`);
  }

  /** Throws the problems, for fast-check to shrink the case. */
  settle(): void {
    if (this.problems.length > 0) throw new Error(`${caseLabel(this.c)}:\n  ${this.problems.join('\n  ')}`);
  }
}

/** One worker per tested API version on the shared simulator, with its client, HTTP API, port and fixtures. */
interface Executor {
  version: ApiVersion;
  client: PipelinesClient;
  api: RunningApiServer;
  port: HeyGenPort;
  fixtures: Fixtures;
  replacements: ReadonlyMap<string, string>;
}

describe('input fuzzing', () => {
  let parked: PipelinesClient;
  let parkedQueue: string;
  let parkedApi: RunningApiServer;
  const executors = {} as Record<ApiVersion, Executor>;
  /**
   * Phase 1's keep-alive sockets. Phase 2 and the final checks open a connection per request instead: their
   * requests are minutes apart on some servers, and a socket the server closed as idle would reset when reused.
   */
  const agent = new http.Agent({ keepAlive: true, maxSockets: KINDS.length * CHANNELS.length });

  beforeAll(async () => {
    const { stack, env } = suite;
    console.log(`input fuzz seed: ${seed} (rerun with FUZZ_SEED=${seed} npx jest test/fuzz)`);
    await writeFile(
      path.join(stack.outputDir, 'face.png'),
      renderPng({ width: 64, height: 64, seed: 'face' }),
    );
    const tokens = [{ name: 'fuzz', token: TOKEN }];
    for (const version of VERSIONS) {
      const heygen = { ...stack.config.heygen, apiVersion: version };
      const port = createHeyGenPort(heygen);
      // A photo as this version names it, and a look made from it.
      const asset = await port.uploadAsset(renderPng({ width: 64, height: 64, seed: 'fuzz' }), 'image/png');
      const imageKey = asset.photoRef ?? asset.assetId;
      const { lookId } = await port.createAvatar({
        name: `fuzz fixtures ${version}`,
        source: 'photo',
        photo: imageKey,
      });
      const taskQueue = `${stack.config.temporal.taskQueue}-${version}`;
      await stack.startWorker({ temporal: { ...stack.config.temporal, taskQueue }, heygen });
      const client = new PipelinesClient(env.client, taskQueue);
      const api = await startApiServer({ runs: new RunsService(client), tokens, maxBodyBytes: MAX_BODY });
      const fixtures = { imageKey, lookId };
      executors[version] = { version, client, api, port, fixtures, replacements: fixtureMap(fixtures) };
    }
    // No worker polls this queue: accepted inputs start a workflow that never runs, hence never calls HeyGen.
    parkedQueue = `fuzz-parked-${seed}`;
    parked = new PipelinesClient(env.client, parkedQueue);
    parkedApi = await startApiServer({ runs: new RunsService(parked), tokens, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    agent.destroy();
    await parkedApi?.close();
    for (const { api } of Object.values(executors)) await api.close();
  });

  const post = (api: RunningApiServer, kind: RunKind, body: Buffer, key?: string, keepAlive = true) =>
    send(`${api.url}${ROUTES[kind]}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body,
      // Over the limit the API answers 413 and destroys the connection: keep such requests off the shared sockets.
      agent: body.length > MAX_BODY || !keepAlive ? false : agent,
    });

  async function notStarted(workflowId: string): Promise<boolean> {
    try {
      await suite.env.client.workflow.getHandle(workflowId).describe();
      return false;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return true;
      throw err;
    }
  }

  /** Phase 1, typed client: refused with the contract's field and nothing started, or accepted as the contract says. */
  async function probeClient(check: CaseCheck): Promise<void> {
    const { c, found } = check;
    const verdict = contractVerdict(c.kind, c.value);
    const workflowId = `fuzz-${seed}-${c.id}`;
    try {
      await start(parked, c.kind, c.value, workflowId);
      found.count(c, 'accepted');
      if (verdict.accepted) check.accept(verdict.data, workflowId);
      else check.fail(`accepted, but the contract refuses ${verdict.field}`);
      return;
    } catch (err) {
      if (err instanceof InputValidationError) {
        found.count(c, 'refused');
        if (!err.field || !err.detail) check.fail(`refusal without a field or detail: ${err.message}`);
        if (err.message !== `Invalid input: ${err.field}: ${err.detail}`) {
          check.fail(`odd message ${err.message}`);
        }
        if (verdict.accepted) check.fail(`refused ${err.field}, but the contract accepts it`);
        else if (verdict.field !== err.field) {
          check.fail(`named ${err.field}, the contract's issue is ${verdict.field}`);
        }
        if (!fieldResolves(c.value, err.field)) check.fail(`named ${err.field}, not a place in the input`);
      } else {
        found.count(c, 'other');
        const message = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
        if (verdict.accepted && encodedBytes(verdict.data) > TEMPORAL_BLOB_LIMIT * 0.9) {
          check.known('oversized-input', `${encodedBytes(verdict.data)} bytes: ${message}`);
        } else if (verdict.accepted && setsInternalFields(c.kind, verdict.data)) {
          check.known('batch-internal-fields', message);
        } else check.fail(`not an InputValidationError: ${message}`);
      }
    }
    if (!(await notStarted(workflowId))) check.fail(`refused, yet workflow ${workflowId} exists`);
  }

  /** Phase 1, HTTP API: 201 exactly when the contract accepts; else 400 (or 413) naming what the contract names. */
  async function probeHttp(check: CaseCheck): Promise<void> {
    const { c, found } = check;
    const key = c.key!;
    const expected = httpExpectation(c.kind, c.body!, key);
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post(parkedApi, c.kind, c.body!, key);
    } catch (err) {
      found.count(c, 'other');
      // Over the body limit the API answers 413 and drops the connection, which may reset before the answer.
      if (expected.status !== 413) check.fail(`no HTTP answer: ${String(err)}`);
      return;
    }
    found.httpStatuses.set(answer.status, (found.httpStatuses.get(answer.status) ?? 0) + 1);
    const error = (
      answer.json as { error?: { type?: unknown; message?: unknown; field?: unknown } } | undefined
    )?.error;
    const type = typeof error?.type === 'string' ? error.type : '';
    const field = typeof error?.field === 'string' ? error.field : '';

    if (answer.status === 201) {
      found.count(c, 'accepted');
      const workflowId = (answer.json as { workflowId?: string }).workflowId ?? '';
      if (expected.status !== 201) {
        check.fail(`201, but the contract expects ${JSON.stringify(expected).slice(0, 300)}`);
      } else if (workflowId !== referenceWorkflowId(c.kind, expected.reference)) {
        check.fail(`odd workflow id ${workflowId}`);
      } else check.accept(expected.data, workflowId);
      return;
    }
    if (answer.status === 400 || answer.status === 413) {
      found.count(c, 'refused');
      if (typeof error?.message !== 'string' || !error.message) {
        check.fail(`${answer.status} without a message`);
      }
      if (answer.status === 413) {
        if (expected.status !== 413 || type !== 'PayloadTooLarge') check.fail(`413 ${answer.text}`);
      } else if (!['InvalidInput', 'InvalidRequest', 'InvalidJson'].includes(type)) {
        check.fail(`400 of type ${type}`);
      } else if (type !== 'InvalidJson' && !field) {
        check.fail(`400 ${type} without a field`);
      } else if (expected.status !== 400 || expected.type !== type) {
        check.fail(`400 ${type} ${field}, the contract expects ${JSON.stringify(expected).slice(0, 200)}`);
      } else if (expected.type !== 'InvalidJson' && expected.field !== field) {
        check.fail(`named ${field}, the contract's issue is ${expected.field}`);
      }
    } else {
      found.count(c, 'other');
      if (
        answer.status === 500 &&
        expected.status === 201 &&
        encodedBytes(expected.data) > TEMPORAL_BLOB_LIMIT * 0.9
      ) {
        check.known('oversized-input', `${c.body!.length} bytes: HTTP 500 ${answer.text}`);
      } else check.fail(`HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    }
    for (const ref of expected.refs) {
      const id = referenceWorkflowId(c.kind, ref);
      if (!(await notStarted(id))) check.fail(`refused, yet workflow ${id} exists`);
    }
  }

  /** Requests the simulator logged that name the run (names, callback ids and titles carry the workflow id). */
  const requestsFor = (workflowId: string) =>
    suite.stack.sim.log().filter((e) => JSON.stringify(e.body ?? null).includes(workflowId));

  /**
   * Phase 2: starts an accepted case for real (same channel) on a worker of `version`, with that version's
   * fixtures, and judges how it ends.
   */
  async function execute(c: Case, accepted: unknown, version: ApiVersion, check: CaseCheck): Promise<void> {
    const { found } = check;
    const ex = executors[version];
    const data = replaceStrings(accepted, ex.replacements);
    found.exec.runs += 1;
    found.exec.perVersion.set(version, (found.exec.perVersion.get(version) ?? 0) + 1);
    const t0 = Date.now();
    let workflowId: string;
    if (c.channel === 'client') {
      try {
        workflowId = (await start(ex.client, c.kind, replaceStrings(c.value, ex.replacements))).workflowId;
      } catch (err) {
        check.fail(`exec start (${version}) threw ${String(err)}`);
        return;
      }
    } else {
      const input = replaceJsonStrings(c.inputBytes!, ex.replacements);
      const body = Buffer.concat([Buffer.from('{"input":'), input, Buffer.from('}')]);
      const res = await post(ex.api, c.kind, body, `${c.key!}-exec-${version}`, false);
      if (res.status !== 201) {
        check.fail(`exec start (${version}) answered ${res.status} ${res.text.slice(0, 200)}`);
        return;
      }
      workflowId = (res.json as { workflowId: string }).workflowId;
    }
    const outcome = await waitForRun(c.channel, workflowId, ex);
    const where = `run ${workflowId} (HeyGen API ${version})`;
    found.exec.durations.push({ ms: Date.now() - t0, label: `${c.id} [${c.base}; ${c.steps.join(', ')}]` });
    const refused = refusedField(ex.port, c.kind, data);
    if (outcome === 'stuck') {
      check.fail(`${where} did not end within ${EXEC_DEADLINE_MS} ms (terminated)`);
    } else if (refused !== undefined) {
      // The worker must refuse what its API cannot honour, by name, before asking HeyGen anything.
      const f = 'failure' in outcome ? outcome.failure : undefined;
      if (f?.type !== 'InvalidInput' || !f.message.includes(refused)) {
        check.fail(
          `${where}: ${refused} cannot be honoured, yet the run ${f ? `failed: ${f.type}: ${f.message}` : 'completed'}`,
        );
      } else if (requestsFor(workflowId).length > 0) {
        check.fail(
          `${where} refused ${refused}, yet HeyGen got ${requestsFor(workflowId)
            .map((e) => e.path)
            .join(', ')}`,
        );
      } else found.exec.unsupported.set(version, (found.exec.unsupported.get(version) ?? 0) + 1);
    } else if ('failure' in outcome) {
      check.judge(outcome.failure, where);
    } else {
      const problems = await checkResult(c.kind, data, workflowId, outcome.result, version, (item, f) => {
        found.exec.batchItems += 1;
        if (f) check.judge(f, `${where} batch item ${item}`);
      });
      for (const p of problems) check.fail(`${where}: ${p}`);
      if (problems.length === 0) found.exec.completed += 1;
    }
  }
  /** Phase 1 runs one property per kind and channel. */
  const probeStreams = KINDS.flatMap((kind) => CHANNELS.map((channel) => ({ kind, channel })));
  let caseNumber = 0;
  /** The case a plan describes, under an id (and Idempotency-Key) of its own: shrinking sends plans again. */
  const newCase = (plan: CasePlan): Case => {
    caseNumber += 1;
    const id = `${plan.channel === 'client' ? 'c' : 'h'}-${plan.kind}-${caseNumber}`;
    return buildCase(plan, id, `fuzz-${seed}-${plan.kind}-h${caseNumber}`);
  };

  test(
    `${CASES_PER_KIND} mutated inputs per kind and channel: refused with the field named, or accepted as the contract says`,
    async () => {
      const { stack } = suite;
      const started = Date.now();
      const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
      const found = new Findings();
      const first = caseNumber;
      stack.sim.clearLog();
      const result = await runStreams(session, {
        label: 'probe',
        streams: probeStreams.length,
        numRuns: CASES_PER_KIND,
        shrinkBudgetMs: PROBE_SHRINK_BUDGET_MS,
        arbitrary: (i) => caseArbitrary(probeStreams[i]!.kind, probeStreams[i]!.channel),
        predicate: async (plan) => {
          const check = new CaseCheck(newCase(plan), found);
          await (check.c.channel === 'client' ? probeClient(check) : probeHttp(check));
          check.settle();
        },
        describe: describePlan,
      });
      const probed = caseNumber - first;

      // Nothing reached HeyGen.
      const log = stack.sim.log();
      if (log.length > 0) {
        found.violate(`phase 1 called HeyGen ${log.length} times: ${log.map((e) => e.path).join(', ')}`);
      }
      // The parked queue holds exactly the accepted runs: no refused input started anything, under any id.
      const acceptedIds = new Set(found.accepted.map((a) => a.workflowId));
      let listed = new Set<string>();
      for (let i = 0; i < 100 && listed.size < acceptedIds.size; i += 1) {
        if (i > 0) await new Promise((r) => setTimeout(r, 200));
        listed = new Set<string>();
        for await (const run of suite.env.client.workflow.list({ query: `TaskQueue = "${parkedQueue}"` })) {
          listed.add(run.workflowId);
        }
      }
      for (const id of listed) {
        if (!acceptedIds.has(id)) found.violate(`workflow ${id} started, but no case was accepted as it`);
      }
      for (const id of acceptedIds) if (!listed.has(id)) found.violate(`accepted ${id} is not listed`);
      // The process is intact, nothing polluted Object.prototype.
      const health = await send(`${parkedApi.url}/healthz`, { method: 'GET', agent: false });
      if (health.status !== 200) found.violate(`${parkedApi.url} /healthz answered ${health.status}`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);

      console.log(
        found.probeSummary(
          `input fuzz, phase 1 (seed ${seed}): ${result.runs} cases in ${Date.now() - started} ms ` +
            `(${probed} probed, shrinking included)`,
        ),
      );
      assertNoFailures(session, result);
      expect({ seed, violations: found.violations.slice(0, 30), total: found.violations.length }).toEqual({
        seed,
        violations: [],
        total: 0,
      });
      if (!session.replay) {
        // The fuzzer explores both sides of the contract.
        const totals = found.totals();
        expect(totals.refused).toBeGreaterThan(probed * 0.3);
        expect(totals.accepted).toBeGreaterThan(probed * 0.03);
      }
    },
    PROBE_TIMEOUT_MS,
  );

  /**
   * The contract's data for a phase-2 plan on `version`: accepted as sent (the HTTP API gets its input in a plain
   * envelope), cheap to run, and still valid once the version's fixture ids replace the placeholders.
   */
  function runnable(plan: CasePlan, version: ApiVersion): { data: unknown } | undefined {
    let input: unknown;
    if (plan.channel === 'client') input = buildCase(plan, 'probe', 'probe').value;
    else {
      try {
        input = JSON.parse(httpInputBytes(plan).toString('utf8'));
      } catch {
        return undefined;
      }
    }
    const verdict = contractVerdict(plan.kind, input);
    if (!verdict.accepted || !executable(plan.kind, verdict.data)) return undefined;
    const replaced = replaceStrings(verdict.data, executors[version].replacements);
    return SCHEMAS[plan.kind].safeParse(replaced).success ? { data: verdict.data } : undefined;
  }

  test(
    `${EXEC_CAP} accepted mutated inputs run on a worker of each tested version: refused by name, or run correctly`,
    async () => {
      const { stack } = suite;
      const started = Date.now();
      const found = new Findings();
      const perKind: Record<RunKind, number> = { lifecycle: 0, render: 0, batch: 0 };
      stack.sim.clearLog();
      const plans = fc
        .record({
          plan: mixedCaseArbitrary(EXEC_WEIGHTS, { controls: false, inputOnly: true }),
          version: fc.constantFrom(...VERSIONS),
        })
        .filter(({ plan, version }) => runnable(plan, version) !== undefined);
      const result = await runStreams(session, {
        label: 'exec',
        streams: EXEC_CONCURRENCY,
        numRuns: EXEC_RUNS_PER_STREAM,
        shrinkBudgetMs: EXEC_SHRINK_BUDGET_MS,
        arbitrary: () => plans,
        predicate: async ({ plan, version }) => {
          const check = new CaseCheck(newCase(plan), found);
          perKind[plan.kind] += 1;
          await execute(check.c, runnable(plan, version)!.data, version, check);
          check.settle();
        },
        describe: ({ plan, version }) => `on ${version}: ${describePlan(plan)}`,
      });

      // The simulator answered no error but the 400s and 404s of the failures judged (one refused create each):
      // nothing the product should have refused reached HeyGen unnoticed.
      const log = stack.sim.log();
      const accounted = new Set(['400', '404']);
      for (const e of log.filter(
        (x) => x.status === 0 || (x.status >= 400 && !accounted.has(String(x.status))),
      )) {
        found.violate(`simulator answered ${e.status} to ${e.method} ${e.path}`);
      }
      const simErrors: Record<string, number> = {};
      for (const status of accounted) {
        const answered = log.filter((e) => String(e.status) === status);
        simErrors[status] = answered.length;
        const reported = found.exec.httpErrors.get(status) ?? 0;
        if (answered.length !== reported) {
          found.violate(
            `simulator answered ${status} ${answered.length} times, runs report ${reported}: ` +
              answered.map((e) => `${e.path} ${JSON.stringify(e.body).slice(0, 200)}`).join(' | '),
          );
        }
      }
      for (const { api } of Object.values(executors)) {
        const health = await send(`${api.url}/healthz`, { method: 'GET', agent: false });
        if (health.status !== 200) found.violate(`${api.url} /healthz answered ${health.status}`);
      }

      console.log(
        found.execSummary(
          `input fuzz, phase 2 (seed ${seed}): ${result.runs} runs in ${Date.now() - started} ms`,
          perKind,
          log.length,
          simErrors,
        ),
      );
      assertNoFailures(session, result);
      expect({ seed, violations: found.violations.slice(0, 30), total: found.violations.length }).toEqual({
        seed,
        violations: [],
        total: 0,
      });
      expect(found.exec.runs).toBeGreaterThan(0);
    },
    EXEC_TIMEOUT_MS,
  );

  function executable(kind: RunKind, data: unknown): boolean {
    if (!isRecord(data) || encodedBytes(data) > 100_000 || setsInternalFields(kind, data)) return false;
    const fastPolling = (r: Record<string, unknown>) =>
      ((r.polling as { maxSeconds?: number } | undefined)?.maxSeconds ?? 60) <= 1;
    if (kind === 'batch') {
      const items = data.items as Array<{ render: Record<string, unknown> }>;
      return (
        items.length <= 3 &&
        items.every((i) => fastPolling(i.render)) &&
        items.reduce((sum, i) => sum + renderPixelSeconds(i.render), 0) <= EXEC_PIXEL_SECONDS
      );
    }
    if (kind === 'render') return fastPolling(data) && renderPixelSeconds(data) <= EXEC_PIXEL_SECONDS;
    const video = data.video as { script: string; dimension?: { width: number; height: number } };
    const photo = data.photo as { imageKeys?: unknown[]; files?: unknown[] };
    return (
      fastPolling(data) &&
      ((data.looks as unknown[] | undefined)?.length ?? 0) <= 3 &&
      (photo.imageKeys?.length ?? photo.files?.length ?? 1) <= 6 &&
      area(video.dimension) * speechSeconds(video.script) <= EXEC_PIXEL_SECONDS
    );
  }

  type RunOutcome = 'stuck' | { result: unknown } | { failure: Failure };

  async function waitForRun(channel: Channel, workflowId: string, ex: Executor): Promise<RunOutcome> {
    const deadline = Date.now() + EXEC_DEADLINE_MS;
    const handle = suite.env.client.workflow.getHandle(workflowId);
    if (channel === 'http') {
      for (;;) {
        const res = await send(`${ex.api.url}/v1/runs/${encodeURIComponent(workflowId)}/result`, {
          method: 'GET',
          headers: { authorization: `Bearer ${TOKEN}` },
          agent: false,
        });
        if (res.status === 200) {
          const view = res.json as { status: string; result?: unknown; failure?: Failure };
          if (view.status === 'completed') return { result: view.result };
          return { failure: view.failure ?? { type: view.status, message: `run ended as ${view.status}` } };
        }
        if (res.status !== 202) return { failure: { type: `HTTP ${res.status}`, message: res.text } };
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } else {
      for (;;) {
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING') break;
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') {
        try {
          return { result: await handle.result() };
        } catch (err) {
          return { failure: failureOf(err) };
        }
      }
    }
    await handle.terminate('fuzz: run did not end in time').catch(() => undefined);
    return 'stuck';
  }

  /**
   * A completed run's result is whole and names its kind and API version, its files exist, and HeyGen was asked
   * for exactly what was given: every id, text, URL, colour and number of the input is in the render request the
   * simulator logged for the run (found by its callback id, which v2 echoes for scene videos only).
   */
  async function checkResult(
    kind: RunKind,
    data: unknown,
    workflowId: string,
    result: unknown,
    version: ApiVersion,
    item: (index: number, failure?: Failure) => void,
  ): Promise<string[]> {
    const problems: string[] = [];
    const log = suite.stack.sim.log();
    const videoFile = async (r: unknown, where: string, expectedKind?: string) => {
      const v = r as
        | { sha256?: string; videoPath?: string; bytes?: number; kind?: string; apiVersion?: string }
        | undefined;
      if (v?.apiVersion !== version) problems.push(`${where}: apiVersion ${v?.apiVersion}, not ${version}`);
      if (expectedKind && v?.kind !== expectedKind)
        problems.push(`${where}: kind ${v?.kind}, not ${expectedKind}`);
      if (!v || !/^[0-9a-f]{64}$/.test(v.sha256 ?? ''))
        return problems.push(`${where}: no sha256 in ${JSON.stringify(r)}`);
      const size = await stat(v.videoPath ?? '').then(
        (s) => s.size,
        () => -1,
      );
      if (size <= 0 || (v.bytes !== undefined && size !== v.bytes))
        problems.push(`${where}: file ${v.videoPath} has ${size} bytes`);
      return 0;
    };
    const sentFor = (callbackId: string) =>
      log.find(
        (e) =>
          e.method === 'POST' &&
          e.status === 200 &&
          (e.body as { callback_id?: string } | undefined)?.callback_id === callbackId,
      )?.body;
    const sameRequest = (render: Record<string, unknown>, callbackId: string, where: string) => {
      const renderKind = kindOf(render);
      if (renderKind !== 'scenes' && !API_CAPABILITIES[version].callbackForEveryRender) return;
      const sent = sentFor(callbackId);
      if (sent === undefined)
        return problems.push(`${where}: no render request with callback_id ${callbackId}`);
      const missing = missingFrom(sent, askedFor(render));
      if (missing.length > 0) {
        problems.push(
          `${where}: HeyGen was not asked for ${JSON.stringify(missing)}: got ${JSON.stringify(sent).slice(0, 300)}`,
        );
      }
      return 0;
    };

    if (kind === 'lifecycle') {
      const input = data as {
        name: string;
        video: { script: string; voiceId: string; title?: string; background?: Record<string, unknown> };
      };
      await videoFile(result, 'lifecycle');
      const { video } = input;
      // The render speaks the script in the voice, over the background, with one of the run's looks.
      const scene = { speech: { text: video.script, voiceId: video.voiceId }, background: video.background };
      const callbackId = `${workflowId}/render`;
      sameRequest({ video: { scenes: [scene], title: video.title ?? input.name } }, callbackId, 'lifecycle');
      const lookIds = (result as { lookIds?: string[] } | undefined)?.lookIds ?? [];
      const sent = sentFor(callbackId);
      if (sent !== undefined && missingFrom(sent, lookIds).length === lookIds.length) {
        problems.push(`lifecycle: the render uses none of the looks ${JSON.stringify(lookIds)}`);
      }
    } else if (kind === 'render') {
      const render = data as Record<string, unknown>;
      await videoFile(result, 'render', kindOf(render));
      sameRequest(render, workflowId, 'render');
    } else {
      const items = (data as { items: Array<{ ref?: string; render: Record<string, unknown> }> }).items;
      const r = result as {
        total: number;
        completed: number;
        failed: number;
        items: Array<Record<string, unknown>>;
      };
      if (r.total !== items.length || r.completed + r.failed !== r.total || r.items.length !== r.total) {
        problems.push(`batch: result does not add up ${JSON.stringify(r).slice(0, 300)}`);
      }
      for (const [i, outcome] of r.items.entries()) {
        if (outcome.index !== i || outcome.ref !== items[i]?.ref)
          problems.push(`batch: item ${i} is ${JSON.stringify(outcome)}`);
        if (outcome.status === 'completed') {
          item(i);
          await videoFile(outcome.result, `batch item ${i}`, kindOf(items[i]!.render));
          sameRequest(items[i]!.render, `${workflowId}/item-${i}`, `batch item ${i}`);
        } else item(i, outcome.error as Failure);
      }
    }
    return problems;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Regressions: product bugs this fuzzer found (now fixed), each pinned by the input that exposed it.

  describe('bugs found by the fuzzer stay fixed', () => {
    const scene = (background: unknown) => ({
      video: {
        scenes: [
          {
            character: { type: 'avatar', avatarId: STUDIO },
            speech: { type: 'text', voiceId: VOICE_ID, text: 'Hello.' },
            background,
          },
        ],
        dimension: { width: 1280, height: 720 },
      },
      polling: FAST_POLLING,
    });
    const first = () => executors[VERSIONS[0]!];

    /** Refused by the client, or run to its end: anything but 'refused' is the bug. */
    async function refusedOrRun(kind: RunKind, input: unknown): Promise<string> {
      try {
        const { workflowId } = await start(first().client, kind, input);
        const outcome = await waitForRun('client', workflowId, first());
        return outcome === 'stuck' ? 'stuck' : 'failure' in outcome ? outcome.failure.message : 'completed';
      } catch (err) {
        return err instanceof InputValidationError ? 'refused' : String(err);
      }
    }

    test('non-http(s) media URLs are refused before any HeyGen call (non-http-url)', async () => {
      for (const url of ['ftp://example.com/bg.png', 'javascript:alert(1)', 'file:///etc/passwd']) {
        expect(await refusedOrRun('render', scene({ type: 'image', url }))).toBe('refused');
      }
      const [plain] = scene(undefined).video.scenes;
      const audio = { video: { scenes: [{ ...plain, speech: { type: 'audio', url: 'mailto:a@b.c' } }] } };
      expect(await refusedOrRun('render', audio)).toBe('refused');
    });

    test('a WebM speech is one of a script or an audio file, never both (webm-text-and-audio-without-voice)', async () => {
      const input = {
        webm: {
          avatarId: STUDIO,
          speech: { type: 'text', text: 'Hi.', url: 'https://example.com/a.mp3' },
        },
        polling: FAST_POLLING,
      };
      expect(await refusedOrRun('render', input)).toBe('refused');
      const noVoice = { ...input, webm: { avatarId: STUDIO, speech: { type: 'text', text: 'Hi.' } } };
      expect(await refusedOrRun('render', noVoice)).toBe('refused');
    });

    test("callers cannot set a batch's next or outcomes (batch-internal-fields)", async () => {
      const items = [{ render: scene({ type: 'color', color: '#000000' }) }];
      for (const input of [
        { items, next: 1 },
        { items, outcomes: [null, null] },
        { items, next: 1, outcomes: [{ index: 0, status: 'completed', workflowId: 'x', result: {} }] },
      ]) {
        await expect(parked.startBatch(input as never)).rejects.toBeInstanceOf(InputValidationError);
      }
      // Started raw through any SDK, the workflow itself refuses forged progress in a first run.
      const handle = await suite.env.client.workflow.start('renderBatch', {
        taskQueue: first().client.taskQueue,
        workflowId: `fuzz-${seed}-forged-batch`,
        args: [{ items, next: 1, outcomes: [] }],
      });
      await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
    });

    test('an input larger than Temporal accepts is refused as invalid input, not a 500 (oversized-input)', async () => {
      const render = scene({ type: 'color', color: '#000000' });
      const input = { items: Array.from({ length: 6000 }, (_, i) => ({ ref: `row-${i}`, render })) };
      // Valid item by item, about 2.5 MB in all: over Temporal's 2 MiB, under the API's 4 MiB body limit.
      const body = Buffer.from(JSON.stringify({ input }));
      expect(body.length).toBeGreaterThan(TEMPORAL_BLOB_LIMIT);
      expect(body.length).toBeLessThan(MAX_BODY);
      const res = await post(parkedApi, 'batch', body, `fuzz-${seed}-big`, false);
      expect(res.status).toBe(400);
      await expect(parked.startBatch(input as never)).rejects.toBeInstanceOf(InputValidationError);
    });
  });
});

/** Width × height of a render (both APIs default to 1080p). */
const area = (d: { width: number; height: number } | undefined) => (d ? d.width * d.height : 1920 * 1080);
/** The simulator's speech rate: 2.5 words a second, at least one second. */
const speechSeconds = (text: string | undefined) =>
  Math.max(1, (text ?? '').trim().split(/\s+/).filter(Boolean).length / 2.5);

interface NeutralSpeech {
  type: string;
  text?: string;
  voiceId?: string;
  url?: string;
  assetId?: string;
  seconds?: number;
  speed?: number;
  pitch?: number;
}
interface NeutralRender {
  video?: {
    scenes: Array<{
      character?: { avatarId?: string; lookId?: string };
      speech: NeutralSpeech;
      background?: { color?: string; url?: string; assetId?: string };
    }>;
    title?: string;
    dimension?: { width: number; height: number };
  };
  avatarIv?: {
    imageKey?: string;
    title?: string;
    speech: NeutralSpeech;
    motionPrompt?: string;
    orientation?: string;
  };
  webm?: {
    avatarId: string;
    speech: NeutralSpeech;
    title?: string;
    dimension?: { width: number; height: number };
  };
}

const kindOf = (render: Record<string, unknown>) =>
  render.video ? 'scenes' : render.avatarIv ? 'avatar_iv' : 'webm';

/** Seconds of a speech as the simulator renders it (an audio file counts as 10 s). */
const speechLength = (speech: NeutralSpeech) =>
  speech.type === 'text'
    ? speechSeconds(speech.text)
    : speech.type === 'silence'
      ? (speech.seconds ?? 0)
      : 10;

/** Pixels × seconds of the video a (valid) renderVideo input asks for, as the simulator renders it. */
function renderPixelSeconds(input: Record<string, unknown>): number {
  const { video, avatarIv, webm } = input as NeutralRender;
  if (video) return area(video.dimension) * video.scenes.reduce((sum, s) => sum + speechLength(s.speech), 0);
  if (avatarIv) {
    const pixels = avatarIv.orientation === 'square' ? 1080 * 1080 : 1920 * 1080;
    return pixels * speechLength(avatarIv.speech);
  }
  return area(webm?.dimension) * (webm ? speechLength(webm.speech) : 1);
}

/** What a render asks HeyGen for, whatever the API's field names: its ids, texts, URLs, colours and numbers. */
function askedFor(input: Record<string, unknown>): Array<string | number> {
  const { video, avatarIv, webm } = input as NeutralRender;
  const speech = (s: NeutralSpeech) => [s.text, s.voiceId, s.url, s.assetId, s.seconds, s.speed, s.pitch];
  const values: unknown[] = [];
  if (video) {
    values.push(video.title);
    for (const scene of video.scenes) {
      values.push(scene.character?.avatarId, scene.character?.lookId, ...speech(scene.speech));
      values.push(scene.background?.color, scene.background?.url, scene.background?.assetId);
    }
  } else if (avatarIv) {
    // A photoFile is uploaded first: HeyGen gets the upload's id, not the file name.
    values.push(avatarIv.imageKey, avatarIv.title, avatarIv.motionPrompt, ...speech(avatarIv.speech));
  } else if (webm) values.push(webm.avatarId, webm.title, ...speech(webm.speech));
  return values.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
}

/** The values `sent` (a logged request body) does not contain anywhere, as a string or number leaf. */
function missingFrom(sent: unknown, wanted: Array<string | number>): Array<string | number> {
  const leaves = new Set<unknown>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) Object.values(v).forEach(walk);
    else leaves.add(v);
  };
  walk(sent);
  return wanted.filter((w) => !leaves.has(w));
}
