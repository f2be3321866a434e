import { parseCsv, parseCsvItems, parseJsonlItems } from '../../cli/batchInput';
import { renderBatchInputSchema } from '../../contracts/batch';
import { describeIssue } from '../../contracts/validation';

/** The field the contract names for a batch of these items (what the client's refusal says), or 'valid'. */
function verdict(items: unknown): string {
  const parsed = renderBatchInputSchema.safeParse({ items });
  return parsed.success ? 'valid' : describeIssue(parsed.error).field;
}

describe('batch input files', () => {
  test('JSONL: items with a ref, or bare renderVideo inputs; a bad line is named', () => {
    const items = parseJsonlItems(
      [
        '{"ref":"a","render":{"webm":{"avatarId":"A","speech":{"type":"text","text":"x","voiceId":"v"}}}}',
        '',
        '{"video":{"scenes":[{"character":{"type":"avatar","avatarId":"A"},"speech":{"type":"text","voiceId":"v","text":"y"}}]}}',
        '42',
      ].join('\n'),
    );
    expect(items).toHaveLength(3);
    expect(items[0]?.ref).toBe('a');
    expect(verdict(items.slice(0, 2))).toBe('valid');
    // A line that is not an object is wrapped as it is, for the contract to refuse.
    expect(items[2]).toEqual({ render: 42 });
    expect(verdict(items)).toBe('items.2.render');
    expect(() => parseJsonlItems('{"ok":1}\n{oops')).toThrow(/line 2/);
  });

  test('CSV: quoted fields with commas, quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
    // A BOM, blank rows and rows of empty cells are skipped; a short row is kept.
    expect(parseCsv('\uFEFFa,b\n\n,\n1\n')).toEqual([['a', 'b'], ['1']]);
    expect(() => parseCsv('a,b\n"open,1\n2,3\n')).toThrow(/quote.* at line \d+/i);
  });

  test('CSV rows become one-scene neutral renders that validate', () => {
    const items = parseCsvItems(
      'ref,avatar_id,avatar_style,look_id,voice_id,script,speed,title,width,height,background,caption\n' +
        'r1,Angela,closeUp,,v1,"Hello, world",1.2,T1,1280,720,#FFFFFF,true\n' +
        'r2,,,look-9,v2,Second,,,,,,\n',
    );
    expect(items).toEqual([
      {
        ref: 'r1',
        render: {
          video: {
            scenes: [
              {
                character: { type: 'avatar', avatarId: 'Angela', style: 'closeUp' },
                speech: { type: 'text', text: 'Hello, world', voiceId: 'v1', speed: 1.2 },
                background: { type: 'color', color: '#FFFFFF' },
              },
            ],
            title: 'T1',
            dimension: { width: 1280, height: 720 },
            caption: true,
          },
        },
      },
      {
        ref: 'r2',
        render: {
          video: {
            scenes: [
              {
                character: { type: 'look', lookId: 'look-9' },
                speech: { type: 'text', text: 'Second', voiceId: 'v2' },
              },
            ],
          },
        },
      },
    ]);
    expect(verdict(items)).toBe('valid');
  });

  test('CSV: audio speech, image and video backgrounds, and the v2 talking_photo_id column', () => {
    const items = parseCsvItems(
      'talking_photo_id,audio_url,audio_asset_id,background_image_url,background_video_url,background_play_style,test\n' +
        'look-1,https://example.com/a.mp3,,https://example.com/bg.png,,,false\n' +
        'look-2,,asset-7,,https://example.com/bg.mp4,loop,\n',
    );
    expect(items.map((i) => i.render.video?.scenes[0])).toEqual([
      {
        character: { type: 'look', lookId: 'look-1' },
        speech: { type: 'audio', url: 'https://example.com/a.mp3' },
        background: { type: 'image', url: 'https://example.com/bg.png' },
      },
      {
        character: { type: 'look', lookId: 'look-2' },
        speech: { type: 'audio', assetId: 'asset-7' },
        background: { type: 'video', url: 'https://example.com/bg.mp4', playStyle: 'loop' },
      },
    ]);
    expect(items[0]?.render.video?.test).toBe(false);
    expect(verdict(items)).toBe('valid');
  });

  test('CSV: a bad or mixed cell is passed on, and the contract names its item and field', () => {
    const one = (header: string, row: string) => verdict(parseCsvItems(`${header}\n${row}\n`));
    expect(one('avatar_id,voice_id,script,width,height', 'A,v,Hi,wide,720')).toBe(
      'items.0.render.video.dimension.width',
    );
    expect(one('avatar_id,voice_id,script,width', 'A,v,Hi,1280')).toBe(
      'items.0.render.video.dimension.height',
    );
    expect(one('avatar_id,voice_id', 'A,v')).toBe('items.0.render.video.scenes.0.speech.text');
    expect(one('avatar_id,voice_id,script,caption', 'A,v,Hi,yes')).toBe('items.0.render.video.caption');
    expect(one('look_id,avatar_style,voice_id,script', 'L,circle,v,Hi')).toBe(
      'items.0.render.video.scenes.0.character.style',
    );
    expect(one('avatar_id,audio_url,voice_id', 'A,https://example.com/a.mp3,v')).toBe(
      'items.0.render.video.scenes.0.speech.voiceId',
    );
    expect(one('avatar_id,voice_id,script,background', 'A,v,Hi,white')).toBe(
      'items.0.render.video.scenes.0.background.color',
    );
    expect(one('avatar_id,voice_id,script,background_video_url', 'A,v,Hi,https://example.com/v.mp4')).toBe(
      'items.0.render.video.scenes.0.background.playStyle',
    );
    expect(one('avatar_id,voice_id,script,speed', 'A,v,Hi,fast')).toBe(
      'items.0.render.video.scenes.0.speech.speed',
    );
  });

  test('CSV: what no contract field can say is refused by the reader, naming the row or the header', () => {
    expect(() => parseCsvItems('ref,voice_id\nr,v\n')).toThrow(
      /row 2: give exactly one of avatar_id or look_id/,
    );
    expect(() => parseCsvItems('avatar_id,look_id\nA,L\n')).toThrow(/row 2: give exactly one/);
    expect(() =>
      parseCsvItems('avatar_id,background,background_image_url\nA,#FFFFFF,https://x.io/a.png\n'),
    ).toThrow(/row 2: give at most one of background/);
    expect(() => parseCsvItems('avatar_id,background_play_style\nA,loop\n')).toThrow(
      /row 2: background_play_style needs background_video_url/,
    );
    expect(() => parseCsvItems('avatar_id,voiceid\nA,v\n')).toThrow(/header: unknown column\(s\) voiceid/);
    expect(parseCsvItems('')).toEqual([]);
  });
});
