/**
 * Fuzzing on fast-check: the seed and replay of a fuzz file, concurrent property streams with a shrinking budget
 * and a report that says how to rerun, and arbitraries of mutations of JSON-shaped values (workflow inputs, request
 * bodies).
 *
 * Mutations are generated as plans (an operation, a path selector and the operation's choices) and applied to a
 * tree deterministically, so fast-check shrinks the plan: fewer mutations, the first matching path, the first
 * choice of each list. Mutations that only exist in raw JSON text (1e309, duplicated keys, very deep nesting) are
 * represented by `RawJson` and `DuplicateKeys` nodes, written out by `toRawJson`; `JSON.parse(toRawJson(tree))` is
 * what a server would see.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------------------------
// Seeds, streams and reports

/** The seed from `variable` (decimal, 0 ≤ seed < 2^32), else a random one. */
export function fuzzSeed(variable = 'FUZZ_SEED'): number {
  const text = process.env[variable]?.trim();
  if (!text) return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`${variable}=${text}: expected an integer in [0, 2^32)`);
  }
  return seed;
}

export interface FuzzSession {
  /** The variable that sets the seed (FUZZ_SEED) and the one that replays a counterexample (FUZZ_REPLAY) */
  readonly seedVariable: string;
  readonly replayVariable: string;
  readonly seed: number;
  /** From `<label>#<stream>@<fast-check path>`: only that stream runs, and only its shrunk counterexample */
  readonly replay: { label: string; stream: number; path: string } | undefined;
  /** The command that runs the file, for the rerun hints */
  readonly command: string;
}

export function fuzzSession(seedVariable: string, command: string): FuzzSession {
  const replayVariable = seedVariable.replace(/SEED$/, 'REPLAY');
  const text = process.env[replayVariable]?.trim();
  let replay: FuzzSession['replay'];
  if (text) {
    const m = /^(.+)#(\d+)@([\d:]+)$/.exec(text);
    if (!m) throw new Error(`${replayVariable}=${text}: expected <label>#<stream>@<path>`);
    replay = { label: m[1]!, stream: Number(m[2]), path: m[3]! };
  }
  return { seedVariable, replayVariable, seed: fuzzSeed(seedVariable), replay, command };
}

export interface StreamsOptions<T> {
  /** Names the property in reports and in <PREFIX>_REPLAY */
  label: string;
  /** Properties run at once (each with its own seed drawn from the session's), to load the server concurrently */
  streams: number;
  /** Runs of each stream */
  numRuns: number;
  arbitrary: (stream: number) => fc.Arbitrary<T>;
  /** Throws when the value breaks the property. */
  predicate: (value: T, stream: number) => Promise<void>;
  /** Shrinking stops this long after a stream's first failure (each run may be seconds against a real stack). */
  shrinkBudgetMs: number;
  /** The counterexample as the report prints it (default: `brief`) */
  describe?: (value: T) => string;
}

export interface StreamsResult {
  /** Runs of the streams that passed, plus the runs up to the failure of those that failed */
  runs: number;
  failures: string[];
}

/**
 * Runs `streams` fast-check properties concurrently. Resolves with the report of each failed stream: its seed, the
 * shrunk counterexample, the error and the commands that rerun it; it never throws, so that a caller can still
 * make its whole-run checks first.
 */
export async function runStreams<T>(session: FuzzSession, opts: StreamsOptions<T>): Promise<StreamsResult> {
  // Replaying a counterexample runs its stream only: the file's other properties are skipped.
  if (session.replay && session.replay.label !== opts.label) return { runs: 0, failures: [] };
  const seeds = fc.sample(fc.noBias(fc.nat()), { seed: session.seed, numRuns: opts.streams });
  const replay = session.replay;
  const describe = opts.describe ?? ((v: T) => brief(v));
  const outcomes = await Promise.all(
    seeds.map(async (seed, stream) => {
      if (replay && replay.stream !== stream) return { runs: 0, failure: undefined };
      const property = fc.asyncProperty(opts.arbitrary(stream), (value) => opts.predicate(value, stream));
      const details = await fc.check<[T]>(property, {
        seed,
        numRuns: opts.numRuns,
        ...(replay ? { path: replay.path, endOnFailure: true } : {}),
        plugins: [shrinkBudget(opts.shrinkBudgetMs)],
      });
      if (!details.failed) return { runs: details.numRuns, failure: undefined };
      return { runs: details.numRuns, failure: failureReport(session, opts, stream, details, describe) };
    }),
  );
  return {
    runs: outcomes.reduce((sum, o) => sum + o.runs, 0),
    failures: outcomes.flatMap((o) => (o.failure ? [o.failure] : [])),
  };
}

