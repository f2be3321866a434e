import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  parseSecretsFile,
  planRegistration,
  planRotation,
  readSecretsFile,
  SecretsFileError,
  serializeSecretsFile,
  updateSecretsFile,
  type SecretEntry,
} from '../../webhooks/secrets';
import { whsecSecret } from './helpers';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('secrets file format', () => {
  it('reads comments, blank lines, attributes and legacy comma lists', () => {
    const text = [
      '# a comment',
      '',
      '  whsec_new endpoint=ep_1  ',
      'whsec_old\tendpoint=ep_1\texpires=2026-12-01T12:10:00.000Z',
      'legacy-a,legacy-b',
      'other expires=2026-12-01T13:00:00+01:00',
    ].join('\r\n');
    expect(parseSecretsFile(text, 'both')).toEqual([
      { secret: 'whsec_new', endpointId: 'ep_1' },
      { secret: 'whsec_old', endpointId: 'ep_1', expiresAt: Date.UTC(2026, 11, 1, 12, 10) },
      { secret: 'legacy-a' },
      { secret: 'legacy-b' },
      { secret: 'other', expiresAt: Date.UTC(2026, 11, 1, 12, 0) },
    ]);
    // The file `register --secret-file` used to write.
    expect(parseSecretsFile('0123456789abcdef\n', 'both')).toEqual([{ secret: '0123456789abcdef' }]);
  });

  it.each<[string, string, RegExp]>([
    ['an unknown field', 's1 expire=2026-12-01T12:10:00Z', /line 1: unexpected field/],
    ['a field twice', 's1 endpoint=a endpoint=b', /unexpected field/],
    ['a bad instant', 'ok\ns1 expires=tomorrow', /line 2: expires is invalid/],
    ['an empty endpoint', 's1 endpoint=', /endpoint is invalid/],
    [
      'a whsec secret that is not base64, under base64',
      'whsec_not*base64',
      /cannot sign under WEBHOOK_SECRET_ENCODING=base64/,
    ],
  ])('refuses %s, naming the line but not the secret', (_name, text, message) => {
    const parse = () => parseSecretsFile(text, 'base64');
    expect(parse).toThrow(SecretsFileError);
    expect(parse).toThrow(message);
    try {
      parse();
    } catch (err) {
      expect((err as Error).message).not.toContain('s1');
      expect((err as Error).message).not.toContain('not*base64');
    }
  });

  it('writes what it reads, and refuses secrets the format cannot hold', () => {
    const entries: SecretEntry[] = [
      { secret: whsecSecret(), endpointId: 'ep_1' },
      { secret: whsecSecret(), endpointId: 'ep_1', expiresAt: T0 + 600_000 },
      { secret: 'plain' },
    ];
    const text = serializeSecretsFile(entries);
    expect(text.startsWith('# ')).toBe(true);
    expect(parseSecretsFile(text, 'both')).toEqual(entries);
    expect(() => serializeSecretsFile([{ secret: 'a b' }])).toThrow(SecretsFileError);
    expect(() => serializeSecretsFile([{ secret: 'a,b' }])).toThrow(SecretsFileError);
    expect(() => serializeSecretsFile([{ secret: '#a' }])).toThrow(SecretsFileError);
  });
});

describe('planning the file', () => {
  const existing: SecretEntry[] = [
    { secret: 'cur-1', endpointId: 'ep_1' },
    { secret: 'older-1', endpointId: 'ep_1', expiresAt: T0 + 60_000 },
    { secret: 'expired-1', endpointId: 'ep_1', expiresAt: T0 },
    { secret: 'untagged' },
    { secret: 'cur-2', endpointId: 'ep_2' },
  ];

  it('rotation: the new secret first, the previous ones until the grace ends, other endpoints untouched', () => {
    expect(
      planRotation(existing, { endpointId: 'ep_1', secret: 'new-1', nowMs: T0, graceMs: 600_000 }),
    ).toEqual([
      { secret: 'new-1', endpointId: 'ep_1' },
      { secret: 'cur-1', endpointId: 'ep_1', expiresAt: T0 + 600_000 },
      // Its own, earlier expiry stands.
      { secret: 'older-1', endpointId: 'ep_1', expiresAt: T0 + 60_000 },
      { secret: 'untagged', endpointId: 'ep_1', expiresAt: T0 + 600_000 },
      { secret: 'cur-2', endpointId: 'ep_2' },
    ]);
    // No grace: the previous secrets go at once.
    expect(planRotation(existing, { endpointId: 'ep_1', secret: 'new-1', nowMs: T0, graceMs: 0 })).toEqual([
      { secret: 'new-1', endpointId: 'ep_1' },
      { secret: 'cur-2', endpointId: 'ep_2' },
    ]);
  });

  it('registration: replaces the endpoint and untagged entries, keeps the others', () => {
    expect(planRegistration(existing, { endpointId: 'ep_3', secret: 'new-3', nowMs: T0 })).toEqual([
      { secret: 'new-3', endpointId: 'ep_3' },
      { secret: 'cur-1', endpointId: 'ep_1' },
      { secret: 'older-1', endpointId: 'ep_1', expiresAt: T0 + 60_000 },
      { secret: 'cur-2', endpointId: 'ep_2' },
    ]);
    expect(planRegistration(existing, { endpointId: 'ep_1', secret: 'cur-1', nowMs: T0 })).toEqual([
      { secret: 'cur-1', endpointId: 'ep_1' },
      { secret: 'cur-2', endpointId: 'ep_2' },
    ]);
  });
});

describe('atomic update', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hook-secrets-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the file (mode 600), rewrites it by rename, and leaves no temporary file', async () => {
    const file = path.join(dir, 'secrets');
    expect(await readSecretsFile(file, 'both')).toEqual([]);
    await updateSecretsFile(file, 'both', () => [{ secret: 'one', endpointId: 'ep_1' }]);
    const first = await stat(file);
    expect(first.mode & 0o777).toBe(0o600);
    await updateSecretsFile(file, 'both', (entries) => [{ secret: 'two', endpointId: 'ep_1' }, ...entries]);
    const second = await stat(file);
    // A new inode: readers see the old file or the new one, never a mix.
    expect(second.ino).not.toBe(first.ino);
    expect(await readSecretsFile(file, 'both')).toEqual([
      { secret: 'two', endpointId: 'ep_1' },
      { secret: 'one', endpointId: 'ep_1' },
    ]);
    expect(await readdir(dir)).toEqual(['secrets']);
  });

  it('leaves the file as it was when the update fails', async () => {
    const file = path.join(dir, 'secrets');
    await writeFile(file, 'keep-me\n');
    await expect(
      updateSecretsFile(file, 'both', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(updateSecretsFile(file, 'both', () => [{ secret: 'bad secret' }])).rejects.toThrow(
      SecretsFileError,
    );
    expect(await readFile(file, 'utf8')).toBe('keep-me\n');
    expect(await readdir(dir)).toEqual(['secrets']);
  });
});
