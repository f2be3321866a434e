/**
 * The seed's approach on HeyGen API v3, written plainly: the same lifecycle the product runs on v3 (an avatar from a
 * prompt, a new look generated from it, a render with that look, the download), one endpoint after another with
 * axios, every job's status checked every 5 s until it is done. No Temporal, no retries, no Idempotency-Key, no
 * webhooks: the v3 twin of naiveLifecycle.ts, for bench/baseline.ts.
 */
import axios from 'axios';
import { composeLookPrompt, composePhotoPrompt } from '../../heygen/v3/prompt';
import { DIMENSIONS } from '../../heygen/v3/render';
import { BENCH_DIMENSION } from '../support/api';
import { BENCH_LIFECYCLE, BENCH_PHOTO_ATTRIBUTES } from '../support/profiles';
import { NAIVE_POLL_MS, saveVideo, sleep, type NaiveOptions, type NaiveResult } from './common';

// What the answers look like (only the fields this script reads).
interface V3<T> {
  data: T;
}
interface AvatarItem {
  id: string;
  status?: string;
  error?: { code?: string; message?: string } | null;
}
interface Created {
  avatar_item: AvatarItem | null;
  avatar_group: { id: string } | null;
}
interface Video {
  id: string;
  status: string;
  video_url?: string | null;
  failure_message?: string | null;
}

/** v3 speaks resolutions and aspect ratios, not pixels (the benchmark's 1280×720 is 720p at 16:9). */
const OUTPUT = DIMENSIONS[`${BENCH_DIMENSION.width}x${BENCH_DIMENSION.height}`];

export async function naiveLifecycleV3(o: NaiveOptions): Promise<NaiveResult> {
  const pollMs = o.pollMs ?? NAIVE_POLL_MS;
  const name = o.name ?? 'Naive';
  const api = axios.create({ baseURL: o.baseUrl, headers: { 'X-Api-Key': o.apiKey }, timeout: 60_000 });
  const [generatedLook] = BENCH_LIFECYCLE.looks;
  if (!OUTPUT) throw new Error(`v3 renders no ${BENCH_DIMENSION.width}x${BENCH_DIMENSION.height} video`);

  // A look is ready when its status says so: check every 5 s.
  const waitForLook = async (lookId: string, what: string) => {
    for (;;) {
      const look = (await api.get<V3<AvatarItem>>(`/v3/avatars/looks/${lookId}`)).data.data;
      if (look.status === 'completed') return;
      if (look.status === 'failed') throw new Error(`${what} failed: ${look.error?.message ?? ''}`);
      await sleep(pollMs);
    }
  };

  // 1. Create the avatar from a prompt (v3 makes the photo and the avatar in one call), then wait for its look.
  const avatar = (
    await api.post<V3<Created>>('/v3/avatars', {
      type: 'prompt',
      name,
      prompt: composePhotoPrompt({ attributes: BENCH_PHOTO_ATTRIBUTES }),
    })
  ).data.data;
  const firstLookId = avatar.avatar_item?.id ?? '';
  await waitForLook(firstLookId, 'avatar');

  // 2. Generate a new look of the same character, then wait for it.
  const look = (
    await api.post<V3<Created>>('/v3/avatars', {
      type: 'prompt',
      name: `${name} look`,
      prompt: composeLookPrompt(generatedLook),
      avatar_id: firstLookId,
    })
  ).data.data;
  const lookId = look.avatar_item?.id ?? '';
  await waitForLook(lookId, 'look generation');

  // 3. Render a video with the new look, then check every 5 s until it is done.
  const created = await api.post<V3<{ video_id: string }>>('/v3/videos', {
    type: 'avatar',
    avatar_id: lookId,
    script: BENCH_LIFECYCLE.video.script,
    voice_id: BENCH_LIFECYCLE.video.voiceId,
    ...OUTPUT,
    title: name,
  });
  const videoId = created.data.data.video_id;
  let video = (await api.get<V3<Video>>(`/v3/videos/${videoId}`)).data.data;
  while (video.status !== 'completed') {
    if (video.status === 'failed') throw new Error(`render failed: ${video.failure_message ?? ''}`);
    await sleep(pollMs);
    video = (await api.get<V3<Video>>(`/v3/videos/${videoId}`)).data.data;
  }

  // 4. Download the video before its URL expires.
  return saveVideo(video.video_url ?? '', o.outDir, videoId);
}
