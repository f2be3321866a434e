import { Readable } from 'node:stream';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeyGenClient } from '../../heygen/client';
import { HeyGenError } from '../../heygen/errors';
import { renderPng } from '../../simulator/media/png';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { startCannedServer } from '../support/cannedServer';
import { ZERO_DURATIONS } from '../support/stack';
import { VOICE_ID } from '../support/inputs';

let sim: RunningSimulator;
let heygen: HeyGenClient;

beforeAll(async () => {
  sim = await startSimulator({ durations: ZERO_DURATIONS });
  heygen = new HeyGenClient({
    apiVersion: 'v2',
    apiBaseUrl: sim.url,
    uploadBaseUrl: sim.url,
    apiKey: sim.apiKey,
  });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.setDurations(ZERO_DURATIONS);
});

const attributes = {
  name: 'Nora',
  age: 'Early Middle Age',
  gender: 'Woman',
  ethnicity: 'Hispanic',
  orientation: 'vertical',
  pose: 'close_up',
  style: 'Cinematic',
  appearance: 'Warm smile, green jacket',
} as const;

async function caught(promise: Promise<unknown>): Promise<HeyGenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeyGenError);
  return err as HeyGenError;
}

async function trainedGroup() {
  const { generationId } = await heygen.generatePhotos(attributes);
  const generation = await heygen.getGeneration(generationId);
  const keys = generation.image_key_list ?? [];
  const first = await heygen.createAvatarGroup({
    name: `g-${Date.now()}-${Math.random()}`,
    image_key: keys[0]!,
  });
  const groupId = first.group_id ?? first.id;
  await heygen.trainGroup(groupId);
  return { groupId, keys, firstLook: first };
}

describe('photo avatar endpoints', () => {
  test('generate photos, then read the generation: in progress, then success with four keys', async () => {
    sim.setDurations({ photoGenerationMs: 300 });
    const { generationId } = await heygen.generatePhotos(attributes);
    const early = await heygen.getGeneration(generationId);
    expect(early.status).toBe('in_progress');
    expect(early.image_key_list ?? null).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    const done = await heygen.getGeneration(generationId);
    expect(done.status).toBe('success');
    expect(done.image_key_list).toHaveLength(4);
    expect(done.image_url_list).toHaveLength(4);
  });

  test('seed-only attribute values are accepted too', async () => {
    const { generationId } = await heygen.generatePhotos({
      ...attributes,
      age: 'Adult',
      ethnicity: 'Caucasian',
      pose: 'headshot',
      style: 'Artistic',
    });
    expect(generationId).toBeTruthy();
  });

  test('group create, add looks (max four a call), train, training status, list groups and looks', async () => {
    const { generationId } = await heygen.generatePhotos(attributes);
    const keys = (await heygen.getGeneration(generationId)).image_key_list ?? [];
    const name = `group-${Date.now()}`;
    const first = await heygen.createAvatarGroup({ name, image_key: keys[0]!, generation_id: generationId });
    const groupId = first.group_id ?? first.id;
    expect(first.id).toBe(groupId);
    const added = await heygen.addLooks({ group_id: groupId, name: 'extra', image_keys: keys.slice(1) });
    expect(added).toHaveLength(3);
    expect(added.every((l) => l.name === 'extra')).toBe(true);
    const before = sim.log().length;
    const tooMany = await caught(
      heygen.addLooks({ group_id: groupId, name: 'too many', image_keys: ['a', 'b', 'c', 'd', 'e'] }),
    );
    expect(tooMany.kind).toBe('InvalidRequest');
    expect(tooMany.message).toContain('image_keys');
    expect(sim.log().length).toBe(before); // refused locally, never sent

    expect((await heygen.getTrainingStatus(groupId)).status).not.toMatch(/ready|training|pending/);
    await heygen.trainGroup(groupId);
    expect((await heygen.getTrainingStatus(groupId)).status).toBe('ready');

    const groups = await heygen.listAvatarGroups();
    const group = groups.find((g) => g.id === groupId);
    expect(group).toMatchObject({ name, num_looks: 4 });
    const looks = await heygen.listGroupLooks(groupId);
    expect(looks.map((l) => l.id).sort()).toEqual([first.id, ...added.map((l) => l.id)].sort());
  });

  test('look generation is refused before training and works after it', async () => {
    const { generationId } = await heygen.generatePhotos(attributes);
    const keys = (await heygen.getGeneration(generationId)).image_key_list ?? [];
    const first = await heygen.createAvatarGroup({ name: `untrained-${Date.now()}`, image_key: keys[0]! });
    const look = {
      prompt: 'Blue suit',
      orientation: 'square',
      pose: 'half_body',
      style: 'Realistic',
    } as const;
    const refused = await caught(heygen.generateLook({ group_id: first.id, ...look }));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toMatch(/train/i);

    const { groupId } = await trainedGroup();
    const { generationId: lookGen } = await heygen.generateLook({ group_id: groupId, ...look });
    const generation = await heygen.getGeneration(lookGen);
    expect(generation.status).toBe('success');
    const looks = await heygen.listGroupLooks(groupId);
    expect(looks.filter((l) => l.business_type === 'generated').length).toBeGreaterThan(0);
  });
});