/**
 * Throws one error with the reports of the failed streams (the first three in full, the others by their error),
 * printed as they are rather than escaped in a matcher's diff.
 */
export function assertNoFailures(session: FuzzSession, ...results: StreamsResult[]): void {
  const failures = results.flatMap((r) => r.failures);
  if (failures.length === 0) return;
  const rest = failures.slice(3).map((f) => `  ${f.split('\n')[0]}: ${f.split('\n')[2]?.trim() ?? ''}`);
  throw new Error(
    [
      `${failures.length} fuzz stream(s) failed (${session.seedVariable}=${session.seed}):`,
      ...failures.slice(0, 3),
      ...(rest.length > 0 ? [`and ${rest.length} more:`, ...rest] : []),
    ].join('\n\n'),
  );
}

function failureReport<T>(
  session: FuzzSession,
  opts: StreamsOptions<T>,
  stream: number,
  details: fc.RunDetails<[T]>,
  describe: (v: T) => string,
): string {
  if (!details.counterexample || !details.counterexamplePath) {
    return `${opts.label}#${stream}: ${fc.defaultReportMessage(details) ?? 'failed'}`;
  }
  const error = details.errorInstance;
  const message = error instanceof Error ? error.message : String(error);
  const shrunk = details.interrupted
    ? `shrunk ${details.numShrinks} time(s) within ${opts.shrinkBudgetMs / 1000} s (a smaller case may exist)`
    : `shrunk ${details.numShrinks} time(s)`;
  const seed = `${session.seedVariable}=${session.seed}`;
  return [
    `${opts.label}#${stream} failed after ${details.numRuns} run(s) (${seed}), ${shrunk}`,
    `  counterexample: ${describe(details.counterexample[0])}`,
    `  error: ${message.length > 4000 ? `${message.slice(0, 4000)}…` : message}`,
    `  replay the counterexample: ${seed} ${session.replayVariable}='${opts.label}#${stream}@${details.counterexamplePath}' ${session.command}`,
    `  rerun the whole run: ${seed} ${session.command}`,
  ].join('\n');
}

/** After a stream's first failure, further runs (its shrink attempts) are interrupted once `ms` have passed. */
function shrinkBudget(ms: number): fc.UniversalPlugin {
  return () => {
    let failedAt: number | undefined;
    const seen = <R>(out: R): R => {
      if (out !== null && !fc.PreconditionFailure.isFailure(out)) failedAt ??= Date.now();
      return out;
    };
    return {
      decorateRun: (run) => (value) => {
        if (failedAt !== undefined && Date.now() - failedAt > ms) return new fc.PreconditionFailure(true);
        const out = run(value);
        return out !== null && 'then' in out ? out.then(seen) : seen(out);
      },
    };
  };
}

