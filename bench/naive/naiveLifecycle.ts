/**
 * The seed's approach on HeyGen API v2, written plainly: one script that calls each HeyGen endpoint in turn with
 * axios and checks every job's status every 5 seconds until it is done, exactly as the documentation's "photo avatar
 * workflow" reads. No Temporal, no retries, no reconciliation, no webhooks. This is the v2 baseline bench/baseline.ts
 * compares the product with (naiveLifecycleV3.ts is its v3 twin; index.ts runs either from the command line).
 */
import axios from 'axios';
import { BENCH_DIMENSION } from '../support/api';
import { BENCH_LIFECYCLE, BENCH_PHOTO_ATTRIBUTES } from '../support/profiles';
import { NAIVE_POLL_MS, saveVideo, sleep, type NaiveOptions, type NaiveResult } from './common';

// What the answers look like (only the fields this script reads).
interface V2<T> {
  error: unknown;
  data: T;
}
interface V1<T> {
  code: number;
  data: T;
}
interface Generation {
  status: 'in_progress' | 'success' | 'failed';
  msg?: string | null;
  image_key_list: string[] | null;
}
interface Look {
  id: string;
  group_id?: string;
  status?: string;
  image_url?: string | null;
}
interface TrainingStatus {
  status: string;
  error_msg?: string | null;
}
interface VideoStatus {
  status: string;
  video_url: string | null;
  error: unknown;
}

export async function naiveLifecycle(o: NaiveOptions): Promise<NaiveResult> {
  const pollMs = o.pollMs ?? NAIVE_POLL_MS;
  const [generatedLook] = BENCH_LIFECYCLE.looks;
  const name = o.name ?? 'Naive';
  const api = axios.create({ baseURL: o.baseUrl, headers: { 'X-Api-Key': o.apiKey }, timeout: 60_000 });

  // 1. Generate AI photos, then check every 5 s until they are ready.
  const generated = await api.post<V2<{ generation_id: string }>>('/v2/photo_avatar/photo/generate', {
    name,
    ...BENCH_PHOTO_ATTRIBUTES,
  });
  const photoGenerationId = generated.data.data.generation_id;
  let photos = (await api.get<V2<Generation>>(`/v2/photo_avatar/generation/${photoGenerationId}`)).data.data;
  while (photos.status !== 'success') {
    if (photos.status === 'failed') throw new Error(`photo generation failed: ${photos.msg}`);
    await sleep(pollMs);
    photos = (await api.get<V2<Generation>>(`/v2/photo_avatar/generation/${photoGenerationId}`)).data.data;
  }
  const imageKeys = photos.image_key_list ?? [];

  // 2. Create the avatar group from the first photo.
  const group = (
    await api.post<V2<Look>>('/v2/photo_avatar/avatar_group/create', { name, image_key: imageKeys[0] })
  ).data.data;
  const groupId = group.group_id ?? group.id;

  // 3. Add the other photos as looks.
  await api.post('/v2/photo_avatar/avatar_group/add', {
    group_id: groupId,
    name: `${name} looks`,
    image_keys: imageKeys.slice(1),
  });

  // 4. Train the group, then check every 5 s until it is ready.
  await api.post('/v2/photo_avatar/train', { group_id: groupId });
  let training = (await api.get<V2<TrainingStatus>>(`/v2/photo_avatar/train/status/${groupId}`)).data.data;
  while (training.status !== 'ready') {
    if (training.status === 'failed') throw new Error(`training failed: ${training.error_msg}`);
    await sleep(pollMs);
    training = (await api.get<V2<TrainingStatus>>(`/v2/photo_avatar/train/status/${groupId}`)).data.data;
  }

  // 5. Generate a new look, then check every 5 s until it is ready.
  const lookGeneration = await api.post<V2<{ generation_id: string }>>('/v2/photo_avatar/look/generate', {
    group_id: groupId,
    ...generatedLook,
  });
  const lookGenerationId = lookGeneration.data.data.generation_id;
  let look = (await api.get<V2<Generation>>(`/v2/photo_avatar/generation/${lookGenerationId}`)).data.data;
  while (look.status !== 'success') {
    if (look.status === 'failed') throw new Error(`look generation failed: ${look.msg}`);
    await sleep(pollMs);
    look = (await api.get<V2<Generation>>(`/v2/photo_avatar/generation/${lookGenerationId}`)).data.data;
  }

  // The new look shows up in the group; a video made with it fails unless it is "completed", so check every 5 s.
  const lookKey = (look.image_key_list ?? [])[0] ?? '';
  let talkingPhotoId: string | undefined;
  for (;;) {
    const looks = (await api.get<V2<{ avatar_list: Look[] }>>(`/v2/avatar_group/${groupId}/avatars`)).data
      .data.avatar_list;
    const mine = looks.find((l) => (l.image_url ?? '').includes(lookKey));
    if (mine && mine.status === 'completed') {
      talkingPhotoId = mine.id;
      break;
    }
    await sleep(pollMs);
  }

  // 6. Render a video with the new look, then check every 5 s until it is done.
  const created = await api.post<V2<{ video_id: string }>>('/v2/video/generate', {
    title: name,
    dimension: BENCH_DIMENSION,
    video_inputs: [
      {
        character: { type: 'talking_photo', talking_photo_id: talkingPhotoId },
        voice: {
          type: 'text',
          voice_id: BENCH_LIFECYCLE.video.voiceId,
          input_text: BENCH_LIFECYCLE.video.script,
        },
      },
    ],
  });
  const videoId = created.data.data.video_id;
  let video = (await api.get<V1<VideoStatus>>('/v1/video_status.get', { params: { video_id: videoId } })).data
    .data;
  while (video.status !== 'completed') {
    if (video.status === 'failed') throw new Error(`render failed: ${JSON.stringify(video.error)}`);
    await sleep(pollMs);
    video = (await api.get<V1<VideoStatus>>('/v1/video_status.get', { params: { video_id: videoId } })).data
      .data;
  }

  // 7. Download the video before its URL expires.
  return saveVideo(video.video_url ?? '', o.outDir, videoId);
}
