import { writeFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { RunsService, type RunKind } from '../../api/runs';
import { startApiServer, type RunningApiServer } from '../../api/server';
import { PipelinesClient, referenceWorkflowId } from '../../client/pipelinesClient';
import { renderBatchInputSchema } from '../../contracts/batch';
import { lifecycleInputSchema } from '../../contracts/lifecycle';
import { renderVideoInputSchema } from '../../contracts/render';
import { describeIssue, InputValidationError } from '../../contracts/validation';
import { HeyGenClient } from '../../heygen/client';
import {
  PHOTO_AGES,
  PHOTO_ETHNICITIES,
  PHOTO_GENDERS,
  PHOTO_ORIENTATIONS,
  PHOTO_POSES,
  PHOTO_STYLES,
  STUDIO_AVATAR_IDS,
} from '../../simulator/catalogData';
import { renderPng } from '../../simulator/media/png';
import {
  fuzzSeed,
  isRecord,
  mutate,
  mutateJsValue,
  Rng,
  toRawJson,
  type MutationStep,
  type MutatorOptions,
} from '../support/fuzz';
import { FAST_POLLING, lifecycleInput, VOICE_ID } from '../support/inputs';
import { workflowSuite } from '../support/stack';
import { send } from '../webhooks/helpers';

/**
 * Input fuzzing of the three workflow inputs (photoAvatarLifecycle, renderVideo, renderBatch) through both edges:
 * the typed PipelinesClient and the HTTP API. Valid inputs are mutated (fields deleted, wrong types, empty, huge
 * and hostile strings, bad numbers, extra and prototype-polluting keys, deep nesting, out-of-enum values, too many
 * items, duplicated JSON keys, odd URLs and paths, non-object and invalid JSON bodies) and every answer is checked:
 *
 * - phase 1: every case goes to a task queue no worker polls. A refusal must name the field (the same field the
 *   contract's own first issue names), start no workflow, and the simulator must see no call at all; an
 *   acceptance must be an input the contract accepts. No 500s, no prototype pollution.
 * - phase 2: a bounded, diverse sample of accepted cases is started again on the worker's queue and run against
 *   the simulator (zero job durations). Each must complete correctly or fail with a HeyGen-side business failure
 *   (an id HeyGen does not know, a missing local file...); the simulator must never answer a validation error
 *   caused by data the product should have refused.
 *
 * Product bugs the fuzzer found are listed in KNOWN_BUGS (all fixed: hitting one fails the test; FUZZ_STRICT=0 only
 * reports them) and pinned by the regression cases at the end.
 *
 * Reproduce a run with FUZZ_SEED=<seed printed below> npx jest test/fuzz. FUZZ_CASES (per kind and channel,
 * default 300) and FUZZ_EXEC (runs executed, default 20) size it.
 */

const CASES_PER_KIND = Number(process.env.FUZZ_CASES ?? 300);
const EXEC_CAP = Number(process.env.FUZZ_EXEC ?? 20);
const EXEC_QUOTA: Record<RunKind, number> = {
  lifecycle: Math.round(EXEC_CAP * 0.3),
  render: Math.round(EXEC_CAP * 0.45),
  batch: EXEC_CAP - Math.round(EXEC_CAP * 0.3) - Math.round(EXEC_CAP * 0.45),
};
const STRICT = process.env.FUZZ_STRICT !== '0';
const CONCURRENCY = 8;
const EXEC_CONCURRENCY = 4;
const EXEC_DEADLINE_MS = 45_000;
/** Largest video (width × height × seconds) a sampled run may ask the simulator to encode */
const EXEC_PIXEL_SECONDS = 2_000_000;
const TOKEN = 'fuzz-token-0123456789abcdef';
const MAX_BODY = 4 * 1024 * 1024;
/** Temporal's default limit on a workflow's input payload (blob size) */
const TEMPORAL_BLOB_LIMIT = 2 * 1024 * 1024;
/** Generated cases above this many bytes are generated again */
const MAX_CASE_BYTES = 4_500_000;
const KINDS: readonly RunKind[] = ['lifecycle', 'render', 'batch'];
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
/** The HTTP API's request envelope (api/server.ts), the oracle for body-level refusals. */
const envelopeSchema = z
  .object({ reference: z.string().trim().min(1).max(200).optional(), input: z.unknown() })
  .strict();

const STUDIO = [...STUDIO_AVATAR_IDS][0]!;
const MUTATOR: MutatorOptions = {
  vocabulary: [
    ...PHOTO_AGES,
    ...PHOTO_GENDERS,
    ...PHOTO_ETHNICITIES,
    ...PHOTO_ORIENTATIONS,
    ...PHOTO_POSES,
    ...PHOTO_STYLES,
    ...['poll', 'webhook', 'text', 'audio', 'silence', 'avatar', 'talking_photo', 'color', 'image', 'video'],
    ...['normal', 'circle', 'closeUp', 'fit_to_scene', 'freeze', 'loop', 'once', 'Excited', 'Friendly'],
    ...['portrait', 'landscape', 'cover', 'contain', VOICE_ID, STUDIO, '#FFFFFF'],
  ],
  urlKeys: /url|audio/i,
  pathKeys: /photo_file|fileName|^0$/,
};

// ---------------------------------------------------------------------------------------------------------------
// Product bugs found by this fuzzer, now fixed (see the regression cases below). Matched on what a case did.

const KNOWN_BUGS = {
  'non-http-url':
    'z.url() accepts ftp:, mailto:, javascript:, file: ... URLs (backgrounds, audio_url, input_audio): HeyGen ' +
    'refuses them with 400175 "must be an http(s) URL" after the run has started',
  'webm-text-and-audio-without-voice':
    'webm with input_text and input_audio but no voice_id passes the contract; HeyGen answers 40001 ' +
    '"Missing required parameter: voice_id"',
  'batch-internal-fields':
    'renderBatch accepts caller-set next/outcomes: items are skipped silently, outcomes can be forged, and ' +
    'non-object outcomes make the workflow task fail forever',
  'oversized-input':
    'an input the contract accepts but larger than Temporal accepts (2 MiB) is not a validation error: the ' +
    'client throws a gRPC ServiceError and the HTTP API answers 500',
} as const;
type KnownBug = keyof typeof KNOWN_BUGS;

// ---------------------------------------------------------------------------------------------------------------

const suite = workflowSuite();
const seed = fuzzSeed();

interface Fixtures {
  imageKey: string;
  lookId: string;
}

/** Valid inputs of every kind, covering each variant of the contracts. */
function bases(f: Fixtures): Record<RunKind, Array<{ name: string; input: unknown }>> {
  const v2 = {
    video: {
      video_inputs: [
        {
          character: { type: 'avatar', avatar_id: STUDIO },
          voice: { type: 'text', voice_id: VOICE_ID, input_text: 'Hello from the fuzzer.' },
          background: { type: 'color', value: '#112233' },
        },
      ],
      title: 'Fuzz v2',
      test: true,
      dimension: { width: 320, height: 240 },
    },
    polling: FAST_POLLING,
  };
  const talkingPhoto = {
    video: {
      video_inputs: [
        {
          character: { type: 'talking_photo', talking_photo_id: f.lookId },
          voice: { type: 'silence', duration: 2 },
          background: { type: 'image', url: 'https://example.com/bg.png' },
        },
      ],
      caption: true,
      dimension: { width: 256, height: 256 },
    },
    polling: FAST_POLLING,
    fileName: 'talking.mp4',
  };
  const twoScenes = {
    video: {
      video_inputs: [
        {
          character: { type: 'avatar', avatar_id: STUDIO, avatar_style: 'closeUp' },
          voice: {
            type: 'text',
            voice_id: VOICE_ID,
            input_text: 'Scene one.',
            speed: 1.1,
            pitch: 5,
            emotion: 'Friendly',
          },
        },
        {
          character: { type: 'avatar', avatar_id: STUDIO, avatar_style: 'circle' },
          voice: { type: 'audio', audio_url: 'https://example.com/voice.mp3' },
          background: { type: 'video', url: 'https://example.com/bg.mp4', play_style: 'loop' },
        },
      ],
      test: true,
      dimension: { width: 320, height: 240 },
    },
    polling: FAST_POLLING,
    waitMode: 'poll',
  };
  const avatarIvKey = {
    avatarIv: {
      image_key: f.imageKey,
      video_title: 'Fuzz IV',
      script: 'A photo speaks.',
      voice_id: VOICE_ID,
      video_orientation: 'square',
      fit: 'cover',
    },
    polling: FAST_POLLING,
  };
  const avatarIvFile = {
    avatarIv: {
      photo_file: 'face.png',
      video_title: 'Fuzz IV file',
      script: 'Uploaded first.',
      voice_id: VOICE_ID,
      video_orientation: 'square',
      custom_motion_prompt: 'Nods.',
    },
    polling: FAST_POLLING,
  };
  const webmText = {
    webm: {
      avatar_pose_id: STUDIO,
      avatar_style: 'normal',
      input_text: 'Transparent.',
      voice_id: VOICE_ID,
      dimension: { width: 320, height: 240 },
    },
    polling: FAST_POLLING,
  };
  const webmAudio = {
    webm: {
      avatar_pose_id: STUDIO,
      input_audio: 'https://example.com/voice.mp3',
      dimension: { width: 256, height: 144 },
    },
    polling: FAST_POLLING,
    fileName: 'overlay.webm',
  };
  return {
    lifecycle: [
      { name: 'generate', input: lifecycleInput() },
      {
        name: 'imageKeys',
        input: lifecycleInput({ name: 'Keys', photo: { imageKeys: [f.imageKey, f.imageKey] }, looks: [] }),
      },
      {
        name: 'files',
        input: lifecycleInput({
          name: 'Files',
          photo: { files: ['face.png'] },
          looks: [],
          video: {
            script: 'From a file.',
            voiceId: VOICE_ID,
            caption: true,
            dimension: { width: 256, height: 256 },
            background: { type: 'image', url: 'https://example.com/bg.png' },
          },
        }),
      },
      {
        name: 'webhook',
        input: lifecycleInput({
          name: 'Hooked',
          waitMode: 'webhook',
          looks: [
            { prompt: 'Blue suit', orientation: 'vertical', pose: 'close_up', style: 'Cinematic' },
            { prompt: 'Red scarf', orientation: 'horizontal', pose: 'full_body', style: 'Pixar' },
          ],
          video: {
            script: 'Webhooks.',
            voiceId: VOICE_ID,
            test: true,
            dimension: { width: 128, height: 4096 },
            background: { type: 'video', url: 'https://example.com/bg.mp4', play_style: 'once' },
          },
        }),
      },
    ],
    render: [
      { name: 'v2', input: v2 },
      { name: 'talkingPhoto', input: talkingPhoto },
      { name: 'twoScenes', input: twoScenes },
      { name: 'avatarIvKey', input: avatarIvKey },
      { name: 'avatarIvFile', input: avatarIvFile },
      { name: 'webmText', input: webmText },
      { name: 'webmAudio', input: webmAudio },
    ],
    batch: [
      { name: 'one', input: { items: [{ ref: 'row-1', render: v2 }] } },
      {
        name: 'continueAsNew',
        input: {
          items: [{ render: talkingPhoto }, { ref: 'row-2', render: webmText }],
          maxParallel: 2,
          itemsPerRun: 1,
        },
      },
      { name: 'mixed', input: { items: [{ render: avatarIvKey }, { render: twoScenes }], maxParallel: 1 } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Cases

type Channel = 'client' | 'http';

interface Case {
  id: string;
  channel: Channel;
  kind: RunKind;
  base: string;
  steps: string[];
  mutated: boolean;
  /** client: the value handed to PipelinesClient */
  value?: unknown;
  /** http: the request body, the Idempotency-Key sent with it, and the bytes of the effective input */
  body?: Buffer;
  key?: string;
  inputBytes?: Buffer;
}

const describeSteps = (steps: MutationStep[]) => steps.map((s) => `${s.op}@${s.path}`);

/** A batch-only mutation: the fields renderBatch carries across continue-as-new, set by a caller. */
function internalFields(rng: Rng, input: unknown): { value: unknown; step: string } {
  if (!isRecord(input)) return { value: input, step: 'internal:skipped' };
  const out: Record<string, unknown> = { ...input };
  if (rng.chance(0.6)) out.next = rng.pick([0, 1, 5, -1, 1.5, '1']);
  if (rng.chance(0.6) || out.next === undefined) {
    out.outcomes = rng.pick([
      [],
      [null],
      [null, null],
      [{ index: 0, status: 'completed', workflowId: 'forged', result: { videoId: 'forged' } }],
      'x',
    ]);
  }
  return {
    value: out,
    step: `internal:${Object.keys(out)
      .filter((k) => k === 'next' || k === 'outcomes')
      .join('+')}`,
  };
}

function mutatedInput(
  rng: Rng,
  kind: RunKind,
  input: unknown,
): { tree: unknown; steps: string[]; mutated: boolean } {
  for (let attempt = 0; ; attempt += 1) {
    if (rng.chance(0.05)) return { tree: input, steps: ['control'], mutated: false };
    if (kind === 'batch' && rng.chance(0.04)) {
      const { value, step } = internalFields(rng, input);
      return { tree: value, steps: [step], mutated: true };
    }
    const { value, steps } = mutate(rng, input, MUTATOR);
    if (toRawJson(value).length <= MAX_CASE_BYTES || attempt > 5) {
      return { tree: value, steps: describeSteps(steps), mutated: true };
    }
  }
}

function makeClientCase(rng: Rng, kind: RunKind, i: number, f: Fixtures): Case {
  const base = rng.pick(bases(f)[kind]);
  const { tree, steps, mutated } = mutatedInput(rng, kind, base.input);
  // What a caller's JSON.parse would hand over (last duplicate key wins, 1e309 is Infinity, __proto__ is own).
  let value: unknown = JSON.parse(toRawJson(tree));
  if (mutated && rng.chance(0.15)) {
    const js = mutateJsValue(rng, value);
    value = js.value;
    steps.push(`${js.step.op}@${js.step.path}`);
  }
  return { id: `c-${kind}-${i}`, channel: 'client', kind, base: base.name, steps, mutated, value };
}

function makeHttpCase(rng: Rng, kind: RunKind, i: number, f: Fixtures): Case {
  const base = rng.pick(bases(f)[kind]);
  const { tree, steps, mutated } = mutatedInput(rng, kind, base.input);
  const key = `fuzz-${seed}-${kind}-h${i}`;
  let inputBytes = Buffer.from(toRawJson(tree), 'utf8');
  const wrap = (input: Buffer | string) =>
    Buffer.concat([Buffer.from('{"input":'), Buffer.from(input), Buffer.from('}')]);
  let body = wrap(inputBytes);
  const envelope = rng.weighted({ plain: 72, envelope: 14, invalidJson: 7, topLevel: 4, badUtf8: 3 });
  const text = body.toString('utf8');
  switch (envelope) {
    case 'plain':
      break;
    case 'envelope': {
      const variant = rng.int(0, 4);
      if (variant === 0) body = Buffer.from(rng.pick(['{}', `{"reference":"${key}"}`, '{"input":null}']));
      else if (variant === 1) {
        const extra = rng.pick(['extra', 'Input', 'inputs', '__proto__', 'constructor', '']);
        body = Buffer.from(
          `{"input":${inputBytes.toString('utf8')},${JSON.stringify(extra)}:{"polluted":"yes"}}`,
        );
      } else if (variant === 2) {
        const reference = rng.pick([
          '""',
          '"   "',
          JSON.stringify('r'.repeat(201)),
          '12',
          'null',
          JSON.stringify(key),
          JSON.stringify(`  ${key}  `),
          JSON.stringify(`${key}-other`),
          JSON.stringify(`${key}-日本😀\u0000`),
        ]);
        body = Buffer.from(`{"reference":${reference},"input":${inputBytes.toString('utf8')}}`);
      } else {
        const garbage = rng.pick(['"garbage"', 'null', '{}', '[]', '1e309']);
        const input = inputBytes.toString('utf8');
        body = Buffer.from(
          variant === 3 ? `{"input":${garbage},"input":${input}}` : `{"input":${input},"input":${garbage}}`,
        );
        if (variant === 4) inputBytes = Buffer.from(garbage);
      }
      steps.push(`envelope:${variant}`);
      break;
    }
    case 'invalidJson': {
      const cut = rng.int(0, Math.max(0, text.length - 1));
      const broken = rng.pick([
        text.slice(0, cut),
        `${text.slice(0, -1)},}`,
        text.replace('"input"', "'input'"),
        text.replace('"input"', 'input'),
        `{"input":NaN}`,
        `{"input":Infinity}`,
        `// comment\n${text}`,
        `\ufeff${text}`,
        '',
        ' \n ',
        `${text}${text}`,
        `{"input":${inputBytes.toString('utf8')}`,
      ]);
      body = Buffer.from(broken, 'utf8');
      steps.push('invalidJson');
      break;
    }
    case 'topLevel':
      body = Buffer.from(rng.pick(['[]', 'null', '42', '"input"', 'true', `[${text}]`, '[{"input":{}}]']));
      steps.push('topLevelBody');
      break;
    case 'badUtf8': {
      // Invalid UTF-8 inside the first string value: the server decodes it as U+FFFD.
      const at = inputBytes.indexOf('":"');
      if (at >= 0) {
        inputBytes = Buffer.concat([
          inputBytes.subarray(0, at + 3),
          Buffer.from([0xff, 0xfe, 0xc3]),
          inputBytes.subarray(at + 3),
        ]);
        body = wrap(inputBytes);
      } else body = Buffer.concat([Buffer.from([0xff, 0xfe]), body]);
      steps.push('badUtf8');
      break;
    }
  }
  return {
    id: `h-${kind}-${i}`,
    channel: 'http',
    kind,
    base: base.name,
    steps,
    mutated: mutated || envelope !== 'plain',
    body,
    key,
    inputBytes,
  };
}

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
  const parts = field.split('.');
  let current: unknown = input;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isRecord(current) && Object.prototype.hasOwnProperty.call(current, part))
      current = current[part];
    else return false;
  }
  return typeof current === 'object' && current !== null;
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
  if (/generateWebm: Missing required parameter: voice_id/.test(f.message)) {
    return { known: 'webm-text-and-audio-without-voice' };
  }
  if (f.type === 'HeyGenInvalidRequest' && /\[HTTP 400\]/.test(f.message) && /not found/.test(f.message)) {
    return { legit: 'unknown-reference' };
  }
  if (f.type === 'FileError') return { legit: 'local-file' };
  if (f.type === 'InvalidInput' && /not a HeyGen studio avatar/.test(f.message))
    return { legit: 'not-studio' };
  if (f.type === 'HeyGenJobFailed' && String(f.code) === '40119') return { legit: 'plan-limit' };
  return { violation: `${f.type}: ${f.message}` };
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const item = items[next];
        next += 1;
        if (item === undefined) return;
        await fn(item);
      }
    }),
  );
}