describe('catalog endpoints', () => {
  test('avatars and voices', async () => {
    const avatars = await heygen.listAvatars();
    expect(avatars.avatars.map((a) => a.avatar_id)).toContain('Angela-inblackskirt-20220820');
    const voices = await heygen.listVoices();
    expect(voices.map((v) => v.voice_id)).toContain(VOICE_ID);
  });
});

describe('video endpoints', () => {
  const scene = {
    character: { type: 'avatar' as const, avatar_id: 'Angela-inblackskirt-20220820' },
    voice: { type: 'text' as const, voice_id: VOICE_ID, input_text: 'Hi there' },
  };

  test('v2 generate, then status: completed with signed URLs and the callback_id echoed', async () => {
    const { videoId } = await heygen.generateVideo({
      video_inputs: [scene],
      callback_id: 'cb-1',
      dimension: { width: 320, height: 240 },
    });
    const status = await heygen.getVideoStatus(videoId);
    expect(status.status).toBe('completed');
    expect(status.callback_id).toBe('cb-1');
    expect(status.video_url).toMatch(/Expires=/);
    expect(status.duration).toBeGreaterThan(0);
  });

  test('Avatar IV from an image key, and WebM from a studio avatar', async () => {
    const asset = await heygen.uploadAsset(renderPng({ width: 64, height: 64, seed: 'av4' }), 'image/png');
    const av4 = await heygen.generateAvatarIvVideo({
      image_key: asset.image_key!,
      video_title: 'Avatar IV',
      script: 'Hello from Avatar IV',
      voice_id: VOICE_ID,
      video_orientation: 'landscape',
      fit: 'cover',
    });
    expect((await heygen.getVideoStatus(av4.videoId)).status).toBe('completed');
    const webm = await heygen.generateWebmVideo({
      avatar_pose_id: 'Angela-inblackskirt-20220820',
      avatar_style: 'normal',
      input_text: 'Transparent',
      voice_id: VOICE_ID,
      dimension: { width: 320, height: 240 },
    });
    expect(webm.videoId).toBeTruthy();
  });

  test('WebM refuses a photo avatar with a clear, final error', async () => {
    const { firstLook } = await trainedGroup();
    const err = await caught(
      heygen.generateWebmVideo({ avatar_pose_id: firstLook.id, input_text: 'x', voice_id: VOICE_ID }),
    );
    expect(err.kind).toBe('InvalidRequest');
    expect(err.httpStatus).toBe(400);
    expect(err.retryable).toBe(false);
  });

  test('status of an unknown video is a final NotFound', async () => {
    const err = await caught(heygen.getVideoStatus('does-not-exist'));
    expect(err).toMatchObject({ kind: 'NotFound', httpStatus: 404, retryable: false });
    expect(err.requestId).toBeTruthy();
  });

  test('invalid requests are refused before sending, naming the field', async () => {
    const before = sim.log().length;
    const err = await caught(
      heygen.generateVideo({ video_inputs: [scene], dimension: { width: 321, height: 240 } }),
    );
    expect(err.message).toContain('dimension.width');
    expect(err.mayHaveBeenProcessed).toBe(false);
    expect(sim.log().length).toBe(before);
  });
});

