import { ZERO_DURATIONS } from '../../simulator';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- the JSON answers are inspected loosely */

type Json = any;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function api(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const SCENE = {
  character: { type: 'avatar', avatar_id: 'Daisy-inskirt-20220818' },
  voice: {
    type: 'text',
    voice_id: '1bd001e7e50f421d891986aad5158bc8',
    input_text: 'One two three four five',
  },
};

const ZERO: SimulatorOptions['durations'] = ZERO_DURATIONS;

async function renderVideo(sim: RunningSimulator, extra: Record<string, unknown> = {}): Promise<Json> {
  const created = await api(sim, 'POST', '/v2/video/generate', {
    video_inputs: [SCENE],
    dimension: { width: 320, height: 240 },
    ...extra,
  });
  const id: string = created.data.video_id;
  for (let i = 0; i < 100; i += 1) {
    const status = await api(sim, 'GET', `/v1/video_status.get?video_id=${id}`);
    if (status.data.status === 'completed' || status.data.status === 'failed') return status.data;
    await sleep(20);
  }
  throw new Error('render did not finish');
}

describe('simulator: signed media', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO });
  });
  afterAll(() => sim.close());

  it('serves generated images as PNG, without an API key', async () => {
    const gen = await api(sim, 'POST', '/v2/photo_avatar/photo/generate', {
      name: 'P',
      age: 'Senior',
      gender: 'Man',
      ethnicity: 'Hispanic',
      orientation: 'vertical',
      pose: 'full_body',
      style: 'Cinematic',
      appearance: 'An old man',
    });
    const status = await api(sim, 'GET', `/v2/photo_avatar/generation/${gen.data.generation_id}`);
    const file = await download(status.data.image_url_list[0]);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(file.bytes.readUInt32BE(16)).toBeLessThan(file.bytes.readUInt32BE(20)); // vertical

    const url = new URL(status.data.image_url_list[0]);
    url.searchParams.set('Signature', 'f'.repeat(64));
    expect((await download(url.toString())).status).toBe(403);
    expect((await download(`${sim.url}${url.pathname}`)).status).toBe(403);
  });

  it('serves the MP4 (with Range), thumbnail, GIF, and captions only when asked for', async () => {
    const done = await renderVideo(sim, { caption: true });
    expect(done.status).toBe('completed');
    const mp4 = await download(done.video_url);
    expect(mp4.status).toBe(200);
    expect(mp4.headers.get('content-type')).toBe('video/mp4');
    expect(mp4.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(Number(mp4.headers.get('content-length'))).toBe(mp4.bytes.length);

    const part = await download(done.video_url, { Range: 'bytes=4-11' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-11/${mp4.bytes.length}`);
    expect(part.bytes.equals(mp4.bytes.subarray(4, 12))).toBe(true);
    const tail = await download(done.video_url, { Range: 'bytes=-16' });
    expect(tail.bytes.equals(mp4.bytes.subarray(mp4.bytes.length - 16))).toBe(true);
    expect((await download(done.video_url, { Range: `bytes=${mp4.bytes.length + 10}-` })).status).toBe(416);

    const thumb = await download(done.thumbnail_url);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    const gif = await download(done.gif_url);
    expect(gif.bytes.subarray(0, 3).toString('latin1')).toBe('GIF');
    const vtt = await download(done.caption_url);
    expect(vtt.bytes.toString('utf8')).toMatch(/^WEBVTT[\s\S]*One two three four five/);
    expect(done.video_url_caption).toEqual(expect.stringContaining('_caption.mp4?'));
    expect((await download(done.video_url_caption)).status).toBe(200);

    const plain = await renderVideo(sim);
    expect(plain.caption_url).toBeNull();
    expect(plain.video_url_caption).toBeNull();
  });

  it('serves WebM renders at .webm', async () => {
    const created = await api(sim, 'POST', '/v1/video.webm', {
      avatar_pose_id: 'Angela-inblackskirt-20220820',
      avatar_style: 'closeUp',
      input_text: 'Hi',
      voice_id: '1bd001e7e50f421d891986aad5158bc8',
      dimension: { width: 256, height: 256 },
    });
    const status = await api(sim, 'GET', `/v1/video_status.get?video_id=${created.data.video_id}`);
    expect(status.data.video_url).toContain(`/video/${created.data.video_id}.webm?`);
    const file = await download(status.data.video_url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('video/webm');
  });
});

describe('simulator: URL expiry and late files', () => {
  it('answers 403 once a link expired, and a new status read gives a working link', async () => {
    const sim = await startSimulator({ durations: ZERO, urlTtlSeconds: 1 });
    try {
      const done = await renderVideo(sim);
      let status = (await download(done.video_url)).status;
      expect(status).toBe(200);
      const deadline = Date.now() + 3000;
      while (status === 200 && Date.now() < deadline) {
        await sleep(100);
        status = (await fetch(done.video_url, { method: 'HEAD' })).status;
      }
      expect(status).toBe(403);
      const again = await api(sim, 'GET', `/v1/video_status.get?video_id=${done.id}`);
      expect(again.data.video_url).not.toBe(done.video_url);
      expect((await download(again.data.video_url)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('answers 404 for a while right after completion (downloadNotReadyMs)', async () => {
    const sim = await startSimulator({ durations: ZERO, downloadNotReadyMs: 300 });
    try {
      const done = await renderVideo(sim);
      expect((await download(done.video_url)).status).toBe(404);
      await sleep(350);
      expect((await download(done.video_url)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
