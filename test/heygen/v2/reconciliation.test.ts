import { HeyGenError } from '../../../heygen/errors';
import { V2Adapter } from '../../../heygen/v2/adapter';
import { notFound, opaqueImageUrl, startDouble, v2, type DoubleAnswer } from './double';

/**
 * v2 has no idempotency key: a create whose answer was lost is found again by what the run made unique (the group
 * name, the add-call name) or by the training status, instead of being made (and billed) twice.
 */

let double: Awaited<ReturnType<typeof startDouble>>;
let heygen: V2Adapter;
let groups: Array<{ id: string; name: string }>;
let looks: Array<{ id: string; name: string; created_at?: number }>;
let trainingStatuses: DoubleAnswer[];
let trainAnswer: DoubleAnswer;

beforeAll(async () => {
  double = await startDouble({
    'GET /v2/avatar_group.list': () => v2({ total_count: groups.length, avatar_group_list: groups }),
    'GET /v2/avatar_group/g1/avatars': () =>
      v2({ avatar_list: looks.map((l) => ({ ...l, status: 'completed', image_url: opaqueImageUrl() })) }),
    'POST /v2/photo_avatar/avatar_group/create': () =>
      v2({ id: 'new-group', group_id: 'new-group', name: 'x', status: 'pending' }),
    'POST /v2/photo_avatar/avatar_group/add': () =>
      v2({ photo_avatar_list: [{ id: 'added-1' }, { id: 'added-2' }] }),
    'GET /v2/photo_avatar/train/status/g1': () => trainingStatuses.shift() ?? notFound(),
    'POST /v2/photo_avatar/train': () => trainAnswer,
  });
  heygen = new V2Adapter(double.config);
});
afterAll(() => double.close());
beforeEach(() => {
  double.requests.length = 0;
  groups = [
    { id: 'other', name: 'someone else' },
    { id: 'g1', name: 'run-123 avatar' },
  ];
  looks = [
    { id: 'later', name: 'extra', created_at: 300 },
    { id: 'oldest', name: 'run-123 avatar', created_at: 100 },
    { id: 'no-date', name: 'extra' },
  ];
  trainingStatuses = [];
  trainAnswer = v2({ code: 100 });
});

const trainingStatus = (status: string) =>
  v2({ status, error_msg: null, created_at: null, updated_at: null });