/** A short, readable rendering: long strings, buffers and arrays abbreviated, at most `max` characters. */
export function brief(value: unknown, max = 2000): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, function (this: unknown, _key, v: unknown) {
        if (typeof v === 'string' && v.length > 120) return `${v.slice(0, 60)}…(${v.length} chars)`;
        if (typeof v === 'bigint') return `${v}n`;
        if (v instanceof RawJson)
          return v.text.length > 120
            ? `raw:${v.text.slice(0, 60)}…(${v.text.length} chars)`
            : `raw:${v.text}`;
        if (v instanceof DuplicateKeys) return { duplicateKeys: v.entries };
        if (isRecord(v) && v.type === 'Buffer' && Array.isArray(v.data)) {
          return `<${v.data.length} bytes: ${Buffer.from(v.data.slice(0, 40) as number[]).toString('hex')}…>`;
        }
        if (Array.isArray(v) && v.length > 20)
          return [...(v as unknown[]).slice(0, 20), `…(${v.length} items)`];
        return v;
      }) ?? String(value);
  } catch {
    text = fc.stringify(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Small arbitraries

const TEXT_POOLS = ['abcdefghijklmnopqrstuvwxyz0123456789', ' _-./:{}[]",\\\'#@%&'];
const UNICODE_POOLS = [
  'éüßçñÅ',
  '日本語の文字',
  '😀🚀🔥👩‍👩‍👧',
  '\u0000\u0001\u0007\u001b\u001f\u007f',
  '\u202e\u200b\u200d\ufeff\u2028\u2029',
  'Ωπλ',
  '\ud800\udfff',
];
const poolChar = (pools: readonly string[]) => fc.oneof(...pools.map((p) => fc.constantFrom(...p)));
const ASCII_CHAR = poolChar(TEXT_POOLS);
const ANY_CHAR = poolChar([...TEXT_POOLS, ...UNICODE_POOLS]);

/** Up to maxLength characters from ASCII, punctuation and (optionally) hostile unicode pools. */
export const hostileString = (maxLength: number, unicode = true): fc.Arbitrary<string> =>
  fc.string({ unit: unicode ? ANY_CHAR : ASCII_CHAR, maxLength });

export const hexString = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

/** True with probability `p` (shrinks to false). */
export const chance = (p: number): fc.Arbitrary<boolean> =>
  fc.oneof(
    { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(false) },
    { weight: Math.round(p * 100), arbitrary: fc.constant(true) },
  );

// ---------------------------------------------------------------------------------------------------------------
// JSON trees with raw-only nodes

/** Written verbatim into the JSON text (e.g. `1e309`, a 5,000-deep array). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written with its entries in order, keys possibly repeated (JSON.parse keeps the last one). */
export class DuplicateKeys {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

export type JsonPath = ReadonlyArray<string | number>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isPlainNode = (value: unknown): value is Record<string, unknown> =>
  isRecord(value) && !(value instanceof RawJson) && !(value instanceof DuplicateKeys);

/** Sets an own data property, even for `__proto__` (plain assignment would change the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** JSON text of a tree; `undefined` members are left out like JSON.stringify does (null inside arrays). */
export function toRawJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof DuplicateKeys) {
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toRawJson(v)}`).join(',')}}`;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : toRawJson(v))).join(',')}]`;
  if (isRecord(value)) {
    const parts: string[] = [];
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) parts.push(`${JSON.stringify(key)}:${toRawJson(value[key])}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Nodes deeper than this are never mutated: listPaths treats them as leaves and cloneTree shares them, so values
 * nested thousands of levels deep (JSON.parse of a deep-nesting case) do not overflow the stack.
 */
export const MAX_MUTATION_DEPTH = 48;

/** Deep copy of plain arrays and objects (own `__proto__` keys stay own keys); raw nodes are shared. */
export function cloneTree<T>(value: T, depth = 0): T {
  if (depth > MAX_MUTATION_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => cloneTree(v, depth + 1)) as T;
  if (isPlainNode(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) define(out, key, cloneTree(value[key], depth + 1));
    return out as T;
  }
  return value;
}

/** Every path of the tree (down to MAX_MUTATION_DEPTH), the root (`[]`) included; raw nodes are leaves. */
export function listPaths(value: unknown, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(prefix);
  if (prefix.length >= MAX_MUTATION_DEPTH) return out;
  if (Array.isArray(value)) value.forEach((v, i) => listPaths(v, [...prefix, i], out));
  else if (isPlainNode(value)) {
    for (const key of Object.keys(value)) listPaths(value[key], [...prefix, key], out);
  }
  return out;
}

export function getAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const part of path) {
    if (Array.isArray(current) && typeof part === 'number') current = current[part];
    else if (isPlainNode(current) && Object.prototype.hasOwnProperty.call(current, part)) {
      current = current[String(part)];
    } else return undefined;
  }
  return current;
}

/** A copy of `root` with the node at `path` replaced (an empty path replaces the root). */
export function setAt(root: unknown, path: JsonPath, next: unknown): unknown {
  if (path.length === 0) return next;
  const copy = cloneTree(root);
  const parent = getAt(copy, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof last === 'number') parent[last] = next;
  else if (isPlainNode(parent)) define(parent, String(last), next);
  return copy;
}

