import { MAX_PROMPT_CHARS, type PhotoAttributes, type Scene } from '../../../contracts/fields';
import type { RenderRequest } from '../../../heygen/port';
import { V3Adapter } from '../../../heygen/v3/adapter';
import { INSUFFICIENT_CREDIT_MESSAGE, codeForStatus, v3ErrorFor } from '../../../heygen/v3/errors';
import { composeLookPrompt, composePhotoPrompt } from '../../../heygen/v3/prompt';
import { DIMENSIONS, mapRenderRequest } from '../../../heygen/v3/render';
import { createVideoBodySchema } from '../../../heygen/v3/schemas';
import { PHOTO_ATTRIBUTES } from '../../support/inputs';

const adapter = new V3Adapter({
  apiVersion: 'v3',
  apiBaseUrl: 'http://127.0.0.1:9',
  uploadBaseUrl: 'http://127.0.0.1:9',
  apiKey: 'k',
});

const textScene: Scene = {
  character: { type: 'avatar', avatarId: 'avatar-1' },
  speech: { type: 'text', text: 'Hello there', voiceId: 'voice-1' },
};

function body(request: RenderRequest) {
  const mapping = mapRenderRequest(request);
  if (!('body' in mapping)) throw new Error(`refused: ${JSON.stringify(mapping.unsupported)}`);
  // Whatever the mapping builds must pass the request schema the adapter validates with.
  expect(createVideoBodySchema.safeParse(mapping.body).success).toBe(true);
  return mapping.body;
}

function refusedFields(request: RenderRequest): string[] {
  const mapping = mapRenderRequest(request);
  const fields = 'unsupported' in mapping ? mapping.unsupported : [];
  // unsupported() answers from the same mapping
  expect(adapter.unsupported({ kind: 'render', request })).toEqual(fields);
  for (const f of fields) expect(f.reason).toContain('HeyGen API v3');
  return fields.map((f) => f.field);
}

describe('render mapping: one scene → type avatar', () => {
  test('script, voice, voice settings, colour background, caption, title, callback id, dimension', () => {
    expect(
      body({
        kind: 'scenes',
        scenes: [
          {
            character: { type: 'avatar', avatarId: 'avatar-1', style: 'normal' },
            speech: { type: 'text', text: 'Hello there', voiceId: 'voice-1', speed: 1.2, pitch: -3 },
            background: { type: 'color', color: '#112233' },
          },
        ],
        title: 'T',
        caption: true,
        test: false,
        dimension: { width: 1080, height: 1920 },
        callbackId: 'run-1',
      }),
    ).toEqual({
      type: 'avatar',
      avatar_id: 'avatar-1',
      script: 'Hello there',
      voice_id: 'voice-1',
      voice_settings: { speed: 1.2, pitch: -3 },
      background: { type: 'color', value: '#112233' },
      caption: { file_format: 'srt' },
      title: 'T',
      callback_id: 'run-1',
      resolution: '1080p',
      aspect_ratio: '9:16',
    });
  });

  test('a look is an avatar_id too; audio by URL or asset; image background by URL or asset', () => {
    expect(
      body({
        kind: 'scenes',
        scenes: [
          {
            character: { type: 'look', lookId: 'look-1' },
            speech: { type: 'audio', url: 'https://example.com/a.mp3' },
            background: { type: 'image', url: 'https://example.com/b.png' },
          },
        ],
      }),
    ).toEqual({
      type: 'avatar',
      avatar_id: 'look-1',
      audio_url: 'https://example.com/a.mp3',
      background: { type: 'image', url: 'https://example.com/b.png' },
    });
    expect(
      body({
        kind: 'scenes',
        scenes: [
          {
            character: { type: 'look', lookId: 'look-1' },
            speech: { type: 'audio', assetId: 'audio-asset' },
            background: { type: 'image', assetId: 'bg-asset' },
          },
        ],
      }),
    ).toEqual({
      type: 'avatar',
      avatar_id: 'look-1',
      audio_asset_id: 'audio-asset',
      background: { type: 'image', asset_id: 'bg-asset' },
    });
  });

  test('no voice settings are sent when neither speed nor pitch is given', () => {
    expect(body({ kind: 'scenes', scenes: [textScene] })).toEqual({
      type: 'avatar',
      avatar_id: 'avatar-1',
      script: 'Hello there',
      voice_id: 'voice-1',
    });
  });
});

