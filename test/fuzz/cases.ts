/**
 * The input fuzzer's cases as fast-check arbitraries: a valid base input of a kind, mutated (or not), sent by the
 * typed client or in an HTTP body whose envelope may be broken too. A case is generated as a plan (`CasePlan`) and
 * built deterministically, so a failure shrinks to the fewest, simplest mutations and the plainest envelope.
 */
import fc from 'fast-check';
import type { RunKind } from '../../api/runs';
import {
  ORIENTATIONS,
  PHOTO_AGES,
  PHOTO_ETHNICITIES,
  PHOTO_GENDERS,
  PHOTO_STYLES,
  POSES,
  VOICE_EMOTIONS,
} from '../../contracts/fields';
import {
  applyJsValue,
  applyMutations,
  brief,
  isRecord,
  jsValueArbitrary,
  mutationsArbitrary,
  toRawJson,
  type JsValuePlan,
  type MutationPlan,
  type MutationStep,
  type MutatorOptions,
} from '../support/fuzz';
import { FAST_POLLING, lifecycleInput, VOICE_ID } from '../support/inputs';
import { STUDIO_AVATAR_ID } from '../support/versions';

export type Channel = 'client' | 'http';
export const KINDS: readonly RunKind[] = ['lifecycle', 'render', 'batch'];
export const CHANNELS: readonly Channel[] = ['client', 'http'];

/** Generated cases above this many bytes are generated again */
const MAX_CASE_BYTES = 4_500_000;
const STUDIO = STUDIO_AVATAR_ID;

const MUTATOR: MutatorOptions = {
  vocabulary: [
    ...PHOTO_AGES,
    ...PHOTO_GENDERS,
    ...PHOTO_ETHNICITIES,
    ...ORIENTATIONS,
    ...POSES,
    ...PHOTO_STYLES,
    ...VOICE_EMOTIONS,
    ...['poll', 'webhook', 'text', 'audio', 'silence', 'avatar', 'look', 'color', 'image', 'video'],
    ...['normal', 'circle', 'closeUp', 'fit_to_scene', 'freeze', 'loop', 'once', 'talking_photo'],
    ...['portrait', 'landscape', 'cover', 'contain', VOICE_ID, STUDIO, '#FFFFFF'],
  ],
  urlKeys: /url/i,
  pathKeys: /photoFile|fileName|^0$/,
};

export interface Fixtures {
  /** A photo HeyGen holds, as the version names it (v2 image key, v3 asset id) */
  imageKey: string;
  /** A photo-avatar look */
  lookId: string;
}

/** What cases name fixtures by: each version's real ids replace them when a case runs on it. */
export const PLACEHOLDERS: Fixtures = { imageKey: 'fuzz-fixture-image-key', lookId: 'fuzz-fixture-look-id' };

/** Placeholder → the version's real id. */
export const fixtureMap = (f: Fixtures) =>
  new Map<string, string>([
    [PLACEHOLDERS.imageKey, f.imageKey],
    [PLACEHOLDERS.lookId, f.lookId],
  ]);

