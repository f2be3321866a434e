import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeCliError } from '../../cli/output';
import type { ApiVersion } from '../../contracts/apiVersion';
import type { RenderVideoInput, ScenesVideo } from '../../contracts/render';
import { InputValidationError } from '../../contracts/validation';
import type { HeyGenPort } from '../../heygen/port';
import { createHeyGenPort } from '../../heygen/select';
import { renderMp4 } from '../../simulator/media/mp4';
import { renderPng } from '../../simulator/media/png';
import { FAST_POLLING, VOICE_ID } from '../support/inputs';
import { testedApiVersions, versionedWorkflowSuite, type Stack } from '../support/stack';
import { STUDIO_AVATAR_ID as STUDIO, WIRE } from '../support/versions';
import { PATHS } from '../support/wire';
import { localVideoPath } from '../support/media';

const suite = versionedWorkflowSuite();

/** A size both APIs render exactly (v3 takes only resolutions and aspect ratios). */
const HD = { width: 1280, height: 720 };
const text = (t: string) => ({ type: 'text' as const, voiceId: VOICE_ID, text: t });

/** A photo avatar of the account with its one look, ready to render. */
async function photoLook(heygen: HeyGenPort, seed: string): Promise<string> {
  const asset = await heygen.uploadAsset(renderPng({ width: 64, height: 64, seed }), 'image/png');
  const created = await heygen.createAvatar({
    name: `kinds-${seed}`,
    source: 'photo',
    photo: asset.photoRef ?? '',
  });
  return created.lookId;
}

/** The body HeyGen received for the last applied create on `path`. */
function sentBody(stack: Stack, path: string): Record<string, unknown> {
  const entry = stack.sim
    .log()
    .filter((e) => e.method === 'POST' && e.path === path && e.applied)
    .at(-1);
  expect(entry).toBeDefined();
  return entry?.body as Record<string, unknown>;
}