/** A copy of `root` without the node at `path` (array elements are spliced out). */
export function deleteAt(root: unknown, path: JsonPath): unknown {
  if (path.length === 0) return undefined;
  const copy = cloneTree(root);
  const parent = getAt(copy, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else if (isPlainNode(parent)) delete parent[String(last)];
  return copy;
}

/**
 * A copy of `root` with every string leaf equal to a key of `replacements` replaced by its value (raw nodes and
 * values no JSON has are kept as they are). Fuzzed inputs name fixtures by placeholders, filled in per stack.
 */
export function replaceStrings<T>(root: T, replacements: ReadonlyMap<string, string>, depth = 0): T {
  if (typeof root === 'string') return (replacements.get(root) ?? root) as T;
  if (depth > MAX_MUTATION_DEPTH) return root;
  if (Array.isArray(root)) return root.map((v: unknown) => replaceStrings(v, replacements, depth + 1)) as T;
  const proto: unknown = isPlainNode(root) ? Object.getPrototypeOf(root) : undefined;
  if (isPlainNode(root) && (proto === Object.prototype || proto === null)) {
    // A null-prototype object stays one (the client may treat it differently from a plain object).
    const out = (proto === null ? Object.create(null) : {}) as Record<string, unknown>;
    for (const key of Object.keys(root)) define(out, key, replaceStrings(root[key], replacements, depth + 1));
    return out as T;
  }
  return root;
}

/** The same replacement in JSON text: whole string tokens only (`"placeholder"`), bytes elsewhere untouched. */
export function replaceJsonStrings(json: Buffer, replacements: ReadonlyMap<string, string>): Buffer {
  // latin1 maps bytes 1:1, so invalid UTF-8 elsewhere in the text survives; placeholders and ids are ASCII.
  let text = json.toString('latin1');
  for (const [from, to] of replacements) text = text.split(JSON.stringify(from)).join(JSON.stringify(to));
  return Buffer.from(text, 'latin1');
}

export const formatPath = (path: JsonPath): string => (path.length === 0 ? '(root)' : path.join('.'));

// ---------------------------------------------------------------------------------------------------------------
// Hostile values

export const ODD_URLS = [
  'ftp://example.com/a.png',
  'mailto:someone@example.com',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'data:image/png;base64,iVBORw0KGgo=',
  'urn:isbn:0451450523',
  'http://',
  'https://',
  '//example.com/a.png',
  'example.com/a.png',
  'https://exa mple.com/a.png',
  'http://[::1]:99999/a.png',
  'https://user:pass@example.com/a.png',
  'HTTPS://EXAMPLE.COM/A.PNG',
  'https://例え.jp/a.png',
  `https://example.com/${'a'.repeat(3000)}.png`,
];

export const PATH_STRINGS = [
  '..',
  '.',
  '../../etc/passwd',
  '/etc/passwd',
  'a/b.png',
  'nul\u0000.png',
  'CON',
  '~/.ssh/id_rsa',
  'photos\\a.png',
  'face.png/',
  ' face.png ',
];

const EMPTYISH = ['', ' ', '   ', '\t\n', '\u00a0', '\u200b', '\ufeff', '\u3000'];
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  'toString',
  'hasOwnProperty',
];
/** Parsed from JSON text, so `__proto__` is an own key (as a server would see it), not a prototype. */
const POLLUTION_VALUES = (): unknown[] => [
  { polluted: 'yes' },
  { prototype: { polluted: 'yes' } },
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
  'polluted',
  null,
];
const EXTRA_VALUES = (): unknown[] => [1, 'x', null, true, {}, []];
const BAD_NUMBER_TOKENS = [
  '1e309',
  '-1e309',
  '1E400',
  '1e-400',
  '-0',
  '0.0000001',
  '123456789012345678901234567890',
  '9007199254740993',
  '1.5',
  '-1',
  '0',
  '127',
  '129',
  '4097',
  '5001',
  '2.5e1',
];
const NUMBER_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e309', '0x10', ' 5 ', '1_000', '12', ''];
const EDGE_NUMBERS = [0.05, 0.5, 1, 1.5, 2, 50, -50, 100, 128, 200, 500, 1000, 3600, 4094, 4096];
const HUGE_LENGTHS = [201, 1_001, 5_001, 10_000, 60_000, 300_000];
const HUGE_UNITS = ['a', 'ab ', 'é', '😀', 'x\u0000', '日本 '];
const TOO_MANY = [0, 2, 4, 5, 11, 21, 51, 201, 1_001, 10_001];