/** Valid inputs of every kind, covering each variant of the contract (some use fields only one API honours). */
function bases(f: Fixtures): Record<RunKind, Array<{ name: string; input: unknown }>> {
  const text = (t: string) => ({ type: 'text', text: t, voiceId: VOICE_ID });
  const studio = { type: 'avatar', avatarId: STUDIO };
  const scene = {
    video: {
      scenes: [
        {
          character: studio,
          speech: text('Hello from the fuzzer.'),
          background: { type: 'color', color: '#112233' },
        },
      ],
      title: 'Fuzz scenes',
      dimension: { width: 1280, height: 720 },
    },
    polling: FAST_POLLING,
  };
  const look = {
    video: {
      scenes: [
        {
          character: { type: 'look', lookId: f.lookId },
          speech: text('A look speaks.'),
          background: { type: 'image', url: 'https://example.com/bg.png' },
        },
      ],
      caption: true,
      dimension: { width: 720, height: 720 },
    },
    polling: FAST_POLLING,
    fileName: 'look.mp4',
  };
  const silentLook = {
    video: {
      scenes: [{ character: { type: 'look', lookId: f.lookId }, speech: { type: 'silence', seconds: 2 } }],
      dimension: { width: 256, height: 256 },
    },
    polling: FAST_POLLING,
  };
  /** v2's options: styles, voice settings, audio, video background, test mode, any even size */
  const twoScenes = {
    video: {
      scenes: [
        {
          character: { ...studio, style: 'closeUp' },
          speech: { ...text('Scene one.'), speed: 1.1, pitch: 5, emotion: 'Friendly' },
        },
        {
          character: { ...studio, style: 'circle' },
          speech: { type: 'audio', url: 'https://example.com/voice.mp3' },
          background: { type: 'video', url: 'https://example.com/bg.mp4', playStyle: 'loop' },
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
      imageKey: f.imageKey,
      title: 'Fuzz IV',
      speech: text('A photo speaks.'),
      orientation: 'square',
      fit: 'cover',
    },
    polling: FAST_POLLING,
  };
  const avatarIvFile = {
    avatarIv: {
      photoFile: 'face.png',
      title: 'Fuzz IV file',
      speech: text('Uploaded first.'),
      orientation: 'landscape',
      motionPrompt: 'Nods.',
    },
    polling: FAST_POLLING,
  };
  const webmText = {
    webm: {
      avatarId: STUDIO,
      avatarStyle: 'normal',
      speech: text('Transparent.'),
      dimension: { width: 1280, height: 720 },
    },
    polling: FAST_POLLING,
  };
  const webmAudio = {
    webm: {
      avatarId: STUDIO,
      speech: { type: 'audio', url: 'https://example.com/voice.mp3' },
      dimension: { width: 720, height: 1280 },
    },
    polling: FAST_POLLING,
    fileName: 'overlay.webm',
  };
  const neutralVideo = {
    script: 'Works on both.',
    voiceId: VOICE_ID,
    dimension: { width: 1280, height: 720 },
  };
  return {
    lifecycle: [
      // v2's test mode and free size: a v3 worker refuses them by name.
      { name: 'generate', input: lifecycleInput() },
      {
        name: 'prompt',
        input: lifecycleInput({
          name: 'Prompted',
          photo: { prompt: 'A friendly presenter in a navy blazer, soft studio light' },
          looks: [{ prompt: 'Blue suit' }],
          video: { ...neutralVideo, title: 'From a prompt' },
        }),
      },
      {
        name: 'imageKeys',
        input: lifecycleInput({
          name: 'Keys',
          photo: { imageKeys: [f.imageKey, f.imageKey] },
          looks: [],
          video: neutralVideo,
        }),
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
            dimension: { width: 720, height: 720 },
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
            background: { type: 'video', url: 'https://example.com/bg.mp4', playStyle: 'once' },
          },
        }),
      },
    ],
    render: [
      { name: 'scene', input: scene },
      { name: 'look', input: look },
      { name: 'silentLook', input: silentLook },
      { name: 'twoScenes', input: twoScenes },
      { name: 'avatarIvKey', input: avatarIvKey },
      { name: 'avatarIvFile', input: avatarIvFile },
      { name: 'webmText', input: webmText },
      { name: 'webmAudio', input: webmAudio },
    ],
    batch: [
      { name: 'one', input: { items: [{ ref: 'row-1', render: scene }] } },
      {
        name: 'continueAsNew',
        input: {
          items: [{ render: look }, { ref: 'row-2', render: webmText }],
          maxParallel: 2,
          itemsPerRun: 1,
        },
      },
      { name: 'mixed', input: { items: [{ render: avatarIvKey }, { render: twoScenes }], maxParallel: 1 } },
    ],
  };
}

const BASES = bases(PLACEHOLDERS);

// ---------------------------------------------------------------------------------------------------------------
// Plans

