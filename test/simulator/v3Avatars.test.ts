/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- the JSON answers are inspected loosely */
import { ZERO_DURATIONS, startSimulator, type RunningSimulator } from '../../simulator';
import { STUDIO_AVATARS } from '../../simulator/catalogData';
import { allPages, call, createPhotoAvatar, png, uploadPng, waitFor, withSim, type Json } from './v3Support';

const PROMPT = {
  type: 'prompt',
  name: 'Ada',
  prompt: 'A smiling woman with short black hair in a bright office',
};

describe('simulator v3: auth and envelopes', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('takes X-Api-Key or Authorization: Bearer, and answers 401 in the v3 envelope otherwise', async () => {
    expect((await call(sim, 'GET', '/v3/users/me')).json).toEqual({ data: { username: expect.any(String) } });
    expect((await call(sim, 'GET', '/v3/users/me', { bearer: true })).status).toBe(200);
    for (const opts of [{ key: null }, { key: 'wrong' }, { key: 'wrong', bearer: true }]) {
      const res = await call(sim, 'GET', '/v3/users/me', opts);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        error: {
          code: 'unauthorized',
          message: expect.any(String),
          doc_url: expect.stringContaining('error-codes'),
        },
      });
    }
    // Bearer is a v3 feature: v2 keeps X-Api-Key only.
    expect((await call(sim, 'GET', '/v2/voices', { bearer: true })).status).toBe(401);
  });

  it('answers unknown v3 routes and bad JSON in the v3 envelope', async () => {
    const unknown = await call(sim, 'GET', '/v3/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const res = await fetch(`${sim.url}/v3/avatars`, {
      method: 'POST',
      headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toMatchObject({ code: 'validation_error', param: 'body' });
  });
});