// ---------------------------------------------------------------------------------------------------------------
// Mutation plans

export type MutationOp =
  | 'delete'
  | 'wrongType'
  | 'emptyString'
  | 'hugeString'
  | 'unicode'
  | 'badNumber'
  | 'edgeNumber'
  | 'extraField'
  | 'protoKey'
  | 'deepNesting'
  | 'outOfEnum'
  | 'tooMany'
  | 'duplicateKey'
  | 'oddUrl'
  | 'pathString'
  | 'topLevel';

export const MUTATION_WEIGHTS: Readonly<Record<MutationOp, number>> = {
  delete: 12,
  wrongType: 12,
  emptyString: 7,
  hugeString: 5,
  unicode: 9,
  badNumber: 8,
  edgeNumber: 5,
  extraField: 7,
  protoKey: 6,
  deepNesting: 3,
  outOfEnum: 9,
  tooMany: 5,
  duplicateKey: 6,
  oddUrl: 6,
  pathString: 3,
  topLevel: 2,
};

/**
 * One mutation, independent of the tree it is applied to: `at` selects among the paths the operation targets
 * (modulo their number), the other fields are the operation's choices.
 */
export type MutationPlan =
  | { op: 'delete'; at: number }
  | { op: 'wrongType'; at: number; choice: number; int: number; text: string }
  | { op: 'emptyString'; at: number; anywhere: boolean; value: string }
  | { op: 'hugeString'; at: number; anywhere: boolean; length: number; unit: string }
  | { op: 'unicode'; at: number; anywhere: boolean; extra: string; placement: number }
  | { op: 'badNumber'; at: number; token: string; raw: boolean }
  | { op: 'edgeNumber'; at: number; value: number }
  | { op: 'extraField'; at: number; key: string; value: number }
  | { op: 'protoKey'; at: number; key: string; value: number }
  | { op: 'deepNesting'; at: number; depth: number; leaf: string; arrays: boolean }
  | { op: 'outOfEnum'; at: number; variant: number; word: number; noise: string }
  | { op: 'tooMany'; at: number; count: number; fallback: number }
  | { op: 'duplicateKey'; at: number; key: number; other: MutationPlan; otherFirst: boolean }
  | { op: 'oddUrl'; at: number; url: string }
  | { op: 'pathString'; at: number; value: string }
  | { op: 'topLevel'; choice: number };

export interface MutationStep {
  op: MutationOp | 'jsValue';
  path: string;
}

export interface MutatorOptions {
  /** Enum values of the contract, used for out-of-enum replacements */
  vocabulary: readonly string[];
  /** Keys whose string values are URLs or file names (odd URLs and paths go there first) */
  urlKeys?: RegExp;
  pathKeys?: RegExp;
}

const at = fc.nat();
const index = (n: number) => fc.integer({ min: 0, max: n - 1 });

