import { ZERO_DURATIONS } from '../../simulator';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import {
  assetsDeleteCommand,
  assetsListCommand,
  assetsUploadCommand,
  avatarsCommand,
  formatTable,
  groupsCommand,
  looksCommand,
  voicesCommand,
} from '../../cli/commands/catalog';
import { registerCatalogCommands } from '../../cli/commands/catalogCommands';
import { V2Adapter } from '../../heygen/v2/adapter';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { renderPng } from '../../simulator/media/png';

const API_KEY = 'sk-cli-catalog-test-key';
const PNG = renderPng({ width: 16, height: 16, seed: 'cli-png' });
const ENV_KEYS = [
  'HEYGEN_API_VERSION',
  'HEYGEN_API_BASE_URL',
  'HEYGEN_UPLOAD_BASE_URL',
  'HEYGEN_API_KEY',
  'HEYGEN_CATALOG_CACHE_DIR',
  'HEYGEN_CATALOG_TTL_SECONDS',
] as const;

let sim: RunningSimulator;
let dir: string;
let groupId: string;
let source: http.Server;
let sourceUrl: string;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: API_KEY,
    durations: ZERO_DURATIONS,
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'heygen-cli-catalog-'));
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  // The simulator speaks v2: the commands go through the port HEYGEN_API_VERSION selects.
  process.env.HEYGEN_API_VERSION = 'v2';
  process.env.HEYGEN_API_BASE_URL = sim.url;
  delete process.env.HEYGEN_UPLOAD_BASE_URL;
  process.env.HEYGEN_API_KEY = API_KEY;
  process.env.HEYGEN_CATALOG_CACHE_DIR = path.join(dir, 'cache');
  delete process.env.HEYGEN_CATALOG_TTL_SECONDS;

  const heygen = new V2Adapter({
    apiVersion: 'v2',
    apiBaseUrl: sim.url,
    uploadBaseUrl: sim.url,
    apiKey: API_KEY,
  });
  const { generationId } = await heygen.generatePhotos({ name: 'Cli Ada', prompt: 'Short hair, blue scarf' });
  const generation = await heygen.getPhotoGeneration(generationId);
  if (generation.state !== 'done') throw new Error(`generation is ${generation.state}`);
  const group = await heygen.createAvatar({
    name: 'Cli Ada',
    source: 'photo',
    photo: generation.value.photos[0]!,
  });
  groupId = group.groupId;

  source = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
    res.end(PNG);
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/picture.png`;
});

afterAll(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  source.closeAllConnections();
  await new Promise((resolve) => source.close(resolve));
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  sim.clearLog();
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
});

const json = <T>() => JSON.parse(stdout) as T;
const apiCalls = () => sim.log().length;

describe('catalog commands', () => {
  test('avatars: an aligned table, then the cache answers the next run', async () => {
    await avatarsCommand({ refresh: true, type: 'avatar' });
    expect(process.exitCode).toBeUndefined();
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AVATAR ID\s+NAME\s+TYPE\s+GENDER\s+PREMIUM\s+WEBM\s+DEFAULT VOICE$/u);
    expect(lines.length).toBeGreaterThan(3);
    const nameColumn = lines[0]!.indexOf('NAME');
    const genderColumn = lines[0]!.indexOf('GENDER');
    for (const line of lines.slice(1)) {
      expect(line[nameColumn - 1]).toBe(' ');
      expect(line[nameColumn]).not.toBe(' ');
      expect(line.slice(genderColumn).split(/\s+/u)[0]).toMatch(/^(male|female)$/u);
    }
    expect(stdout).toContain('Tyler in Casual Suit');
    expect(apiCalls()).toBe(1);

    stdout = '';
    await avatarsCommand({ gender: 'male', json: true });
    const males = json<Array<{ gender: string; avatarId: string }>>();
    expect(males.length).toBeGreaterThan(0);
    expect(males.every((a) => a.gender === 'male' && a.avatarId.length > 0)).toBe(true);
    stdout = '';
    // The group's look is a talking photo, which no WebM takes.
    await avatarsCommand({ type: 'talking_photo', json: true });
    const photos = json<Array<{ avatarId: string; supportsWebm: boolean }>>();
    expect(photos.map((a) => a.avatarId)).toContain(groupId);
    expect(photos.every((a) => !a.supportsWebm)).toBe(true);
    stdout = '';
    await avatarsCommand({ webm: true, json: true });
    expect(json<Array<{ avatarId: string }>>().map((a) => a.avatarId)).not.toContain(groupId);
    expect(apiCalls()).toBe(1);

    // The cache file is under HEYGEN_CATALOG_CACHE_DIR and never holds the key.
    const files = await readdir(process.env.HEYGEN_CATALOG_CACHE_DIR!, { recursive: true });
    const jsonFiles = files.filter((f) => f.endsWith('.json'));
    expect(jsonFiles.length).toBeGreaterThan(0);
    for (const f of jsonFiles) {
      expect(await readFile(path.join(process.env.HEYGEN_CATALOG_CACHE_DIR!, f), 'utf8')).not.toContain(
        API_KEY,
      );
    }
  });

  test('voices with filters, as JSON and as a table', async () => {
    await voicesCommand({ language: 'Spanish', json: true, refresh: true });
    expect(json<Array<{ name: string }>>().map((v) => v.name)).toEqual(['Lucía - Natural']);
    stdout = '';
    await voicesCommand({ language: 'english', gender: 'female', name: 'uk' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^VOICE ID\s+NAME\s+LANGUAGE\s+GENDER/u);
    expect(lines[1]).toContain('Olivia - Warm (UK)');
    expect(apiCalls()).toBe(1);
  });

  test('groups and looks', async () => {
    await groupsCommand({ refresh: true, json: true });
    expect(json<Array<{ id: string }>>().map((g) => g.id)).toContain(groupId);
    stdout = '';
    await groupsCommand({ name: 'cli ada' });
    expect(stdout.split('\n')[0]).toMatch(/^GROUP ID\s+NAME\s+LOOKS\s+STATUS\s+CREATED$/u);
    expect(stdout).toContain(groupId);
    stdout = '';
    await looksCommand(groupId, { json: true });
    expect(json<unknown[]>()).toHaveLength(1);
    stdout = '';
    await looksCommand(groupId, {});
    expect(stdout.split('\n')[0]).toMatch(/^LOOK ID\s+NAME\s+STATUS\s+HEYGEN STATUS\s+CREATED$/u);
    expect(stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(stdout.split('\n')[1]).toMatch(
      new RegExp(`^${groupId}\\s+Cli Ada\\s+completed\\s+completed\\s+\\d{4}-`, 'u'),
    );
  });

  test('an unknown group fails with exit code 1 and the HeyGen error', async () => {
    await looksCommand('no-such-group', { json: true, refresh: true });
    expect(process.exitCode).toBe(1);
    // One line, the message only (the type is in the JSON).
    expect(stderr).toBe('error: Avatar group no-such-group not found\n');
    expect(json<{ error: { type: string } }>().error.type).toBe('HeyGenError');
  });
});

describe('assets commands', () => {
  test('upload a file and a URL, list all pages by type, delete', async () => {
    const file = path.join(dir, 'face.jpg');
    await writeFile(file, PNG);
    await assetsUploadCommand(file, { json: true });
    const fromFile = json<{ assetId: string; contentType: string; photoRef: string }>();
    expect(fromFile.contentType).toBe('image/png');
    expect(fromFile.photoRef).toEqual(expect.any(String));
    expect(sim.log().find((e) => e.path === '/v1/asset')?.body).toEqual({
      bytes: PNG.length,
      contentType: 'image/png',
    });

    stdout = '';
    await assetsUploadCommand(sourceUrl, {});
    expect(stdout).toMatch(/^asset_id\s+[0-9a-f]{32}$/mu);
    expect(stdout).toMatch(/^content_type\s+image\/png$/mu);
    expect(stdout).toMatch(new RegExp(`^bytes\\s+${PNG.length}$`, 'mu'));
    const fromUrl = /^asset_id\s+(\S+)$/mu.exec(stdout)?.[1];
    expect(fromUrl).toBeDefined();

    stdout = '';
    await assetsListCommand({ type: 'image', json: true });
    const listed = json<Array<{ id: string }>>().map((a) => a.id);
    expect(listed).toEqual(expect.arrayContaining([fromFile.assetId, fromUrl]));

    stdout = '';
    await assetsListCommand({});
    expect(stdout.split('\n')[0]).toMatch(/^ASSET ID\s+TYPE\s+NAME\s+CREATED$/u);
    expect(stdout).toContain(fromFile.assetId);

    await assetsDeleteCommand(fromFile.assetId);
    expect(stderr).toContain(`deleted asset ${fromFile.assetId}`);
    stdout = '';
    await assetsListCommand({ json: true });
    expect(json<Array<{ id: string }>>().map((a) => a.id)).not.toContain(fromFile.assetId);
    expect(process.exitCode).toBeUndefined();
  });

  test('an unsupported file is refused with exit code 1 and nothing is uploaded', async () => {
    const file = path.join(dir, 'readme.png');
    await writeFile(file, 'plain text, not a picture\n');
    await assetsUploadCommand(file, {});
    expect(process.exitCode).toBe(1);
    expect(stderr).toContain('text/plain');
    expect(sim.log().filter((e) => e.path === '/v1/asset')).toHaveLength(0);
  });

  test('deleting an unknown asset fails with exit code 1', async () => {
    await assetsDeleteCommand('0123456789abcdef0123456789abcdef');
    expect(process.exitCode).toBe(1);
    expect(stderr).toMatch(/^error: Asset \w+ not found\n$/u);
  });
});

describe('registerCatalogCommands', () => {
  function program() {
    const p = new Command().exitOverride().configureOutput({
      writeOut: (s) => (stdout += s),
      writeErr: (s) => (stderr += s),
    });
    registerCatalogCommands(p);
    return p;
  }

  test('wires the commands and their options', async () => {
    await program().parseAsync(['voices', '--language', 'French', '--json'], { from: 'user' });
    expect(json<Array<{ name: string }>>().map((v) => v.name)).toEqual(['Antoine - Calm']);

    stdout = '';
    await program().parseAsync(['looks', groupId, '--json', '--refresh'], { from: 'user' });
    expect(json<unknown[]>()).toHaveLength(1);

    stdout = '';
    await program().parseAsync(['assets', 'list', '--type', 'image', '--json'], { from: 'user' });
    expect(Array.isArray(json<unknown[]>())).toBe(true);

    const names = program().commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['avatars', 'voices', 'groups', 'looks', 'assets']));
  });

  test('an invalid --type is refused by the parser', async () => {
    await expect(program().parseAsync(['assets', 'list', '--type', 'gif'], { from: 'user' })).rejects.toThrow(
      /Allowed choices are image, video, audio/u,
    );
  });
});

describe('formatTable', () => {
  test('pads every column but the last, shows "-" for empty cells', () => {
    expect(
      formatTable(
        ['ID', 'NAME', 'X'],
        [
          ['a', 'Long name', 1],
          ['bbbb', null, true],
        ],
      ),
    ).toBe('ID    NAME       X\na     Long name  1\nbbbb  -          true\n');
  });
});