/** What is done to the base input: nothing (a control), the batch-only internal fields, or mutations. */
export type TreePlan =
  | { t: 'control' }
  | { t: 'internal'; next: number | string | undefined; outcomes: number | undefined }
  | { t: 'mutations'; mutations: MutationPlan[] };

/** What is done to the HTTP request body around the input (`pick` and `cut` select modulo their choices). */
export type EnvelopePlan =
  | { e: 'plain' }
  | { e: 'envelope'; variant: number; pick: number }
  | { e: 'invalidJson'; variant: number; cut: number }
  | { e: 'topLevel'; choice: number }
  | { e: 'badUtf8' };

export interface CasePlan {
  kind: RunKind;
  channel: Channel;
  base: string;
  tree: TreePlan;
  /** client: a value only a TypeScript caller can pass, applied to mutated inputs */
  jsValue?: JsValuePlan | null;
  /** http */
  envelope?: EnvelopePlan;
}

export interface Case {
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

const OUTCOMES = (): unknown[] => [
  [],
  [null],
  [null, null],
  [{ index: 0, status: 'completed', workflowId: 'forged', result: { videoId: 'forged' } }],
  'x',
];

function treePlan(kind: RunKind, controls: boolean): fc.Arbitrary<TreePlan> {
  const maybe = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: arb });
  const internal = fc.record({
    t: fc.constant('internal' as const),
    next: maybe(fc.constantFrom<number | string>(0, 1, 5, -1, 1.5, '1')),
    outcomes: maybe(fc.nat(OUTCOMES().length - 1)),
  });
  const mutations = fc.record({
    t: fc.constant('mutations' as const),
    mutations: mutationsArbitrary(MUTATOR),
  });
  // 5 % controls, then 4 % of the rest the batch-only internal fields.
  return fc.oneof(
    ...(controls ? [{ weight: 50, arbitrary: fc.constant({ t: 'control' as const }) }] : []),
    ...(kind === 'batch' ? [{ weight: 38, arbitrary: internal }] : []),
    { weight: kind === 'batch' ? 912 : 950, arbitrary: mutations },
  );
}

const envelopePlan: fc.Arbitrary<EnvelopePlan> = fc.oneof(
  { weight: 72, arbitrary: fc.constant({ e: 'plain' as const }) },
  {
    weight: 14,
    arbitrary: fc.record({ e: fc.constant('envelope' as const), variant: fc.nat(4), pick: fc.nat() }),
  },
  {
    weight: 7,
    arbitrary: fc.record({ e: fc.constant('invalidJson' as const), variant: fc.nat(11), cut: fc.nat() }),
  },
  { weight: 4, arbitrary: fc.record({ e: fc.constant('topLevel' as const), choice: fc.nat(6) }) },
  { weight: 3, arbitrary: fc.constant({ e: 'badUtf8' as const }) },
);
/** The envelopes that change the input itself (for runs, which send the input in a plain envelope). */
const inputEnvelopePlan: fc.Arbitrary<EnvelopePlan> = fc.oneof(
  { weight: 72, arbitrary: fc.constant({ e: 'plain' as const }) },
  { weight: 3, arbitrary: fc.constant({ e: 'badUtf8' as const }) },
);

/**
 * Cases of one kind and channel. `controls: false` leaves unmutated inputs out; `inputOnly` keeps the HTTP
 * envelopes to those that change the input. Cases larger than MAX_CASE_BYTES are generated again.
 */
export function caseArbitrary(
  kind: RunKind,
  channel: Channel,
  opts: { controls?: boolean; inputOnly?: boolean } = {},
): fc.Arbitrary<CasePlan> {
  const common = {
    kind: fc.constant(kind),
    channel: fc.constant(channel),
    base: fc.constantFrom(...BASES[kind].map((b) => b.name)),
    tree: treePlan(kind, opts.controls ?? true),
  };
  const plan: fc.Arbitrary<CasePlan> =
    channel === 'client'
      ? fc.record({
          ...common,
          jsValue: fc.oneof(
            { weight: 85, arbitrary: fc.constant(null) },
            { weight: 15, arbitrary: jsValueArbitrary },
          ),
        })
      : fc.record({ ...common, envelope: opts.inputOnly ? inputEnvelopePlan : envelopePlan });
  return plan.filter((p) => built(p).size <= MAX_CASE_BYTES);
}

