import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseEnv } from '../lib/env';
import type { HeyGenConfig } from './config';
import { HeyGenError } from './errors';
import type { AvatarGroup, CatalogAvatar, HeyGenPort, Look, Voice } from './port';

/**
 * HeyGen's catalog (avatars, voices, the account's avatar groups and their looks), in the port's neutral types, behind
 * a TTL cache: repeated lookups within the TTL make no request, concurrent lookups of the same list share one request,
 * and, with `persist`, the lists survive the process in JSON files so that separate CLI runs do not refetch them
 * either. Lists are kept per API version too: v2 and v3 describe the same account differently.
 */

export const DEFAULT_CATALOG_TTL_MS = 10 * 60 * 1000;

export type CatalogKind = 'avatars' | 'voices' | 'groups' | 'looks';

export interface CatalogPersistence {
  /** Directory of the cache files (created on first write, mode 700). */
  dir: string;
  /** The API base URL the lists come from: entries are kept per base URL. */
  apiBaseUrl: string;
  /**
   * Optional opaque partition inside a base URL, e.g. `accountFingerprint(apiKey)`, so that two accounts on the same
   * API never see each other's groups. Never pass the API key itself.
   */
  account?: string;
}

export interface CatalogCacheOptions {
  /** How long a fetched list stays fresh. Default 10 minutes; 0 = always refetch. */
  ttlMs?: number;
  /** Clock in epoch milliseconds (tests inject a fake one). Default Date.now. */
  now?: () => number;
  /** Keep the lists in JSON files too (see CatalogPersistence). Default: in memory only. */
  persist?: CatalogPersistence;
}

export interface CatalogListOptions {
  /** Ignore cached copies (memory and file) and fetch the list again. */
  refresh?: boolean;
  /** Stops waiting (the shared request itself carries on and fills the cache for others). */
  signal?: AbortSignal;
}

export interface AvatarFilter {
  /** Case-insensitive exact match, e.g. 'female'. */
  gender?: string;
  /** Case-insensitive substring of name or avatarId. */
  name?: string;
  /** Case-insensitive exact match of the avatar's type, e.g. 'avatar' or 'talking_photo' (v2). */
  type?: string;
  /** Only avatars that can (true) or cannot (false) be rendered as a transparent WebM. */
  supportsWebm?: boolean;
}

export interface VoiceFilter {
  /**
   * Case-insensitive: the language as HeyGen gives it ('English'); when HeyGen gives a code ('en-US'), the code's
   * language ('en') matches too.
   */
  language?: string;
  /** Case-insensitive exact match, e.g. 'Male'. */
  gender?: string;
  /** Case-insensitive substring of name or voiceId. */
  name?: string;
}

export interface GroupFilter {
  /** Case-insensitive substring of name or id. */
  name?: string;
}

export interface LookFilter {
  /** Case-insensitive substring of name or id. */
  name?: string;
  /** Case-insensitive exact match of the neutral status ('completed', 'processing'...) or HeyGen's own. */
  status?: string;
}

interface Entry {
  fetchedAt: number;
  data: unknown;
}

/** 2: neutral port types (1 held HeyGen's v2 shapes: such files are ignored and replaced). */
const FILE_VERSION = 2;
const fileSchema = z.object({
  version: z.literal(FILE_VERSION),
  apiBaseUrl: z.string(),
  key: z.string(),
  fetchedAt: z.number().finite(),
  data: z.unknown(),
});

// What a stored list must hold to be trusted: the fields the cache and its callers rely on.
const SCHEMAS: Record<CatalogKind, z.ZodType> = {
  avatars: z.array(
    z.looseObject({ avatarId: z.string().min(1), type: z.string(), supportsWebm: z.boolean() }),
  ),
  voices: z.array(z.looseObject({ voiceId: z.string().min(1) })),
  groups: z.array(z.looseObject({ id: z.string().min(1), name: z.string() })),
  looks: z.array(
    z.looseObject({
      id: z.string().min(1),
      status: z.enum(['processing', 'completed', 'failed', 'pending_consent']),
    }),
  ),
};

