/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- the JSON answers are inspected loosely */
import { createHash } from 'node:crypto';
import { ZERO_DURATIONS, startSimulator, type RunningSimulator } from '../../simulator';
import { VOICES } from '../../simulator/catalogData';
import { allPages, call, fileForm, png } from './v3Support';

const MB = 1024 * 1024;
const MP3 = Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(200)]);
const WAV = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), Buffer.alloc(64)]);

async function putUpload(url: string, bytes: Buffer, contentType: string): Promise<number> {
  const res = await fetch(url, { method: 'PUT', headers: { 'Content-Type': contentType }, body: bytes });
  await res.arrayBuffer();
  return res.status;
}

describe('simulator v3: POST /v3/assets (multipart)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('stores the file part and detects its type from the bytes, not from the declared type', async () => {
    const bytes = png(40, 30, 'up');
    const res = await call(sim, 'POST', '/v3/assets', {
      form: fileForm(bytes, 'application/octet-stream', 'up.bin'),
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      data: {
        asset_id: expect.any(String),
        url: expect.any(String),
        mime_type: 'image/png',
        size_bytes: bytes.length,
      },
    });
    const served = await fetch(res.json.data.url);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);

    for (const [data, mime] of [
      [MP3, 'audio/mpeg'],
      [WAV, 'audio/wav'],
    ] as const) {
      const audio = await call(sim, 'POST', '/v3/assets', { form: fileForm(data, 'image/png', 'a') });
      expect(audio.json.data.mime_type).toBe(mime);
      const item = await call(sim, 'GET', `/v3/assets/${audio.json.data.asset_id}`);
      expect(item.json.data).toMatchObject({ type: 'audio', name: 'a' });
    }
    // The uploaded image is a photo avatars can be made of.
    const avatar = await call(sim, 'POST', '/v3/avatars', {
      body: {
        type: 'photo',
        name: 'From upload',
        file: { type: 'asset_id', asset_id: res.json.data.asset_id },
      },
    });
    expect(avatar.json.data.avatar_item).toMatchObject({ image_width: 40, image_height: 30 });
  });

  it('refuses files over 32 MB with 413 payload_too_large', async () => {
    const head = png(8, 8, 'big');
    for (const size of [32 * MB + 1, 40 * MB]) {
      const big = Buffer.concat([head, Buffer.alloc(size - head.length)]);
      const res = await call(sim, 'POST', '/v3/assets', { form: fileForm(big, 'image/png', 'big.png') });
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe('payload_too_large');
    }
    expect(sim.snapshot().assets.some((a) => a.bytes > 32 * MB)).toBe(false);
  });

  it('refuses bodies that are not one file part of a supported type', async () => {
    const json = await call(sim, 'POST', '/v3/assets', { body: { file: 'x' } });
    expect(json.json.error).toMatchObject({ code: 'validation_error', param: 'Content-Type' });

    const noFile = new FormData();
    noFile.append('other', new Blob([png()]), 'a.png');
    expect((await call(sim, 'POST', '/v3/assets', { form: noFile })).json.error.param).toBe('file');

    const two = fileForm(png(), 'image/png', 'a.png');
    two.append('file', new Blob([png()]), 'b.png');
    expect((await call(sim, 'POST', '/v3/assets', { form: two })).json.error.param).toBe('file');

    const text = await call(sim, 'POST', '/v3/assets', {
      form: fileForm(Buffer.from('hello'), 'text/plain', 'a.txt'),
    });
    expect(text.status).toBe(400);
    expect(text.json.error).toMatchObject({ code: 'invalid_parameter', param: 'file' });
    const empty = await call(sim, 'POST', '/v3/assets', {
      form: fileForm(Buffer.alloc(0), 'image/png', 'a.png'),
    });
    expect(empty.json.error).toMatchObject({ code: 'validation_error', param: 'file' });

    const broken = await fetch(`${sim.url}/v3/assets`, {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'multipart/form-data; boundary=zz' },
      body: '--zz\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end',
    });
    expect(broken.status).toBe(400);
  });

  it('replays an upload with the same Idempotency-Key whatever the multipart boundary', async () => {
    const before = sim.snapshot().assets.length;
    const send = () =>
      call(sim, 'POST', '/v3/assets', {
        form: fileForm(png(20, 20, 'idem'), 'image/png', 'i.png'),
        idempotencyKey: 'upload-1',
      });
    const first = await send();
    const second = await send();
    expect(second.json).toEqual(first.json);
    expect(sim.snapshot().assets.length).toBe(before + 1);
    const entry = sim.log().at(-1);
    expect(entry).toMatchObject({ idempotencyKey: 'upload-1', idempotentReplay: true });
    expect(entry?.warning).toBeUndefined();
  });
});