// ---------------------------------------------------------------------------------------------------------------
// Building cases

interface Built {
  steps: string[];
  mutated: boolean;
  /** Bytes of the mutated tree's JSON text */
  size: number;
  /** client */
  value?: unknown;
  /** http: the JSON text of the input, and the envelope's own steps */
  inputText?: string;
}

const describeSteps = (steps: MutationStep[]) => steps.map((s) => `${s.op}@${s.path}`);

/** A batch-only mutation: the fields renderBatch carries across continue-as-new, set by a caller. */
function internalFields(plan: Extract<TreePlan, { t: 'internal' }>, input: unknown) {
  if (!isRecord(input)) return { value: input, step: 'internal:skipped' };
  const out: Record<string, unknown> = { ...input };
  if (plan.next !== undefined) out.next = plan.next;
  if (plan.outcomes !== undefined || out.next === undefined) out.outcomes = OUTCOMES()[plan.outcomes ?? 0];
  return {
    value: out,
    step: `internal:${Object.keys(out)
      .filter((k) => k === 'next' || k === 'outcomes')
      .join('+')}`,
  };
}

const builtCache = new WeakMap<CasePlan, Built>();

/** The mutated input of a plan (computed once per plan: filters and the property see the same object). */
function built(plan: CasePlan): Built {
  const cached = builtCache.get(plan);
  if (cached) return cached;
  const base = BASES[plan.kind].find((b) => b.name === plan.base)!;
  let tree: unknown;
  let steps: string[];
  let mutated = true;
  if (plan.tree.t === 'control') {
    [tree, steps, mutated] = [base.input, ['control'], false];
  } else if (plan.tree.t === 'internal') {
    const { value, step } = internalFields(plan.tree, base.input);
    [tree, steps] = [value, [step]];
  } else {
    const { value, steps: done } = applyMutations(base.input, plan.tree.mutations, MUTATOR);
    [tree, steps] = [value, describeSteps(done)];
  }
  const text = toRawJson(tree);
  const out: Built = { steps, mutated, size: text.length };
  if (plan.channel === 'http') out.inputText = text;
  else {
    // What a caller's JSON.parse would hand over (last duplicate key wins, 1e309 is Infinity, __proto__ is own).
    out.value = JSON.parse(text);
    if (mutated && plan.jsValue) {
      const js = applyJsValue(out.value, plan.jsValue);
      out.value = js.value;
      out.steps = [...steps, `${js.step.op}@${js.step.path}`];
    }
  }
  builtCache.set(plan, out);
  return out;
}