describe('createAvatar', () => {
  const request = { name: 'run-123 avatar', source: 'photo' as const, photo: 'image/abc/original' };

  test('a first attempt creates without listing the groups', async () => {
    expect(await heygen.createAvatar(request, { attempt: 1 })).toEqual({
      groupId: 'new-group',
      lookId: 'new-group',
      reused: false,
    });
    expect(double.calls('GET', '/v2/avatar_group.list')).toHaveLength(0);
    expect(double.calls('POST', '/v2/photo_avatar/avatar_group/create')[0]?.body).toEqual({
      name: 'run-123 avatar',
      image_key: 'image/abc/original',
    });
  });

  test("a retry reuses the earlier attempt's group; its first look is the oldest when none has the group's id", async () => {
    expect(await heygen.createAvatar(request, { attempt: 2 })).toEqual({
      groupId: 'g1',
      lookId: 'oldest',
      reused: true,
    });
    looks.push({ id: 'g1', name: 'run-123 avatar', created_at: 500 });
    expect(await heygen.createAvatar(request, { attempt: 3 })).toMatchObject({ groupId: 'g1', lookId: 'g1' });
    expect(double.calls('POST', '/v2/photo_avatar/avatar_group/create')).toHaveLength(0);
  });

  test('a retry that finds no group of that name creates one', async () => {
    groups = groups.filter((g) => g.id !== 'g1');
    expect(await heygen.createAvatar(request, { attempt: 2 })).toMatchObject({
      groupId: 'new-group',
      reused: false,
    });
    expect(double.calls('GET', '/v2/avatar_group.list')).toHaveLength(1);
  });

  test('from a prompt: Unsupported on v2, nothing sent', async () => {
    const err = await heygen
      .createAvatar({ name: 'n', source: 'prompt', prompt: 'A friendly teacher' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeyGenError);
    expect(err).toMatchObject({ kind: 'Unsupported', mayHaveBeenProcessed: false, retryable: false });
    expect((err as Error).message).toContain('HeyGen API v2');
    expect(double.requests).toHaveLength(0);
  });
});

describe('addLooks', () => {
  test('looks already named like the call are returned instead of adding again (every attempt)', async () => {
    expect(await heygen.addLooks({ groupId: 'g1', name: 'extra', photos: ['k1', 'k2'] })).toEqual({
      lookIds: ['later', 'no-date'],
      reused: true,
    });
    expect(double.calls('POST', '/v2/photo_avatar/avatar_group/add')).toHaveLength(0);
  });

  test('otherwise the photos are added', async () => {
    expect(await heygen.addLooks({ groupId: 'g1', name: 'studio', photos: ['k1', 'k2'] })).toEqual({
      lookIds: ['added-1', 'added-2'],
      reused: false,
    });
    expect(double.calls('POST', '/v2/photo_avatar/avatar_group/add')[0]?.body).toEqual({
      group_id: 'g1',
      name: 'studio',
      image_keys: ['k1', 'k2'],
    });
  });

  test('more than four photos are refused before any call', async () => {
    const err = await heygen
      .addLooks({ groupId: 'g1', name: 'many', photos: ['a', 'b', 'c', 'd', 'e'] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'InvalidRequest', mayHaveBeenProcessed: false });
    expect((err as Error).message).toMatch(/^Invalid photos: /u);
    expect(double.requests).toHaveLength(0);
  });
});

describe('training', () => {
  test('a group with a training job is not trained again', async () => {
    for (const status of ['pending', 'Training', 'ready', 'in_progress', 'processing']) {
      trainingStatuses = [trainingStatus(status)];
      expect(await heygen.startTraining('g1')).toEqual({ started: false, status: status.toLowerCase() });
    }
    expect(double.calls('POST', '/v2/photo_avatar/train')).toHaveLength(0);
  });

  test('a group never trained (404, or "empty") is trained', async () => {
    trainingStatuses = [notFound()];
    expect(await heygen.startTraining('g1')).toEqual({ started: true, status: 'pending' });
    trainingStatuses = [trainingStatus('empty')];
    expect(await heygen.startTraining('g1')).toEqual({ started: true, status: 'pending' });
    trainingStatuses = [trainingStatus('failed')];
    expect(await heygen.startTraining('g1')).toEqual({ started: true, status: 'pending' });
    expect(double.calls('POST', '/v2/photo_avatar/train')).toHaveLength(3);
    expect(double.calls('POST', '/v2/photo_avatar/train')[0]?.body).toEqual({ group_id: 'g1' });
  });

  test('"already training": the status is read again and the existing job counts', async () => {
    trainingStatuses = [trainingStatus('empty'), trainingStatus('training')];
    trainAnswer = { status: 400, body: { error: { code: 400175, message: 'already training' }, data: null } };
    expect(await heygen.startTraining('g1')).toEqual({ started: false, status: 'training' });
    // The same answer inside an HTTP 200 envelope (ApiError).
    trainingStatuses = [trainingStatus('empty'), trainingStatus('pending')];
    trainAnswer = { body: { error: { code: 400175, message: 'already training' }, data: null } };
    expect(await heygen.startTraining('g1')).toEqual({ started: false, status: 'pending' });
  });

  test('a refusal while no job exists is thrown', async () => {
    trainingStatuses = [trainingStatus('empty'), trainingStatus('empty')];
    trainAnswer = {
      status: 400,
      body: { error: { code: 400175, message: 'no looks to train on' }, data: null },
    };
    await expect(heygen.startTraining('g1')).rejects.toMatchObject({
      kind: 'InvalidRequest',
      message: 'no looks to train on',
    });
    trainingStatuses = [trainingStatus('empty')];
    trainAnswer = { status: 503, body: { error: 'busy', data: null } };
    await expect(heygen.startTraining('g1')).rejects.toMatchObject({ kind: 'ServerError' });
    // A 5xx is not "already training": the status is not read a second time.
    expect(double.calls('GET', '/v2/photo_avatar/train/status/g1')).toHaveLength(3);
  });

  test('getTraining: never trained is undefined; ready, failed and running map to job states', async () => {
    trainingStatuses = [notFound(), trainingStatus('empty')];
    expect(await heygen.getTraining('g1')).toBeUndefined();
    expect(await heygen.getTraining('g1')).toBeUndefined();
    trainingStatuses = [
      trainingStatus('ready'),
      v2({ status: 'failed', error_msg: 'Not enough faces' }),
      trainingStatus('training'),
    ];
    expect(await heygen.getTraining('g1')).toEqual({ state: 'done', value: undefined });
    expect(await heygen.getTraining('g1')).toEqual({ state: 'failed', message: 'Not enough faces' });
    expect(await heygen.getTraining('g1')).toEqual({ state: 'running', status: 'training' });
  });
});