describe('render mapping: several scenes → type studio', () => {
  test('avatar_video scenes with their inputs, colour backgrounds as `color`, globals at the top', () => {
    expect(
      body({
        kind: 'scenes',
        scenes: [
          { ...textScene, background: { type: 'color', color: '#000000' } },
          {
            character: { type: 'look', lookId: 'look-2' },
            speech: { type: 'audio', assetId: 'aud' },
          },
        ],
        title: 'Two',
        caption: true,
        callbackId: 'cb',
        dimension: { width: 1280, height: 720 },
      }),
    ).toEqual({
      type: 'studio',
      scenes: [
        {
          type: 'avatar_video',
          input: {
            type: 'avatar',
            avatar_id: 'avatar-1',
            script: 'Hello there',
            voice_id: 'voice-1',
            background: { type: 'color', color: '#000000' },
          },
        },
        { type: 'avatar_video', input: { type: 'avatar', avatar_id: 'look-2', audio_asset_id: 'aud' } },
      ],
      title: 'Two',
      caption: { file_format: 'srt' },
      callback_id: 'cb',
      resolution: '720p',
      aspect_ratio: '16:9',
    });
  });
});

describe('render mapping: Avatar IV → type image, WebM → output_format webm', () => {
  test('Avatar IV: the photo as an asset input, aspect ratio from the orientation, fit, motion prompt', () => {
    expect(
      body({
        kind: 'avatar_iv',
        photo: 'asset-9',
        title: 'IV',
        speech: { type: 'text', text: 'Hi', voiceId: 'v' },
        orientation: 'portrait',
        fit: 'cover',
        motionPrompt: 'waves',
        enhanceMotionPrompt: false,
        callbackId: 'cb',
      }),
    ).toEqual({
      type: 'image',
      image: { type: 'asset_id', asset_id: 'asset-9' },
      script: 'Hi',
      voice_id: 'v',
      aspect_ratio: '9:16',
      fit: 'cover',
      motion_prompt: 'waves',
      title: 'IV',
      callback_id: 'cb',
    });
    const ratio = (orientation: 'portrait' | 'landscape' | 'square') =>
      (
        body({ kind: 'avatar_iv', photo: 'p', title: 't', speech: textScene.speech, orientation }) as {
          aspect_ratio?: string;
        }
      ).aspect_ratio;
    expect([ratio('portrait'), ratio('landscape'), ratio('square')]).toEqual(['9:16', '16:9', '1:1']);
  });

  test('WebM: avatar with output_format webm, resolution from the dimension, no background', () => {
    expect(
      body({
        kind: 'webm',
        avatarId: 'studio-1',
        avatarStyle: 'normal',
        speech: { type: 'audio', url: 'https://example.com/a.mp3' },
        dimension: { width: 1920, height: 1080 },
        title: 'W',
        callbackId: 'cb',
      }),
    ).toEqual({
      type: 'avatar',
      avatar_id: 'studio-1',
      output_format: 'webm',
      audio_url: 'https://example.com/a.mp3',
      resolution: '1080p',
      aspect_ratio: '16:9',
      title: 'W',
      callback_id: 'cb',
    });
  });
});

describe('render mapping: every field v3 cannot honour is refused by name', () => {
  test.each<[string, RenderRequest, string[]]>([
    ['test mode', { kind: 'scenes', scenes: [textScene], test: true }, ['test']],
    [
      'silence',
      { kind: 'scenes', scenes: [{ ...textScene, speech: { type: 'silence', seconds: 2 } }] },
      ['scenes.0.speech'],
    ],
    [
      'emotion',
      {
        kind: 'scenes',
        scenes: [{ ...textScene, speech: { type: 'text', text: 'x', voiceId: 'v', emotion: 'Friendly' } }],
      },
      ['scenes.0.speech.emotion'],
    ],
    [
      'circle style',
      {
        kind: 'scenes',
        scenes: [{ ...textScene, character: { type: 'avatar', avatarId: 'a', style: 'circle' } }],
      },
      ['scenes.0.character.style'],
    ],
    [
      'close-up style',
      {
        kind: 'scenes',
        scenes: [{ ...textScene, character: { type: 'avatar', avatarId: 'a', style: 'closeUp' } }],
      },
      ['scenes.0.character.style'],
    ],
    [
      'video background',
      {
        kind: 'scenes',
        scenes: [
          {
            ...textScene,
            background: { type: 'video', url: 'https://example.com/v.mp4', playStyle: 'loop' },
          },
        ],
      },
      ['scenes.0.background'],
    ],
    [
      'image background in a studio video',
      {
        kind: 'scenes',
        scenes: [
          textScene,
          { ...textScene, background: { type: 'image', url: 'https://example.com/b.png' } },
        ],
      },
      ['scenes.1.background'],
    ],
    [
      'video background in a studio video',
      {
        kind: 'scenes',
        scenes: [textScene, { ...textScene, background: { type: 'video', assetId: 'v', playStyle: 'loop' } }],
      },
      ['scenes.1.background'],
    ],
    [
      'a size with no exact equivalent',
      { kind: 'scenes', scenes: [textScene], dimension: { width: 1000, height: 1000 } },
      ['dimension'],
    ],
    [
      'enhanceMotionPrompt',
      { kind: 'avatar_iv', photo: 'p', title: 't', speech: textScene.speech, enhanceMotionPrompt: true },
      ['enhanceMotionPrompt'],
    ],
    [
      'Avatar IV emotion and silence',
      { kind: 'avatar_iv', photo: 'p', title: 't', speech: { type: 'silence', seconds: 1 } },
      ['speech'],
    ],
    [
      'WebM close-up style',
      { kind: 'webm', avatarId: 'a', avatarStyle: 'closeUp', speech: textScene.speech },
      ['avatarStyle'],
    ],
    [
      'WebM size with no equivalent',
      { kind: 'webm', avatarId: 'a', speech: textScene.speech, dimension: { width: 640, height: 480 } },
      ['dimension'],
    ],
  ])('%s', (_name, request, fields) => {
    expect(refusedFields(request)).toEqual(fields);
  });

  test('all refusals of one request are reported together, in the order of the request', () => {
    expect(
      refusedFields({
        kind: 'scenes',
        test: true,
        dimension: { width: 1000, height: 500 },
        scenes: [
          {
            character: { type: 'avatar', avatarId: 'a', style: 'circle' },
            speech: { type: 'text', text: 'x', voiceId: 'v', emotion: 'Serious' },
          },
          { ...textScene, background: { type: 'image', assetId: 'bg' } },
        ],
      }),
    ).toEqual([
      'test',
      'dimension',
      'scenes.0.character.style',
      'scenes.0.speech.emotion',
      'scenes.1.background',
    ]);
  });

  test('a request v3 can honour has no refusals; photo and look checks never refuse', () => {
    expect(refusedFields({ kind: 'scenes', scenes: [textScene] })).toEqual([]);
    expect(adapter.unsupported({ kind: 'photos', source: { prompt: 'a person' } })).toEqual([]);
    expect(adapter.unsupported({ kind: 'look', look: { prompt: 'x', pose: 'close_up' } })).toEqual([]);
  });
});