function start(client: PipelinesClient, kind: RunKind, value: unknown, workflowId?: string) {
  const opts = workflowId ? { workflowId } : {};
  if (kind === 'lifecycle') return client.startLifecycle(value as never, opts);
  if (kind === 'render') return client.startRender(value as never, opts);
  return client.startBatch(value as never, opts);
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
    http400: 0,
    durations: [] as Array<{ ms: number; label: string }>,
  };

  private static label(c: Case): string {
    return `${c.id} [${c.base}; ${c.steps.join(', ')}]`;
  }

  violate(c: Case | undefined, what: string): void {
    this.violations.push(`${c ? `${Findings.label(c)}: ` : ''}${what}`.slice(0, 600));
  }

  note(bug: KnownBug, c: Case, what: string): void {
    const list = this.known.get(bug) ?? [];
    list.push(`${Findings.label(c)}: ${what}`.slice(0, 400));
    this.known.set(bug, list);
  }

  count(c: Case, outcome: 'refused' | 'accepted' | 'other'): void {
    const key = `${c.channel}/${c.kind}`;
    const s = this.stats.get(key) ?? { tried: 0, refused: 0, accepted: 0, other: 0 };
    s.tried += 1;
    s[outcome] += 1;
    this.stats.set(key, s);
  }

  accept(c: Case, data: unknown, workflowId: string): void {
    this.accepted.push({ c, data, workflowId });
    if (setsInternalFields(c.kind, data)) this.note('batch-internal-fields', c, 'accepted');
  }

  /** A failed run (or batch item) of an accepted input: legitimate, a known bug, or a violation. */
  judge(c: Case, f: Failure, where: string): void {
    if (/\[HTTP 400\]/.test(f.message)) this.exec.http400 += 1;
    const verdict = classifyFailure(f);
    if ('legit' in verdict) this.exec.legit.set(verdict.legit, (this.exec.legit.get(verdict.legit) ?? 0) + 1);
    else if ('known' in verdict) this.note(verdict.known, c, `${where}: ${f.message}`);
    else this.violate(c, `${where} failed: ${verdict.violation}`);
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

  summary(header: string, sample: Record<RunKind, number>, simCalls: number, sim400: number): string {
    const table = [...this.stats.entries()].map(([k, s]) => `  ${k}: ${JSON.stringify(s)}`).join('\n');
    const bugs = [...this.known.entries()].map(
      ([bug, list]) =>
        `   - ${bug} (${list.length}): ${KNOWN_BUGS[bug]}\n       e.g. ${list.slice(0, 2).join('\n       e.g. ')}`,
    );
    return [
      header,
      table,
      `  HTTP statuses: ${JSON.stringify(Object.fromEntries(this.httpStatuses))}`,
      `  executed ${this.exec.runs} accepted inputs ${JSON.stringify(sample)}: ${this.exec.completed} completed ` +
        `correctly (${this.exec.batchItems} batch items); legitimate HeyGen-side failures ` +
        `${JSON.stringify(Object.fromEntries(this.exec.legit))}; simulator calls ${simCalls}, 400s ${sim400}`,
      `  slowest runs: ${[...this.exec.durations]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((d) => `${d.ms} ms ${d.label}`)
        .join('; ')}`,
      bugs.length ? `  KNOWN PRODUCT BUGS hit:\n${bugs.join('\n')}` : '  no known product bug hit',
    ].join('\n');
  }
}

