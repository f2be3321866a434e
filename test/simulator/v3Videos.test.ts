/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- the JSON answers are inspected loosely */
import { ZERO_DURATIONS, startSimulator, type RunningSimulator } from '../../simulator';
import { ENGLISH_FEMALE_VOICE_ID, STUDIO_AVATARS } from '../../simulator/catalogData';
import { allPages, call, createPhotoAvatar, uploadPng, waitFor, withSim, type Json } from './v3Support';

const STUDIO = STUDIO_AVATARS[0]!.avatar_id;
const SCRIPT = 'Hello from the simulator, this is a short script.';
// 720p keeps the media the tests fetch cheap to encode.
const AVATAR_VIDEO = { type: 'avatar', avatar_id: STUDIO, script: SCRIPT, resolution: '720p' };

async function render(sim: RunningSimulator, body: Record<string, unknown>): Promise<string> {
  const res = await call(sim, 'POST', '/v3/videos', { body });
  expect(res.status).toBe(200);
  return res.json.data.video_id as string;
}

const getVideo = (sim: RunningSimulator, id: string) => call(sim, 'GET', `/v3/videos/${id}`);

async function completed(sim: RunningSimulator, id: string): Promise<Json> {
  const res = await waitFor(
    () => getVideo(sim, id),
    (r) => r.json.data.status === 'completed' || r.json.data.status === 'failed',
  );
  return res.json.data;
}

/** The first KiB behind a URL (the tests look at headers; encoding whole videos would only slow them down). */
async function download(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(url, { headers: { Range: 'bytes=0-1023' } });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    bytes: Buffer.from(await res.arrayBuffer()),
  };
}

const pngSize = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });

