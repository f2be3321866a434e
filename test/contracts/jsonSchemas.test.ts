import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSchemaFiles, SCHEMA_DIR } from '../../cli/commands/contract';

describe('the language-neutral contract', () => {
  test('the committed JSON Schemas are current (regenerate: npm run cli -- contract schemas)', async () => {
    const expected = renderSchemaFiles();
    const committed = (await readdir(SCHEMA_DIR)).filter((f) => f.endsWith('.schema.json')).sort();
    expect(committed).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) {
      expect(await readFile(path.join(SCHEMA_DIR, file), 'utf8')).toBe(text);
    }
  });

  test('the schemas say what a caller in any language must send', () => {
    const files = renderSchemaFiles();
    const lifecycle = JSON.parse(files.get('photoAvatarLifecycle.input.schema.json')!) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(lifecycle.required).toEqual(['name', 'photo', 'video']);
    expect(lifecycle.additionalProperties).toBe(false);
    expect(Object.keys(lifecycle.properties)).toEqual([
      'name',
      'photo',
      'looks',
      'video',
      'polling',
      'waitMode',
    ]);
    const signal = JSON.parse(files.get('heygenJobEvent.signal.schema.json')!) as { required: string[] };
    expect(signal.required).toEqual(['kind', 'resourceId', 'outcome']);
  });
});