describe('input fuzzing', () => {
  let fixtures: Fixtures;
  let parked: PipelinesClient;
  let parkedQueue: string;
  let parkedApi: RunningApiServer;
  let execApi: RunningApiServer;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + EXEC_CONCURRENCY });

  beforeAll(async () => {
    const { stack, env } = suite;
    console.log(`input fuzz seed: ${seed} (rerun with FUZZ_SEED=${seed} npx jest test/fuzz)`);
    const heygen = new HeyGenClient(stack.config.heygen);
    const asset = await heygen.uploadAsset(renderPng({ width: 64, height: 64, seed: 'fuzz' }), 'image/png');
    const look = await heygen.createAvatarGroup({ name: 'fuzz fixtures', image_key: asset.image_key! });
    fixtures = { imageKey: asset.image_key!, lookId: look.id };
    await writeFile(
      path.join(stack.outputDir, 'face.png'),
      renderPng({ width: 64, height: 64, seed: 'face' }),
    );
    // No worker polls this queue: accepted inputs start a workflow that never runs, hence never calls HeyGen.
    parkedQueue = `fuzz-parked-${seed}`;
    parked = new PipelinesClient(env.client, parkedQueue);
    const tokens = [{ name: 'fuzz', token: TOKEN }];
    parkedApi = await startApiServer({ runs: new RunsService(parked), tokens, maxBodyBytes: MAX_BODY });
    execApi = await startApiServer({ runs: new RunsService(stack.client), tokens, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    agent.destroy();
    await parkedApi?.close();
    await execApi?.close();
  });

  const post = (api: RunningApiServer, kind: RunKind, body: Buffer, key?: string) =>
    send(`${api.url}${ROUTES[kind]}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body,
      // Over the limit the API answers 413 and destroys the connection: keep such requests off the shared sockets.
      agent: body.length > MAX_BODY ? false : agent,
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
  async function probeClient(c: Case, found: Findings): Promise<void> {
    const verdict = contractVerdict(c.kind, c.value);
    const workflowId = `fuzz-${seed}-${c.id}`;
    try {
      await start(parked, c.kind, c.value, workflowId);
      found.count(c, 'accepted');
      if (verdict.accepted) found.accept(c, verdict.data, workflowId);
      else found.violate(c, `accepted, but the contract refuses ${verdict.field}`);
      return;
    } catch (err) {
      if (err instanceof InputValidationError) {
        found.count(c, 'refused');
        if (!err.field || !err.detail) found.violate(c, `refusal without a field or detail: ${err.message}`);
        if (err.message !== `Invalid input: ${err.field}: ${err.detail}`) {
          found.violate(c, `odd message ${err.message}`);
        }
        if (verdict.accepted) found.violate(c, `refused ${err.field}, but the contract accepts it`);
        else if (verdict.field !== err.field) {
          found.violate(c, `named ${err.field}, the contract's issue is ${verdict.field}`);
        }
        if (!fieldResolves(c.value, err.field))
          found.violate(c, `named ${err.field}, not a place in the input`);
      } else {
        found.count(c, 'other');
        const message = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
        if (verdict.accepted && encodedBytes(verdict.data) > TEMPORAL_BLOB_LIMIT * 0.9) {
          found.note('oversized-input', c, `${encodedBytes(verdict.data)} bytes: ${message}`);
        } else if (verdict.accepted && setsInternalFields(c.kind, verdict.data)) {
          found.note('batch-internal-fields', c, message);
        } else found.violate(c, `not an InputValidationError: ${message}`);
      }
    }
    if (!(await notStarted(workflowId))) found.violate(c, `refused, yet workflow ${workflowId} exists`);
  }

  /** Phase 1, HTTP API: 201 exactly when the contract accepts; else 400 (or 413) naming what the contract names. */
  async function probeHttp(c: Case, found: Findings): Promise<void> {
    const key = c.key!;
    const expected = httpExpectation(c.kind, c.body!, key);
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post(parkedApi, c.kind, c.body!, key);
    } catch (err) {
      found.count(c, 'other');
      // Over the body limit the API answers 413 and drops the connection, which may reset before the answer.
      if (expected.status !== 413) found.violate(c, `no HTTP answer: ${String(err)}`);
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
        found.violate(c, `201, but the contract expects ${JSON.stringify(expected).slice(0, 300)}`);
      } else if (workflowId !== referenceWorkflowId(c.kind, expected.reference)) {
        found.violate(c, `odd workflow id ${workflowId}`);
      } else found.accept(c, expected.data, workflowId);
      return;
    }
    if (answer.status === 400 || answer.status === 413) {
      found.count(c, 'refused');
      if (typeof error?.message !== 'string' || !error.message) {
        found.violate(c, `${answer.status} without a message`);
      }
      if (answer.status === 413) {
        if (expected.status !== 413 || type !== 'PayloadTooLarge') found.violate(c, `413 ${answer.text}`);
      } else if (!['InvalidInput', 'InvalidRequest', 'InvalidJson'].includes(type)) {
        found.violate(c, `400 of type ${type}`);
      } else if (type !== 'InvalidJson' && !field) {
        found.violate(c, `400 ${type} without a field`);
      } else if (expected.status !== 400 || expected.type !== type) {
        found.violate(
          c,
          `400 ${type} ${field}, the contract expects ${JSON.stringify(expected).slice(0, 200)}`,
        );
      } else if (expected.type !== 'InvalidJson' && expected.field !== field) {
        found.violate(c, `named ${field}, the contract's issue is ${expected.field}`);
      }
    } else {
      found.count(c, 'other');
      if (
        answer.status === 500 &&
        expected.status === 201 &&
        encodedBytes(expected.data) > TEMPORAL_BLOB_LIMIT * 0.9
      ) {
        found.note('oversized-input', c, `${c.body!.length} bytes: HTTP 500 ${answer.text}`);
      } else found.violate(c, `HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    }
    for (const ref of expected.refs) {
      const id = referenceWorkflowId(c.kind, ref);
      if (!(await notStarted(id))) found.violate(c, `refused, yet workflow ${id} exists`);
    }
  }

  /** Up to EXEC_QUOTA per kind, mutated cases first, one per mutation signature (kind, base, ops and paths). */
  function chooseSample(rng: Rng, accepted: Findings['accepted']): Findings['accepted'] {
    const candidates = rng.shuffle(accepted.filter(({ c, data }) => executable(c, data)));
    candidates.sort((a, b) => Number(b.c.mutated) - Number(a.c.mutated));
    const chosen: Findings['accepted'] = [];
    const signatures = new Set<string>();
    const perKind: Record<RunKind, number> = { lifecycle: 0, render: 0, batch: 0 };
    for (const candidate of candidates) {
      const { c } = candidate;
      const signature = `${c.kind}|${c.base}|${c.steps.map((s) => s.replace(/\.\d+/g, '.#')).join(',')}`;
      if (signatures.has(signature) || perKind[c.kind] >= EXEC_QUOTA[c.kind]) continue;
      signatures.add(signature);
      perKind[c.kind] += 1;
      chosen.push(candidate);
    }
    return chosen;
  }

  /** Phase 2: starts an accepted case for real (same channel) and judges how it ends. */
  async function execute(c: Case, data: unknown, found: Findings): Promise<void> {
    found.exec.runs += 1;
    const t0 = Date.now();
    let workflowId: string;
    if (c.channel === 'client') {
      try {
        workflowId = (await start(suite.stack.client, c.kind, c.value)).workflowId;
      } catch (err) {
        found.violate(c, `exec start threw ${String(err)}`);
        return;
      }
    } else {
      const body = Buffer.concat([Buffer.from('{"input":'), c.inputBytes!, Buffer.from('}')]);
      const res = await post(execApi, c.kind, body, `${c.key!}-exec`);
      if (res.status !== 201) {
        found.violate(c, `exec start answered ${res.status} ${res.text.slice(0, 200)}`);
        return;
      }
      workflowId = (res.json as { workflowId: string }).workflowId;
    }
    const outcome = await waitForRun(c.channel, workflowId);
    found.exec.durations.push({ ms: Date.now() - t0, label: `${c.id} [${c.base}; ${c.steps.join(', ')}]` });
    if (outcome === 'stuck') {
      found.violate(c, `run ${workflowId} did not end within ${EXEC_DEADLINE_MS} ms (terminated)`);
    } else if ('failure' in outcome) {
      found.judge(c, outcome.failure, `run ${workflowId}`);
    } else {
      const problems = await checkResult(c.kind, data, workflowId, outcome.result, (item, f) => {
        found.exec.batchItems += 1;
        if (f) found.judge(c, f, `batch item ${item}`);
      });
      for (const p of problems) found.violate(c, p);
      if (problems.length === 0) found.exec.completed += 1;
    }
  }

  test(`${CASES_PER_KIND} mutated inputs per kind and channel: refused with the field named, or run correctly`, async () => {
    const { stack } = suite;
    const started = Date.now();
    const rng = new Rng(seed);
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const found = new Findings();
    const cases: Case[] = [];
    for (const kind of KINDS) {
      for (let i = 0; i < CASES_PER_KIND; i += 1) cases.push(makeClientCase(rng, kind, i, fixtures));
      for (let i = 0; i < CASES_PER_KIND; i += 1) cases.push(makeHttpCase(rng, kind, i, fixtures));
    }

    // ---- phase 1: every case against a queue no worker polls
    stack.sim.clearLog();
    await pool(cases, CONCURRENCY, (c) =>
      c.channel === 'client' ? probeClient(c, found) : probeHttp(c, found),
    );
    const phase1Ms = Date.now() - started;
    // Nothing reached HeyGen.
    const phase1Log = stack.sim.log();
    if (phase1Log.length > 0) {
      found.violate(
        undefined,
        `phase 1 called HeyGen ${phase1Log.length} times: ${phase1Log.map((e) => e.path).join(', ')}`,
      );
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
      if (!acceptedIds.has(id))
        found.violate(undefined, `workflow ${id} started, but no case was accepted as it`);
    }
    for (const id of acceptedIds)
      if (!listed.has(id)) found.violate(undefined, `accepted ${id} is not listed`);

    // ---- phase 2: a diverse, bounded sample of the accepted inputs runs for real
    const sample = chooseSample(rng, found.accepted);
    await pool(sample, EXEC_CONCURRENCY, ({ c, data }) => execute(c, data, found));
    // The simulator answered no error but the 400s of the failures judged above (one refused create each).
    const log = stack.sim.log();
    for (const e of log.filter((x) => x.status === 0 || (x.status >= 400 && x.status !== 400))) {
      found.violate(undefined, `simulator answered ${e.status} to ${e.method} ${e.path}`);
    }
    const sim400 = log.filter((e) => e.status === 400);
    if (sim400.length !== found.exec.http400) {
      found.violate(
        undefined,
        `simulator answered 400 ${sim400.length} times, runs report ${found.exec.http400}: ` +
          sim400.map((e) => `${e.path} ${JSON.stringify(e.body).slice(0, 200)}`).join(' | '),
      );
    }

    // ---- the process is intact, nothing polluted Object.prototype
    for (const api of [parkedApi, execApi]) {
      const health = await send(`${api.url}/healthz`, { method: 'GET', agent });
      if (health.status !== 200) found.violate(undefined, `${api.url} /healthz answered ${health.status}`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);

    const perKind = { lifecycle: 0, render: 0, batch: 0 };
    for (const { c } of sample) perKind[c.kind] += 1;
    console.log(
      found.summary(
        `input fuzz (seed ${seed}): ${cases.length} cases in ${Date.now() - started} ms (phase 1 ${phase1Ms} ms)`,
        perKind,
        log.length,
        sim400.length,
      ),
    );
    const { violations } = found;
    expect({ seed, violations: violations.slice(0, 30), total: violations.length }).toEqual({
      seed,
      violations: [],
      total: 0,
    });
    if (STRICT) expect([...found.known.keys()]).toEqual([]);
    // The fuzzer explores both sides of the contract.
    const totals = found.totals();
    expect(totals.refused).toBeGreaterThan(cases.length * 0.3);
    expect(totals.accepted).toBeGreaterThan(cases.length * 0.03);
    expect(found.exec.runs).toBeGreaterThan(0);
  });

  /**
   * Ran on the simulator only when cheap and quick: small, no caller-set batch state, fast polling, and a video of
   * at most EXEC_PIXEL_SECONDS (the simulator encodes real H.264 frames: a 1080p or minutes-long render takes
   * seconds of CPU).
   */
  function executable(c: Case, data: unknown): boolean {
    if (!isRecord(data) || encodedBytes(data) > 100_000 || setsInternalFields(c.kind, data)) return false;
    const fastPolling = (r: Record<string, unknown>) =>
      ((r.polling as { maxSeconds?: number } | undefined)?.maxSeconds ?? 60) <= 1;
    if (c.kind === 'batch') {
      const items = data.items as Array<{ render: Record<string, unknown> }>;
      return (
        items.length <= 3 &&
        items.every((i) => fastPolling(i.render)) &&
        items.reduce((sum, i) => sum + renderPixelSeconds(i.render), 0) <= EXEC_PIXEL_SECONDS
      );
    }
    if (c.kind === 'render') return fastPolling(data) && renderPixelSeconds(data) <= EXEC_PIXEL_SECONDS;
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

  async function waitForRun(channel: Channel, workflowId: string): Promise<RunOutcome> {
    const deadline = Date.now() + EXEC_DEADLINE_MS;
    const handle = suite.env.client.workflow.getHandle(workflowId);
    if (channel === 'http') {
      for (;;) {
        const res = await send(`${execApi.url}/v1/runs/${encodeURIComponent(workflowId)}/result`, {
          method: 'GET',
          headers: { authorization: `Bearer ${TOKEN}` },
          agent,
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

  /** A completed run's result is whole, its files exist, and HeyGen was asked for exactly what was given. */
  async function checkResult(
    kind: RunKind,
    data: unknown,
    workflowId: string,
    result: unknown,
    item: (index: number, failure?: Failure) => void,
  ): Promise<string[]> {
    const problems: string[] = [];
    const log = suite.stack.sim.log();
    const videoFile = async (r: unknown, where: string) => {
      const v = r as { sha256?: string; videoPath?: string; bytes?: number } | undefined;
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
          e.path === '/v2/video/generate' && (e.body as { callback_id?: string })?.callback_id === callbackId,
      )?.body as Record<string, unknown> | undefined;
    const sameRequest = (render: { video?: Record<string, unknown> }, callbackId: string, where: string) => {
      if (!render.video) return;
      const sent = sentFor(callbackId);
      const { callback_id: _sentId, ...rest } = sent ?? {};
      const { callback_id: _givenId, ...given } = render.video;
      if (!sent || JSON.stringify(normalize(rest)) !== JSON.stringify(normalize(given))) {
        problems.push(
          `${where}: HeyGen got ${JSON.stringify(sent).slice(0, 300)} for ${JSON.stringify(given).slice(0, 300)}`,
        );
      }
    };

    if (kind === 'lifecycle') {
      const input = data as { name: string; video: { script: string; voiceId: string; title?: string } };
      await videoFile(result, 'lifecycle');
      const sent = sentFor(`${workflowId}/render`) as
        | { title?: string; video_inputs: Array<{ voice: { voice_id: string; input_text: string } }> }
        | undefined;
      const voice = sent?.video_inputs[0]?.voice;
      if (
        voice?.input_text !== input.video.script ||
        voice.voice_id !== input.video.voiceId ||
        sent?.title !== (input.video.title ?? input.name)
      ) {
        problems.push(`lifecycle: HeyGen got ${JSON.stringify(sent).slice(0, 300)}`);
      }
    } else if (kind === 'render') {
      await videoFile(result, 'render');
      sameRequest(data as { video?: Record<string, unknown> }, workflowId, 'render');
    } else {
      const items = (data as { items: Array<{ ref?: string; render: { video?: Record<string, unknown> } }> })
        .items;
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
          await videoFile(outcome.result, `batch item ${i}`);
          sameRequest(items[i]!.render, `${workflowId}/item-${i}`, `batch item ${i}`);
        } else item(i, outcome.error as Failure);
      }
    }
    return problems;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Regressions: product bugs this fuzzer found (now fixed), each pinned by the input that exposed it.

  describe('bugs found by the fuzzer stay fixed', () => {
    const v2 = (background: unknown) => ({
      video: {
        video_inputs: [
          {
            character: { type: 'avatar', avatar_id: STUDIO },
            voice: { type: 'text', voice_id: VOICE_ID, input_text: 'Hello.' },
            background,
          },
        ],
        test: true,
        dimension: { width: 320, height: 240 },
      },
      polling: FAST_POLLING,
    });

    /** Refused by the client, or completed without HeyGen answering 400: anything else is the bug. */
    async function refusedOrClean(kind: RunKind, input: unknown): Promise<string> {
      const { stack } = suite;
      try {
        const { workflowId } = await start(stack.client, kind, input);
        const outcome = await waitForRun('client', workflowId);
        return outcome === 'stuck' ? 'stuck' : 'failure' in outcome ? outcome.failure.message : 'completed';
      } catch (err) {
        return err instanceof InputValidationError ? 'refused' : String(err);
      }
    }

    test('non-http(s) media URLs are refused before any HeyGen call (non-http-url)', async () => {
      expect(await refusedOrClean('render', v2({ type: 'image', url: 'ftp://example.com/bg.png' }))).toBe(
        'refused',
      );
    });

    test('a WebM with input_text and input_audio but no voice_id is refused (webm-text-and-audio-without-voice)', async () => {
      const input = {
        webm: { avatar_pose_id: STUDIO, input_text: 'Hi.', input_audio: 'https://example.com/a.mp3' },
        polling: FAST_POLLING,
      };
      expect(await refusedOrClean('render', input)).toBe('refused');
    });

    test("callers cannot set a batch's next or outcomes (batch-internal-fields)", async () => {
      const items = [{ render: v2({ type: 'color', value: '#000000' }) }];
      for (const input of [
        { items, next: 1 },
        { items, outcomes: [null, null] },
        { items, next: 1, outcomes: [{ index: 0, status: 'completed', workflowId: 'x', result: {} }] },
      ]) {
        await expect(parked.startBatch(input as never)).rejects.toBeInstanceOf(InputValidationError);
      }
      // Started raw through any SDK, the workflow itself refuses forged progress in a first run.
      const { stack } = suite;
      const handle = await stack.client.client.workflow.start('renderBatch', {
        taskQueue: stack.config.temporal.taskQueue,
        workflowId: `fuzz-${seed}-forged-batch`,
        args: [{ items, next: 1, outcomes: [] }],
      });
      await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
    });

    test('an input larger than Temporal accepts is refused as invalid input, not a 500 (oversized-input)', async () => {
      const render = v2({ type: 'color', value: '#000000' });
      const input = { items: Array.from({ length: 6000 }, (_, i) => ({ ref: `row-${i}`, render })) };
      // Valid item by item, about 2.3 MB in all: over Temporal's 2 MiB, under the API's 4 MiB body limit.
      const res = await post(parkedApi, 'batch', Buffer.from(JSON.stringify({ input })), `fuzz-${seed}-big`);
      expect([400, 413]).toContain(res.status);
      await expect(parked.startBatch(input as never)).rejects.toBeInstanceOf(InputValidationError);
    });
  });
});

/** Width × height of a render (HeyGen's default is 1920×1080). */
const area = (d: { width: number; height: number } | undefined) => (d ? d.width * d.height : 1920 * 1080);
/** The simulator's speech rate: 2.5 words a second, at least one second. */
const speechSeconds = (text: string | undefined) =>
  Math.max(1, (text ?? '').trim().split(/\s+/).filter(Boolean).length / 2.5);

/** Pixels × seconds of the video a (valid) renderVideo input asks for, as the simulator renders it. */
function renderPixelSeconds(render: Record<string, unknown>): number {
  const AUDIO_SECONDS = 10;
  const { video, avatarIv, webm } = render as {
    video?: {
      dimension?: { width: number; height: number };
      video_inputs: Array<{ voice: { type: string; input_text?: string; duration?: number } }>;
    };
    avatarIv?: { video_orientation?: string; script?: string; audio_url?: string; audio_asset_id?: string };
    webm?: { dimension?: { width: number; height: number }; input_text?: string };
  };
  if (video) {
    const seconds = video.video_inputs.reduce(
      (sum, { voice }) =>
        sum +
        (voice.type === 'text'
          ? speechSeconds(voice.input_text)
          : voice.type === 'silence'
            ? (voice.duration ?? 0)
            : AUDIO_SECONDS),
      0,
    );
    return area(video.dimension) * seconds;
  }
  if (avatarIv) {
    const pixels = avatarIv.video_orientation === 'square' ? 1080 * 1080 : 1920 * 1080;
    const audio = Boolean(avatarIv.audio_url || avatarIv.audio_asset_id);
    return pixels * (audio ? AUDIO_SECONDS : speechSeconds(avatarIv.script));
  }
  return area(webm?.dimension) * (webm?.input_text ? speechSeconds(webm.input_text) : AUDIO_SECONDS);
}

/** JSON with keys sorted, for comparing requests regardless of key order. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .sort()
        .map((k) => [k, normalize(value[k])]),
    );
  }
  return value;
}
