import { ZERO_DURATIONS } from '../../simulator';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CatalogCache,
  DEFAULT_CATALOG_TTL_MS,
  catalogConfigFromEnv,
  persistentCatalogCache,
} from '../../heygen/catalog';
import type { HeyGenConfig } from '../../heygen/config';
import { HeyGenError } from '../../heygen/errors';
import type { HeyGenPort, Voice } from '../../heygen/port';
import { V2Adapter } from '../../heygen/v2/adapter';
import { startSimulator, type RunningSimulator } from '../../simulator';

const DURATIONS = ZERO_DURATIONS;
const API_KEY = 'sk-catalog-test-0123456789abcdef';

let sim: RunningSimulator;
let config: HeyGenConfig;
let heygen: V2Adapter;
let dir: string;
let groupId: string;

/** A fake clock the cache reads. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function calls(pathname: string): number {
  return sim.log().filter((e) => e.method === 'GET' && e.path === pathname).length;
}

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  sim = await startSimulator({ durations: DURATIONS, apiKey: API_KEY });
  config = { apiVersion: 'v2', apiBaseUrl: sim.url, uploadBaseUrl: sim.url, apiKey: API_KEY };
  heygen = new V2Adapter(config);
  dir = await mkdtemp(path.join(os.tmpdir(), 'heygen-catalog-'));
  // One photo-avatar group with three looks.
  const { generationId } = await heygen.generatePhotos({
    name: 'Catalog Nora',
    attributes: {
      age: 'Early Middle Age',
      gender: 'Woman',
      ethnicity: 'Hispanic',
      orientation: 'vertical',
      pose: 'close_up',
      style: 'Cinematic',
      appearance: 'Warm smile, green jacket',
    },
  });
  const generation = await heygen.getPhotoGeneration(generationId);
  if (generation.state !== 'done') throw new Error(`generation is ${generation.state}`);
  const keys = generation.value.photos;
  const first = await heygen.createAvatar({ name: 'Catalog Nora', source: 'photo', photo: keys[0]! });
  groupId = first.groupId;
  await heygen.addLooks({ groupId, name: 'Nora studio', photos: [keys[1]!, keys[2]!] });
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.clearLog();
  sim.clearFaults();
});

describe('in-memory cache', () => {
  test('a second lookup makes no request, whatever the filter', async () => {
    const cache = new CatalogCache(heygen);
    expect(cache.ttlMs).toBe(DEFAULT_CATALOG_TTL_MS);
    const all = await cache.listAvatars();
    expect(all.length).toBeGreaterThan(3);
    const before = sim.log().length;
    await cache.listAvatars({ gender: 'male' });
    await cache.listAvatars();
    expect(sim.log().length).toBe(before);
    expect(calls('/v2/avatars')).toBe(1);
  });

  test('the TTL expires by the clock: the list is fetched again', async () => {
    const clock = fakeClock();
    const cache = new CatalogCache(heygen, { ttlMs: 60_000, now: clock.now });
    await cache.listVoices();
    clock.advance(59_999);
    await cache.listVoices();
    expect(calls('/v2/voices')).toBe(1);
    clock.advance(1);
    await cache.listVoices();
    expect(calls('/v2/voices')).toBe(2);
    await cache.listVoices();
    expect(calls('/v2/voices')).toBe(2);
  });

  test('refresh option, refresh() and invalidate() fetch again', async () => {
    const cache = new CatalogCache(heygen);
    await cache.listAvatarGroups();
    await cache.listAvatarGroups({}, { refresh: true });
    expect(calls('/v2/avatar_group.list')).toBe(2);
    await cache.refresh('groups');
    expect(calls('/v2/avatar_group.list')).toBe(3);
    await cache.listAvatarGroups();
    expect(calls('/v2/avatar_group.list')).toBe(3);
    await cache.invalidate('groups');
    await cache.listAvatarGroups();
    expect(calls('/v2/avatar_group.list')).toBe(4);

    await cache.listGroupLooks(groupId);
    await cache.listGroupLooks(groupId);
    expect(calls(`/v2/avatar_group/${groupId}/avatars`)).toBe(1);
    await cache.invalidate('looks');
    await cache.listGroupLooks(groupId);
    expect(calls(`/v2/avatar_group/${groupId}/avatars`)).toBe(2);

    await cache.refresh();
    expect(calls('/v2/avatars')).toBe(1);
    expect(calls('/v2/voices')).toBe(1);
    expect(calls('/v2/avatar_group.list')).toBe(5);
  });

  test('concurrent lookups of one list share one request', async () => {
    sim.addFault({ method: 'GET', path: '^/v2/voices$', kind: 'slow', delayMs: 150 });
    const cache = new CatalogCache(heygen);
    const results = await Promise.all([
      cache.listVoices(),
      cache.listVoices({ language: 'English' }),
      cache.listVoices({ gender: 'male' }),
      cache.listVoices({ name: 'sara' }),
      cache.listAvatars(),
      cache.listAvatars({ gender: 'female' }),
    ]);
    expect(calls('/v2/voices')).toBe(1);
    expect(calls('/v2/avatars')).toBe(1);
    expect(results[0].length).toBeGreaterThan(results[1].length);
  });

  test('a caller that gives up does not cancel the shared request for the others', async () => {
    sim.addFault({ method: 'GET', path: '^/v2/voices$', kind: 'slow', delayMs: 150 });
    const cache = new CatalogCache(heygen);
    const controller = new AbortController();
    const impatient = cache.listVoices({}, { signal: controller.signal });
    const patient = cache.listVoices();
    controller.abort();
    await expect(impatient).rejects.toBeInstanceOf(HeyGenError);
    expect((await patient).length).toBeGreaterThan(0);
    expect(calls('/v2/voices')).toBe(1);
  });

  test('a failed fetch is not cached', async () => {
    sim.addFault({ method: 'GET', path: '^/v2/voices$', kind: 'http_error', status: 503 });
    const cache = new CatalogCache(heygen);
    await expect(cache.listVoices()).rejects.toMatchObject({ kind: 'ServerError' });
    expect((await cache.listVoices()).length).toBeGreaterThan(0);
    expect(calls('/v2/voices')).toBe(2);
  });

  test('invalidate() during a request: its answer does not fill the cache', async () => {
    sim.addFault({ method: 'GET', path: '^/v2/voices$', kind: 'slow', delayMs: 100 });
    const cache = new CatalogCache(heygen);
    const pending = cache.listVoices();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cache.invalidate();
    await pending;
    await cache.listVoices();
    expect(calls('/v2/voices')).toBe(2);
  });
});

describe('filters', () => {
  const cache = () => new CatalogCache(heygen);

  test('avatars by gender, name (case-insensitive substring of name or id), type and WebM support', async () => {
    const c = cache();
    const all = await c.listAvatars();
    const female = await c.listAvatars({ gender: 'FEMALE' });
    expect(female.length).toBeGreaterThan(0);
    expect(female.every((a) => a.gender === 'female')).toBe(true);
    expect(female.length).toBeLessThan(all.length);
    const suits = await c.listAvatars({ name: 'suit' });
    expect(suits.map((a) => a.name).sort()).toEqual(['Kristin in Black Suit', 'Tyler in Casual Suit']);
    expect(await c.listAvatars({ name: 'suit', gender: 'male' })).toHaveLength(1);
    const byId = await c.listAvatars({ name: all[0]!.avatarId.toUpperCase() });
    expect(byId.map((a) => a.avatarId)).toContain(all[0]!.avatarId);
    expect(await c.listAvatars({ name: 'no such avatar' })).toEqual([]);

    // v2 lists studio avatars (WebM-capable) and the account's looks as talking photos (not WebM-capable).
    const studio = await c.listAvatars({ type: 'AVATAR' });
    expect(studio.length).toBeGreaterThan(3);
    expect(studio.every((a) => a.supportsWebm)).toBe(true);
    const photos = await c.listAvatars({ type: 'talking_photo' });
    expect(photos.length).toBeGreaterThanOrEqual(3);
    expect(photos.some((a) => a.supportsWebm)).toBe(false);
    expect(await c.listAvatars({ supportsWebm: true })).toEqual(studio);
    expect(studio.length + photos.length).toBe(all.length);
  });

  test('findAvatar: the cached list answers; a miss is checked against a fresh list once', async () => {
    const c = cache();
    const [first] = await c.listAvatars({ type: 'avatar' });
    expect(calls('/v2/avatars')).toBe(1);
    expect(await c.findAvatar(first!.avatarId)).toEqual(first);
    expect(calls('/v2/avatars')).toBe(1);
    expect(await c.findAvatar('no-such-avatar')).toBeUndefined();
    expect(calls('/v2/avatars')).toBe(2);
  });

  test('voices by language, gender and name', async () => {
    const c = cache();
    const english = await c.listVoices({ language: 'english' });
    expect(english.length).toBe(3);
    expect((await c.listVoices({ language: 'Spanish' })).map((v) => v.name)).toEqual(['Lucía - Natural']);
    const englishMale = await c.listVoices({ language: 'English', gender: 'male' });
    expect(englishMale.map((v) => v.name)).toEqual(['Tony - Professional']);
    expect((await c.listVoices({ name: 'CALM' })).map((v) => v.language)).toEqual(['French']);
    expect(await c.listVoices({ language: 'en' })).toEqual([]);
  });

  test('a language given as a code also matches by its language part', async () => {
    const voices: Voice[] = [
      { voiceId: 'a', name: 'A', language: 'en-US' },
      { voiceId: 'b', name: 'B', language: 'en_GB' },
      { voiceId: 'c', name: 'C', language: 'English' },
      { voiceId: 'd', name: 'D', language: 'fr-FR' },
    ];
    // Only listVoices is reached by this lookup.
    const port = { version: 'v3', listVoices: () => Promise.resolve(voices) } as unknown as HeyGenPort;
    const c = new CatalogCache(port);
    expect((await c.listVoices({ language: 'EN' })).map((v) => v.voiceId)).toEqual(['a', 'b']);
    expect((await c.listVoices({ language: 'en-gb' })).map((v) => v.voiceId)).toEqual(['b']);
    expect((await c.listVoices({ language: 'english' })).map((v) => v.voiceId)).toEqual(['c']);
  });

  test('groups by name, looks by name and status', async () => {
    const c = cache();
    const groups = await c.listAvatarGroups({ name: 'catalog nora' });
    expect(groups.map((g) => g.id)).toEqual([groupId]);
    expect(await c.listAvatarGroups({ name: 'zzz' })).toEqual([]);

    const looks = await c.listGroupLooks(groupId);
    expect(looks).toHaveLength(3);
    expect(looks.every((l) => l.groupId === groupId && l.status === 'completed')).toBe(true);
    const studio = await c.listGroupLooks(groupId, { name: 'studio' });
    expect(studio.length).toBe(2);
    expect(await c.listGroupLooks(groupId, { status: 'COMPLETED' })).toHaveLength(3);
    // HeyGen's own status word matches too
    expect(await c.listGroupLooks(groupId, { status: looks[0]!.rawStatus })).toHaveLength(3);
    expect(await c.listGroupLooks(groupId, { status: 'processing' })).toEqual([]);
    expect(await c.listGroupLooks(groupId, { status: 'no-such-status' })).toEqual([]);
    await expect(c.listGroupLooks('  ')).rejects.toMatchObject({ kind: 'InvalidRequest' });
  });
});

describe('file persistence', () => {
  test('a new instance with the same directory makes no request; the API key is never stored', async () => {
    const cacheDir = await mkdtemp(path.join(dir, 'persist-'));
    const clock = fakeClock();
    const first = persistentCatalogCache(heygen, config, { ttlMs: 60_000, cacheDir }, { now: clock.now });
    await first.listAvatars();
    await first.listVoices();
    await first.listAvatarGroups();
    await first.listGroupLooks(groupId);
    expect(sim.log()).toHaveLength(4);

    // A later run (another process): new instance, same directory.
    clock.advance(30_000);
    const second = persistentCatalogCache(new V2Adapter(config), config, { ttlMs: 60_000, cacheDir }, clock);
    expect((await second.listVoices({ language: 'English' })).length).toBe(3);
    expect((await second.listAvatars({ gender: 'male' })).length).toBeGreaterThan(0);
    expect((await second.listAvatarGroups()).map((g) => g.id)).toContain(groupId);
    expect(await second.listGroupLooks(groupId)).toHaveLength(3);
    expect(sim.log()).toHaveLength(4);

    const files = await allFiles(cacheDir);
    expect(files.length).toBe(4);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain(API_KEY);
      expect(file).not.toContain(API_KEY);
      expect(JSON.parse(text)).toMatchObject({
        version: 2,
        apiBaseUrl: sim.url,
        fetchedAt: clock.now() - 30_000,
      });
    }

    // The TTL counts from the entry's fetch time, not from when this process read it.
    clock.advance(30_000);
    const third = persistentCatalogCache(heygen, config, { ttlMs: 60_000, cacheDir }, clock);
    await third.listVoices();
    expect(calls('/v2/voices')).toBe(2);
  });

  test('entries are kept per API base URL and per account', async () => {
    const cacheDir = await mkdtemp(path.join(dir, 'persist-'));
    await persistentCatalogCache(heygen, config, { ttlMs: 60_000, cacheDir }).listVoices();
    // Same simulator, but another base URL spelling: a different API as far as the cache knows.
    const otherUrl = { ...config, apiBaseUrl: sim.url.replace('127.0.0.1', 'localhost') };
    await persistentCatalogCache(new V2Adapter(otherUrl), otherUrl, {
      ttlMs: 60_000,
      cacheDir,
    }).listVoices();
    expect(calls('/v2/voices')).toBe(2);
    // Another API key (account) on the same URL does not reuse the first account's lists.
    const otherKey = { ...config, apiKey: 'another-key' };
    await persistentCatalogCache(heygen, otherKey, { ttlMs: 60_000, cacheDir }).listVoices();
    expect(calls('/v2/voices')).toBe(3);
    await persistentCatalogCache(heygen, config, { ttlMs: 60_000, cacheDir }).listVoices();
    expect(calls('/v2/voices')).toBe(3);
    // Another API version on the same URL and account describes the catalog differently: not reused either.
    const asV3 = Object.assign(Object.create(heygen) as V2Adapter, { version: 'v3' as const });
    await persistentCatalogCache(asV3, config, { ttlMs: 60_000, cacheDir }).listVoices();
    expect(calls('/v2/voices')).toBe(4);
  });

  test('a file of the earlier format (HeyGen v2 shapes, version 1) is ignored and replaced', async () => {
    const cacheDir = await mkdtemp(path.join(dir, 'persist-'));
    const clock = fakeClock();
    const opts = { ttlMs: 60_000, cacheDir };
    await persistentCatalogCache(heygen, config, opts, clock).listVoices();
    const [file] = await allFiles(cacheDir);
    const stored = JSON.parse(await readFile(file!, 'utf8')) as Record<string, unknown>;
    await writeFile(file!, JSON.stringify({ ...stored, version: 1, data: [{ voice_id: 'old' }] }));
    const voices = await persistentCatalogCache(heygen, config, opts, clock).listVoices();
    expect(voices.map((v) => v.voiceId)).not.toContain('old');
    expect(calls('/v2/voices')).toBe(2);
  });

  test('a corrupt or foreign file is ignored and replaced; invalidate() removes files', async () => {
    const cacheDir = await mkdtemp(path.join(dir, 'persist-'));
    const opts = { ttlMs: 60_000, cacheDir };
    await persistentCatalogCache(heygen, config, opts).listAvatars();
    const [file] = await allFiles(cacheDir);
    await writeFile(file!, '{"version":1,"apiBaseUrl":');
    await persistentCatalogCache(heygen, config, opts).listAvatars();
    expect(calls('/v2/avatars')).toBe(2);
    const stored = JSON.parse(await readFile(file!, 'utf8')) as { data: Array<{ avatarId: string }> };
    expect(stored.data.length).toBeGreaterThan(0);
    expect(stored.data[0]!.avatarId).toEqual(expect.any(String));

    await persistentCatalogCache(heygen, config, opts).invalidate();
    expect(await allFiles(cacheDir)).toEqual([]);
    await persistentCatalogCache(heygen, config, opts).listAvatars();
    expect(calls('/v2/avatars')).toBe(3);
  });

  test('an unwritable directory only costs a refetch', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const cache = persistentCatalogCache(heygen, config, { ttlMs: 60_000, cacheDir: blocker });
    expect((await cache.listVoices()).length).toBeGreaterThan(0);
    expect((await cache.listVoices()).length).toBeGreaterThan(0);
    expect(calls('/v2/voices')).toBe(1);
  });
});

describe('catalogConfigFromEnv', () => {
  test('defaults: 600 s under $XDG_CACHE_HOME, else ~/.cache', () => {
    expect(catalogConfigFromEnv({ HOME: '/home/u' })).toEqual({
      ttlMs: 600_000,
      cacheDir: '/home/u/.cache/heygen-pipelines/catalog',
    });
    expect(catalogConfigFromEnv({ HOME: '/home/u', XDG_CACHE_HOME: '/var/cache/u' }).cacheDir).toBe(
      '/var/cache/u/heygen-pipelines/catalog',
    );
    // A relative XDG_CACHE_HOME is invalid per the spec and ignored.
    expect(catalogConfigFromEnv({ HOME: '/home/u', XDG_CACHE_HOME: 'rel' }).cacheDir).toBe(
      '/home/u/.cache/heygen-pipelines/catalog',
    );
  });

  test('overrides, and an error naming a bad variable', () => {
    expect(
      catalogConfigFromEnv({ HEYGEN_CATALOG_TTL_SECONDS: '0', HEYGEN_CATALOG_CACHE_DIR: '/tmp/c' }),
    ).toEqual({ ttlMs: 0, cacheDir: '/tmp/c' });
    expect(() => catalogConfigFromEnv({ HEYGEN_CATALOG_TTL_SECONDS: 'ten' })).toThrow(
      /HEYGEN_CATALOG_TTL_SECONDS/u,
    );
    expect(() => catalogConfigFromEnv({ HEYGEN_CATALOG_TTL_SECONDS: '-1' })).toThrow(
      /HEYGEN_CATALOG_TTL_SECONDS/u,
    );
  });

  test('a TTL of 0 always refetches and writes nothing', async () => {
    const cacheDir = await mkdtemp(path.join(dir, 'persist-'));
    const cache = persistentCatalogCache(heygen, config, { ttlMs: 0, cacheDir });
    await cache.listVoices();
    await cache.listVoices();
    expect(calls('/v2/voices')).toBe(2);
    expect(await allFiles(cacheDir)).toEqual([]);
  });
});