describe('asset endpoints', () => {
  test('upload from a buffer and from a stream, list across pages, delete', async () => {
    const png = renderPng({ width: 32, height: 32, seed: 'buffer' });
    const fromBuffer = await heygen.uploadAsset(png, 'image/png');
    expect(fromBuffer.image_key).toMatch(/^image\/[0-9a-f]+\/original$/);
    const fromStream = await heygen.uploadAsset(
      Readable.from([png.subarray(0, 10), png.subarray(10)]),
      'image/png',
      {
        contentLength: png.length,
      },
    );
    expect(fromStream.file_type).toBe('image');
    const upload = sim
      .log()
      .filter((e) => e.path === '/v1/asset')
      .at(-1);
    expect(upload?.body).toMatchObject({ bytes: png.length, contentType: 'image/png' });

    for (let i = 0; i < 3; i++)
      await heygen.uploadAsset(renderPng({ width: 8, height: 8, seed: `p${i}` }), 'image/png');
    const firstPage = await heygen.listAssetsPage({ limit: 2 });
    expect(firstPage.assets).toHaveLength(2);
    expect(firstPage.token).toBeTruthy();
    const all: string[] = [];
    for await (const asset of heygen.listAssets({ limit: 2 })) all.push(asset.id);
    expect(all).toEqual(expect.arrayContaining([fromBuffer.id, fromStream.id]));
    expect(new Set(all).size).toBe(all.length);

    await heygen.deleteAsset(fromBuffer.id);
    const after: string[] = [];
    for await (const asset of heygen.listAssets()) after.push(asset.id);
    expect(after).not.toContain(fromBuffer.id);
  });
});