describe('the dimension table', () => {
  test.each([
    [1280, 720, '720p', '16:9'],
    [1920, 1080, '1080p', '16:9'],
    [3840, 2160, '4k', '16:9'],
    [720, 1280, '720p', '9:16'],
    [1080, 1920, '1080p', '9:16'],
    [2160, 3840, '4k', '9:16'],
    [1080, 1080, '1080p', '1:1'],
    [720, 720, '720p', '1:1'],
    [1080, 1350, '1080p', '4:5'],
    [1350, 1080, '1080p', '5:4'],
  ])('%ix%i → %s %s', (width, height, resolution, aspectRatio) => {
    expect(body({ kind: 'scenes', scenes: [textScene], dimension: { width, height } })).toMatchObject({
      resolution,
      aspect_ratio: aspectRatio,
    });
  });

  test('exactly those ten sizes, nothing rounded', () => {
    expect(Object.keys(DIMENSIONS)).toHaveLength(10);
    for (const [width, height] of [
      [1920, 1088],
      [1080, 1081],
      [2560, 1440],
      [1366, 768],
    ] as const) {
      expect(refusedFields({ kind: 'scenes', scenes: [textScene], dimension: { width, height } })).toEqual([
        'dimension',
      ]);
    }
  });
});

describe('prompt composition', () => {
  const attributes: PhotoAttributes = {
    ...PHOTO_ATTRIBUTES,
    appearance: 'Short black hair, navy blazer, soft smile',
  };

  test('the attributes become one sentence, then the appearance', () => {
    expect(composePhotoPrompt({ attributes })).toBe(
      'A Realistic style half-body photo, square framing, of a Young Adult East Asian woman. ' +
        'Short black hair, navy blazer, soft smile',
    );
  });

  test("'Unspecified' values are left out; articles follow the next word", () => {
    expect(
      composePhotoPrompt({
        attributes: {
          ...attributes,
          age: 'Unspecified',
          ethnicity: 'Unspecified',
          gender: 'Unspecified',
          style: 'Unspecified',
        },
      }),
    ).toBe('A half-body photo, square framing, of a person. Short black hair, navy blazer, soft smile');
    expect(
      composePhotoPrompt({
        attributes: {
          ...attributes,
          age: 'Early Middle Age',
          style: 'Artistic',
          pose: 'close_up',
          gender: 'Man',
        },
      }),
    ).toBe(
      'An Artistic style close-up photo, square framing, of an Early Middle Age East Asian man. ' +
        'Short black hair, navy blazer, soft smile',
    );
  });

  test('free text is the prompt as given', () => {
    expect(composePhotoPrompt({ prompt: '  A chef in a white jacket ' })).toBe('A chef in a white jacket');
  });

  test(`never longer than ${MAX_PROMPT_CHARS} characters: the appearance is shortened, the attributes kept`, () => {
    const long = composePhotoPrompt({
      attributes: { ...attributes, appearance: 'x'.repeat(MAX_PROMPT_CHARS) },
    });
    expect(long).toHaveLength(MAX_PROMPT_CHARS);
    expect(
      long.startsWith(
        'A Realistic style half-body photo, square framing, of a Young Adult East Asian woman. x',
      ),
    ).toBe(true);
    const look = composeLookPrompt({
      prompt: 'y'.repeat(MAX_PROMPT_CHARS),
      style: 'Cinematic',
      pose: 'full_body',
    });
    expect(look).toHaveLength(MAX_PROMPT_CHARS);
    expect(look.startsWith('A Cinematic style full-body photo. y')).toBe(true);
  });

  test('a look: its prompt alone, or after a framing sentence of the parts given', () => {
    expect(composeLookPrompt({ prompt: 'Blue suit' })).toBe('Blue suit');
    expect(
      composeLookPrompt({ prompt: 'Blue suit', orientation: 'vertical', pose: 'headshot', style: 'Noir' }),
    ).toBe('A Noir style headshot photo, vertical framing. Blue suit');
    expect(composeLookPrompt({ prompt: 'Blue suit', orientation: 'horizontal' })).toBe(
      'A photo, horizontal framing. Blue suit',
    );
  });
});

