import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeCliError } from '../../cli/output';
import type { RenderVideoInput } from '../../contracts/render';
import { InputValidationError } from '../../contracts/validation';
import { HeyGenClient } from '../../heygen/client';
import { renderMp4 } from '../../simulator/media/mp4';
import { renderPng } from '../../simulator/media/png';
import { FAST_POLLING, VOICE_ID } from '../support/inputs';
import { workflowSuite } from '../support/stack';

const suite = workflowSuite();
const STUDIO = 'Angela-inblackskirt-20220820';

async function photoLook(heygen: HeyGenClient): Promise<string> {
  const asset = await heygen.uploadAsset(
    renderPng({ width: 64, height: 64, seed: `look-${Date.now()}` }),
    'image/png',
  );
  const look = await heygen.createAvatarGroup({ name: `kinds-${Date.now()}`, image_key: asset.image_key! });
  return look.id;
}

async function run(input: RenderVideoInput) {
  const { stack } = suite;
  stack.sim.clearLog();
  const { workflowId } = await stack.client.startRender(input);
  return stack.client.waitForRender(workflowId);
}

describe('every kind of video', () => {
  test('v2 with three scenes covering every character, voice and background kind, captions and dimension', async () => {
    const { stack } = suite;
    const heygen = new HeyGenClient(stack.config.heygen);
    const lookId = await photoLook(heygen);
    const clip = await heygen.uploadAsset(
      renderMp4({ width: 128, height: 128, durationSeconds: 1, seed: 'bg' }),
      'video/mp4',
    );
    const video: NonNullable<RenderVideoInput['video']> = {
      title: 'All options',
      test: true,
      caption: true,
      dimension: { width: 640, height: 360 },
      video_inputs: [
        {
          character: { type: 'avatar', avatar_id: STUDIO, avatar_style: 'circle' },
          voice: {
            type: 'text',
            voice_id: VOICE_ID,
            input_text: 'Scene one.',
            speed: 1.1,
            pitch: 5,
            emotion: 'Friendly',
          },
          background: { type: 'color', value: '#336699' },
        },
        {
          character: { type: 'talking_photo', talking_photo_id: lookId },
          voice: { type: 'audio', audio_url: 'https://example.com/voice.mp3' },
          background: { type: 'image', url: 'https://example.com/bg.png' },
        },
        {
          character: { type: 'avatar', avatar_id: STUDIO, avatar_style: 'closeUp' },
          voice: { type: 'silence', duration: 2 },
          background: { type: 'video', video_asset_id: clip.id, play_style: 'loop' },
        },
      ],
    };
    const result = await run({ video, polling: FAST_POLLING });
    const sent = stack.sim.log().find((e) => e.path === '/v2/video/generate')!.body as Record<
      string,
      unknown
    >;
    const { callback_id, ...rest } = sent;
    expect(rest).toEqual(video); // exactly the request given, nothing lost
    expect(typeof callback_id).toBe('string');
    expect(result.bytes).toBeGreaterThan(0);
  });

  test('Avatar IV from an image key and from a photo file uploaded first', async () => {
    const { stack } = suite;
    const heygen = new HeyGenClient(stack.config.heygen);
    const asset = await heygen.uploadAsset(
      renderPng({ width: 64, height: 64, seed: 'av4-key' }),
      'image/png',
    );
    const fromKey = await run({
      avatarIv: {
        image_key: asset.image_key!,
        video_title: 'From key',
        script: 'Hello from a photo.',
        voice_id: VOICE_ID,
        video_orientation: 'square',
        fit: 'cover',
      },
      polling: FAST_POLLING,
    });
    expect(fromKey.kind).toBe('avatar_iv');
    expect(stack.sim.log().find((e) => e.path === '/v2/video/av4/generate')?.body).toMatchObject({
      image_key: asset.image_key,
    });

    await writeFile(
      path.join(stack.outputDir, 'face.png'),
      renderPng({ width: 64, height: 64, seed: 'av4-file' }),
    );
    const fromFile = await run({
      avatarIv: {
        photo_file: 'face.png',
        video_title: 'From file',
        script: 'Uploaded first.',
        voice_id: VOICE_ID,
      },
      polling: FAST_POLLING,
    });
    expect(fromFile.kind).toBe('avatar_iv');
    const calls = stack.sim.log().map((e) => e.path);
    expect(calls.indexOf('/v1/asset')).toBeLessThan(calls.indexOf('/v2/video/av4/generate'));
  });

  test('transparent WebM from a studio avatar, stored as .webm', async () => {
    const result = await run({
      webm: {
        avatar_pose_id: STUDIO,
        avatar_style: 'normal',
        input_text: 'Overlay me.',
        voice_id: VOICE_ID,
        dimension: { width: 320, height: 240 },
      },
      polling: FAST_POLLING,
    });
    expect(result.kind).toBe('webm');
    expect(result.videoPath.endsWith('.webm')).toBe(true);
    // A second WebM render checks the studio avatars against the worker's cached catalog: no list fetched again.
    const again = await run({
      webm: {
        avatar_pose_id: STUDIO,
        input_text: 'Again.',
        voice_id: VOICE_ID,
        dimension: { width: 320, height: 240 },
      },
      polling: FAST_POLLING,
    });
    expect(again.kind).toBe('webm');
    expect(suite.stack.sim.log().filter((e) => e.path === '/v2/avatars')).toHaveLength(0);
  });

  test('WebM with a photo avatar is refused clearly, before any billable call', async () => {
    const { stack } = suite;
    const lookId = await photoLook(new HeyGenClient(stack.config.heygen));
    stack.sim.clearLog();
    const { workflowId } = await stack.client.startRender({
      webm: { avatar_pose_id: lookId, input_text: 'No.', voice_id: VOICE_ID },
      polling: FAST_POLLING,
    });
    const failure = describeCliError(await stack.client.waitForRender(workflowId).catch((e: unknown) => e));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toMatch(/webm\.avatar_pose_id.*studio avatars only/);
    expect(stack.sim.log().some((e) => e.path === '/v1/video.webm')).toBe(false);
  });

  test.each<[string, unknown, RegExp]>([
    [
      'odd dimension',
      {
        video: {
          dimension: { width: 641, height: 360 },
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: STUDIO },
              voice: { type: 'text', voice_id: VOICE_ID, input_text: 'x' },
            },
          ],
        },
      },
      /video\.dimension\.width/,
    ],
    [
      'dimension out of range',
      {
        video: {
          dimension: { width: 8192, height: 360 },
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: STUDIO },
              voice: { type: 'text', voice_id: VOICE_ID, input_text: 'x' },
            },
          ],
        },
      },
      /video\.dimension\.width/,
    ],
    [
      'script too long',
      {
        video: {
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: STUDIO },
              voice: { type: 'text', voice_id: VOICE_ID, input_text: 'x'.repeat(5001) },
            },
          ],
        },
      },
      /video\.video_inputs\.0\.voice\.input_text/,
    ],
    [
      'audio voice without audio',
      {
        video: {
          video_inputs: [{ character: { type: 'avatar', avatar_id: STUDIO }, voice: { type: 'audio' } }],
        },
      },
      /video\.video_inputs\.0\.voice/,
    ],
    [
      'missing avatar id',
      {
        video: {
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: '' },
              voice: { type: 'text', voice_id: VOICE_ID, input_text: 'x' },
            },
          ],
        },
      },
      /avatar_id/,
    ],
    [
      'more than 50 scenes',
      {
        video: {
          video_inputs: Array.from({ length: 51 }, () => ({
            character: { type: 'avatar', avatar_id: STUDIO },
            voice: { type: 'text', voice_id: VOICE_ID, input_text: 'x' },
          })),
        },
      },
      /video\.video_inputs/,
    ],
    ['webm with neither text nor audio', { webm: { avatar_pose_id: STUDIO } }, /webm\.input_text/],
    [
      'avatar IV with both key and file',
      {
        avatarIv: { image_key: 'k', photo_file: 'f.png', video_title: 't', script: 's', voice_id: VOICE_ID },
      },
      /avatarIv\.image_key/,
    ],
    [
      'two kinds at once',
      {
        video: {
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: STUDIO },
              voice: { type: 'text', voice_id: VOICE_ID, input_text: 'x' },
            },
          ],
        },
        webm: { avatar_pose_id: STUDIO, input_text: 'x', voice_id: VOICE_ID },
      },
      /exactly one of video, avatarIv or webm/,
    ],
  ])('refused before any call: %s', async (_name, input, field) => {
    const { stack } = suite;
    stack.sim.clearLog();
    const err = await stack.client.startRender(input as RenderVideoInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputValidationError);
    expect((err as Error).message).toMatch(field);
    expect(stack.sim.log()).toHaveLength(0);
  });
});