describe('simulator v3: POST /v3/videos', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('answers {video_id, status: waiting, output_format} and renders a real MP4', async () => {
    const res = await call(sim, 'POST', '/v3/videos', {
      body: {
        ...AVATAR_VIDEO,
        title: 'Intro',
        callback_id: 'cb-1',
        resolution: '720p',
        aspect_ratio: '9:16',
      },
    });
    expect(res.json).toEqual({
      data: { video_id: expect.any(String), status: 'waiting', output_format: 'mp4' },
    });
    const v = await completed(sim, res.json.data.video_id);
    expect(v).toMatchObject({
      id: res.json.data.video_id,
      status: 'completed',
      title: 'Intro',
      callback_id: 'cb-1',
      duration: expect.any(Number),
      created_at: expect.any(Number),
      completed_at: expect.any(Number),
      failure_code: null,
      failure_message: null,
      captioned_video_url: null,
      subtitle_url: null,
    });
    const mp4 = await download(v.video_url);
    expect(mp4).toMatchObject({ status: 206, type: 'video/mp4' });
    expect(mp4.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const thumb = await download(v.thumbnail_url);
    expect(pngSize(thumb.bytes)).toEqual({ width: 720, height: 1280 });
    expect((await download(v.gif_url)).bytes.subarray(0, 3).toString()).toBe('GIF');
    expect(sim.ledger().filter((e) => e.resourceId === v.id)).toEqual([
      expect.objectContaining({ version: 'v3', kind: 'render', name: 'Intro', callbackId: 'cb-1' }),
    ]);
  });

  it('renders completed photo looks, images and multi-scene studio videos', async () => {
    const look = await createPhotoAvatar(sim, 'Vid');
    const fromLook = await render(sim, {
      type: 'avatar',
      avatar_id: look.lookId,
      script: SCRIPT,
      voice_id: ENGLISH_FEMALE_VOICE_ID,
      aspect_ratio: 'auto',
      resolution: '720p',
    });
    const lookVideo = await completed(sim, fromLook);
    // 'auto' follows the photo (64x96, portrait).
    expect(pngSize((await download(lookVideo.thumbnail_url)).bytes)).toEqual({ width: 720, height: 1280 });
    expect(sim.snapshot().videos.find((v) => v.id === fromLook)).toMatchObject({
      kind: 'v3_avatar',
      lookIds: [look.lookId],
    });

    const assetId = await uploadPng(sim, 'still');
    const image = await render(sim, {
      type: 'image',
      image: { type: 'asset_id', asset_id: assetId },
      script: SCRIPT,
      voice_id: ENGLISH_FEMALE_VOICE_ID,
      resolution: '720p',
      aspect_ratio: '1:1',
    });
    expect(pngSize((await download((await completed(sim, image)).thumbnail_url)).bytes)).toEqual({
      width: 720,
      height: 720,
    });

    const studio = await render(sim, {
      type: 'studio',
      scenes: [
        {
          type: 'avatar_video',
          input: { type: 'avatar', avatar_id: STUDIO, script: 'One two three four five' },
        },
        { type: 'image', source: { type: 'url', url: 'https://x.test/slide.png' }, duration: 3 },
        {
          type: 'avatar_video',
          input: { type: 'avatar', avatar_id: look.lookId, audio_url: 'https://x.test/a.mp3' },
        },
      ],
      title: 'Studio',
    });
    const done = await completed(sim, studio);
    // 5 words at 2.5 words/s + 3 s + 10 s (an audio track the simulator cannot measure).
    expect(done.duration).toBe(15);
    expect(sim.snapshot().videos.find((v) => v.id === studio)).toMatchObject({
      kind: 'v3_studio',
      lookIds: [look.lookId],
    });
  });

  it('serves the SRT sidecar for captions and a captioned copy with a style', async () => {
    const plain = await completed(
      sim,
      await render(sim, { ...AVATAR_VIDEO, caption: { file_format: 'srt' } }),
    );
    expect(plain.captioned_video_url).toBeNull();
    const srt = await download(plain.subtitle_url);
    expect(srt.status).toBe(206);
    expect(srt.bytes.toString()).toMatch(/^1\n00:00:00,000 --> 00:00:\d\d,\d{3}\nHello from the simulator/);
    const styled = await completed(
      sim,
      await render(sim, { ...AVATAR_VIDEO, caption: { file_format: 'srt', style: 'default' } }),
    );
    expect((await download(styled.captioned_video_url)).type).toBe('video/mp4');
  });

  it('renders transparent WebM from studio avatars only, without a background', async () => {
    const res = await call(sim, 'POST', '/v3/videos', { body: { ...AVATAR_VIDEO, output_format: 'webm' } });
    expect(res.json.data.output_format).toBe('webm');
    const v = await completed(sim, res.json.data.video_id);
    expect((await download(v.video_url)).type).toBe('video/webm');

    const look = await createPhotoAvatar(sim, 'NoMatting');
    const refusals: Array<[Record<string, unknown>, string]> = [
      [
        {
          type: 'avatar',
          avatar_id: look.lookId,
          script: SCRIPT,
          voice_id: ENGLISH_FEMALE_VOICE_ID,
          output_format: 'webm',
        },
        'output_format',
      ],
      [
        { ...AVATAR_VIDEO, output_format: 'webm', background: { type: 'color', value: '#FFFFFF' } },
        'background',
      ],
      [
        {
          type: 'image',
          image: { type: 'url', url: 'https://x.test/a.png' },
          script: SCRIPT,
          voice_id: ENGLISH_FEMALE_VOICE_ID,
          output_format: 'webm',
        },
        'output_format',
      ],
    ];
    for (const [body, param] of refusals) {
      const refused = await call(sim, 'POST', '/v3/videos', { body });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'invalid_parameter', param });
    }
  });

  it.each([
    ['test', { ...AVATAR_VIDEO, test: true }],
    ['dimension', { ...AVATAR_VIDEO, dimension: { width: 1280, height: 720 } }],
    ['fps', { ...AVATAR_VIDEO, fps: 30 }],
    ['folder_id', { ...AVATAR_VIDEO, folder_id: 'f' }],
    ['caption_mode', { ...AVATAR_VIDEO, caption_mode: 'burn' }],
    [
      'output_format',
      { type: 'studio', output_format: 'mp4', scenes: [{ type: 'avatar_video', input: AVATAR_VIDEO }] },
    ],
    [
      'engine',
      {
        type: 'image',
        image: { type: 'url', url: 'https://x.test/a.png' },
        script: SCRIPT,
        engine: { type: 'avatar_iv' },
      },
    ],
  ])('refuses the field %s v3 does not have there (400 validation_error)', async (param, body) => {
    const res = await call(sim, 'POST', '/v3/videos', { body });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'validation_error', param });
  });

  it.each([
    ['no speech', { type: 'avatar', avatar_id: STUDIO }, 'validation_error', 'script'],
    [
      'two speech sources',
      { ...AVATAR_VIDEO, audio_url: 'https://x.test/a.mp3' },
      'validation_error',
      'audio_url',
    ],
    ['an unknown voice', { ...AVATAR_VIDEO, voice_id: 'nope' }, 'invalid_parameter', 'voice_id'],
    [
      'an unknown audio asset',
      { type: 'avatar', avatar_id: STUDIO, audio_asset_id: 'nope' },
      'invalid_parameter',
      'audio_asset_id',
    ],
    ['a too long script', { ...AVATAR_VIDEO, script: 'a'.repeat(5001) }, 'validation_error', 'script'],
    ['a bad resolution', { ...AVATAR_VIDEO, resolution: '8k' }, 'validation_error', 'resolution'],
    ['a bad aspect ratio', { ...AVATAR_VIDEO, aspect_ratio: '2:1' }, 'validation_error', 'aspect_ratio'],
    [
      'a bad speed',
      { ...AVATAR_VIDEO, voice_settings: { speed: 3 } },
      'validation_error',
      'voice_settings.speed',
    ],
    [
      'a colour background without value',
      { ...AVATAR_VIDEO, background: { type: 'color' } },
      'validation_error',
      'background.value',
    ],
    [
      'a bad background type',
      { ...AVATAR_VIDEO, background: { type: 'video' } },
      'validation_error',
      'background.type',
    ],
    [
      'avatar_iii with a motion prompt',
      { ...AVATAR_VIDEO, engine: { type: 'avatar_iii' }, motion_prompt: 'wave' },
      'invalid_parameter',
      'motion_prompt',
    ],
    ['no scenes', { type: 'studio', scenes: [] }, 'validation_error', 'scenes'],
    [
      '51 scenes',
      { type: 'studio', scenes: Array(51).fill({ type: 'avatar_video', input: AVATAR_VIDEO }) },
      'validation_error',
      'scenes',
    ],
    [
      'a scene without speech',
      { type: 'studio', scenes: [{ type: 'avatar_video', input: { type: 'avatar', avatar_id: STUDIO } }] },
      'validation_error',
      'scenes[0].input.script',
    ],
    [
      'a long silent image',
      {
        type: 'studio',
        scenes: [{ type: 'image', source: { type: 'url', url: 'https://x.test/a.png' }, duration: 301 }],
      },
      'validation_error',
      'scenes[0].duration',
    ],
    [
      'cinematic_avatar',
      { type: 'cinematic_avatar', prompt: 'x', avatar_id: [STUDIO] },
      'invalid_parameter',
      'type',
    ],
  ])('refuses %s', async (_what, body, code, param) => {
    const res = await call(sim, 'POST', '/v3/videos', { body });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code, param });
  });

  it('needs the avatar to exist (404) and a private look to be completed (400)', async () => {
    const unknown = await call(sim, 'POST', '/v3/videos', { body: { ...AVATAR_VIDEO, avatar_id: 'nope' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'avatar_not_found', param: 'avatar_id' });
    sim.setDurations({ lookProcessingMs: 60_000 });
    try {
      const look = await createPhotoAvatar(sim, 'Slow');
      const res = await call(sim, 'POST', '/v3/videos', {
        body: { type: 'avatar', avatar_id: look.lookId, script: SCRIPT, voice_id: ENGLISH_FEMALE_VOICE_ID },
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_parameter', param: 'avatar_id' });
      // A photo look has no default voice.
      sim.advanceClock(60_000);
      const noVoice = await call(sim, 'POST', '/v3/videos', {
        body: { type: 'avatar', avatar_id: look.lookId, script: SCRIPT },
      });
      expect(noVoice.json.error).toMatchObject({ code: 'validation_error', param: 'voice_id' });
    } finally {
      sim.setDurations({ lookProcessingMs: 0 });
    }
  });
});

describe('simulator v3: video status, list, delete', () => {
  it('moves pending -> processing -> completed with real durations, and statuses read queued first', () =>
    withSim({ durations: { ...ZERO_DURATIONS, renderMs: 600 } }, async (sim) => {
      const id = await render(sim, AVATAR_VIDEO);
      const seen = new Set<string>();
      const bulk = new Set<string>();
      for (;;) {
        const v = (await getVideo(sim, id)).json.data;
        seen.add(v.status);
        const items = (await call(sim, 'GET', `/v3/videos/statuses?video_ids=${id}`)).json.data;
        bulk.add(items[0].status);
        if (v.status === 'completed') break;
        expect(v.video_url).toBeNull();
        await new Promise((r) => setTimeout(r, 25));
      }
      expect([...seen]).toEqual(['pending', 'processing', 'completed']);
      expect([...bulk]).toEqual(expect.arrayContaining(['queued', 'processing', 'completed']));
    }));

  it('reports failures with failure_code and failure_message', () =>
    withSim({ durations: ZERO_DURATIONS }, async (sim) => {
      sim.addJobOutcome({ job: 'render', outcome: 'fail', message: 'Avatar rendering timed out' });
      const id = await render(sim, AVATAR_VIDEO);
      const v = await completed(sim, id);
      expect(v).toMatchObject({
        status: 'failed',
        failure_code: 'rendering_failed',
        failure_message: 'Avatar rendering timed out',
        video_url: null,
      });
      const items = (await call(sim, 'GET', `/v3/videos/statuses?video_ids=${id},missing`)).json;
      expect(items).toEqual({
        data: [
          {
            video_id: id,
            status: 'failed',
            error: { code: 'rendering_failed', message: 'Avatar rendering timed out' },
          },
          { video_id: 'missing', status: 'not_found', error: null },
        ],
        has_more: false,
        next_token: null,
      });
    }));

  it('bulk statuses need 1 to 100 ids', () =>
    withSim({ durations: ZERO_DURATIONS }, async (sim) => {
      expect((await call(sim, 'GET', '/v3/videos/statuses')).json.error).toMatchObject({
        code: 'validation_error',
        param: 'video_ids',
      });
      const ids = Array.from({ length: 101 }, (_, i) => `v${i}`).join(',');
      expect((await call(sim, 'GET', `/v3/videos/statuses?video_ids=${ids}`)).json.error.param).toBe(
        'video_ids',
      );
    }));

  it('lists videos over pages, filters by title, deletes', () =>
    withSim({ durations: ZERO_DURATIONS }, async (sim) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1)
        ids.push(await render(sim, { ...AVATAR_VIDEO, title: i % 2 ? `Odd ${i}` : `Even ${i}` }));
      const all = await allPages(sim, '/v3/videos', { limit: '2' });
      expect(all.pages).toBe(3);
      expect(all.items.map((v) => v.id)).toEqual(ids);
      const odd = await allPages(sim, '/v3/videos', { title: 'odd' });
      expect(odd.items.map((v) => v.title)).toEqual(['Odd 1', 'Odd 3']);
      expect((await call(sim, 'GET', '/v3/videos?limit=101')).status).toBe(400);

      const del = await call(sim, 'DELETE', `/v3/videos/${ids[0]}`);
      expect(del.json).toEqual({ data: { id: ids[0], deleted: true } });
      const gone = await getVideo(sim, ids[0]!);
      expect(gone.status).toBe(404);
      expect(gone.json.error).toMatchObject({ code: 'video_not_found' });
      expect((await call(sim, 'DELETE', `/v3/videos/${ids[0]}`)).status).toBe(404);
      // v2 sees the same video records.
      expect((await call(sim, 'GET', `/v1/video_status.get?video_id=${ids[1]}`)).json.data.status).toBe(
        'completed',
      );
    }));

  it('hands out presigned URLs that expire and are renewed by reading the status again', () =>
    withSim({ durations: ZERO_DURATIONS, urlTtlSeconds: 3600 }, async (sim) => {
      const id = await render(sim, AVATAR_VIDEO);
      const first = await completed(sim, id);
      // The thumbnail's link is signed like the video's and cheaper to serve.
      expect((await download(first.thumbnail_url)).status).toBe(206);
      sim.advanceClock(3601 * 1000);
      expect((await download(first.thumbnail_url)).status).toBe(403);
      expect((await download(first.video_url)).status).toBe(403);
      const again = (await getVideo(sim, id)).json.data;
      expect(again.video_url).not.toBe(first.video_url);
      expect((await download(again.thumbnail_url)).status).toBe(206);
    }));

  it('reads v2-created videos through v3', () =>
    withSim({ durations: ZERO_DURATIONS }, async (sim) => {
      const v2 = await call(sim, 'POST', '/v2/video/generate', {
        body: {
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: STUDIO },
              voice: { type: 'text', voice_id: ENGLISH_FEMALE_VOICE_ID, input_text: SCRIPT },
            },
          ],
          callback_id: 'from-v2',
        },
      });
      const v = await completed(sim, v2.json.data.video_id);
      expect(v).toMatchObject({ status: 'completed', callback_id: 'from-v2' });
    }));
});
