import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { deliveryActivities, type DownloadVideoResult } from '../../activities/delivery';
import type { ApiVersion } from '../../contracts/apiVersion';
import type { StoredFile } from '../../contracts/media';
import type { HeyGenPort, RenderStatus } from '../../heygen/port';
import { createHeyGenPort } from '../../heygen/select';
import {
  simulatorOptionsFromEnv,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../simulator';
import { assertValidKey, LocalDirectoryStorage, safeSegment, StorageError, storageKey } from '../../storage';
import { testedApiVersions, ZERO_DURATIONS } from '../support/stack';
import { VOICE_ID } from '../support/inputs';
import { STUDIO_AVATAR_ID } from '../support/versions';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'delivery-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Every file under `root`, relative, sorted (temporary `.part` files included). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

interface Sim {
  sim: RunningSimulator;
  heygen: HeyGenPort;
  acts: ReturnType<typeof deliveryActivities>;
  storage: LocalDirectoryStorage;
}

async function withSim(
  version: ApiVersion,
  options: SimulatorOptions,
  fn: (s: Sim) => Promise<void>,
): Promise<void> {
  const sim = await startSimulator({ durations: ZERO_DURATIONS, ...options });
  try {
    const heygen = createHeyGenPort({
      apiVersion: version,
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: sim.apiKey,
    });
    const storage = new LocalDirectoryStorage(dir);
    const acts = deliveryActivities({ heygen, storage, outputDir: dir, inputDir: dir });
    await fn({ sim, heygen, acts, storage });
  } finally {
    await sim.close();
  }
}

/** Small videos: v3 renders only its resolutions, the smallest being 720p square. */
const SIZES = { v2: { width: 320, height: 240 }, v3: { width: 720, height: 720 } } as const;
/** Captions: v2 gives WebVTT, v3 an SRT sidecar. */
const CAPTIONS = { v2: 'vtt', v3: 'srt' } as const;

async function render(heygen: HeyGenPort, caption = true): Promise<string> {
  const { videoId } = await heygen.submitRender({
    kind: 'scenes',
    dimension: SIZES[heygen.version],
    caption,
    scenes: [
      {
        character: { type: 'avatar', avatarId: STUDIO_AVATAR_ID },
        speech: { type: 'text', voiceId: VOICE_ID, text: 'Deliver me with my captions' },
      },
    ],
  });
  return videoId;
}

async function expectStored(obj: StoredFile | undefined, key: string): Promise<Buffer> {
  expect(obj).toBeDefined();
  const file = path.join(dir, ...key.split('/'));
  expect(obj!.uri).toBe(pathToFileURL(file).href);
  const bytes = await readFile(file);
  expect(obj!.bytes).toBe(bytes.length);
  expect(obj!.sha256).toBe(sha256(bytes));
  return bytes;
}

function failureOf(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** A loopback server with fixed answers per path; `truncateAt` sends that many body bytes, then cuts the socket. */
async function startRoutes(
  routes: Record<string, { status?: number; type?: string; body?: Buffer; truncateAt?: number }>,
) {
  const server = http.createServer((req, res) => {
    req.resume();
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (!route) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    const body = route.body ?? Buffer.alloc(0);
    res.writeHead(route.status ?? 200, {
      'content-type': route.type ?? 'application/octet-stream',
      'content-length': String(body.length),
    });
    if (route.truncateAt !== undefined) res.write(body.subarray(0, route.truncateAt), () => res.destroy());
    else res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(testedApiVersions())('downloadVideo (HeyGen API %s)', (version) => {
  const captions = CAPTIONS[version];
  /** The status read the activity makes, to replace its answer */
  const statusReads = (heygen: HeyGenPort) => jest.spyOn(heygen, 'getRender');
  const withMedia = (status: RenderStatus, media: Partial<RenderStatus['media']>): RenderStatus => ({
    ...status,
    media: { ...status.media, ...media },
  });

  test('stores the video, captions, thumbnail and GIF with their sha256 and size; results are descriptors only', async () => {
    await withSim(version, {}, async ({ heygen, acts }) => {
      const videoId = await render(heygen);
      const result = await acts.downloadVideo({ api: version, videoId, directory: 'wf-1' });

      const video = await expectStored(result.media.video, `wf-1/${videoId}.mp4`);
      expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
      const subtitles = (await expectStored(result.media.captions, `wf-1/${videoId}.${captions}`)).toString(
        'utf8',
      );
      if (version === 'v2') expect(subtitles).toMatch(/^WEBVTT/u);
      else expect(subtitles).toMatch(/^1\r?\n\d{2}:\d{2}:\d{2},\d{3} --> /u);
      expect(subtitles).toContain('Deliver me with my captions');
      const png = await expectStored(result.media.thumbnail, `wf-1/${videoId}.png`);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const gif = await expectStored(result.media.gif, `wf-1/${videoId}.gif`);
      expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
      expect(result.missingExtras).toBeUndefined();

      // Nothing else in the directory (no temporary file), and the result is small (no bytes in history).
      expect(await filesUnder(dir)).toEqual(
        [`${videoId}.gif`, `${videoId}.mp4`, `${videoId}.png`, `${videoId}.${captions}`]
          .sort()
          .map((f) => `wf-1/${f}`),
      );
      expect(JSON.stringify(result).length).toBeLessThan(2000);
    });
  });

  test('extras: false stores only the video; a custom fileName names the extras after it', async () => {
    await withSim(version, {}, async ({ heygen, acts }) => {
      const videoId = await render(heygen);
      const only = await acts.downloadVideo({
        api: version,
        videoId,
        directory: 'wf-2',
        fileName: 'clip.mp4',
        extras: false,
      });
      expect(Object.keys(only.media)).toEqual(['video']);
      expect(await filesUnder(dir)).toEqual(['wf-2/clip.mp4']);

      const all = await acts.downloadVideo({
        api: version,
        videoId,
        directory: 'wf-2',
        fileName: 'clip.mp4',
      });
      expect(all.sha256).toBe(only.sha256);
      expect(await filesUnder(dir)).toEqual(
        ['clip.gif', 'clip.mp4', 'clip.png', `clip.${captions}`].sort().map((f) => `wf-2/${f}`),
      );
    });
  });

  test('a render without captions has no captions extra', async () => {
    await withSim(version, {}, async ({ heygen, acts }) => {
      const videoId = await render(heygen, false);
      const result = await acts.downloadVideo({ api: version, videoId, directory: 'wf-3' });
      expect(result.media.captions).toBeUndefined();
      expect(
        Object.keys(result.media)
          .filter((k) => k !== 'video')
          .sort(),
      ).toEqual(['gif', 'thumbnail']);
    });
  });

  test('an expired first URL fails the attempt as retryable UrlExpired; the next attempt reads a fresh URL', async () => {
    const ttlSeconds = 60;
    await withSim(version, { urlTtlSeconds: ttlSeconds }, async ({ sim, heygen, acts }) => {
      const videoId = await render(heygen);
      const stale = await heygen.getRender(videoId);
      sim.advanceClock((ttlSeconds + 1) * 1000); // the signed URLs of `stale` are now expired
      const reads = statusReads(heygen).mockResolvedValueOnce(stale);

      const failure = failureOf(
        await acts.downloadVideo({ api: version, videoId, directory: 'wf' }).catch((e: unknown) => e),
      );
      expect(failure.type).toBe('HeyGenUrlExpired');
      expect(failure.nonRetryable).toBe(false);
      expect(failure.details?.[0]).toMatchObject({ kind: 'UrlExpired', httpStatus: 403 });
      expect(failure.message).not.toContain('Signature'); // the signed URL (a credential) is not in the error
      expect(await filesUnder(dir)).toEqual([]);

      // Attempt 2: a fresh status read, fresh URLs.
      const result = await acts.downloadVideo({ api: version, videoId, directory: 'wf' });
      expect(reads).toHaveBeenCalledTimes(2);
      await expectStored(result.media.video, `wf/${videoId}.mp4`);
      expect(
        Object.keys(result.media)
          .filter((k) => k !== 'video')
          .sort(),
      ).toEqual(['captions', 'gif', 'thumbnail']);
    });
  });

  test('a file not downloadable yet right after completed fails as retryable; a later attempt succeeds', async () => {
    await withSim(version, { downloadNotReadyMs: 60_000 }, async ({ sim, heygen, acts }) => {
      const videoId = await render(heygen);
      const failure = failureOf(
        await acts.downloadVideo({ api: version, videoId, directory: 'wf' }).catch((e: unknown) => e),
      );
      expect(failure.type).toBe('HeyGenUrlExpired');
      expect(failure.nonRetryable).toBe(false);
      expect(failure.details?.[0]).toMatchObject({ httpStatus: 404 });
      expect(await filesUnder(dir)).toEqual([]);

      sim.advanceClock(61_000); // Temporal's backoff
      const result = await acts.downloadVideo({ api: version, videoId, directory: 'wf' });
      expect(result.bytes).toBeGreaterThan(0);
      expect(result.media.gif).toBeDefined();
    });
  });

  test('a render that is not completed is not downloadable (non-retryable InvalidResponse)', async () => {
    await withSim(
      version,
      { durations: { ...ZERO_DURATIONS, renderMs: 60_000 } },
      async ({ heygen, acts }) => {
        const videoId = await render(heygen);
        const failure = failureOf(
          await acts.downloadVideo({ api: version, videoId, directory: 'wf' }).catch((e: unknown) => e),
        );
        expect(failure.type).toBe('HeyGenInvalidResponse');
        expect(failure.nonRetryable).toBe(true);
      },
    );
  });

  test('a download interrupted midway fails as retryable Network and leaves no file, partial or temporary', async () => {
    const body = Buffer.alloc(3_000_000, 9);
    const server = await startRoutes({
      '/cut.mp4': { type: 'video/mp4', body, truncateAt: 1_500_000 },
    });
    try {
      await withSim(version, {}, async ({ heygen, acts }) => {
        const videoId = await render(heygen);
        const real = await heygen.getRender(videoId);
        statusReads(heygen).mockResolvedValue(withMedia(real, { video: `${server.url}/cut.mp4` }));
        const failure = failureOf(
          await acts.downloadVideo({ api: version, videoId, directory: 'wf' }).catch((e: unknown) => e),
        );
        expect(failure.type).toBe('HeyGenNetwork');
        expect(failure.nonRetryable).toBe(false);
        expect(failure.message).toMatch(/interrupted|truncated/u);
        expect(await filesUnder(dir)).toEqual([]);
      });
    } finally {
      await server.close();
    }
  });

  test('an extra that does not exist (404) is skipped; an expired extra URL (403) fails the attempt as retryable', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1000, 1)]);
    const server = await startRoutes({
      '/thumb': { type: 'image/jpeg', body: jpeg },
      '/expired.gif': { status: 403, type: 'application/xml', body: Buffer.from('<Error/>') },
    });
    try {
      await withSim(version, {}, async ({ heygen, acts }) => {
        const videoId = await render(heygen);
        const real = await heygen.getRender(videoId);
        const reads = statusReads(heygen);

        // Thumbnail served as JPEG from a URL without extension; GIF and captions that do not exist.
        reads.mockResolvedValueOnce(
          withMedia(real, {
            thumbnail: `${server.url}/thumb?sig=1`,
            gif: `${server.url}/missing.gif`,
            captions: `${server.url}/missing.${captions}`,
          }),
        );
        const result: DownloadVideoResult = await acts.downloadVideo({
          api: version,
          videoId,
          directory: 'wf',
        });
        expect(result.missingExtras).toEqual(['captions', 'gif']);
        const thumb = await expectStored(result.media.thumbnail, `wf/${videoId}.jpg`);
        expect(thumb.equals(jpeg)).toBe(true);
        expect(result.media.gif).toBeUndefined();
        expect(await filesUnder(dir)).toEqual([`wf/${videoId}.jpg`, `wf/${videoId}.mp4`]);

        reads.mockResolvedValueOnce(withMedia(real, { gif: `${server.url}/expired.gif` }));
        const failure = failureOf(
          await acts.downloadVideo({ api: version, videoId, directory: 'wf' }).catch((e: unknown) => e),
        );
        expect(failure.type).toBe('HeyGenUrlExpired');
        expect(failure.nonRetryable).toBe(false);
        expect(failure.details?.[0]).toMatchObject({ httpStatus: 403 });
      });
    } finally {
      await server.close();
    }
  });

  test('directory and file names cannot leave the storage root', async () => {
    await withSim(version, {}, async ({ heygen, acts }) => {
      const videoId = await render(heygen, false);
      const result = await acts.downloadVideo({
        api: version,
        videoId,
        directory: '..',
        fileName: '../../etc/passwd',
        extras: false,
      });
      expect(result.key).toBe('__/.._.._etc_passwd');
      expect(String(result.path).startsWith(dir + path.sep)).toBe(true);
      expect(await filesUnder(dir)).toEqual(['__/.._.._etc_passwd']);
    });
  });

  test('a run of one API version downloads through the adapter of that version, whatever the worker speaks', async () => {
    await withSim(version, {}, async ({ sim, heygen }) => {
      const other: ApiVersion = version === 'v2' ? 'v3' : 'v2';
      const videoId = await render(heygen, false);
      // The worker's configured adapter speaks the other version; the run's own is in `ports`.
      const configured = createHeyGenPort({
        apiVersion: other,
        apiBaseUrl: sim.url,
        uploadBaseUrl: sim.url,
        apiKey: sim.apiKey,
      });
      const acts = deliveryActivities({
        heygen: configured,
        ports: { [version]: heygen, [other]: configured },
        storage: new LocalDirectoryStorage(dir),
        outputDir: dir,
        inputDir: dir,
      });
      sim.clearLog();
      await acts.downloadVideo({ api: version, videoId, directory: 'wf', extras: false });
      const statusPath = version === 'v2' ? '/v1/video_status.get' : `/v3/videos/${videoId}`;
      expect(
        sim
          .log()
          .filter((e) => e.path.startsWith('/v'))
          .map((e) => e.path),
      ).toEqual([statusPath]);

      // Without an adapter of the run's version the activity refuses, naming it, instead of speaking the other.
      const lone = deliveryActivities({
        heygen: configured,
        storage: new LocalDirectoryStorage(dir),
        outputDir: dir,
        inputDir: dir,
      });
      const failure = failureOf(
        await lone.downloadVideo({ api: version, videoId, directory: 'wf' }).catch((e: unknown) => e),
      );
      expect(failure).toMatchObject({ type: 'Misconfigured', nonRetryable: true });
      expect(failure.message).toContain(`API ${version}`);
    });
  });
});

describe('storage keys', () => {
  test.each([
    '',
    '/etc/passwd',
    '../x.mp4',
    'a/../../x.mp4',
    'a/./b.mp4',
    'a//b.mp4',
    'a/',
    'a\\..\\b.mp4',
    'C:/x.mp4',
    'a/b\u0000.mp4',
    '..',
    '.',
  ])('%j is refused', (key) => {
    expect(() => assertValidKey(key)).toThrow(StorageError);
    expect(() => new LocalDirectoryStorage(dir).pathOf(key)).toThrow(/Invalid storage key|leaves/u);
  });

  test('valid keys map inside the root', () => {
    const storage = new LocalDirectoryStorage(dir);
    expect(storage.pathOf('wf-1/abc.mp4')).toBe(path.join(dir, 'wf-1', 'abc.mp4'));
    expect(storage.pathOf('.hidden')).toBe(path.join(dir, '.hidden'));
    expect(assertValidKey('a/b/c.d.e')).toBe('a/b/c.d.e');
  });

  test('storageKey makes any text safe, one segment per argument', () => {
    expect(storageKey('workflow/with/slashes', 'video id.mp4')).toBe('workflow_with_slashes/video_id.mp4');
    expect(storageKey('..', '.')).toBe('__/_');
    expect(storageKey('', '..\\..\\win.mp4')).toBe('file/.._.._win.mp4');
    expect(safeSegment('lifecycle-Ava_1.2')).toBe('lifecycle-Ava_1.2');
  });

  test('put refuses an invalid key before writing anything, and releases the body', async () => {
    const body = Readable.from([Buffer.from('x')]);
    const err = await new LocalDirectoryStorage(dir).put('../escape.mp4', body).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StorageError', kind: 'InvalidKey' });
    expect(body.destroyed).toBe(true);
    expect(await readdir(path.dirname(dir))).not.toContain('escape.mp4');
    expect(await filesUnder(dir)).toEqual([]);
  });
});

describe('LocalDirectoryStorage', () => {
  test('streams, hashes and renames into place; a second put replaces the file', async () => {
    const storage = new LocalDirectoryStorage(dir);
    const first = Buffer.alloc(1_000_000, 3);
    const progress: number[] = [];
    const a = await storage.put(
      'k/v.bin',
      Readable.from([first.subarray(0, 400_000), first.subarray(400_000)]),
      {
        expectedBytes: first.length,
        onProgress: (bytes) => progress.push(bytes),
      },
    );
    expect(a).toEqual({
      key: 'k/v.bin',
      uri: pathToFileURL(path.join(dir, 'k', 'v.bin')).href,
      path: path.join(dir, 'k', 'v.bin'),
      bytes: first.length,
      sha256: sha256(first),
      contentType: 'application/octet-stream',
    });
    expect(progress[progress.length - 1]).toBe(first.length);

    const second = Buffer.from('replaced');
    const b = await storage.put('k/v.bin', Readable.from([second]));
    expect(b.sha256).toBe(sha256(second));
    expect((await readFile(b.path ?? '')).equals(second)).toBe(true);
    expect(await filesUnder(dir)).toEqual(['k/v.bin']);
  });

  test('a size different from expectedBytes fails and leaves nothing; an existing file stays untouched', async () => {
    const storage = new LocalDirectoryStorage(dir);
    await writeFile(path.join(dir, 'keep.bin'), 'old');
    const err = await storage
      .put('keep.bin', Readable.from([Buffer.alloc(10)]), { expectedBytes: 11 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'SizeMismatch', bytesWritten: 10 });
    expect(await readFile(path.join(dir, 'keep.bin'), 'utf8')).toBe('old');
    expect(await filesUnder(dir)).toEqual(['keep.bin']);
  });

  test('a body that fails midway is SourceFailed; an abort is Aborted; neither leaves a file', async () => {
    const storage = new LocalDirectoryStorage(dir);
    async function* failing() {
      yield Buffer.alloc(100_000);
      await sleep(10);
      throw new Error('connection reset');
    }
    const err = await storage.put('a/broken.bin', Readable.from(failing())).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'SourceFailed', bytesWritten: 100_000 });

    const controller = new AbortController();
    async function* endless() {
      for (;;) {
        yield Buffer.alloc(64 * 1024);
        await sleep(1);
      }
    }
    const aborted = storage
      .put('a/aborted.bin', Readable.from(endless()), {
        signal: controller.signal,
        onProgress: (bytes) => {
          if (bytes > 500_000) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(await aborted).toMatchObject({ kind: 'Aborted' });
    expect(await filesUnder(dir)).toEqual([]);
  });
});

describe('simulator media options (what bench:download uses to make big files)', () => {
  test('a keyframe interval and a frame rate make bigger renders; env variables set them; bad values are refused', async () => {
    const sizes: number[] = [];
    // 5 words at 0.5 word/s: 10 s of video, so 10 keyframes instead of 1.
    const slow = { wordsPerSecond: 0.5 };
    for (const options of [
      slow,
      { ...slow, mediaKeyframeIntervalSeconds: 1, mediaFps: 30 },
    ] as SimulatorOptions[]) {
      // The media options are the simulator's, the same for both APIs: v2 makes the smallest videos.
      await withSim('v2', options, async ({ heygen, acts }) => {
        const videoId = await render(heygen, false);
        const result = await acts.downloadVideo({ api: 'v2', videoId, directory: 'sizes', extras: false });
        const bytes = await readFile(result.path ?? '');
        expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
        sizes.push(result.bytes);
      });
    }
    // Ten keyframes at 30 fps against one: measured 4.6× to well over 5× (frame content varies), never near 1×.
    expect(sizes[1]).toBeGreaterThan(3 * (sizes[0] ?? 0));

    expect(
      simulatorOptionsFromEnv({ SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS: '0.5', SIM_MEDIA_FPS: '30' }),
    ).toMatchObject({ mediaKeyframeIntervalSeconds: 0.5, mediaFps: 30 });
    expect(() => simulatorOptionsFromEnv({ SIM_MEDIA_FPS: '500' })).toThrow('SIM_MEDIA_FPS');
    expect(() => simulatorOptionsFromEnv({ SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS: '0' })).toThrow(
      'SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS',
    );
    await expect(startSimulator({ mediaFps: 0 })).rejects.toThrow('mediaFps');
    await expect(startSimulator({ mediaKeyframeIntervalSeconds: -1 })).rejects.toThrow(
      'mediaKeyframeIntervalSeconds',
    );
  });
});
