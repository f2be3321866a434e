import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { START_EXAMPLES } from '../../api/openapi';
import { REPO_ROOT } from '../../cli/repoRoot';
import { renderBatchInputSchema } from '../../contracts/batch';
import { lifecycleInputSchema } from '../../contracts/lifecycle';
import { renderVideoInputSchema } from '../../contracts/render';
import { describeIssue } from '../../contracts/validation';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const SCHEMAS: Record<string, z.ZodType> = {
  lifecycle: lifecycleInputSchema,
  render: renderVideoInputSchema,
  batch: renderBatchInputSchema,
};

/** 'valid', or the field the contract refuses (what a caller would be told). */
function verdict(schema: z.ZodType, value: unknown): string {
  const parsed = schema.safeParse(value);
  return parsed.success ? 'valid' : describeIssue(parsed.error).field;
}

describe('examples', () => {
  test('every example file is a valid input of its workflow', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      // The file name says which contract it follows: [demo-]lifecycle*, render*, batch*.
      const kind = /^(?:demo-)?(lifecycle|render|batch)\b/.exec(file)?.[1] ?? 'unnamed';
      const schema = SCHEMAS[kind];
      const value: unknown = JSON.parse(await readFile(path.join(EXAMPLES, file), 'utf8'));
      expect({ file, verdict: schema ? verdict(schema, value) : `${kind} contract` }).toEqual({
        file,
        verdict: 'valid',
      });
    }
  });

  test('the OpenAPI request examples are valid start requests, and every render kind has one', () => {
    for (const [kind, examples] of Object.entries(START_EXAMPLES)) {
      for (const [name, { value }] of Object.entries(examples)) {
        const { input, reference, ...rest } = value as { input: unknown; reference?: unknown };
        // Only the API's envelope fields: the input, and an optional reference.
        expect({ kind, name, rest, reference: typeof (reference ?? '') }).toEqual({
          kind,
          name,
          rest: {},
          reference: 'string',
        });
        expect({ kind, name, verdict: verdict(SCHEMAS[kind]!, input) }).toEqual({
          kind,
          name,
          verdict: 'valid',
        });
      }
    }
    const renders = Object.values(START_EXAMPLES.render).map(({ value }) =>
      Object.keys((value as { input: object }).input),
    );
    for (const kind of ['video', 'avatarIv', 'webm'])
      expect(renders.some((keys) => keys.includes(kind))).toBe(true);
    // That the served document carries them on each start route: test/api/openapi.test.ts.
  });
});