/** The HTTP envelope around `inputBytes`, per plan; `key` is the request's Idempotency-Key. */
function envelope(plan: EnvelopePlan, inputBytes: Buffer, key: string) {
  const wrap = (input: Buffer | string) =>
    Buffer.concat([Buffer.from('{"input":'), Buffer.from(input), Buffer.from('}')]);
  const plain = wrap(inputBytes);
  const text = plain.toString('utf8');
  const input = inputBytes.toString('utf8');
  const nth = <T>(items: readonly T[], n: number): T => items[n % items.length]!;
  switch (plan.e) {
    case 'plain':
      return { body: plain, inputBytes, step: undefined };
    case 'envelope': {
      const step = `envelope:${plan.variant}`;
      if (plan.variant === 0) {
        const body = nth(['{}', `{"reference":"${key}"}`, '{"input":null}'], plan.pick);
        return { body: Buffer.from(body), inputBytes, step };
      }
      if (plan.variant === 1) {
        const extra = nth(['extra', 'Input', 'inputs', '__proto__', 'constructor', ''], plan.pick);
        const body = `{"input":${input},${JSON.stringify(extra)}:{"polluted":"yes"}}`;
        return { body: Buffer.from(body), inputBytes, step };
      }
      if (plan.variant === 2) {
        const reference = nth(
          [
            '""',
            '"   "',
            JSON.stringify('r'.repeat(201)),
            '12',
            'null',
            JSON.stringify(key),
            JSON.stringify(`  ${key}  `),
            JSON.stringify(`${key}-other`),
            JSON.stringify(`${key}-日本😀\u0000`),
          ],
          plan.pick,
        );
        return { body: Buffer.from(`{"reference":${reference},"input":${input}}`), inputBytes, step };
      }
      const garbage = nth(['"garbage"', 'null', '{}', '[]', '1e309'], plan.pick);
      if (plan.variant === 3) {
        return { body: Buffer.from(`{"input":${garbage},"input":${input}}`), inputBytes, step };
      }
      // The last of duplicated keys wins: the garbage is the input.
      return {
        body: Buffer.from(`{"input":${input},"input":${garbage}}`),
        inputBytes: Buffer.from(garbage),
        step,
      };
    }
    case 'invalidJson': {
      const cut = plan.cut % Math.max(1, text.length);
      const broken = [
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
        `{"input":${input}`,
      ][plan.variant]!;
      return { body: Buffer.from(broken, 'utf8'), inputBytes, step: 'invalidJson' };
    }
    case 'topLevel': {
      const body = ['[]', 'null', '42', '"input"', 'true', `[${text}]`, '[{"input":{}}]'][plan.choice]!;
      return { body: Buffer.from(body), inputBytes, step: 'topLevelBody' };
    }
    case 'badUtf8': {
      // Invalid UTF-8 inside the first string value: the server decodes it as U+FFFD.
      const at = inputBytes.indexOf('":"');
      if (at < 0)
        return { body: Buffer.concat([Buffer.from([0xff, 0xfe]), plain]), inputBytes, step: 'badUtf8' };
      const bad = Buffer.concat([
        inputBytes.subarray(0, at + 3),
        Buffer.from([0xff, 0xfe, 0xc3]),
        inputBytes.subarray(at + 3),
      ]);
      return { body: wrap(bad), inputBytes: bad, step: 'badUtf8' };
    }
  }
}

/** The bytes of the input an HTTP plan sends (what a run sends again in a plain envelope). */
export function httpInputBytes(plan: CasePlan): Buffer {
  return envelope(plan.envelope ?? { e: 'plain' }, Buffer.from(built(plan).inputText ?? '', 'utf8'), '')
    .inputBytes;
}

/** The case a plan describes, as sent under `id` (and, over HTTP, with Idempotency-Key `key`). */
export function buildCase(plan: CasePlan, id: string, key: string): Case {
  const b = built(plan);
  const c: Case = {
    id,
    channel: plan.channel,
    kind: plan.kind,
    base: plan.base,
    steps: [...b.steps],
    mutated: b.mutated,
  };
  if (plan.channel === 'client') return { ...c, value: b.value };
  const env = envelope(plan.envelope ?? { e: 'plain' }, Buffer.from(b.inputText ?? '', 'utf8'), key);
  if (env.step) c.steps.push(env.step);
  return {
    ...c,
    mutated: b.mutated || plan.envelope?.e !== 'plain',
    body: env.body,
    key,
    inputBytes: env.inputBytes,
  };
}

/** A plan as a failure report shows it: the plan itself, and what it did where. */
export const describePlan = (plan: CasePlan): string => {
  const b = built(plan);
  return `${brief(plan)} (${plan.kind} ${plan.channel}, base ${plan.base}: ${b.steps.join(', ')})`;
};

/** Cases of every kind and both channels, kinds weighted like the runs a sample executes. */
export function mixedCaseArbitrary(
  weights: Readonly<Record<RunKind, number>>,
  opts: { controls?: boolean; inputOnly?: boolean },
): fc.Arbitrary<CasePlan> {
  return fc.oneof(
    ...KINDS.flatMap((kind) =>
      CHANNELS.map((channel) => ({ weight: weights[kind], arbitrary: caseArbitrary(kind, channel, opts) })),
    ),
  );
}