describe.each(testedApiVersions())('every kind of video (HeyGen API %s)', (version: ApiVersion) => {
  const stack = (): Stack => suite.stacks[version];
  const heygen = () => createHeyGenPort(stack().config.heygen);
  const wire = WIRE[version];
  const paths = PATHS[version];

  async function run(input: RenderVideoInput) {
    stack().sim.clearLog();
    const { workflowId } = await stack().client.startRender(input);
    return { workflowId, result: await stack().client.waitForRender(workflowId) };
  }

  /** A render the workflow refuses before any HeyGen call, with the failure it reports. */
  async function refused(input: RenderVideoInput) {
    stack().sim.clearLog();
    const { workflowId } = await stack().client.startRender(input);
    const failure = describeCliError(
      await stack()
        .client.waitForRender(workflowId)
        .catch((e: unknown) => e),
    );
    expect(stack().sim.log()).toHaveLength(0);
    return failure;
  }

  if (version === 'v2') {
    test('three scenes covering every character, speech and background kind, captions, test mode and dimension', async () => {
      const port = heygen();
      const lookId = await photoLook(port, `v2-scenes-${Date.now()}`);
      const clip = await port.uploadAsset(
        renderMp4({ width: 128, height: 128, durationSeconds: 1, seed: 'bg' }),
        'video/mp4',
      );
      const video: ScenesVideo = {
        title: 'All options',
        test: true,
        caption: true,
        dimension: { width: 640, height: 360 },
        scenes: [
          {
            character: { type: 'avatar', avatarId: STUDIO, style: 'circle' },
            speech: { ...text('Scene one.'), speed: 1.1, pitch: 5, emotion: 'Friendly' },
            background: { type: 'color', color: '#336699' },
          },
          {
            character: { type: 'look', lookId },
            speech: { type: 'audio', url: 'https://example.com/voice.mp3' },
            background: { type: 'image', url: 'https://example.com/bg.png' },
          },
          {
            character: { type: 'avatar', avatarId: STUDIO, style: 'closeUp' },
            speech: { type: 'silence', seconds: 2 },
            background: { type: 'video', assetId: clip.assetId, playStyle: 'loop' },
          },
        ],
      };
      const { workflowId, result } = await run({ video, polling: FAST_POLLING });
      // Every field reached HeyGen in its v2 form, nothing lost.
      expect(sentBody(stack(), wire.renderCreate)).toEqual({
        title: 'All options',
        test: true,
        caption: true,
        dimension: { width: 640, height: 360 },
        callback_id: workflowId,
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
            background: { type: 'video', video_asset_id: clip.assetId, play_style: 'loop' },
          },
        ],
      });
      expect(result).toMatchObject({ kind: 'scenes', apiVersion: 'v2' });
      expect(result.bytes).toBeGreaterThan(0);
    });
  } else {
    test('several scenes (a studio video): every character and speech kind v3 takes, voice settings, colour backgrounds, captions, size', async () => {
      const lookId = await photoLook(heygen(), `v3-scenes-${Date.now()}`);
      const video: ScenesVideo = {
        title: 'All options',
        caption: true,
        dimension: { width: 1920, height: 1080 },
        scenes: [
          {
            character: { type: 'avatar', avatarId: STUDIO, style: 'normal' },
            speech: { ...text('Scene one.'), speed: 1.1, pitch: 5 },
            background: { type: 'color', color: '#336699' },
          },
          {
            character: { type: 'look', lookId },
            speech: { type: 'audio', url: 'https://example.com/voice.mp3' },
          },
        ],
      };
      const { workflowId, result } = await run({ video, polling: FAST_POLLING });
      expect(sentBody(stack(), wire.renderCreate)).toEqual({
        type: 'studio',
        title: 'All options',
        caption: { file_format: 'srt' },
        resolution: '1080p',
        aspect_ratio: '16:9',
        callback_id: workflowId,
        scenes: [
          {
            type: 'avatar_video',
            input: {
              type: 'avatar',
              avatar_id: STUDIO,
              script: 'Scene one.',
              voice_id: VOICE_ID,
              voice_settings: { speed: 1.1, pitch: 5 },
              background: { type: 'color', color: '#336699' },
            },
          },
          {
            type: 'avatar_video',
            input: { type: 'avatar', avatar_id: lookId, audio_url: 'https://example.com/voice.mp3' },
          },
        ],
      });
      expect(result).toMatchObject({ kind: 'scenes', apiVersion: 'v3' });
      expect(result.bytes).toBeGreaterThan(0);
    });

    test('one scene is a single avatar video: a look in portrait over an image background', async () => {
      const lookId = await photoLook(heygen(), `v3-single-${Date.now()}`);
      const { workflowId, result } = await run({
        video: {
          dimension: { width: 720, height: 1280 },
          scenes: [
            {
              character: { type: 'look', lookId },
              speech: text('Only me.'),
              background: { type: 'image', url: 'https://example.com/bg.png' },
            },
          ],
        },
        polling: FAST_POLLING,
      });
      expect(sentBody(stack(), wire.renderCreate)).toEqual({
        type: 'avatar',
        avatar_id: lookId,
        script: 'Only me.',
        voice_id: VOICE_ID,
        background: { type: 'image', url: 'https://example.com/bg.png' },
        resolution: '720p',
        aspect_ratio: '9:16',
        callback_id: workflowId,
      });
      expect(result.kind).toBe('scenes');
    });

    test.each<[string, RenderVideoInput, string]>([
      [
        'a test render (v3 would bill it)',
        {
          video: {
            test: true,
            scenes: [{ character: { type: 'avatar', avatarId: STUDIO }, speech: text('x') }],
          },
        },
        'video.test',
      ],
      [
        'a size without an exact resolution and aspect ratio',
        {
          video: {
            dimension: { width: 640, height: 360 },
            scenes: [{ character: { type: 'avatar', avatarId: STUDIO }, speech: text('x') }],
          },
        },
        'video.dimension',
      ],
      [
        'a silence',
        {
          video: {
            scenes: [
              { character: { type: 'avatar', avatarId: STUDIO }, speech: { type: 'silence', seconds: 2 } },
            ],
          },
        },
        'video.scenes.0.speech',
      ],
      [
        'an avatar style other than normal',
        {
          video: {
            scenes: [{ character: { type: 'avatar', avatarId: STUDIO, style: 'circle' }, speech: text('x') }],
          },
        },
        'video.scenes.0.character.style',
      ],
      [
        'a video background',
        {
          video: {
            scenes: [
              {
                character: { type: 'avatar', avatarId: STUDIO },
                speech: text('x'),
                background: { type: 'video', url: 'https://example.com/bg.mp4', playStyle: 'loop' },
              },
            ],
          },
        },
        'video.scenes.0.background',
      ],
      [
        'a WebM in the close-up style',
        { webm: { avatarId: STUDIO, avatarStyle: 'closeUp', speech: text('x') } },
        'webm.avatarStyle',
      ],
      [
        'an Avatar IV motion-prompt enhancement',
        {
          avatarIv: {
            imageKey: 'k',
            title: 't',
            speech: text('x'),
            motionPrompt: 'nod',
            enhanceMotionPrompt: true,
          },
        },
        'avatarIv.enhanceMotionPrompt',
      ],
    ])('v3 refuses %s by name, before any call', async (_name, input, field) => {
      const failure = await refused({ ...input, polling: FAST_POLLING });
      expect(failure.type).toBe('InvalidInput');
      expect(failure.message).toContain(field);
      expect(failure.message).toContain('HeyGen API v3');
    });
  }

  test('Avatar IV from a photo HeyGen holds and from a photo file uploaded first', async () => {
    const asset = await heygen().uploadAsset(
      renderPng({ width: 64, height: 64, seed: `av4-key-${version}` }),
      'image/png',
    );
    const photo = asset.photoRef ?? '';
    const { result: fromKey } = await run({
      avatarIv: {
        imageKey: photo,
        title: 'From key',
        speech: text('Hello from a photo.'),
        orientation: 'square',
        fit: 'cover',
      },
      polling: FAST_POLLING,
    });
    expect(fromKey).toMatchObject({ kind: 'avatar_iv', apiVersion: version });
    expect(sentBody(stack(), paths.avatarIvCreate)).toMatchObject(
      version === 'v2'
        ? { image_key: photo, video_orientation: 'square', fit: 'cover' }
        : { type: 'image', image: { type: 'asset_id', asset_id: photo }, aspect_ratio: '1:1', fit: 'cover' },
    );

    await writeFile(
      path.join(stack().outputDir, 'face.png'),
      renderPng({ width: 64, height: 64, seed: `av4-file-${version}` }),
    );
    const { result: fromFile } = await run({
      avatarIv: { photoFile: 'face.png', title: 'From file', speech: text('Uploaded first.') },
      polling: FAST_POLLING,
    });
    expect(fromFile.kind).toBe('avatar_iv');
    const calls = stack()
      .sim.log()
      .map((e) => e.path);
    expect(calls.indexOf(wire.upload)).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf(wire.upload)).toBeLessThan(calls.indexOf(paths.avatarIvCreate));
  });

  test('transparent WebM from a studio avatar, stored as .webm', async () => {
    const { result } = await run({
      webm: { avatarId: STUDIO, avatarStyle: 'normal', speech: text('Overlay me.'), dimension: HD },
      polling: FAST_POLLING,
    });
    expect(result).toMatchObject({ kind: 'webm', apiVersion: version });
    expect(localVideoPath(result).endsWith('.webm')).toBe(true);
    if (version === 'v3')
      expect(sentBody(stack(), paths.webmCreate)).toMatchObject({ output_format: 'webm' });
    // A second WebM render checks the studio avatars against the worker's cached catalog: no list fetched again.
    const { result: again } = await run({
      webm: { avatarId: STUDIO, speech: text('Again.'), dimension: HD },
      polling: FAST_POLLING,
    });
    expect(again.kind).toBe('webm');
    expect(
      stack()
        .sim.log()
        .filter((e) => paths.isCatalogRead(e)),
    ).toHaveLength(0);
  });

  test('WebM with a photo avatar is refused clearly, before any billable call', async () => {
    const lookId = await photoLook(heygen(), `webm-${version}-${Date.now()}`);
    stack().sim.clearLog();
    const before = stack().sim.ledger().length;
    const { workflowId } = await stack().client.startRender({
      webm: { avatarId: lookId, speech: text('No.') },
      polling: FAST_POLLING,
    });
    const failure = describeCliError(
      await stack()
        .client.waitForRender(workflowId)
        .catch((e: unknown) => e),
    );
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toMatch(/webm\.avatarId.*not a HeyGen studio avatar/);
    expect(
      stack()
        .sim.log()
        .some((e) => e.method === 'POST' && e.path === paths.webmCreate),
    ).toBe(false);
    expect(stack().sim.ledger().length).toBe(before);
  });

  const oneScene = (speech: unknown, character: unknown = { type: 'avatar', avatarId: STUDIO }) => ({
    video: { scenes: [{ character, speech }] },
  });

  test.each<[string, unknown, RegExp]>([
    [
      'odd dimension',
      { video: { ...oneScene(text('x')).video, dimension: { width: 641, height: 360 } } },
      /video\.dimension\.width/,
    ],
    [
      'dimension out of range',
      { video: { ...oneScene(text('x')).video, dimension: { width: 8192, height: 360 } } },
      /video\.dimension\.width/,
    ],
    ['script too long', oneScene(text('x'.repeat(5001))), /video\.scenes\.0\.speech\.text/],
    ['audio speech without audio', oneScene({ type: 'audio' }), /video\.scenes\.0\.speech/],
    ['missing avatar id', oneScene(text('x'), { type: 'avatar', avatarId: '' }), /avatarId/],
    [
      'more than 50 scenes',
      {
        video: {
          scenes: Array.from({ length: 51 }, () => ({
            character: { type: 'avatar', avatarId: STUDIO },
            speech: text('x'),
          })),
        },
      },
      /video\.scenes/,
    ],
    ['webm without speech', { webm: { avatarId: STUDIO } }, /webm\.speech/],
    [
      'webm with a silence',
      { webm: { avatarId: STUDIO, speech: { type: 'silence', seconds: 2 } } },
      /webm\.speech/,
    ],
    [
      'avatar IV with both key and file',
      { avatarIv: { imageKey: 'k', photoFile: 'f.png', title: 't', speech: text('s') } },
      /avatarIv\.imageKey/,
    ],
    [
      'two kinds at once',
      { ...oneScene(text('x')), webm: { avatarId: STUDIO, speech: text('x') } },
      /exactly one of video, avatarIv or webm/,
    ],
  ])('refused by the client before any call: %s', async (_name, input, field) => {
    stack().sim.clearLog();
    const err = await stack()
      .client.startRender(input as RenderVideoInput)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputValidationError);
    expect((err as Error).message).toMatch(field);
    expect(stack().sim.log()).toHaveLength(0);
  });
});