function planArbitrary(op: MutationOp, opts: MutatorOptions): fc.Arbitrary<MutationPlan> {
  const c = <K extends MutationOp>(k: K) => fc.constant(k);
  switch (op) {
    case 'delete':
      return fc.record({ op: c(op), at });
    case 'wrongType':
      return fc.record({
        op: c(op),
        at,
        choice: fc.nat(),
        int: fc.integer({ min: -5, max: 5 }),
        text: hostileString(8, false),
      });
    case 'emptyString':
      return fc.record({ op: c(op), at, anywhere: chance(0.2), value: fc.constantFrom(...EMPTYISH) });
    case 'hugeString':
      return fc.record({
        op: c(op),
        at,
        anywhere: chance(0.2),
        length: fc.oneof(
          { weight: 95, arbitrary: fc.constantFrom(...HUGE_LENGTHS) },
          { weight: 5, arbitrary: fc.integer({ min: 1_000_000, max: 1_200_000 }) },
        ),
        unit: fc.constantFrom(...HUGE_UNITS),
      });
    case 'unicode':
      return fc.record({
        op: c(op),
        at,
        anywhere: chance(0.15),
        extra: hostileString(12),
        placement: index(4),
      });
    case 'badNumber':
      return fc.oneof(
        {
          weight: 7,
          arbitrary: fc.record({
            op: c(op),
            at,
            token: fc.constantFrom(...BAD_NUMBER_TOKENS),
            raw: fc.constant(true),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            op: c(op),
            at,
            token: fc.constantFrom(...NUMBER_STRINGS),
            raw: fc.constant(false),
          }),
        },
      );
    case 'edgeNumber':
      return fc.record({ op: c(op), at, value: fc.constantFrom(...EDGE_NUMBERS) });
    case 'extraField': {
      // Eleven equally likely keys: a random one, an x_ one, and nine fixed ones.
      const fixed = ['', ' ', 'type', 'id', ...opts.vocabulary.slice(0, 5)];
      const key = fc.oneof(
        { weight: 1, arbitrary: hostileString(10) },
        { weight: 1, arbitrary: hexString(4).map((h) => `x_${h}`) },
        { weight: fixed.length, arbitrary: fc.constantFrom(...fixed) },
      );
      return fc.record({ op: c(op), at, key, value: index(EXTRA_VALUES().length) });
    }
    case 'protoKey':
      return fc.record({
        op: c(op),
        at,
        key: fc.constantFrom(...PROTO_KEYS),
        value: index(POLLUTION_VALUES().length),
      });
    case 'deepNesting':
      return fc.record({
        op: c(op),
        at,
        depth: fc.constantFrom(64, 512, 2_000, 6_000),
        leaf: fc.constantFrom('1', '"x"', 'null', '{}', '[]'),
        arrays: fc.boolean(),
      });
    case 'outOfEnum':
      return fc.record({ op: c(op), at, variant: index(11), word: fc.nat(), noise: hostileString(12) });
    case 'tooMany':
      return fc.record({
        op: c(op),
        at,
        count: fc.constantFrom(...TOO_MANY),
        fallback: fc.constantFrom(21, 51),
      });
    case 'duplicateKey':
      return fc.record({
        op: c(op),
        at,
        key: fc.nat(),
        other: fc.oneof(
          ...(['wrongType', 'emptyString', 'delete', 'unicode'] as const).map((o) => planArbitrary(o, opts)),
        ),
        otherFirst: fc.boolean(),
      });
    case 'oddUrl':
      return fc.record({ op: c(op), at, url: fc.constantFrom(...ODD_URLS) });
    case 'pathString':
      return fc.record({ op: c(op), at, value: fc.constantFrom(...PATH_STRINGS) });
    case 'topLevel':
      return fc.record({ op: c(op), choice: index(8) });
  }
}

/** One mutation, operations drawn by MUTATION_WEIGHTS. */
export function mutationArbitrary(opts: MutatorOptions): fc.Arbitrary<MutationPlan> {
  return fc.oneof(
    ...(Object.entries(MUTATION_WEIGHTS) as Array<[MutationOp, number]>).map(([op, weight]) => ({
      weight,
      arbitrary: planArbitrary(op, opts),
    })),
  );
}

/**
 * One to three mutations, mostly one (73 %, 13 %, 13 %); shrinking drops the ones that do not matter, in either
 * branch.
 */
export function mutationsArbitrary(opts: MutatorOptions): fc.Arbitrary<MutationPlan[]> {
  const one = mutationArbitrary(opts);
  return fc.oneof(
    { weight: 60, arbitrary: fc.array(one, { minLength: 1, maxLength: 1 }) },
    { weight: 40, arbitrary: fc.array(one, { minLength: 1, maxLength: 3 }) },
  );
}

const lastKey = (path: JsonPath) => path[path.length - 1];
const nth = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

/** A value of another JSON type than `current` (number↔string, null, arrays, objects, booleans). */
function otherType(current: unknown, plan: { choice: number; int: number; text: string }): unknown {
  const options: unknown[] = [null, true, false, [], {}, [current], { value: current }];
  if (typeof current === 'number') options.push(String(current), `${current}px`);
  else if (typeof current === 'string') {
    const n = Number(current);
    options.push(Number.isFinite(n) ? n : 42, 0, -1);
  } else options.push(plan.int, plan.text, 'true');
  return nth(
    options.filter((o) => typeof o !== typeof current || Array.isArray(o) !== Array.isArray(current)),
    plan.choice,
  );
}

