import type { Scene } from '../../../contracts/fields';
import type { V3Adapter } from '../../../heygen/v3/adapter';
import { INSUFFICIENT_CREDIT_MESSAGE } from '../../../heygen/v3/errors';
import { composePhotoPrompt } from '../../../heygen/v3/prompt';
import { caught, ok, paged, startFakeV3, type FakeV3 } from './fakeServer';

let fake: FakeV3;
let heygen: V3Adapter;

beforeAll(async () => {
  fake = await startFakeV3();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  heygen = fake.adapter();
});

const look = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `look ${id}`,
  avatar_type: 'photo_avatar',
  group_id: 'g1',
  status: 'completed',
  ...extra,
});

const scene: Scene = {
  character: { type: 'look', lookId: 'look-1' },
  speech: { type: 'text', text: 'Hello', voiceId: 'voice-1' },
};

describe('avatars and looks', () => {
  test('createAvatar from attributes: one prompt create, with the key; group and first look from the answer', async () => {
    fake.on(
      'POST /v3/avatars',
      ok({
        avatar_item: look('look-1', { status: 'processing' }),
        avatar_group: { id: 'group-1', name: 'n' },
      }),
    );
    const attributes = {
      age: 'Senior',
      gender: 'Man',
      ethnicity: 'White',
      orientation: 'vertical',
      pose: 'close_up',
      style: 'Cinematic',
      appearance: 'Grey beard',
    } as const;
    const created = await heygen.createAvatar(
      { name: 'run-1 avatar', source: 'prompt', attributes },
      { idempotencyKey: 'hp1.create.abc', attempt: 3 },
    );
    expect(created).toEqual({ groupId: 'group-1', lookId: 'look-1' });
    const [call] = fake.calls('POST /v3/avatars');
    expect(call?.json).toEqual({
      type: 'prompt',
      name: 'run-1 avatar',
      prompt: composePhotoPrompt({ attributes }),
    });
    expect(call?.headers['idempotency-key']).toBe('hp1.create.abc');
    expect(call?.headers['x-api-key']).toBe('test-key');
    expect(call?.headers['content-type']).toBe('application/json');
  });

  test('createAvatar from a photo: a file asset input; the group id falls back to the look’s group_id', async () => {
    fake.on(
      'POST /v3/avatars',
      ok({ avatar_item: look('look-2', { group_id: 'group-2' }), avatar_group: null }),
    );
    expect(await heygen.createAvatar({ name: 'a', source: 'photo', photo: 'asset-1' })).toEqual({
      groupId: 'group-2',
      lookId: 'look-2',
    });
    const [call] = fake.calls('POST /v3/avatars');
    expect(call?.json).toEqual({ type: 'photo', name: 'a', file: { type: 'asset_id', asset_id: 'asset-1' } });
    expect(call?.headers['idempotency-key']).toBeUndefined();
  });

  test('createAvatar from free text; an answer without a group is an InvalidResponse', async () => {
    fake.on('POST /v3/avatars', ok({ avatar_item: { id: 'look-3' } }));
    const err = await caught(heygen.createAvatar({ name: 'a', source: 'prompt', prompt: 'A chef' }));
    expect(err.kind).toBe('InvalidResponse');
    expect(fake.calls('POST /v3/avatars')[0]?.json).toEqual({ type: 'prompt', name: 'a', prompt: 'A chef' });
  });

  test('addLooks: one photo per call into the group; more than one is refused before sending', async () => {
    fake.on('POST /v3/avatars', ok({ avatar_item: look('look-4'), avatar_group: { id: 'g1', name: 'n' } }));
    expect(await heygen.addLooks({ groupId: 'g1', name: 'extra', photos: ['asset-2'] })).toEqual({
      lookIds: ['look-4'],
    });
    expect(fake.calls('POST /v3/avatars')[0]?.json).toEqual({
      type: 'photo',
      name: 'extra',
      file: { type: 'asset_id', asset_id: 'asset-2' },
      avatar_group_id: 'g1',
    });
    for (const photos of [['a', 'b'], []]) {
      const err = await caught(
        heygen.addLooks({ groupId: 'g1', name: 'x', photos }, { idempotencyKey: 'k' }),
      );
      expect(err.kind).toBe('InvalidRequest');
      expect(err.message).toContain('photos');
      expect(err.mayHaveBeenProcessed).toBe(false);
    }
    expect(fake.calls('POST /v3/avatars')).toHaveLength(1);
  });

  test('generateLook: a prompt create referencing the base look and the group; the new look at once', async () => {
    fake.on('POST /v3/avatars', ok({ avatar_item: look('look-5', { status: 'processing' }) }));
    const result = await heygen.generateLook(
      {
        groupId: 'g1',
        baseLookId: 'look-1',
        name: 'suit',
        look: { prompt: 'Blue suit', style: 'Realistic' },
      },
      { idempotencyKey: 'look-key' },
    );
    expect(result).toEqual({ lookIds: ['look-5'] });
    const [call] = fake.calls('POST /v3/avatars');
    expect(call?.json).toEqual({
      type: 'prompt',
      name: 'suit',
      prompt: 'A Realistic style photo. Blue suit',
      avatar_id: 'look-1',
      avatar_group_id: 'g1',
    });
    expect(call?.headers['idempotency-key']).toBe('look-key');
  });

  test('an invalid look spec, attribute or name never reaches HeyGen', async () => {
    const err = await caught(
      heygen.generateLook({ groupId: 'g1', baseLookId: 'l', name: 'n', look: { prompt: '' } }),
    );
    expect(err.kind).toBe('InvalidRequest');
    expect(err.message).toContain('look.prompt');
    const badAge = await caught(
      heygen.createAvatar({
        name: 'n',
        source: 'prompt',
        attributes: {
          age: 'Teen' as 'Senior',
          gender: 'Man',
          ethnicity: 'White',
          orientation: 'square',
          pose: 'close_up',
          style: 'Realistic',
          appearance: 'x',
        },
      }),
    );
    expect(badAge.message).toContain('request.attributes.age');
    const noName = await caught(heygen.createAvatar({ name: ' ', source: 'photo', photo: 'p' }));
    expect(noName.kind).toBe('InvalidRequest');
    expect(noName.message).toContain('name');
    expect(fake.requests).toHaveLength(0);
  });

  test('listGroupLooks follows every page with the same filters; statuses map to the neutral set', async () => {
    const looks = [
      look('l1', { status: 'completed', preview_image_url: 'https://cdn/p1.png' }),
      look('l2', { status: 'processing' }),
      look('l3', { status: 'failed', error: { code: 'MODERATION', message: 'refused' } }),
      look('l4', { status: 'pending_consent' }),
      look('l5', { status: 'upgrading' }),
      look('l6', {
        status: undefined,
        preview_image_url: 'https://cdn/p6.png',
        image_width: 512,
        image_height: 512,
      }),
      look('l7', { status: null, preview_image_url: null }),
    ];
    fake.on('GET /v3/avatars/looks', paged(looks, 3));
    const result = await heygen.listGroupLooks('g1');
    const calls = fake.calls('GET /v3/avatars/looks');
    expect(calls).toHaveLength(3);
    for (const c of calls) {
      expect(c.query.get('group_id')).toBe('g1');
      expect(c.query.get('limit')).toBe('50');
    }
    expect(calls.map((c) => c.query.get('token'))).toEqual([null, 'page-1', 'page-2']);
    expect(result.map((l) => [l.id, l.status, l.rawStatus])).toEqual([
      ['l1', 'completed', 'completed'],
      ['l2', 'processing', 'processing'],
      ['l3', 'failed', 'failed'],
      ['l4', 'pending_consent', 'pending_consent'],
      ['l5', 'processing', 'upgrading'],
      ['l6', 'completed', undefined],
      ['l7', 'processing', undefined],
    ]);
    expect(result[0]).toMatchObject({
      groupId: 'g1',
      name: 'look l1',
      previewImageUrl: 'https://cdn/p1.png',
    });
    expect(result[2]?.failure).toEqual({ code: 'MODERATION', message: 'refused' });
  });

  test('listAvatarGroups: private groups, every page', async () => {
    const groups = Array.from({ length: 5 }, (_, i) => ({
      id: `g${i}`,
      name: `G${i}`,
      created_at: 1700000000 + i,
      looks_count: i,
      status: 'completed',
      preview_image_url: null,
    }));
    fake.on('GET /v3/avatars', paged(groups, 2));
    const result = await heygen.listAvatarGroups();
    expect(result).toHaveLength(5);
    expect(result[4]).toEqual({
      id: 'g4',
      name: 'G4',
      createdAt: 1700000004,
      looksCount: 4,
      status: 'completed',
    });
    const calls = fake.calls('GET /v3/avatars');
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.query.get('ownership') === 'private')).toBe(true);
  });

  test.each([
    ['generatePhotos', (h: V3Adapter) => h.generatePhotos({ name: 'n', prompt: 'p' })],
    ['getPhotoGeneration', (h: V3Adapter) => h.getPhotoGeneration('gen')],
    ['startTraining', (h: V3Adapter) => h.startTraining('g')],
    ['getTraining', (h: V3Adapter) => h.getTraining('g')],
    [
      'findGeneratedLooks',
      (h: V3Adapter) => h.findGeneratedLooks({ groupId: 'g', generationId: 'x', lookIdsBefore: [] }),
    ],
  ])('%s is Unsupported on v3, without a call', async (name, call) => {
    const err = await caught(call(heygen));
    expect(err.kind).toBe('Unsupported');
    expect(err.message).toContain(name);
    expect(err.message).toContain('HeyGen API v3');
    expect(err.retryable).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('videos', () => {
  test('submitRender sends the mapped body with the key and returns the video id', async () => {
    fake.on('POST /v3/videos', ok({ video_id: 'vid-1', status: 'waiting', output_format: 'mp4' }));
    const result = await heygen.submitRender(
      { kind: 'scenes', scenes: [scene], title: 'Hi', callbackId: 'run-9' },
      { idempotencyKey: 'render:1' },
    );
    expect(result).toEqual({ videoId: 'vid-1' });
    const [call] = fake.calls('POST /v3/videos');
    expect(call?.json).toEqual({
      type: 'avatar',
      avatar_id: 'look-1',
      script: 'Hello',
      voice_id: 'voice-1',
      title: 'Hi',
      callback_id: 'run-9',
    });
    expect(call?.headers['idempotency-key']).toBe('render:1');
  });

  test('a field v3 cannot honour is Unsupported, naming it, and nothing is sent', async () => {
    const err = await caught(heygen.submitRender({ kind: 'scenes', scenes: [scene], test: true }));
    expect(err.kind).toBe('Unsupported');
    expect(err.message).toContain('test');
    expect(err.mayHaveBeenProcessed).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  test('a body the v3 schema refuses is an InvalidRequest before sending', async () => {
    const tooLong = await caught(
      heygen.submitRender({
        kind: 'scenes',
        scenes: [{ ...scene, speech: { type: 'text', text: 'x'.repeat(5001), voiceId: 'v' } }],
      }),
    );
    expect(tooLong.kind).toBe('InvalidRequest');
    expect(tooLong.message).toContain('script');
    const tooMany = await caught(
      heygen.submitRender({ kind: 'scenes', scenes: Array(51).fill(scene) as Scene[] }),
    );
    expect(tooMany.kind).toBe('InvalidRequest');
    expect(tooMany.message).toContain('scenes');
    expect(fake.requests).toHaveLength(0);
  });

  test('getRender maps status, media, duration, callback id and failure', async () => {
    fake.on(
      'GET /v3/videos/vid-1',
      ok({
        id: 'vid-1',
        status: 'completed',
        video_url: 'https://cdn/v.mp4',
        captioned_video_url: 'https://cdn/vc.mp4',
        subtitle_url: 'https://cdn/v.srt',
        thumbnail_url: 'https://cdn/t.jpg',
        gif_url: 'https://cdn/g.gif',
        duration: 12.5,
        callback_id: 'run-9',
        video_page_url: 'https://app/v',
      }),
    );
    expect(await heygen.getRender('vid-1')).toEqual({
      videoId: 'vid-1',
      state: 'completed',
      rawStatus: 'completed',
      durationSeconds: 12.5,
      callbackId: 'run-9',
      media: {
        video: 'https://cdn/v.mp4',
        captions: 'https://cdn/v.srt',
        thumbnail: 'https://cdn/t.jpg',
        gif: 'https://cdn/g.gif',
      },
    });
    fake.on(
      'GET /v3/videos/vid-2',
      ok({
        id: 'vid-2',
        status: 'failed',
        failure_code: 'rendering_failed',
        failure_message: 'Avatar rendering timed out',
      }),
    );
    expect(await heygen.getRender('vid-2')).toMatchObject({
      state: 'failed',
      failure: { code: 'rendering_failed', message: 'Avatar rendering timed out' },
    });
  });

  test.each([
    ['waiting', 'pending'],
    ['queued', 'pending'],
    ['pending', 'pending'],
    ['processing', 'processing'],
    ['rendering_soon', 'processing'],
  ])('status %s → %s, the raw status kept', async (raw, state) => {
    fake.on('GET /v3/videos/v', ok({ id: 'v', status: raw }));
    expect(await heygen.getRender('v')).toMatchObject({ state, rawStatus: raw, media: {} });
  });

  test('an id is a path segment, encoded, never parsed', async () => {
    fake.on('GET /v3/videos/a%2Fb%20c', ok({ id: 'a/b c', status: 'processing' }));
    expect((await heygen.getRender('a/b c')).videoId).toBe('a/b c');
  });

  test('getRenders: one bulk read per 100 ids, summaries in the order asked, not_found kept', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `v${i}`);
    const statuses = ['completed', 'failed', 'queued', 'not_found', 'processing'];
    fake.on('GET /v3/videos/statuses', (req) => {
      const asked = (req.query.get('video_ids') ?? '').split(',');
      return ok(
        asked.reverse().map((id) => {
          const status = statuses[Number(id.slice(1)) % statuses.length] ?? 'processing';
          return {
            video_id: id,
            status,
            ...(status === 'failed' ? { error: { code: 'x', message: 'bad' } } : {}),
          };
        }),
      );
    });
    const result = await heygen.getRenders(ids);
    const calls = fake.calls('GET /v3/videos/statuses');
    expect(calls.map((c) => (c.query.get('video_ids') ?? '').split(',').length)).toEqual([100, 100, 50]);
    expect(result.map((r) => r.videoId)).toEqual(ids);
    expect(result.slice(0, 5)).toEqual([
      { videoId: 'v0', state: 'completed', rawStatus: 'completed' },
      { videoId: 'v1', state: 'failed', rawStatus: 'failed', failure: { code: 'x', message: 'bad' } },
      { videoId: 'v2', state: 'pending', rawStatus: 'queued' },
      { videoId: 'v3', state: 'not_found', rawStatus: 'not_found' },
      { videoId: 'v4', state: 'processing', rawStatus: 'processing' },
    ]);
    expect(await heygen.getRenders([])).toEqual([]);
  });

  test('getRenders: an id missing from the answer is an InvalidResponse, not a guess', async () => {
    fake.on('GET /v3/videos/statuses', ok([{ video_id: 'a', status: 'completed' }]));
    const err = await caught(heygen.getRenders(['a', 'b']));
    expect(err.kind).toBe('InvalidResponse');
    expect(err.message).toContain('b');
  });
});

describe('assets list and delete', () => {
  const asset = (id: string, type: string) => ({
    id,
    name: `${id}.bin`,
    owner: 'me@example.com',
    space_id: 's',
    type,
    uploaded_at: 1700000000,
    url: `https://cdn/${id}`,
    folder_id: null,
  });

  test('the username is read once per adapter; type is filtered here, folder passed through; every page', async () => {
    fake.on('GET /v3/users/me', ok({ username: 'me@example.com', email: 'me@example.com' }));
    const items = [asset('a1', 'image'), asset('a2', 'video'), asset('a3', 'image'), asset('a4', 'audio')];
    fake.on('GET /v3/assets', paged(items, 2));
    const first = await heygen.listAssetsPage({ fileType: 'image', folderId: 'f1', limit: 2 });
    expect(first).toEqual({
      assets: [
        {
          id: 'a1',
          name: 'a1.bin',
          fileType: 'image',
          createdAt: 1700000000,
          url: 'https://cdn/a1',
        },
      ],
      nextToken: 'page-1',
    });
    const call = fake.calls('GET /v3/assets')[0];
    expect(Object.fromEntries(call?.query ?? [])).toEqual({
      username: 'me@example.com',
      limit: '2',
      folder_id: 'f1',
    });
    const all: string[] = [];
    for await (const a of heygen.listAssets({ limit: 2 })) all.push(a.id);
    expect(all).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(fake.calls('GET /v3/users/me')).toHaveLength(1);
  });

  test('a failed username lookup is not remembered', async () => {
    fake.on('GET /v3/users/me', { status: 503, body: { error: { message: 'down' } } });
    expect((await caught(heygen.listAssetsPage())).kind).toBe('ServerError');
    fake.on('GET /v3/users/me', ok({ username: 'u' }));
    fake.on('GET /v3/assets', ok([]));
    expect(await heygen.listAssetsPage()).toEqual({ assets: [], nextToken: undefined });
    expect(fake.calls('GET /v3/users/me')).toHaveLength(2);
  });

  test('deleteAsset is a DELETE of the asset', async () => {
    fake.on('DELETE /v3/assets/a1', ok({ id: 'a1' }));
    await heygen.deleteAsset('a1');
    expect(fake.calls('DELETE /v3/assets/a1')).toHaveLength(1);
  });
});

describe('catalog', () => {
  test('listAvatars: public looks, every page; WebM only for studio avatars', async () => {
    const looks = [
      {
        id: 's1',
        name: 'Studio',
        avatar_type: 'studio_avatar',
        gender: 'female',
        preview_image_url: 'https://p',
      },
      { id: 'p1', name: 'Photo', avatar_type: 'photo_avatar', default_voice_id: 'v1' },
      { id: 'd1', name: 'Twin', avatar_type: 'digital_twin', preview_video_url: 'https://pv' },
    ];
    fake.on('GET /v3/avatars/looks', paged(looks, 2));
    const result = await heygen.listAvatars();
    expect(result).toEqual([
      {
        avatarId: 's1',
        name: 'Studio',
        gender: 'female',
        type: 'studio_avatar',
        previewImageUrl: 'https://p',
        supportsWebm: true,
      },
      { avatarId: 'p1', name: 'Photo', type: 'photo_avatar', defaultVoiceId: 'v1', supportsWebm: false },
      {
        avatarId: 'd1',
        name: 'Twin',
        type: 'digital_twin',
        previewVideoUrl: 'https://pv',
        supportsWebm: false,
      },
    ]);
    const calls = fake.calls('GET /v3/avatars/looks');
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.query.get('ownership') === 'public' && c.query.get('limit') === '50')).toBe(
      true,
    );
  });

  test('listVoices: every page of 100', async () => {
    const voices = Array.from({ length: 201 }, (_, i) => ({
      voice_id: `v${i}`,
      name: `Voice ${i}`,
      language: 'English',
      gender: 'female',
      type: 'public',
      support_pause: true,
      support_locale: false,
    }));
    fake.on('GET /v3/voices', paged(voices, 100));
    const result = await heygen.listVoices();
    expect(result).toHaveLength(201);
    expect(result[200]).toEqual({
      voiceId: 'v200',
      name: 'Voice 200',
      language: 'English',
      gender: 'female',
      supportPause: true,
    });
    expect(fake.calls('GET /v3/voices').map((c) => c.query.get('limit'))).toEqual(['100', '100', '100']);
  });
});