export class CatalogCache {
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly persist?: CatalogPersistence & { partitionDir: string };
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Bumped by invalidate(): a request started before it must not fill the cache after it. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly heygen: HeyGenPort,
    opts: CatalogCacheOptions = {},
  ) {
    const ttlMs = opts.ttlMs ?? DEFAULT_CATALOG_TTL_MS;
    if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new Error(`ttlMs must be >= 0, got ${ttlMs}`);
    this.ttlMs = ttlMs;
    this.now = opts.now ?? Date.now;
    if (opts.persist) {
      const partition = createHash('sha256')
        .update(JSON.stringify([opts.persist.apiBaseUrl, opts.persist.account ?? '', heygen.version]))
        .digest('hex')
        .slice(0, 24);
      this.persist = { ...opts.persist, partitionDir: path.join(opts.persist.dir, partition) };
    }
  }

  /** Every avatar the API lists (v2: studio avatars and talking photos; v3: public looks). */
  async listAvatars(filter: AvatarFilter = {}, opts: CatalogListOptions = {}): Promise<CatalogAvatar[]> {
    const avatars = await this.get<CatalogAvatar[]>(
      'avatars',
      'avatars',
      () => this.heygen.listAvatars(),
      opts,
    );
    return avatars.filter(
      (a) =>
        equalsCi(a.gender, filter.gender) &&
        equalsCi(a.type, filter.type) &&
        (filter.supportsWebm === undefined || a.supportsWebm === filter.supportsWebm) &&
        containsCi([a.name, a.avatarId], filter.name),
    );
  }

  /**
   * One avatar by id. The cached list answers most lookups; a miss is checked against a fresh list before it is
   * reported (undefined), since the avatar may be newer than the cached list.
   */
  async findAvatar(
    avatarId: string,
    opts: Omit<CatalogListOptions, 'refresh'> = {},
  ): Promise<CatalogAvatar | undefined> {
    const find = async (refresh: boolean) =>
      (await this.listAvatars({}, { ...opts, refresh })).find((a) => a.avatarId === avatarId);
    return (await find(false)) ?? (await find(true));
  }

  async listVoices(filter: VoiceFilter = {}, opts: CatalogListOptions = {}): Promise<Voice[]> {
    const voices = await this.get<Voice[]>('voices', 'voices', () => this.heygen.listVoices(), opts);
    return voices.filter(
      (v) =>
        matchesLanguage(v, filter.language) &&
        equalsCi(v.gender, filter.gender) &&
        containsCi([v.name, v.voiceId], filter.name),
    );
  }

  async listAvatarGroups(filter: GroupFilter = {}, opts: CatalogListOptions = {}): Promise<AvatarGroup[]> {
    const groups = await this.get<AvatarGroup[]>(
      'groups',
      'groups',
      () => this.heygen.listAvatarGroups(),
      opts,
    );
    return groups.filter((g) => containsCi([g.name, g.id], filter.name));
  }

  async listGroupLooks(
    groupId: string,
    filter: LookFilter = {},
    opts: CatalogListOptions = {},
  ): Promise<Look[]> {
    const id = groupId.trim();
    if (!id) {
      throw new HeyGenError({
        kind: 'InvalidRequest',
        operation: 'avatarGroups.looks',
        message: 'Invalid groupId: groupId must not be empty',
        mayHaveBeenProcessed: false,
      });
    }
    const looks = await this.get<Look[]>('looks', lookKey(id), () => this.heygen.listGroupLooks(id), opts);
    return looks.filter(
      (l) =>
        containsCi([l.name, l.id], filter.name) &&
        (equalsCi(l.status, filter.status) ||
          (l.rawStatus !== undefined && equalsCi(l.rawStatus, filter.status))),
    );
  }

  /** Fetches lists again now: one kind, or avatars, voices and groups when omitted (looks need a groupId). */
  async refresh(kind?: CatalogKind, groupId?: string): Promise<void> {
    const opts = { refresh: true };
    if (kind === 'looks') {
      if (groupId === undefined) throw new Error('refresh("looks") needs a groupId');
      await this.listGroupLooks(groupId, {}, opts);
      return;
    }
    await Promise.all([
      kind === undefined || kind === 'avatars' ? this.listAvatars({}, opts) : undefined,
      kind === undefined || kind === 'voices' ? this.listVoices({}, opts) : undefined,
      kind === undefined || kind === 'groups' ? this.listAvatarGroups({}, opts) : undefined,
    ]);
  }

  /**
   * Forgets cached lists (memory and file): everything when `kind` is omitted, one kind otherwise ('looks' without a
   * groupId forgets the looks of every group). Requests already in flight no longer fill the cache.
   */
  async invalidate(kind?: CatalogKind, groupId?: string): Promise<void> {
    const known = [...this.entries.keys(), ...this.inflight.keys()];
    let keys: string[];
    if (kind === undefined) keys = [...known, 'avatars', 'voices', 'groups'];
    else if (kind !== 'looks') keys = [kind];
    else if (groupId !== undefined) keys = [lookKey(groupId.trim())];
    else keys = known.filter((k) => k.startsWith('looks:'));
    for (const key of new Set(keys)) {
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      this.entries.delete(key);
      this.inflight.delete(key);
    }
    if (!this.persist) return;
    if (kind === undefined) {
      await rm(this.persist.partitionDir, { recursive: true, force: true });
      return;
    }
    const files =
      kind === 'looks' && groupId === undefined
        ? await this.persistedLookFiles()
        : [...new Set(keys)].map((k) => this.fileFor(k));
    await Promise.all(files.map((f) => unlink(f).catch(() => undefined)));
  }

  // ---- internals ----

  private async get<T>(
    kind: CatalogKind,
    key: string,
    fetch: () => Promise<T>,
    opts: CatalogListOptions,
  ): Promise<T> {
    throwIfAborted(opts.signal);
    if (!opts.refresh) {
      const cached = this.entries.get(key);
      if (cached && this.isFresh(cached.fetchedAt)) return cached.data as T;
      const stored = await this.readStored(kind, key);
      if (stored && this.isFresh(stored.fetchedAt)) {
        this.entries.set(key, stored);
        return stored.data as T;
      }
    }
    return abortable(this.fetchShared(key, fetch), opts.signal);
  }

  private fetchShared<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const generation = this.generations.get(key) ?? 0;
    const request = (async () => {
      const data = await fetch();
      const fetchedAt = this.now();
      if ((this.generations.get(key) ?? 0) === generation) {
        this.entries.set(key, { fetchedAt, data });
        await this.writeStored(key, fetchedAt, data);
      }
      return data;
    })();
    this.inflight.set(key, request);
    request
      .finally(() => {
        if (this.inflight.get(key) === request) this.inflight.delete(key);
      })
      .catch(() => undefined);
    return request;
  }

  private isFresh(fetchedAt: number): boolean {
    const age = this.now() - fetchedAt;
    return age >= 0 && age < this.ttlMs;
  }

  private fileFor(key: string): string {
    if (!this.persist) throw new Error('no persistence configured');
    const name = key.startsWith('looks:')
      ? `looks-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`
      : key;
    return path.join(this.persist.partitionDir, `${name}.json`);
  }

  private async persistedLookFiles(): Promise<string[]> {
    if (!this.persist) return [];
    const dir = this.persist.partitionDir;
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith('looks-') && n.endsWith('.json')).map((n) => path.join(dir, n));
  }

  /** A stored entry, or undefined when there is none or it cannot be trusted (corrupt, other API, other key). */
  private async readStored(kind: CatalogKind, key: string): Promise<Entry | undefined> {
    if (!this.persist || this.ttlMs === 0) return undefined;
    let text: string;
    try {
      text = await readFile(this.fileFor(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const file = fileSchema.safeParse(JSON.parse(text));
      if (!file.success || file.data.apiBaseUrl !== this.persist.apiBaseUrl || file.data.key !== key) {
        return undefined;
      }
      const data = SCHEMAS[kind].safeParse(file.data.data);
      return data.success ? { fetchedAt: file.data.fetchedAt, data: data.data } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Best effort: a cache that cannot be written only costs a refetch next time. Written atomically (rename). */
  private async writeStored(key: string, fetchedAt: number, data: unknown): Promise<void> {
    if (!this.persist || this.ttlMs === 0) return;
    const file = this.fileFor(key);
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(this.persist.partitionDir, { recursive: true, mode: 0o700 });
      const body = { version: FILE_VERSION, apiBaseUrl: this.persist.apiBaseUrl, key, fetchedAt, data };
      await writeFile(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
      await rename(tmp, file);
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration

export interface CatalogConfig {
  ttlMs: number;
  cacheDir: string;
}

const envSchema = z.object({
  HEYGEN_CATALOG_TTL_SECONDS: z.coerce.number().int().min(0).default(600),
  HEYGEN_CATALOG_CACHE_DIR: z.string().trim().min(1).optional(),
  XDG_CACHE_HOME: z.string().optional(),
  HOME: z.string().optional(),
});

/**
 * HEYGEN_CATALOG_TTL_SECONDS (default 600) and HEYGEN_CATALOG_CACHE_DIR (default
 * `${XDG_CACHE_HOME:-~/.cache}/heygen-pipelines/catalog`); throws an Error naming the bad variable.
 */
export function catalogConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const v = parseEnv(envSchema, env);
  const xdg = v.XDG_CACHE_HOME && path.isAbsolute(v.XDG_CACHE_HOME) ? v.XDG_CACHE_HOME : undefined;
  const cacheRoot = xdg ?? path.join(v.HOME ?? os.homedir(), '.cache');
  return {
    ttlMs: v.HEYGEN_CATALOG_TTL_SECONDS * 1000,
    cacheDir: path.resolve(v.HEYGEN_CATALOG_CACHE_DIR ?? path.join(cacheRoot, 'heygen-pipelines', 'catalog')),
  };
}

/** A non-reversible, short fingerprint of an API key, to partition caches per account without storing the key. */
export function accountFingerprint(apiKey: string): string {
  return createHash('sha256').update(`heygen-pipelines catalog account:${apiKey}`).digest('hex').slice(0, 16);
}

/** The cache the CLI uses: persisted under `catalog.cacheDir`, per API base URL and account. */
export function persistentCatalogCache(
  heygen: HeyGenPort,
  heygenConfig: HeyGenConfig,
  catalog: CatalogConfig = catalogConfigFromEnv(),
  opts: { now?: () => number } = {},
): CatalogCache {
  return new CatalogCache(heygen, {
    ttlMs: catalog.ttlMs,
    now: opts.now,
    persist: {
      dir: catalog.cacheDir,
      apiBaseUrl: heygenConfig.apiBaseUrl,
      account: accountFingerprint(heygenConfig.apiKey),
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Filters

function lookKey(groupId: string): string {
  return `looks:${groupId}`;
}

function norm(value: string | null | undefined): string {
  return (value ?? '').trim().toLowerCase();
}

function equalsCi(value: string | null | undefined, wanted: string | undefined): boolean {
  if (wanted === undefined || wanted.trim() === '') return true;
  return norm(value) === norm(wanted);
}

function containsCi(values: Array<string | null | undefined>, wanted: string | undefined): boolean {
  if (wanted === undefined || wanted.trim() === '') return true;
  const needle = norm(wanted);
  return values.some((v) => norm(v).includes(needle));
}

/** The language as given, or, when the API gives a code like 'en-US', its language part ('en'). */
function matchesLanguage(voice: Voice, wanted: string | undefined): boolean {
  if (wanted === undefined || wanted.trim() === '') return true;
  // en_GB and en-GB are the same code
  const needle = norm(wanted).replace(/_/gu, '-');
  const language = norm(voice.language).replace(/_/gu, '-');
  return language === needle || (/^[a-z]{2,3}-/u.test(language) && language.split('-')[0] === needle);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

function cancelled(): HeyGenError {
  return new HeyGenError({
    kind: 'Timeout',
    operation: 'catalog',
    message: 'Catalog lookup cancelled',
    mayHaveBeenProcessed: false,
  });
}

/** Waits for a shared promise, giving up (for this caller only) when the signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