describe('webhook endpoints', () => {
  test('add (after the OPTIONS probe), list with secret, delete', async () => {
    const probes: string[] = [];
    const receiver = http.createServer((req, res) => {
      probes.push(req.method ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/heygen`;
      const endpoint = await heygen.addWebhookEndpoint({ url, events: ['avatar_video.success'] });
      expect(probes).toContain('OPTIONS');
      expect(endpoint.secret).toBeTruthy();
      const listed = await heygen.listWebhookEndpoints();
      expect(listed.find((e) => e.endpoint_id === endpoint.endpoint_id)?.url).toBe(url);
      await heygen.deleteWebhookEndpoint(endpoint.endpoint_id);
      expect((await heygen.listWebhookEndpoints()).some((e) => e.endpoint_id === endpoint.endpoint_id)).toBe(
        false,
      );
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});

describe('error classification against the simulator', () => {
  test('401 with a wrong key is final', async () => {
    const bad = new HeyGenClient({
      apiVersion: 'v2',
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: 'nope',
    });
    const err = await caught(bad.listVoices());
    expect(err).toMatchObject({ kind: 'Unauthorized', httpStatus: 401, retryable: false });
  });

  test('429 carries Retry-After in milliseconds and is retryable', async () => {
    sim.addFault({ path: '^/v2/voices$', kind: 'rate_limit', retryAfterSeconds: 7 });
    const err = await caught(heygen.listVoices());
    expect(err).toMatchObject({ kind: 'RateLimited', httpStatus: 429, retryAfterMs: 7000, retryable: true });
  });

  test('5xx is retryable and may have been processed', async () => {
    sim.addFault({ path: '^/v2/voices$', kind: 'http_error', status: 502 });
    const err = await caught(heygen.listVoices());
    expect(err).toMatchObject({
      kind: 'ServerError',
      httpStatus: 502,
      retryable: true,
      mayHaveBeenProcessed: true,
    });
  });

  test('HTTP 200 with an error envelope is an ApiError with HeyGen code, in both envelope styles', async () => {
    sim.addFault({ path: '^/v2/voices$', kind: 'error_envelope', code: 400175, message: 'bad thing' });
    const v2 = await caught(heygen.listVoices());
    expect(v2).toMatchObject({ kind: 'ApiError', httpStatus: 200, code: 400175, retryable: false });
    sim.addFault({
      path: '^/v1/video_status.get$',
      kind: 'error_envelope',
      code: 40031,
      message: 'invalid video id',
    });
    const v1 = await caught(heygen.getVideoStatus('anything'));
    expect(v1).toMatchObject({ kind: 'ApiError', httpStatus: 200, code: 40031, message: 'invalid video id' });
  });

  test('a dropped connection is a retryable Network error; a slow answer is a Timeout', async () => {
    sim.addFault({ path: '^/v2/voices$', kind: 'drop' });
    expect(await caught(heygen.listVoices())).toMatchObject({ kind: 'Network', retryable: true });
    sim.addFault({ path: '^/v2/voices$', kind: 'slow', delayMs: 1000 });
    const quick = new HeyGenClient(
      { apiVersion: 'v2', apiBaseUrl: sim.url, uploadBaseUrl: sim.url, apiKey: sim.apiKey },
      { catalog: 200 },
    );
    const err = await caught(quick.listVoices());
    expect(err).toMatchObject({ kind: 'Timeout', retryable: true });
    expect(err.message).toContain('200 ms');
  });

  test('connection refused: retryable, and known not to have reached HeyGen', async () => {
    const closed = new HeyGenClient({
      apiVersion: 'v2',
      apiBaseUrl: 'http://127.0.0.1:9',
      uploadBaseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
    });
    expect(await caught(closed.listVoices())).toMatchObject({ kind: 'Network', mayHaveBeenProcessed: false });
  });
});

describe('envelope quirks (canned responses)', () => {
  let canned: Awaited<ReturnType<typeof startCannedServer>>;
  let client: HeyGenClient;
  beforeAll(async () => {
    canned = await startCannedServer();
    client = new HeyGenClient({
      apiVersion: 'v2',
      apiBaseUrl: canned.url,
      uploadBaseUrl: canned.url,
      apiKey: 'secret-key',
    });
  });
  afterAll(() => canned.close());

  test('the API key travels in X-Api-Key', async () => {
    canned.respond({ body: { error: null, data: { voices: [] } } });
    await client.listVoices();
    expect(canned.requests.at(-1)?.headers['x-api-key']).toBe('secret-key');
  });

  test('v2 error given as a plain string', async () => {
    canned.respond({ body: { error: 'Something is off', data: null } });
    expect(await caught(client.listVoices())).toMatchObject({
      kind: 'ApiError',
      message: 'Something is off',
    });
  });

  test('v1 code other than 100 on HTTP 200, with msg instead of message', async () => {
    canned.respond({ body: { code: 40039, msg: 'invalid text', data: null } });
    expect(await caught(client.getVideoStatus('v'))).toMatchObject({
      kind: 'ApiError',
      code: 40039,
      message: 'invalid text',
    });
  });

  test('rate-limit code inside an envelope counts as rate limited', async () => {
    canned.respond({
      status: 200,
      body: { error: { code: 400123, message: 'exceeded rate limit' }, data: null },
    });
    expect(await caught(client.listVoices())).toMatchObject({ kind: 'RateLimited', retryable: true });
  });

  test('Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    canned.respond({
      status: 429,
      headers: { 'retry-after': at },
      body: { error: { code: 429, message: 'slow down' } },
    });
    const err = await caught(client.listVoices());
    expect(err.retryAfterMs).toBeGreaterThan(20_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  test('unknown fields are tolerated; missing relied-on fields are an InvalidResponse naming the field', async () => {
    canned.respond({
      body: {
        code: 100,
        message: 'Success',
        msg: null,
        extra: 1,
        data: { id: 'v', status: 'processing', surprise: { a: 1 } },
      },
    });
    expect((await client.getVideoStatus('v')).status).toBe('processing');
    canned.respond({ body: { code: 100, data: { id: 'v' } } });
    const err = await caught(client.getVideoStatus('v'));
    expect(err).toMatchObject({ kind: 'InvalidResponse', retryable: false });
    expect(err.message).toContain('data.status');
  });

  test('a gateway HTML page on 502 is a retryable ServerError', async () => {
    canned.respond({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html>Bad Gateway</html>',
    });
    expect(await caught(client.listVoices())).toMatchObject({
      kind: 'ServerError',
      httpStatus: 502,
      retryable: true,
    });
  });

  test('the v1 error shape on a non-2xx answer', async () => {
    canned.respond({ status: 400, body: { code: 40001, message: 'missing video_id', data: null } });
    expect(await caught(client.getVideoStatus('v'))).toMatchObject({
      kind: 'InvalidRequest',
      code: 40001,
      message: 'missing video_id',
    });
  });
});