describe('webhook endpoints', () => {
  const endpoint = {
    endpoint_id: 'ep_1',
    url: 'https://hooks.example.com/heygen',
    events: ['avatar_video.success'],
    status: 'enabled',
    created_at: '2026-11-01T00:00:00Z',
    secret: 'whsec_abc',
  };

  test('add with the key, update by PATCH, list every page, delete, rotate, events', async () => {
    fake.on('POST /v3/webhooks/endpoints', ok(endpoint));
    expect(
      await heygen.addWebhookEndpoint(
        { url: endpoint.url, events: ['avatar_video.success'] },
        { idempotencyKey: 'wh-1' },
      ),
    ).toEqual({
      endpointId: 'ep_1',
      url: endpoint.url,
      events: ['avatar_video.success'],
      status: 'enabled',
      secret: 'whsec_abc',
      createdAt: '2026-11-01T00:00:00Z',
    });
    const [add] = fake.calls('POST /v3/webhooks/endpoints');
    expect(add?.json).toEqual({ url: endpoint.url, events: ['avatar_video.success'] });
    expect(add?.headers['idempotency-key']).toBe('wh-1');

    fake.on(
      'PATCH /v3/webhooks/endpoints/ep_1',
      ok({ ...endpoint, events: ['avatar_video.fail'], secret: null }),
    );
    const updated = await heygen.updateWebhookEndpoint(
      { endpointId: 'ep_1', events: ['avatar_video.fail'] },
      { idempotencyKey: 'ignored' },
    );
    expect(updated.events).toEqual(['avatar_video.fail']);
    expect(updated.secret).toBeUndefined();
    const [patch] = fake.calls('PATCH /v3/webhooks/endpoints/ep_1');
    expect(patch?.json).toEqual({ events: ['avatar_video.fail'] });
    expect(patch?.headers['idempotency-key']).toBeUndefined();

    const many = Array.from({ length: 3 }, (_, i) => ({ ...endpoint, endpoint_id: `ep_${i}`, secret: null }));
    fake.on('GET /v3/webhooks/endpoints', paged(many, 1));
    const listed = await heygen.listWebhookEndpoints();
    expect(listed.map((e) => [e.endpointId, e.secret])).toEqual([
      ['ep_0', undefined],
      ['ep_1', undefined],
      ['ep_2', undefined],
    ]);
    expect(fake.calls('GET /v3/webhooks/endpoints')).toHaveLength(3);

    fake.on('DELETE /v3/webhooks/endpoints/ep_1', ok({}));
    await heygen.deleteWebhookEndpoint('ep_1');
    expect(fake.calls('DELETE /v3/webhooks/endpoints/ep_1')).toHaveLength(1);

    fake.on(
      'POST /v3/webhooks/endpoints/ep_1/rotate-secret',
      ok({ endpoint_id: 'ep_1', secret: 'whsec_new' }),
    );
    expect(await heygen.rotateWebhookSecret('ep_1', { idempotencyKey: 'rot-1' })).toEqual({
      endpointId: 'ep_1',
      secret: 'whsec_new',
    });
    const [rotate] = fake.calls('POST /v3/webhooks/endpoints/ep_1/rotate-secret');
    expect(rotate?.headers['idempotency-key']).toBe('rot-1');
    expect(rotate?.bytes).toBe(0);

    fake.on('GET /v3/webhooks/events', {
      body: {
        data: [
          {
            event_id: 'evt_1',
            event_type: 'avatar_video.success',
            event_data: { video_id: 'v', url: 'https://cdn/v' },
            created_at: '2026-11-02T00:00:00Z',
          },
        ],
        has_more: true,
        next_token: 'tok-2',
      },
    });
    expect(
      await heygen.listWebhookEvents({
        eventType: 'avatar_video.success',
        entityId: 'v',
        limit: 1,
        token: 'tok-1',
      }),
    ).toEqual({
      events: [
        {
          eventId: 'evt_1',
          eventType: 'avatar_video.success',
          eventData: { video_id: 'v', url: 'https://cdn/v' },
          createdAt: '2026-11-02T00:00:00Z',
        },
      ],
      nextToken: 'tok-2',
    });
    expect(Object.fromEntries(fake.calls('GET /v3/webhooks/events')[0]?.query ?? [])).toEqual({
      event_type: 'avatar_video.success',
      entity_id: 'v',
      limit: '1',
      token: 'tok-1',
    });
  });

  test('an update with nothing to change, or a non-http URL, is refused before sending', async () => {
    expect((await caught(heygen.updateWebhookEndpoint({ endpointId: 'ep_1' }))).kind).toBe('InvalidRequest');
    expect((await caught(heygen.addWebhookEndpoint({ url: 'ftp://x' }))).kind).toBe('InvalidRequest');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Idempotency-Key', () => {
  test('sent on every create that takes it, never on reads', async () => {
    fake.on('POST /v3/videos', ok({ video_id: 'v' }));
    fake.on('GET /v3/videos/v', ok({ id: 'v', status: 'processing' }));
    await heygen.submitRender({ kind: 'scenes', scenes: [scene] }, { idempotencyKey: 'A-z_0-9:.-' });
    await heygen.getRender('v', { idempotencyKey: 'not-sent' });
    expect(fake.calls('POST /v3/videos')[0]?.headers['idempotency-key']).toBe('A-z_0-9:.-');
    expect(fake.calls('GET /v3/videos/v')[0]?.headers['idempotency-key']).toBeUndefined();
  });

  test.each([
    ['empty', ''],
    ['a space', 'run 1'],
    ['a slash', 'run/1'],
    ['256 characters', 'k'.repeat(256)],
    ['non-ASCII', 'clé'],
  ])('a key with %s is refused before sending', async (_what, key) => {
    const err = await caught(
      heygen.submitRender({ kind: 'scenes', scenes: [scene] }, { idempotencyKey: key }),
    );
    expect(err.kind).toBe('InvalidRequest');
    expect(err.message).toContain('idempotencyKey');
    expect(err.mayHaveBeenProcessed).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  test('255 characters is the longest key accepted', async () => {
    fake.on('POST /v3/webhooks/endpoints', ok({ endpoint_id: 'e', url: 'https://x' }));
    await heygen.addWebhookEndpoint({ url: 'http://127.0.0.1:9/hook' }, { idempotencyKey: 'k'.repeat(255) });
    expect(fake.calls('POST /v3/webhooks/endpoints')[0]?.headers['idempotency-key']).toHaveLength(255);
  });
});

describe('errors: one HTTP attempt, every class mapped', () => {
  const render = () => heygen.submitRender({ kind: 'scenes', scenes: [scene] }, { idempotencyKey: 'key-1' });

  test.each([
    [
      400,
      { code: 'invalid_parameter', message: 'avatar not in group', param: 'avatar_id' },
      'InvalidRequest',
    ],
    [401, { code: 'unauthorized', message: 'bad key' }, 'Unauthorized'],
    [402, { code: 'insufficient_credit', message: 'no credit' }, 'InsufficientCredit'],
    [403, { code: 'forbidden', message: 'no' }, 'Forbidden'],
    [404, { code: 'avatar_not_found', message: 'gone' }, 'NotFound'],
    [409, { code: 'request_in_progress', message: 'still running' }, 'InProgress'],
    [409, { code: 'conflict', message: 'state' }, 'Conflict'],
    [413, { code: 'payload_too_large', message: 'big' }, 'PayloadTooLarge'],
    [500, { code: 'unclassified_server_error', message: 'oops' }, 'ServerError'],
    [502, { message: 'bad gateway' }, 'ServerError'],
  ])('HTTP %i → %s', async (status, error, kind) => {
    fake.on('POST /v3/videos', { status, body: { error }, headers: { 'x-request-id': 'req-7' } });
    const err = await caught(render());
    expect(err.kind).toBe(kind);
    expect(err.httpStatus).toBe(status);
    expect(err.requestId).toBe('req-7');
    expect(err.operation).toBe('v3.video.create');
    expect(fake.calls('POST /v3/videos')).toHaveLength(1); // no retry of its own
    if (status === 400) expect(err.message).toBe('avatar not in group (param: avatar_id)');
    if (status === 402) expect(err.message).toBe(INSUFFICIENT_CREDIT_MESSAGE);
    if (status === 502) expect(err.code).toBe('unclassified_server_error');
  });

  test('429 is RateLimited with Retry-After in milliseconds, and retryable', async () => {
    fake.on('POST /v3/videos', {
      status: 429,
      headers: { 'retry-after': '12' },
      body: { error: { code: 'rate_limit_exceeded', message: 'slow down' } },
    });
    const err = await caught(render());
    expect(err).toMatchObject({ kind: 'RateLimited', retryAfterMs: 12_000, retryable: true });
    expect(err.mayHaveBeenProcessed).toBe(false);
  });

  test('HTTP 200 carrying an error is an error, not data', async () => {
    fake.on('GET /v3/videos/v', {
      body: { data: { id: 'v', status: 'processing' }, error: { code: 'video_not_found', message: 'no' } },
    });
    expect((await caught(heygen.getRender('v'))).kind).toBe('NotFound');
    fake.on('GET /v3/videos/v', { body: { error: { code: 'novel_code', message: 'new' } } });
    const err = await caught(heygen.getRender('v'));
    expect(err).toMatchObject({ kind: 'ApiError', code: 'novel_code', message: 'new', httpStatus: 200 });
  });

  test('a non-JSON error page is classified by its status', async () => {
    fake.on('GET /v3/videos/v', { status: 503, body: '<html>Service Unavailable</html>' });
    const err = await caught(heygen.getRender('v'));
    expect(err).toMatchObject({ kind: 'ServerError', code: 'unclassified_server_error', retryable: true });
  });

  test('no answer in time is a Timeout; a reset connection is a retryable Network error', async () => {
    const quick = fake.adapter({ status: 150 });
    fake.on('GET /v3/videos/v', { delayMs: 1000, body: { data: { id: 'v', status: 'processing' } } });
    const timeout = await caught(quick.getRender('v'));
    expect(timeout.kind).toBe('Timeout');
    expect(timeout.retryable).toBe(true);
    fake.on('POST /v3/videos', { drop: true });
    const reset = await caught(render());
    expect(reset.kind).toBe('Network');
    expect(reset.retryable).toBe(true);
    expect(reset.mayHaveBeenProcessed).toBe(true);
  });

  test('connection refused: known not to have reached HeyGen', async () => {
    const closed = await startFakeV3();
    const adapter = closed.adapter();
    await closed.close();
    const err = await caught(adapter.getRender('v'));
    expect(err).toMatchObject({ kind: 'Network', mayHaveBeenProcessed: false });
  });

  test('an answer missing what the code relies on is an InvalidResponse naming the field', async () => {
    fake.on('POST /v3/videos', ok({ status: 'waiting' }));
    const err = await caught(render());
    expect(err.kind).toBe('InvalidResponse');
    expect(err.message).toContain('data.video_id');
    fake.on('POST /v3/videos', { body: ['not', 'an', 'envelope'] });
    expect((await caught(render())).kind).toBe('InvalidResponse');
  });

  test('a cursor that says has_more without a token, or repeats a page, is an InvalidResponse', async () => {
    fake.on('GET /v3/voices', { body: { data: [], has_more: true, next_token: null } });
    expect((await caught(heygen.listVoices())).message).toContain('has_more');
    fake.on('GET /v3/voices', { body: { data: [], has_more: true, next_token: 'same' } });
    expect((await caught(heygen.listVoices())).message).toContain('cursor');
    expect(fake.calls('GET /v3/voices').length).toBe(3);
  });
});
