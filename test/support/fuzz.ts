/**
 * Fuzzing helpers: a seeded PRNG and mutators of JSON-shaped values (workflow inputs, request bodies).
 *
 * Everything here is deterministic for a given seed: print the seed, and let FUZZ_SEED reproduce a run. Mutations
 * that only exist in raw JSON text (1e309, duplicated keys, very deep nesting) are represented by `RawJson` and
 * `DuplicateKeys` nodes, written out by `toRawJson`; `JSON.parse(toRawJson(tree))` is what a server would see.
 */

// ---------------------------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32, the generator test/webhooks/fuzz.test.ts uses)

export class Rng {
  private a = 0x9e3779b9;
  private b = 0x243f6a88;
  private c = 0xb7e15162;
  private d: number;

  constructor(seed: number) {
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i += 1) this.next();
  }

  /** Uniform in [0, 1) */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let roll = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, w] of entries) {
      roll -= w;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 1) out[i] = this.int(0, 255);
    return out;
  }

  hex(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i += 1) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }

  /** A string of up to maxLen code points from ASCII, punctuation and (optionally) hostile unicode pools. */
  string(maxLen: number, unicode = true): string {
    const pools = unicode ? [...TEXT_POOLS, ...UNICODE_POOLS] : TEXT_POOLS;
    const len = this.int(0, maxLen);
    const out: string[] = [];
    while (out.length < len) out.push(this.pick([...this.pick(pools)]));
    return out.join('');
  }
}

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

function hugeString(rng: Rng): string {
  const len = rng.chance(0.05)
    ? rng.int(1_000_000, 1_200_000)
    : rng.pick([201, 1_001, 5_001, 10_000, 60_000, 300_000]);
  const unit = rng.pick(['a', 'ab ', 'é', '😀', 'x\u0000', '日本 ']);
  return unit.repeat(Math.ceil(len / unit.length)).slice(0, len);
}

function deepNesting(rng: Rng): RawJson {
  const depth = rng.pick([64, 512, 2_000, 6_000]);
  const leaf = rng.pick(['1', '"x"', 'null', '{}', '[]']);
  return rng.chance(0.5)
    ? new RawJson(`${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`)
    : new RawJson(`${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`);
}

/** A value of another JSON type than `current` (number↔string, null, arrays, objects, booleans). */
function otherType(rng: Rng, current: unknown): unknown {
  const options: unknown[] = [null, true, false, [], {}, [current], { value: current }];
  if (typeof current === 'number') options.push(String(current), `${current}px`);
  else if (typeof current === 'string') {
    const n = Number(current);
    options.push(Number.isFinite(n) ? n : 42, 0, -1);
  } else options.push(rng.int(-5, 5), rng.string(8, false), 'true');
  return rng.pick(
    options.filter((o) => typeof o !== typeof current || Array.isArray(o) !== Array.isArray(current)),
  );
}

/** Near misses of enum-like strings, and values of other enums of the same contract. */
function outOfEnum(rng: Rng, current: unknown, vocabulary: readonly string[]): unknown {
  const s = typeof current === 'string' ? current : rng.pick(vocabulary);
  return rng.pick([
    s.toLowerCase(),
    s.toUpperCase(),
    `${s} `,
    ` ${s}`,
    `${s}x`,
    s.slice(0, -1),
    s.replace(/_/g, ' '),
    s.normalize('NFD') === s ? `${s}\u0301` : s.normalize('NFD'),
    rng.pick(vocabulary),
    rng.pick(vocabulary),
    rng.string(12),
  ]);
}

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

const lastKey = (path: JsonPath) => path[path.length - 1];