describe('simulator v3: direct uploads', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  const start = async (bytes: Buffer, extra: Record<string, unknown> = {}) => {
    const res = await call(sim, 'POST', '/v3/assets/direct-uploads', {
      body: { filename: 'clip.png', content_type: 'image/png', size_bytes: bytes.length, ...extra },
    });
    expect(res.status).toBe(200);
    return res.json.data;
  };

  it('create -> PUT upload_url with upload_headers -> complete (idempotent)', async () => {
    const bytes = png(50, 50, 'direct');
    const upload = await start(bytes, { checksum_sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(upload).toEqual({
      asset_id: expect.any(String),
      upload_url: expect.any(String),
      upload_headers: { 'Content-Type': 'image/png' },
      expires_in_seconds: expect.any(Number),
      max_bytes: expect.any(Number),
      status: 'pending_upload',
    });
    const early = await call(sim, 'POST', `/v3/assets/${upload.asset_id}/complete`, { body: {} });
    expect(early.json.error.code).toBe('asset_not_available');
    expect((await call(sim, 'GET', `/v3/assets/${upload.asset_id}`)).status).toBe(404);

    expect(await putUpload(upload.upload_url, bytes, 'image/png')).toBe(200);
    const done = await call(sim, 'POST', `/v3/assets/${upload.asset_id}/complete`, { body: {} });
    expect(done.json).toEqual({
      data: {
        asset_id: upload.asset_id,
        mime_type: 'image/png',
        size_bytes: bytes.length,
        status: expect.any(String),
        url: expect.any(String),
      },
    });
    const again = await call(sim, 'POST', `/v3/assets/${upload.asset_id}/complete`, { body: {} });
    expect(again.json).toEqual(done.json);
    expect(sim.snapshot().assets.filter((a) => a.id === upload.asset_id)).toHaveLength(1);
    expect((await call(sim, 'GET', `/v3/assets/${upload.asset_id}`)).json.data).toMatchObject({
      name: 'clip.png',
      type: 'image',
    });
    // The URL no longer takes data once completed.
    expect(await putUpload(upload.upload_url, bytes, 'image/png')).toBe(403);
  });

  it('the PUT needs the signature, the declared type and exactly the declared size', async () => {
    const bytes = png(30, 30, 'put');
    const upload = await start(bytes);
    expect(await putUpload(upload.upload_url, bytes, 'image/jpeg')).toBe(403);
    expect(await putUpload(upload.upload_url, bytes.subarray(1), 'image/png')).toBe(400);
    expect(await putUpload(upload.upload_url, Buffer.concat([bytes, Buffer.from('x')]), 'image/png')).toBe(
      400,
    );
    const url: string = upload.upload_url;
    const tampered = `${url.slice(0, -1)}${url.endsWith('0') ? '1' : '0'}`;
    expect(await putUpload(tampered, bytes, 'image/png')).toBe(403);
    expect((await fetch(upload.upload_url)).status).toBe(405);
    expect(await putUpload(upload.upload_url, bytes, 'image/png')).toBe(200);
  });

  it('refuses a wrong checksum, bad declarations and expired upload URLs', async () => {
    const bytes = png(30, 30, 'sum');
    const upload = await start(bytes);
    await putUpload(upload.upload_url, bytes, 'image/png');
    const wrong = await call(sim, 'POST', `/v3/assets/${upload.asset_id}/complete`, {
      body: { checksum_sha256: 'a'.repeat(64) },
    });
    expect(wrong.json.error).toMatchObject({ code: 'invalid_parameter', param: 'checksum_sha256' });
    const base64 = createHash('sha256').update(bytes).digest('base64');
    expect(
      (
        await call(sim, 'POST', `/v3/assets/${upload.asset_id}/complete`, {
          body: { checksum_sha256: base64 },
        })
      ).status,
    ).toBe(200);

    for (const [body, param] of [
      [{ filename: 'a.txt', content_type: 'text/plain', size_bytes: 3 }, 'content_type'],
      [{ filename: 'a.png', content_type: 'image/png', size_bytes: 0 }, 'size_bytes'],
      [{ filename: 'a.png', content_type: 'image/png', size_bytes: 51 * MB }, 'size_bytes'],
      [{ content_type: 'image/png', size_bytes: 3 }, 'filename'],
    ] as const) {
      const res = await call(sim, 'POST', '/v3/assets/direct-uploads', { body });
      expect(res.status).toBe(400);
      expect(res.json.error.param).toBe(param);
    }
    expect((await call(sim, 'POST', '/v3/assets/nope/complete', { body: {} })).status).toBe(404);

    const late = await start(bytes);
    sim.advanceClock((late.expires_in_seconds + 1) * 1000);
    expect(await putUpload(late.upload_url, bytes, 'image/png')).toBe(403);
  });
});

describe('simulator v3: users, asset listing, voices', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('lists the assets of GET /v3/users/me over pages; get and delete', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await call(sim, 'POST', '/v3/assets', {
        form: fileForm(png(10, 10, `l${i}`), 'image/png', `l${i}.png`),
      });
      ids.push(res.json.data.asset_id);
    }
    // A v1 upload is the same kind of asset.
    const v1 = await fetch(`${sim.url}/v1/asset`, {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'audio/mpeg' },
      body: MP3,
    });
    ids.push(((await v1.json()) as { data: { id: string } }).data.id);

    const me = (await call(sim, 'GET', '/v3/users/me')).json.data.username;
    const missing = await call(sim, 'GET', '/v3/assets');
    expect(missing.json.error).toMatchObject({ code: 'validation_error', param: 'username' });
    const listed = await allPages(sim, '/v3/assets', { username: me, limit: '2' });
    expect(listed.pages).toBe(3);
    expect(listed.items.map((a) => a.id)).toEqual(ids);
    expect(listed.items[0]).toEqual({
      id: ids[0],
      name: 'l0.png',
      owner: me,
      space_id: expect.any(String),
      type: 'image',
      uploaded_at: expect.any(Number),
      url: expect.any(String),
      folder_id: null,
    });
    expect((await allPages(sim, '/v3/assets', { username: 'someone-else' })).items).toEqual([]);
    expect((await call(sim, 'GET', `/v3/assets?username=${me}&limit=101`)).status).toBe(400);

    expect((await call(sim, 'DELETE', `/v3/assets/${ids[0]}`)).json).toEqual({ data: { id: ids[0] } });
    const gone = await call(sim, 'GET', `/v3/assets/${ids[0]}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('not_found');
    expect((await call(sim, 'DELETE', `/v3/assets/${ids[0]}`)).status).toBe(404);
  });

  it('lists voices with filters over pages', async () => {
    const all = await allPages(sim, '/v3/voices', { limit: '3' });
    expect(all.pages).toBe(Math.ceil(VOICES.length / 3));
    expect(all.items.map((v) => v.voice_id)).toEqual(VOICES.map((v) => v.voice_id));
    expect(all.items[0]).toEqual({
      voice_id: VOICES[0]!.voice_id,
      name: VOICES[0]!.name,
      language: 'English',
      gender: 'female',
      type: 'public',
      preview_audio_url: expect.any(String),
      support_pause: true,
      support_locale: false,
    });
    const english = await allPages(sim, '/v3/voices', { language: 'english', gender: 'male' });
    expect(english.items.map((v) => v.name)).toEqual(['Tony - Professional']);
    const fish = await allPages(sim, '/v3/voices', { engine: 'fish' });
    expect(fish.items.map((v) => v.voice_id)).toEqual(
      VOICES.filter((v) => v.engines.includes('fish')).map((v) => v.voice_id),
    );
    expect((await allPages(sim, '/v3/voices', { type: 'private' })).items).toEqual([]);
    expect((await call(sim, 'GET', '/v3/voices?limit=101')).json.error.param).toBe('limit');
    expect((await call(sim, 'GET', '/v3/voices?gender=other')).json.error.param).toBe('gender');
    expect((await call(sim, 'GET', '/v3/voices?limit=100')).status).toBe(200);
  });
});
