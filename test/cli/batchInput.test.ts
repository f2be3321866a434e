import { parseCsv, parseCsvItems, parseJsonlItems } from '../../cli/batchInput';
import { renderBatchInputSchema } from '../../contracts/batch';

describe('batch input files', () => {
  test('JSONL: items with a ref, or bare renderVideo inputs; a bad line is named', () => {
    const items = parseJsonlItems(
      [
        '{"ref":"a","render":{"webm":{"avatar_pose_id":"A","input_text":"x","voice_id":"v"}}}',
        '',
        '{"video":{"video_inputs":[{"character":{"type":"avatar","avatar_id":"A"},"voice":{"type":"text","voice_id":"v","input_text":"y"}}]}}',
      ].join('\n'),
    );
    expect(items).toHaveLength(2);
    expect(items[0]?.ref).toBe('a');
    expect(renderBatchInputSchema.safeParse({ items }).success).toBe(true);
    expect(() => parseJsonlItems('{"ok":1}\n{oops')).toThrow(/line 2/);
  });

  test('CSV: quoted fields with commas, quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
  });

  test('CSV rows become one-scene v2 renders that validate', () => {
    const items = parseCsvItems(
      'ref,avatar_id,talking_photo_id,voice_id,script,title,width,height,background\n' +
        'r1,Angela,,v1,"Hello, world",T1,640,360,#FFFFFF\n' +
        'r2,,look-9,v2,Second,,,,\n',
    );
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      ref: 'r1',
      render: {
        video: {
          title: 'T1',
          dimension: { width: 640, height: 360 },
          video_inputs: [
            {
              character: { avatar_id: 'Angela' },
              voice: { input_text: 'Hello, world' },
              background: { value: '#FFFFFF' },
            },
          ],
        },
      },
    });
    expect(items[1]?.render.video?.video_inputs[0]?.character).toEqual({
      type: 'talking_photo',
      talking_photo_id: 'look-9',
    });
    expect(renderBatchInputSchema.safeParse({ items }).success).toBe(true);
    expect(() => parseCsvItems('ref,voice_id\nr,v\n')).toThrow(/row 2: give avatar_id or talking_photo_id/);
  });
});
