import { HeyGenError } from '../../../heygen/errors';
import { V2Adapter } from '../../../heygen/v2/adapter';
import { opaqueImageUrl, startDouble, v2, type DoubleAnswer } from './double';

/**
 * Generated looks are found by what v2 guarantees (the look's own key when it has one, else the looks that are new
 * since the generation was requested), never by parsing image URLs: this double's URLs are opaque.
 */

interface LookState {
  id: string;
  name: string;
  status: string;
  created_at: number;
  image_url: string;
  image_key?: string;
}

const KEYS = ['image/k1/original', 'image/k2/original', 'image/k3/original', 'image/k4/original'];

let looks: LookState[];
let generation: DoubleAnswer;
let double: Awaited<ReturnType<typeof startDouble>>;
let heygen: V2Adapter;

const look = (id: string, createdAt: number, extra: Partial<LookState> = {}): LookState => ({
  id,
  name: `look ${id}`,
  status: 'completed',
  created_at: createdAt,
  image_url: opaqueImageUrl(),
  ...extra,
});

beforeAll(async () => {
  double = await startDouble({
    'GET /v2/avatar_group/g1/avatars': () =>
      v2({ avatar_list: looks.map((l) => ({ ...l, group_id: 'g1', is_motion: false })) }),
    'GET /v2/photo_avatar/generation/gen1': () => generation,
    'POST /v2/photo_avatar/look/generate': () => v2({ generation_id: 'gen1' }),
  });
  heygen = new V2Adapter(double.config);
});
afterAll(() => double.close());
beforeEach(() => {
  double.requests.length = 0;
  looks = [look('g1', 100.5), look('L1', 101.25)];
  generation = v2({ id: 'gen1', status: 'in_progress', image_url_list: null, image_key_list: null });
});

const succeeded = () =>
  v2({ id: 'gen1', status: 'success', image_url_list: KEYS.map(opaqueImageUrl), image_key_list: KEYS });

test('generateLook then findGeneratedLooks: the new looks are found although their URLs carry no key', async () => {
  const created = await heygen.generateLook({
    groupId: 'g1',
    baseLookId: 'g1',
    name: 'beach',
    look: { prompt: 'On a beach at sunset' },
  });
  expect(created).toEqual({ generationId: 'gen1', lookIdsBefore: ['g1', 'L1'] });
  // v2 requires orientation, pose and style: the defaults fill the omitted ones.
  expect(double.calls('POST', '/v2/photo_avatar/look/generate')[0]?.body).toEqual({
    group_id: 'g1',
    prompt: 'On a beach at sunset',
    orientation: 'square',
    pose: 'half_body',
    style: 'Realistic',
  });
  if (!('generationId' in created)) throw new Error('v2 look generation is a job');
  const request = { groupId: 'g1', ...created };

  expect(await heygen.findGeneratedLooks(request)).toEqual({ state: 'running', status: 'in_progress' });
  // The group's looks are not read while the generation runs.
  expect(double.calls('GET', '/v2/avatar_group/g1/avatars')).toHaveLength(1);

  generation = succeeded();
  // Listed newest first and out of order: the result is oldest first.
  looks.push(look('N4', 203), look('N2', 201), look('N1', 200), look('N3', 202));
  for (const l of looks) for (const key of KEYS) expect(l.image_url).not.toContain(key);
  expect(await heygen.findGeneratedLooks(request)).toEqual({
    state: 'done',
    value: { lookIds: ['N1', 'N2', 'N3', 'N4'] },
  });
});

test('while looks are missing or processing the state is running and says what it waits for', async () => {
  generation = succeeded();
  const request = { groupId: 'g1', generationId: 'gen1', lookIdsBefore: ['g1', 'L1'] };
  expect(await heygen.findGeneratedLooks(request)).toEqual({
    state: 'running',
    status: '4 of 4 looks not in the group yet',
  });
  looks.push(look('N1', 200), look('N2', 201, { status: 'processing' }));
  expect(await heygen.findGeneratedLooks(request)).toEqual({
    state: 'running',
    status: 'N2=processing,2 of 4 looks not in the group yet',
  });
  looks.push(look('N3', 202, { status: 'pending' }), look('N4', 203));
  expect(await heygen.findGeneratedLooks(request)).toEqual({
    state: 'running',
    status: 'N2=processing,N3=pending',
  });
  for (const l of looks) l.status = 'completed';
  expect(await heygen.findGeneratedLooks(request)).toMatchObject({ state: 'done' });
});

test('looks claimed by another generation of the run are skipped; only as many looks as images are taken', async () => {
  generation = succeeded();
  // C1/C2 came from an earlier generation of the same run, N5 from a later one.
  looks.push(
    look('C1', 150),
    look('C2', 151),
    look('N1', 200),
    look('N2', 201),
    look('N3', 202),
    look('N4', 203),
    look('N5', 300),
  );
  const state = await heygen.findGeneratedLooks({
    groupId: 'g1',
    generationId: 'gen1',
    lookIdsBefore: ['g1', 'L1'],
    claimedLookIds: ['C1', 'C2'],
  });
  expect(state).toEqual({ state: 'done', value: { lookIds: ['N1', 'N2', 'N3', 'N4'] } });
});

test("when looks carry an image_key, the generation's keys decide, whatever the order or age", async () => {
  generation = succeeded();
  looks = [
    look('g1', 100, { image_key: 'image/first/original' }),
    look('K3', 205, { image_key: KEYS[2] }),
    look('OTHER', 150, { image_key: 'image/other/original' }),
    look('K1', 210, { image_key: KEYS[0] }),
    look('K4', 201, { image_key: KEYS[3] }),
    look('K2', 202, { image_key: KEYS[1] }),
  ];
  // lookIdsBefore does not matter here: even a stale list finds the keyed looks.
  const state = await heygen.findGeneratedLooks({ groupId: 'g1', generationId: 'gen1', lookIdsBefore: [] });
  expect(state).toEqual({ state: 'done', value: { lookIds: ['K1', 'K2', 'K3', 'K4'] } });
});

test('a failed look fails; a failed generation fails with its message', async () => {
  generation = succeeded();
  looks.push(look('N1', 200), look('N2', 201, { status: 'failed' }), look('N3', 202), look('N4', 203));
  const request = { groupId: 'g1', generationId: 'gen1', lookIdsBefore: ['g1', 'L1'] };
  expect(await heygen.findGeneratedLooks(request)).toEqual({
    state: 'failed',
    message: 'Generated look N2 has status failed',
  });
  generation = v2({ id: 'gen1', status: 'failed', msg: 'Image generation failed, please try again' });
  expect(await heygen.findGeneratedLooks(request)).toEqual({
    state: 'failed',
    message: 'Image generation failed, please try again',
  });
});

test('a generation that succeeded without image keys is an InvalidResponse', async () => {
  generation = v2({ id: 'gen1', status: 'success', image_url_list: [], image_key_list: [] });
  const err = await heygen
    .findGeneratedLooks({ groupId: 'g1', generationId: 'gen1', lookIdsBefore: [] })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HeyGenError);
  expect(err).toMatchObject({ kind: 'InvalidResponse', operation: 'photoAvatar.generationStatus' });
  expect((err as Error).message).toContain('gen1 succeeded without image keys');
});