/** Near misses of enum-like strings, and values of other enums of the same contract. */
function outOfEnum(
  current: unknown,
  plan: { variant: number; word: number; noise: string },
  vocabulary: readonly string[],
) {
  const s = typeof current === 'string' ? current : nth(vocabulary, plan.word);
  return [
    s.toLowerCase(),
    s.toUpperCase(),
    `${s} `,
    ` ${s}`,
    `${s}x`,
    s.slice(0, -1),
    s.replace(/_/g, ' '),
    s.normalize('NFD') === s ? `${s}\u0301` : s.normalize('NFD'),
    nth(vocabulary, plan.word),
    nth(vocabulary, plan.word + 1),
    plan.noise,
  ][plan.variant];
}

/** Applies one mutation plan; returns the new tree and what was done where. */
export function applyMutation(
  root: unknown,
  plan: MutationPlan,
  opts: MutatorOptions,
): { value: unknown; step: MutationStep } {
  const paths = listPaths(root);
  type Filter = (p: JsonPath, v: unknown) => boolean;
  const isString: Filter = (_, v) => typeof v === 'string';
  /** The plan's pick among the paths `filter` accepts, else among those `fallback` accepts, else among all. */
  const where = (filter: Filter, fallback?: Filter): JsonPath => {
    const matching = paths.filter((p) => filter(p, getAt(root, p)));
    const second = matching.length > 0 || !fallback ? [] : paths.filter((p) => fallback(p, getAt(root, p)));
    const candidates = matching.length > 0 ? matching : second.length > 0 ? second : paths;
    return nth(candidates, 'at' in plan ? plan.at : 0);
  };
  const strings = () => where(isString);
  const anyPath = () => where(() => true);
  const done = (value: unknown, path: JsonPath) => ({ value, step: { op: plan.op, path: formatPath(path) } });

  switch (plan.op) {
    case 'delete': {
      const path = where((p) => p.length > 0);
      return done(deleteAt(root, path), path);
    }
    case 'wrongType': {
      const path = anyPath();
      return done(setAt(root, path, otherType(getAt(root, path), plan)), path);
    }
    case 'emptyString': {
      const path = plan.anywhere ? anyPath() : strings();
      return done(setAt(root, path, plan.value), path);
    }
    case 'hugeString': {
      const path = plan.anywhere ? anyPath() : strings();
      const huge = plan.unit.repeat(Math.ceil(plan.length / plan.unit.length)).slice(0, plan.length);
      return done(setAt(root, path, huge), path);
    }
    case 'unicode': {
      const path = plan.anywhere ? anyPath() : strings();
      const current = getAt(root, path);
      const extra = plan.extra || '\u0000';
      const next =
        typeof current === 'string'
          ? [
              `${current}${extra}`,
              `${extra}${current}`,
              `${current.slice(0, 1)}${extra}${current.slice(1)}`,
              extra,
            ][plan.placement]
          : extra;
      return done(setAt(root, path, next), path);
    }
    case 'badNumber': {
      const path = where((_, v) => typeof v === 'number');
      return done(setAt(root, path, plan.raw ? new RawJson(plan.token) : plan.token), path);
    }
    case 'edgeNumber': {
      const path = where((_, v) => typeof v === 'number');
      return done(setAt(root, path, plan.value), path);
    }
    case 'extraField':
    case 'protoKey': {
      const path = [...where((_, v) => isPlainNode(v)), plan.key];
      const values = plan.op === 'protoKey' ? POLLUTION_VALUES() : EXTRA_VALUES();
      return done(setAt(root, path, values[plan.value]), path);
    }
    case 'deepNesting': {
      const path = anyPath();
      const d = plan.depth;
      const text = plan.arrays
        ? `${'['.repeat(d)}${plan.leaf}${']'.repeat(d)}`
        : `${'{"a":'.repeat(d)}${plan.leaf}${'}'.repeat(d)}`;
      return done(setAt(root, path, new RawJson(text)), path);
    }
    case 'outOfEnum': {
      const path = strings();
      return done(setAt(root, path, outOfEnum(getAt(root, path), plan, opts.vocabulary)), path);
    }
    case 'tooMany': {
      const path = where((_, v) => Array.isArray(v));
      const current = getAt(root, path);
      const items: unknown[] = Array.isArray(current) && current.length > 0 ? current : ['x'];
      const unitBytes = Math.max(...items.map((i) => toRawJson(i).length));
      const n = plan.count * unitBytes > 3_500_000 ? plan.fallback : plan.count;
      const next =
        n > 200
          ? new RawJson(
              `[${Array.from({ length: n }, (_, i) => toRawJson(items[i % items.length])).join(',')}]`,
            )
          : Array.from({ length: n }, (_, i) => cloneTree(items[i % items.length]));
      return done(setAt(root, path, next), path);
    }
    case 'duplicateKey': {
      const path = where((_, v) => isPlainNode(v) && Object.keys(v).length > 0);
      const node = getAt(root, path);
      if (!isPlainNode(node)) {
        return applyMutation(
          root,
          { op: 'wrongType', at: plan.at, choice: plan.key, int: 0, text: '' },
          opts,
        );
      }
      const keys = Object.keys(node);
      const dup = nth(keys, plan.key);
      const other = applyMutation(node[dup], plan.other, opts).value;
      const entries: Array<readonly [string, unknown]> = [];
      for (const key of keys) {
        if (key !== dup) entries.push([key, node[key]]);
        else if (plan.otherFirst) entries.push([key, other], [key, node[key]]);
        else entries.push([key, node[key]], [key, other]);
      }
      return done(setAt(root, path, new DuplicateKeys(entries)), [...path, dup]);
    }
    case 'oddUrl':
    case 'pathString': {
      const keys = plan.op === 'oddUrl' ? opts.urlKeys : opts.pathKeys;
      const path = keys
        ? where((p, v) => typeof v === 'string' && keys.test(String(lastKey(p))), isString)
        : strings();
      return done(setAt(root, path, plan.op === 'oddUrl' ? plan.url : plan.value), path);
    }
    case 'topLevel':
      return done([null, 42, -1, 'input', true, [], [root], ''][plan.choice], []);
  }
}

