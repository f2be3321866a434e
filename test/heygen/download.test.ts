import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { downloadToFile } from '../../heygen/download';
import { HeyGenError } from '../../heygen/errors';
import { V2Adapter } from '../../heygen/v2/adapter';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { startCannedServer } from '../support/cannedServer';
import { ZERO_DURATIONS } from '../support/stack';
import { VOICE_ID } from '../support/inputs';

let sim: RunningSimulator;
let heygen: V2Adapter;
let dir: string;

beforeAll(async () => {
  // Time passes on the simulator's clock (advanceClock), not in the test: a 60 s URL lifetime, files ready 60 s late.
  sim = await startSimulator({ durations: ZERO_DURATIONS, urlTtlSeconds: 60, downloadNotReadyMs: 60_000 });
  heygen = new V2Adapter({
    apiVersion: 'v2',
    apiBaseUrl: sim.url,
    uploadBaseUrl: sim.url,
    apiKey: sim.apiKey,
  });
});
afterAll(() => sim.close());
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dl-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function render(): Promise<string> {
  const { videoId } = await heygen.submitRender({
    kind: 'scenes',
    dimension: { width: 320, height: 240 },
    scenes: [
      {
        character: { type: 'avatar', avatarId: 'Angela-inblackskirt-20220820' },
        speech: { type: 'text', voiceId: VOICE_ID, text: 'Download me' },
      },
    ],
  });
  return videoId;
}

/** The signed video URL of a completed render. */
async function videoUrl(videoId: string): Promise<string> {
  const status = await heygen.getRender(videoId);
  expect(status.state).toBe('completed');
  expect(status.media.video).toEqual(expect.any(String));
  return status.media.video!;
}

test('right after completed the file is not downloadable yet (404 → UrlExpired, retryable); later it is', async () => {
  const videoId = await render();
  const early = await videoUrl(videoId);
  const dest = path.join(dir, 'v.mp4');
  const err = await downloadToFile(early, dest).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HeyGenError);
  expect(err).toMatchObject({ kind: 'UrlExpired', httpStatus: 404, retryable: true });
  sim.advanceClock(1000); // a second later the file is still not there
  const stillEarly = await downloadToFile(await videoUrl(videoId), dest).catch((e: unknown) => e);
  expect(stillEarly).toMatchObject({ kind: 'UrlExpired', httpStatus: 404 });
  sim.advanceClock(60_000);
  const result = await downloadToFile(await videoUrl(videoId), dest);
  const bytes = await readFile(dest);
  expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(result.bytes).toBe(bytes.length);
  expect(await readdir(dir)).toEqual(['v.mp4']);
});

test('an expired signed URL answers 403 → UrlExpired; a new status read signs a fresh one', async () => {
  const videoId = await render();
  sim.advanceClock(60_000); // downloadable
  const first = await videoUrl(videoId);
  sim.advanceClock(61_000); // the first URL's 60 s are over
  const err = await downloadToFile(first, path.join(dir, 'x.mp4')).catch((e: unknown) => e);
  expect(err).toMatchObject({ kind: 'UrlExpired', httpStatus: 403 });
  expect(await readdir(dir)).toEqual([]);
  const fresh = await videoUrl(videoId);
  expect(fresh).not.toBe(first);
  await downloadToFile(fresh, path.join(dir, 'x.mp4'));
  expect(await readdir(dir)).toEqual(['x.mp4']);
});

test('a download interrupted midway leaves no file, partial or final', async () => {
  const canned = await startCannedServer();
  try {
    canned.respond({
      body: Buffer.alloc(200_000, 7),
      headers: { 'content-type': 'video/mp4' },
      truncateAt: 50_000,
    });
    const err = await downloadToFile(`${canned.url}/video.mp4`, path.join(dir, 'cut.mp4')).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'Network', retryable: true });
    expect(await readdir(dir)).toEqual([]);
  } finally {
    await canned.close();
  }
});