describe('the v3 error table', () => {
  const err = (status: number, body: unknown, retryAfter?: string) =>
    v3ErrorFor({ operation: 'op', status, body, retryAfter });

  test('success without an error is no error; HTTP 200 with one is', () => {
    expect(err(200, { data: {} })).toBeUndefined();
    expect(err(200, { data: {}, error: null })).toBeUndefined();
    expect(err(200, { error: { code: 'video_not_found', message: 'gone' } })?.kind).toBe('NotFound');
    expect(err(200, { error: { code: 'something_new', message: 'hm' } })?.kind).toBe('ApiError');
    expect(err(200, { error: 'plain' })?.message).toBe('plain');
  });

  test.each([
    [400, 'validation_error', 'InvalidRequest', false],
    [400, 'INVALID_PARAMETER', 'InvalidRequest', false],
    [400, 'download_failed', 'InvalidRequest', false],
    [401, 'unauthorized', 'Unauthorized', false],
    [402, 'insufficient_credit', 'InsufficientCredit', false],
    [403, 'forbidden', 'Forbidden', false],
    [403, 'resource_access_denied', 'Forbidden', false],
    [404, 'AVATAR_NOT_FOUND', 'NotFound', false],
    [409, 'request_in_progress', 'InProgress', true],
    [409, 'conflict', 'Conflict', false],
    [413, 'payload_too_large', 'PayloadTooLarge', false],
    [429, 'rate_limit_exceeded', 'RateLimited', true],
    [500, 'unclassified_server_error', 'ServerError', true],
    [503, 'validation_error', 'ServerError', true],
  ])('%i %s → %s (retryable: %s)', (status, code, kind, retryable) => {
    const e = err(status, { error: { code, message: 'm' } });
    expect(e?.kind).toBe(kind);
    expect(e?.retryable).toBe(retryable);
    expect(e?.code).toBe(code);
  });

  test('a missing code (or the literal "error") is filled from the status', () => {
    for (const status of [400, 401, 402, 403, 404, 409, 413, 429, 500, 418]) {
      expect(err(status, { error: { message: 'm' } })?.code).toBe(codeForStatus(status));
      expect(err(status, 'not json')?.code).toBe(codeForStatus(status));
    }
    expect(err(404, { error: { code: 'error', message: 'm' } })?.code).toBe('not_found');
    expect(err(418, {})?.kind).toBe('InvalidRequest');
    expect(err(402, {})?.kind).toBe('InsufficientCredit');
  });

  test('the message names the param of a validation error; 402 says what to do; 429 carries Retry-After', () => {
    expect(
      err(400, { error: { code: 'validation_error', message: 'bad', param: 'scenes.0.script' } })?.message,
    ).toBe('bad (param: scenes.0.script)');
    expect(err(402, { error: { code: 'insufficient_credit', message: 'x' } })?.message).toBe(
      INSUFFICIENT_CREDIT_MESSAGE,
    );
    expect(err(429, {}, '7')?.retryAfterMs).toBe(7000);
  });

  test('what may have been processed: only 5xx and a request still in progress', () => {
    expect(err(500, {})?.mayHaveBeenProcessed).toBe(true);
    expect(err(409, { error: { code: 'request_in_progress' } })?.mayHaveBeenProcessed).toBe(true);
    for (const status of [400, 401, 402, 403, 404, 409, 413, 429]) {
      expect(err(status, {})?.mayHaveBeenProcessed).toBe(false);
    }
  });
});