/** Applies the plans in order, each to the result of the previous one. */
export function applyMutations(
  root: unknown,
  plans: readonly MutationPlan[],
  opts: MutatorOptions,
): { value: unknown; steps: MutationStep[] } {
  let value = root;
  const steps: MutationStep[] = [];
  for (const plan of plans) {
    const next = applyMutation(value, plan, opts);
    value = next.value;
    steps.push(next.step);
  }
  return { value, steps };
}

/**
 * Values only a TypeScript caller can pass (no JSON text has them): NaN, ±Infinity, undefined members, holes,
 * BigInt, Dates, functions, symbols, Maps, boxed strings, null-prototype objects.
 */
export interface JsValuePlan {
  at: number;
  choice: number;
}

const JS_VALUES: Array<(current: unknown) => unknown> = [
  () => NaN,
  () => Infinity,
  () => -Infinity,
  () => undefined,
  () => 10n,
  () => new Date(0),
  () => () => 1,
  () => Symbol('fuzz'),
  () => new Map([['a', 1]]),
  (current) => new String(typeof current === 'string' ? current : 'x'),
  () => Number.MIN_VALUE,
  () => Number.MAX_SAFE_INTEGER + 2,
  (current) => {
    if (!isPlainNode(current)) return Object.create(null) as unknown;
    const bare = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(current)) define(bare, key, current[key]);
    return bare;
  },
  (current) => {
    // eslint-disable-next-line no-sparse-arrays -- a hole is the odd value wanted here
    const holed: unknown[] = [, current];
    return holed;
  },
];

export const jsValueArbitrary: fc.Arbitrary<JsValuePlan> = fc.record({ at, choice: index(JS_VALUES.length) });

export function applyJsValue(root: unknown, plan: JsValuePlan): { value: unknown; step: MutationStep } {
  const path = nth(listPaths(root), plan.at);
  const value = setAt(root, path, JS_VALUES[plan.choice]!(getAt(root, path)));
  return { value, step: { op: 'jsValue', path: formatPath(path) } };
}
