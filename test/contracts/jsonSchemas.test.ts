import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSchemaFiles, SCHEMA_DIR } from '../../cli/commands/contract';

type Schema = {
  type?: string;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  const?: unknown;
};

const parsed = (file: string): Schema => JSON.parse(renderSchemaFiles().get(file)!) as Schema;

/** Every property name anywhere in a schema, with its path. */
function propertyNames(schema: Schema, at = '', out: string[] = []): string[] {
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    out.push(`${at}${key}`);
    propertyNames(value, `${at}${key}.`, out);
  }
  if (schema.items) propertyNames(schema.items, `${at}[].`, out);
  for (const variant of [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) propertyNames(variant, at, out);
  return out;
}

/** The `type` constants of a discriminated union, in order. */
const variants = (schema: Schema | undefined) =>
  (schema?.oneOf ?? schema?.anyOf ?? []).map((v) => v.properties?.type?.const);

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
    const lifecycle = parsed('photoAvatarLifecycle.input.schema.json');
    expect(lifecycle.required).toEqual(['name', 'photo', 'video']);
    expect(lifecycle.additionalProperties).toBe(false);
    expect(Object.keys(lifecycle.properties!)).toEqual([
      'name',
      'photo',
      'looks',
      'video',
      'polling',
      'waitMode',
      'apiVersion',
    ]);
    expect(lifecycle.properties!.apiVersion).toEqual({ type: 'string', enum: ['v3', 'v2'] });
    expect(Object.keys(lifecycle.properties!.photo!.properties!)).toEqual([
      'generate',
      'prompt',
      'imageKeys',
      'files',
    ]);
    // A look needs only its prompt: orientation, pose and style are optional.
    expect(lifecycle.properties!.looks!.items!.required).toEqual(['prompt']);
    expect(variants(lifecycle.properties!.video!.properties!.background)).toEqual([
      'color',
      'image',
      'video',
    ]);
    const signal = parsed('heygenJobEvent.signal.schema.json');
    expect(signal.required).toEqual(['kind', 'resourceId', 'outcome']);
  });

  test('renderVideo takes scenes, Avatar IV or WebM in the product’s words', () => {
    const render = parsed('renderVideo.input.schema.json');
    expect(Object.keys(render.properties!)).toEqual(
      expect.arrayContaining(['video', 'avatarIv', 'webm', 'polling', 'waitMode', 'fileName']),
    );
    const video = render.properties!.video!;
    expect(video.required).toEqual(['scenes']);
    const scene = video.properties!.scenes!.items!;
    expect(scene.required).toEqual(['character', 'speech']);
    expect(variants(scene.properties!.character)).toEqual(['avatar', 'look']);
    expect(variants(scene.properties!.speech)).toEqual(['text', 'audio', 'silence']);
    expect(variants(scene.properties!.background)).toEqual(['color', 'image', 'video']);
    expect(render.properties!.avatarIv!.required).toEqual(['title', 'speech']);
    expect(render.properties!.webm!.required).toEqual(['avatarId', 'speech']);
    // A batch item's render is the same contract.
    const { $schema: _dialect, ...body } = render as Schema & { $schema?: string };
    const batch = parsed('renderBatch.input.schema.json');
    expect(batch.properties!.items!.items!.properties!.render).toEqual(body);
  });

  test('results name their kind and the HeyGen API version the run spoke', () => {
    const render = parsed('renderVideo.result.schema.json');
    expect(render.required).toEqual(expect.arrayContaining(['kind', 'apiVersion']));
    expect(render.properties!.kind).toMatchObject({ enum: ['scenes', 'avatar_iv', 'webm'] });
    expect(render.properties!.apiVersion).toMatchObject({ enum: ['v3', 'v2'] });
    expect(parsed('photoAvatarLifecycle.result.schema.json').required).toContain('apiVersion');
  });

  test('no HeyGen wire name leaks into the contract: every field is camelCase', () => {
    for (const [file, text] of renderSchemaFiles()) {
      const names = propertyNames(JSON.parse(text) as Schema);
      expect(names.length).toBeGreaterThan(0);
      const snake = names.filter((n) => !/^[a-z][a-zA-Z0-9]*$/.test(n.split('.').at(-1)!));
      expect({ file, snake }).toEqual({ file, snake: [] });
    }
  });
});