/** Applies one random mutation; returns the new tree and what was done where. */
export function mutateOnce(
  rng: Rng,
  root: unknown,
  opts: MutatorOptions,
  op: MutationOp = rng.weighted(MUTATION_WEIGHTS),
): { value: unknown; step: MutationStep } {
  const paths = listPaths(root);
  const any = () => rng.pick(paths);
  const where = (filter: (p: JsonPath, v: unknown) => boolean, fallback = any): JsonPath => {
    const matching = paths.filter((p) => filter(p, getAt(root, p)));
    return matching.length > 0 ? rng.pick(matching) : fallback();
  };
  const strings = () => where((_, v) => typeof v === 'string');
  const done = (value: unknown, path: JsonPath) => ({ value, step: { op, path: formatPath(path) } });

  switch (op) {
    case 'delete': {
      const path = where((p) => p.length > 0);
      return done(deleteAt(root, path), path);
    }
    case 'wrongType': {
      const path = any();
      return done(setAt(root, path, otherType(rng, getAt(root, path))), path);
    }
    case 'emptyString': {
      const path = rng.chance(0.8) ? strings() : any();
      return done(setAt(root, path, rng.pick(EMPTYISH)), path);
    }
    case 'hugeString': {
      const path = rng.chance(0.8) ? strings() : any();
      return done(setAt(root, path, hugeString(rng)), path);
    }
    case 'unicode': {
      const path = rng.chance(0.85) ? strings() : any();
      const current = getAt(root, path);
      const extra = rng.string(12) || '\u0000';
      const next =
        typeof current === 'string'
          ? rng.pick([
              `${current}${extra}`,
              `${extra}${current}`,
              `${current.slice(0, 1)}${extra}${current.slice(1)}`,
              extra,
            ])
          : extra;
      return done(setAt(root, path, next), path);
    }
    case 'badNumber': {
      const path = where((_, v) => typeof v === 'number');
      const next = rng.chance(0.7) ? new RawJson(rng.pick(BAD_NUMBER_TOKENS)) : rng.pick(NUMBER_STRINGS);
      return done(setAt(root, path, next), path);
    }
    case 'edgeNumber': {
      const path = where((_, v) => typeof v === 'number');
      return done(setAt(root, path, rng.pick(EDGE_NUMBERS)), path);
    }
    case 'extraField':
    case 'protoKey': {
      const path = where((_, v) => isPlainNode(v));
      const key =
        op === 'protoKey'
          ? rng.pick(PROTO_KEYS)
          : rng.pick([
              rng.string(10),
              `x_${rng.hex(4)}`,
              '',
              ' ',
              'type',
              'id',
              ...opts.vocabulary.slice(0, 5),
            ]);
      const value = op === 'protoKey' ? rng.pick(POLLUTION_VALUES()) : rng.pick([1, 'x', null, true, {}, []]);
      const path2 = [...path, key];
      return done(setAt(root, path2, value), path2);
    }
    case 'deepNesting': {
      const path = any();
      return done(setAt(root, path, deepNesting(rng)), path);
    }
    case 'outOfEnum': {
      const path = strings();
      return done(setAt(root, path, outOfEnum(rng, getAt(root, path), opts.vocabulary)), path);
    }
    case 'tooMany': {
      const path = where((_, v) => Array.isArray(v));
      const current = getAt(root, path);
      const items: unknown[] = Array.isArray(current) && current.length > 0 ? current : ['x'];
      const unitBytes = Math.max(...items.map((i) => toRawJson(i).length));
      let n = rng.pick([0, 2, 4, 5, 11, 21, 51, 201, 1_001, 10_001]);
      if (n * unitBytes > 3_500_000) n = rng.pick([21, 51]);
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
      if (!isPlainNode(node)) return mutateOnce(rng, root, opts, 'wrongType');
      const keys = Object.keys(node);
      const dup = rng.pick(keys);
      const other = mutateOnce(
        rng,
        node[dup],
        opts,
        rng.pick<MutationOp>(['wrongType', 'emptyString', 'delete', 'unicode']),
      ).value;
      const entries: Array<readonly [string, unknown]> = [];
      for (const key of keys) {
        if (key !== dup) entries.push([key, node[key]]);
        else if (rng.chance(0.5)) entries.push([key, other], [key, node[key]]);
        else entries.push([key, node[key]], [key, other]);
      }
      return done(setAt(root, path, new DuplicateKeys(entries)), [...path, dup]);
    }
    case 'oddUrl': {
      const keys = opts.urlKeys;
      const path = keys
        ? where((p, v) => typeof v === 'string' && keys.test(String(lastKey(p))), strings)
        : strings();
      return done(setAt(root, path, rng.pick(ODD_URLS)), path);
    }
    case 'pathString': {
      const keys = opts.pathKeys;
      const path = keys
        ? where((p, v) => typeof v === 'string' && keys.test(String(lastKey(p))), strings)
        : strings();
      return done(setAt(root, path, rng.pick(PATH_STRINGS)), path);
    }
    case 'topLevel':
      return done(rng.pick([null, 42, -1, 'input', true, [], [root], '']), []);
  }
}

/** Applies 1 to 3 mutations (mostly one). */
export function mutate(
  rng: Rng,
  root: unknown,
  opts: MutatorOptions,
): { value: unknown; steps: MutationStep[] } {
  const count = rng.weighted({ one: 70, two: 22, three: 8 });
  let value = root;
  const steps: MutationStep[] = [];
  for (let i = 0; i < (count === 'one' ? 1 : count === 'two' ? 2 : 3); i += 1) {
    const next = mutateOnce(rng, value, opts);
    value = next.value;
    steps.push(next.step);
  }
  return { value, steps };
}

/**
 * Values only a TypeScript caller can pass (no JSON text has them): NaN, ±Infinity, undefined members, holes,
 * BigInt, Dates, functions, symbols, Maps, boxed strings, null-prototype objects.
 */
export function mutateJsValue(rng: Rng, root: unknown): { value: unknown; step: MutationStep } {
  const path = rng.pick(listPaths(root));
  const current = getAt(root, path);
  const options: Array<() => unknown> = [
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => undefined,
    () => 10n,
    () => new Date(0),
    () => () => 1,
    () => Symbol('fuzz'),
    () => new Map([['a', 1]]),
    () => new String(typeof current === 'string' ? current : 'x'),
    () => Number.MIN_VALUE,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => {
      if (!isPlainNode(current)) return Object.create(null) as unknown;
      const bare = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(current)) define(bare, key, current[key]);
      return bare;
    },
    () => {
      // eslint-disable-next-line no-sparse-arrays -- a hole is the odd value wanted here
      const holed: unknown[] = [, current];
      return holed;
    },
  ];
  return { value: setAt(root, path, rng.pick(options)()), step: { op: 'jsValue', path: formatPath(path) } };
}
