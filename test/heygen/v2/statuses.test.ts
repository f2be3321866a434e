import { V2Adapter } from '../../../heygen/v2/adapter';
import { startDouble, v1, v2, type DoubleAnswer } from './double';

/** Status answers the simulator does not give, as the v1/v2 notes document them. */

let double: Awaited<ReturnType<typeof startDouble>>;
let heygen: V2Adapter;
let video: DoubleAnswer;

beforeAll(async () => {
  double = await startDouble({
    'GET /v1/video_status.get': () => video,
    'GET /v2/avatar_group.list': () =>
      v2({
        avatar_group_list: [{ id: 'g', name: 'Older answer', preview_image: 'https://cdn.example/p.png' }],
      }),
  });
  heygen = new V2Adapter(double.config);
});
afterAll(() => double.close());

const status = (data: Record<string, unknown>) => v1({ id: 'v1', video_url: null, ...data });

test('a failure without an error object is still a failure', async () => {
  video = status({ status: 'failed', error: null });
  expect(await heygen.getRender('v1')).toMatchObject({ videoId: 'v1', state: 'failed', rawStatus: 'failed' });
  expect((await heygen.getRender('v1')).failure).toBeUndefined();
});

test('the error detail stands in for a missing message; the code is kept as given', async () => {
  video = status({
    status: 'failed',
    error: { code: '40056', message: null, detail: 'Audio generation failed' },
  });
  expect((await heygen.getRender('v1')).failure).toEqual({
    code: '40056',
    message: 'Audio generation failed',
  });
});

test('waiting and pending are pending; an unknown status counts as processing', async () => {
  for (const [raw, state] of [
    ['waiting', 'pending'],
    ['pending', 'pending'],
    ['processing', 'processing'],
    ['rendering_frames', 'processing'],
  ] as const) {
    video = status({ status: raw });
    expect(await heygen.getRender('v1')).toMatchObject({ state, rawStatus: raw, media: {} });
  }
  expect(double.calls('GET', '/v1/video_status.get')[0]?.query.get('video_id')).toBe('v1');
});

test('a status without its own id keeps the requested one; video_id is read when id is absent', async () => {
  video = v1({ status: 'completed', video_url: 'https://cdn.example/v.mp4', duration: 3.5 });
  expect(await heygen.getRender('asked')).toMatchObject({
    videoId: 'asked',
    state: 'completed',
    durationSeconds: 3.5,
    media: { video: 'https://cdn.example/v.mp4' },
  });
  video = v1({ video_id: 'echoed', status: 'completed' });
  expect((await heygen.getRender('asked')).videoId).toBe('echoed');
});

test('a group preview given as preview_image (older sources) is the preview URL', async () => {
  expect(await heygen.listAvatarGroups()).toEqual([
    { id: 'g', name: 'Older answer', previewImageUrl: 'https://cdn.example/p.png' },
  ]);
});
