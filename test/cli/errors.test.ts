import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from '../../lib/net';
import { runCli } from '../support/workerProcess';

/**
 * The compiled CLI (dist/, built by the test run's global setup) with no Temporal server: a loopback port that was
 * just closed stands for a stopped local stack. Input is checked before any connection, a connection failure says
 * where and what to do, and every failure is one line on stderr.
 */
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

let dir: string;
let address: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cli-errors-'));
  // A loopback port nothing listens on.
  address = `127.0.0.1:${await freeLoopbackPort()}`;
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { TEMPORAL_ADDRESS: address, ...env });

async function file(name: string, content: unknown): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

/** One line, `error: ...`, never the class name of a plain Error. */
function expectOneErrorLine(lines: string[]): string {
  expect(lines).toHaveLength(1);
  const [line] = lines as [string];
  expect(line).toMatch(/^error: /);
  expect(line).not.toMatch(/^error: \w*Error: /);
  return line;
}

describe('the CLI with no Temporal server', () => {
  test('lifecycle start names the field that is wrong, without connecting', async () => {
    const input = await file('lifecycle.json', { name: 'Ava', video: { script: 'Hi', voiceId: 'v' } });
    const r = await cli(['lifecycle', 'start', '--input', input, '--wait']);
    expect(r.code).toBe(1);
    expect(expectOneErrorLine(r.lines)).toBe(
      `error: ${input}: photo: Invalid input: expected object, received undefined`,
    );
    expect(r.stdout).toBe('');
  });

  test('video render names the field; with --json the failure is also JSON on stdout', async () => {
    const input = await file('render.json', {
      avatarIv: { imageKey: 'img', title: 'T', speech: { type: 'text', text: '', voiceId: 'v' } },
    });
    const r = await cli(['video', 'render', '--input', input, '--json']);
    expect(r.code).toBe(1);
    const line = expectOneErrorLine(r.lines);
    expect(line).toMatch(new RegExp(`^error: ${input}: avatarIv\\.speech\\.text: `));
    const json = JSON.parse(r.stdout) as { error: { type: string; field: string; message: string } };
    expect(json.error.type).toBe('InvalidInput');
    expect(line).toContain(json.error.field);
    expect(line).toBe(`error: ${json.error.message}`);
  });

  test('batch render names the row (CSV) or line (JSONL) and the field', async () => {
    const csv = await file(
      'items.csv',
      'ref,avatar_id,voice_id,script\nok,Angela,v1,Hello\nbad,Angela,v1,\n',
    );
    const r = await cli(['batch', 'render', '--input', csv]);
    expect(r.code).toBe(1);
    expect(expectOneErrorLine(r.lines)).toBe(
      `error: ${csv} row 3 (items.1): render.video.scenes.0.speech.text: Too small: expected string to have >=1 characters`,
    );
    const jsonl = await file(
      'items.jsonl',
      [
        '{"ref":"a","render":{"webm":{"avatarId":"A","title":"x","speech":{"type":"text","text":"x","voiceId":"v"}}}}',
        '',
        '{"ref":"b","render":{"webm":{"avatarId":"A","speech":{"type":"text","text":"x","voiceId":"v"}},"colour":1}}',
      ].join('\n'),
    );
    const j = await cli(['batch', 'render', '--input', jsonl, '--max-parallel', '4']);
    expect(j.code).toBe(1);
    expect(expectOneErrorLine(j.lines)).toMatch(
      new RegExp(`^error: ${jsonl} line 3 \\(items\\.1\\): render\\.colour: `),
    );
    const p = await cli(['batch', 'render', '--input', csv, '--max-parallel', 'lots']);
    expect(expectOneErrorLine(p.lines)).toBe('error: --max-parallel: must be a whole number, got lots');
  });

  test('a file that is not JSON, or not there, is one line too', async () => {
    const broken = await file('broken.json', '{"name":');
    const r = await cli(['lifecycle', 'start', '--input', broken]);
    expect(expectOneErrorLine(r.lines)).toMatch(new RegExp(`^error: ${broken} is not valid JSON: `));
    const missing = await cli(['lifecycle', 'start', '--input', path.join(dir, 'nope.json')]);
    expect(expectOneErrorLine(missing.lines)).toMatch(/^error: ENOENT: no such file or directory/);
  });

  test('a valid input meets a stopped server: the address, its variable and how to start a stack, at once', async () => {
    for (const args of [
      ['lifecycle', 'start', '--input', path.join(EXAMPLES, 'demo-lifecycle.json'), '--wait'],
      ['video', 'render', '--input', path.join(EXAMPLES, 'render-video.json')],
      ['status', 'some-run'],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(1);
      const line = expectOneErrorLine(r.lines);
      expect(line).toContain(`Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): connection refused`);
      expect(line).toContain('`npm run dev`');
      expect(line).toContain('`heygen-pipelines dev`');
      // gRPC alone retries until its 10 s deadline; the CLI's own start-up takes about a second.
      expect(r.ms).toBeLessThan(6000);
    }
  });

  test("a bad TEMPORAL_ADDRESS is named as the variable's error", async () => {
    const r = await cli(['video', 'render', '--input', path.join(EXAMPLES, 'render-video.json')], {
      TEMPORAL_ADDRESS: 'no-port',
    });
    expect(expectOneErrorLine(r.lines)).toBe(
      'error: Invalid environment variable TEMPORAL_ADDRESS: must be host:port, e.g. 127.0.0.1:7233',
    );
  });
});