describe('simulator v3: POST /v3/avatars', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
  });
  afterAll(() => sim.close());

  it('creates an identity from a prompt: avatar_item and avatar_group with distinct ids', async () => {
    const res = await call(sim, 'POST', '/v3/avatars', { body: PROMPT });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['data']);
    const { avatar_item: item, avatar_group: group } = res.json.data;
    expect(item).toMatchObject({
      id: expect.any(String),
      name: 'Ada',
      avatar_type: 'photo_avatar',
      group_id: group.id,
      status: 'completed',
      preview_image_url: expect.any(String),
      image_width: expect.any(Number),
      image_height: expect.any(Number),
      supported_api_engines: expect.arrayContaining(['avatar_iv']),
      tags: [],
    });
    expect(item.id).not.toBe(group.id);
    expect(group).toMatchObject({
      name: 'Ada',
      looks_count: 1,
      status: 'completed',
      created_at: expect.any(Number),
    });
    expect(Number.isInteger(group.created_at)).toBe(true);
    const image = await fetch(item.preview_image_url);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('creates from a photo given as asset_id, base64 or url, and adds photo looks to a group', async () => {
    const assetId = await uploadPng(sim, 'face');
    const fromAsset = await call(sim, 'POST', '/v3/avatars', {
      body: { type: 'photo', name: 'Bo', file: { type: 'asset_id', asset_id: assetId } },
    });
    expect(fromAsset.status).toBe(200);
    const groupId = fromAsset.json.data.avatar_group.id;
    expect(fromAsset.json.data.avatar_item).toMatchObject({ image_width: 64, image_height: 96 });
    expect(fromAsset.json.data.avatar_item.preferred_orientation).toBe('portrait');

    const base64 = await call(sim, 'POST', '/v3/avatars', {
      body: {
        type: 'photo',
        name: 'Bo look 2',
        avatar_group_id: groupId,
        file: { type: 'base64', media_type: 'image/png', data: png(80, 80, 'b64').toString('base64') },
      },
    });
    expect(base64.status).toBe(200);
    expect(base64.json.data.avatar_item).toMatchObject({ group_id: groupId, image_width: 80 });
    const url = await call(sim, 'POST', '/v3/avatars', {
      body: {
        type: 'photo',
        name: 'Bo look 3',
        avatar_group_id: groupId,
        file: { type: 'url', url: 'https://example.test/photo.png' },
      },
    });
    expect(url.status).toBe(200);
    expect(url.json.data.avatar_group.looks_count).toBe(3);

    // The same group is a v2 group too: one account.
    const v2 = await call(sim, 'GET', `/v2/avatar_group/${groupId}/avatars`);
    expect(v2.json.data.avatar_list).toHaveLength(3);
  });

  it('makes a new look by prompt from an existing look, saved to its group', async () => {
    const base = await createPhotoAvatar(sim, 'Cy');
    const res = await call(sim, 'POST', '/v3/avatars', {
      body: {
        type: 'prompt',
        name: 'Cy in a suit',
        prompt: 'Same person, navy suit',
        avatar_id: base.lookId,
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.data.avatar_item.group_id).toBe(base.groupId);
    expect(res.json.data.avatar_group).toMatchObject({ id: base.groupId, looks_count: 2 });
  });

  it.each([
    ['an unknown group', { ...PROMPT, avatar_group_id: 'nope' }, 404, 'not_found', 'avatar_group_id'],
    ['an unknown look', { ...PROMPT, avatar_id: 'nope' }, 404, 'AVATAR_NOT_FOUND', 'avatar_id'],
    [
      'digital_twin',
      { type: 'digital_twin', name: 'T', file: { type: 'url', url: 'https://x.test/a.mp4' } },
      400,
      'invalid_parameter',
      'type',
    ],
    ['a v2 field', { ...PROMPT, age: 'Young Adult' }, 400, 'validation_error', 'age'],
    ['no name', { type: 'prompt', prompt: 'x' }, 400, 'validation_error', 'name'],
    ['an unknown type', { type: 'video', name: 'x' }, 400, 'validation_error', 'type'],
    ['a bad file', { type: 'photo', name: 'x', file: { type: 'ftp' } }, 400, 'validation_error', 'file.type'],
    [
      'four reference images',
      { ...PROMPT, reference_images: Array(4).fill({ type: 'url', url: 'https://x.test/a.png' }) },
      400,
      'validation_error',
      'reference_images',
    ],
    [
      'an unknown asset',
      { type: 'photo', name: 'x', file: { type: 'asset_id', asset_id: 'nope' } },
      400,
      'invalid_parameter',
      'file.asset_id',
    ],
    [
      'base64 that is no PNG',
      { type: 'photo', name: 'x', file: { type: 'base64', media_type: 'image/png', data: 'aGVsbG8=' } },
      400,
      'invalid_parameter',
      'file.media_type',
    ],
  ])('refuses %s', async (_what, body, status, code, param) => {
    const res = await call(sim, 'POST', '/v3/avatars', { body });
    expect(res.status).toBe(status);
    expect(res.json.error).toMatchObject({ code, param, message: expect.any(String) });
  });

  it('refuses 400 INVALID_PARAMETER when avatar_id is not in the given group', async () => {
    const a = await createPhotoAvatar(sim, 'Dee');
    const b = await createPhotoAvatar(sim, 'Eve');
    const res = await call(sim, 'POST', '/v3/avatars', {
      body: { ...PROMPT, avatar_id: a.lookId, avatar_group_id: b.groupId },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'INVALID_PARAMETER', param: 'avatar_id' });
  });
});

describe('simulator v3: readiness with real durations', () => {
  it('prompt identities take photoGenerationMs, prompt looks lookGenerationMs, photo looks lookProcessingMs', () =>
    withSim(
      {
        durations: {
          ...ZERO_DURATIONS,
          photoGenerationMs: 300,
          lookGenerationMs: 500,
          lookProcessingMs: 200,
        },
      },
      async (sim) => {
        const created = await call(sim, 'POST', '/v3/avatars', { body: PROMPT });
        const item = created.json.data.avatar_item;
        expect(item).toMatchObject({ status: 'processing', preview_image_url: null, image_width: null });
        expect(created.json.data.avatar_group.status).toBe('processing');
        // A look that is not completed cannot be the reference of a new look yet.
        const early = await call(sim, 'POST', '/v3/avatars', { body: { ...PROMPT, avatar_id: item.id } });
        expect(early.json.error).toMatchObject({ code: 'INVALID_PARAMETER', param: 'avatar_id' });

        const look = (id: string) => call(sim, 'GET', `/v3/avatars/looks/${id}`);
        const done = await waitFor(
          () => look(item.id),
          (r) => r.json.data.status === 'completed',
        );
        expect(done.json.data).toMatchObject({ preview_image_url: expect.any(String), image_width: 576 });
        expect(sim.snapshot().looks.find((l) => l.id === item.id)?.processingMs).toBe(300);

        const derived = await call(sim, 'POST', '/v3/avatars', { body: { ...PROMPT, avatar_id: item.id } });
        expect(derived.json.data.avatar_item.status).toBe('processing');
        const photo = await call(sim, 'POST', '/v3/avatars', {
          body: {
            type: 'photo',
            name: 'p',
            avatar_group_id: item.group_id,
            file: { type: 'url', url: 'https://x.test/p.png' },
          },
        });
        const processing = (id: string) => sim.snapshot().looks.find((l) => l.id === id)?.processingMs;
        expect(processing(derived.json.data.avatar_item.id)).toBe(500);
        expect(processing(photo.json.data.avatar_item.id)).toBe(200);
        const group = await call(sim, 'GET', `/v3/avatars/${item.group_id}`);
        expect(group.json.data).toMatchObject({ status: 'completed', looks_count: 3 });
      },
    ));

  it('a failed generation (job outcome rule) gives a failed look with an error', () =>
    withSim({ durations: ZERO_DURATIONS }, async (sim) => {
      sim.addJobOutcome({
        job: 'photo_generation',
        outcome: 'fail',
        message: 'Prompt refused',
        failureCode: 'moderation',
      });
      const res = await call(sim, 'POST', '/v3/avatars', { body: PROMPT });
      expect(res.json.data.avatar_item).toMatchObject({
        status: 'failed',
        error: { code: 'moderation', message: 'Prompt refused' },
      });
      expect(res.json.data.avatar_group).toMatchObject({ status: 'failed', error: { code: 'moderation' } });
    }));
});

describe('simulator v3: listing, fetching and deleting avatars', () => {
  let sim: RunningSimulator;
  const groups: Array<{ groupId: string; lookId: string }> = [];
  beforeAll(async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
    for (let i = 0; i < 5; i += 1) groups.push(await createPhotoAvatar(sim, `List ${i}`));
  });
  afterAll(() => sim.close());

  it('pages GET /v3/avatars with ownership filters and opaque tokens', async () => {
    const mine = await allPages(sim, '/v3/avatars', { ownership: 'private', limit: '2' });
    expect(mine.pages).toBe(3);
    expect(mine.items.map((g) => g.id)).toEqual(groups.map((g) => g.groupId));
    const pub = await allPages(sim, '/v3/avatars', { ownership: 'public' });
    expect(pub.items).toHaveLength(STUDIO_AVATARS.length);
    expect(pub.items[0]).toMatchObject({
      looks_count: 1,
      status: null,
      preview_image_url: expect.any(String),
    });
    const all = await allPages(sim, '/v3/avatars', { limit: '50' });
    expect(all.items).toHaveLength(groups.length + STUDIO_AVATARS.length);
    expect(all.pages).toBe(1);
  });

  it('refuses limits out of range, bad filters and foreign tokens', async () => {
    for (const q of ['limit=0', 'limit=51', 'limit=abc']) {
      const res = await call(sim, 'GET', `/v3/avatars?${q}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_parameter', param: 'limit' });
    }
    expect((await call(sim, 'GET', '/v3/avatars?limit=50')).status).toBe(200);
    expect((await call(sim, 'GET', '/v3/avatars?ownership=mine')).json.error.param).toBe('ownership');
    const first = await call(sim, 'GET', '/v3/avatars?ownership=private&limit=2');
    const other = await call(sim, 'GET', `/v3/avatars?ownership=public&token=${first.json.next_token}`);
    expect(other.json.error).toMatchObject({ code: 'invalid_parameter', param: 'token' });
    expect((await call(sim, 'GET', '/v3/avatars?token=garbage')).status).toBe(400);
  });

  it('lists looks by group, type and ownership (limit at most 50)', async () => {
    const byGroup = await allPages(sim, '/v3/avatars/looks', { group_id: groups[0]!.groupId });
    expect(byGroup.items.map((l) => l.id)).toEqual([groups[0]!.lookId]);
    const studio = await allPages(sim, '/v3/avatars/looks', { avatar_type: 'studio_avatar', limit: '4' });
    expect(studio.pages).toBe(2);
    expect(studio.items.map((l) => l.id)).toEqual(STUDIO_AVATARS.map((a) => a.avatar_id));
    expect(studio.items[0]).toMatchObject({
      avatar_type: 'studio_avatar',
      default_voice_id: expect.any(String),
    });
    const priv = await allPages(sim, '/v3/avatars/looks', { ownership: 'private' });
    expect(priv.items.every((l) => l.avatar_type === 'photo_avatar')).toBe(true);
    expect((await call(sim, 'GET', '/v3/avatars/looks?limit=51')).status).toBe(400);
    expect((await call(sim, 'GET', '/v3/avatars/looks?avatar_type=video_avatar')).json.error.param).toBe(
      'avatar_type',
    );
  });

  it('gets one group or look (public ones too), 404 avatar_not_found otherwise', async () => {
    const studio = STUDIO_AVATARS[0]!;
    const look = await call(sim, 'GET', `/v3/avatars/looks/${studio.avatar_id}`);
    expect(look.json.data).toMatchObject({ id: studio.avatar_id, avatar_type: 'studio_avatar' });
    const group = await call(sim, 'GET', `/v3/avatars/${look.json.data.group_id}`);
    expect(group.json.data).toMatchObject({ id: look.json.data.group_id, name: studio.avatar_name });
    for (const path of ['/v3/avatars/looks/nope', '/v3/avatars/nope']) {
      const res = await call(sim, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('avatar_not_found');
    }
  });

  it('deletes looks (the last one takes its group along) and groups; public ones are kept', async () => {
    const target = groups[3]!;
    const del = await call(sim, 'DELETE', `/v3/avatars/looks/${target.lookId}`);
    expect(del.json).toEqual({ data: { id: target.lookId } });
    expect((await call(sim, 'GET', `/v3/avatars/${target.groupId}`)).status).toBe(404);
    const add = await call(sim, 'POST', '/v3/avatars', {
      body: {
        type: 'photo',
        name: 'x',
        avatar_group_id: target.groupId,
        file: { type: 'url', url: 'https://x.test/a.png' },
      },
    });
    expect(add.status).toBe(404);

    const other = groups[4]!;
    expect((await call(sim, 'DELETE', `/v3/avatars/${other.groupId}`)).json).toEqual({
      data: { id: other.groupId },
    });
    expect((await call(sim, 'GET', `/v3/avatars/looks/${other.lookId}`)).status).toBe(404);
    expect((await call(sim, 'DELETE', `/v3/avatars/${other.groupId}`)).status).toBe(404);
    expect((await call(sim, 'DELETE', `/v3/avatars/looks/${STUDIO_AVATARS[0]!.avatar_id}`)).status).toBe(403);
  });

  it('renames a look', async () => {
    const res = await call(sim, 'PATCH', `/v3/avatars/looks/${groups[0]!.lookId}`, {
      body: { name: 'Renamed' },
    });
    expect(res.json.data.name).toBe('Renamed');
  });
});
