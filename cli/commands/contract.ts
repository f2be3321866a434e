import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { contractJsonSchemas } from '../../contracts/jsonSchemas';
import { REPO_ROOT } from '../repoRoot';
import { info, reportFailure } from '../output';

export const SCHEMA_DIR = path.join(REPO_ROOT, 'contracts', 'json-schema');

export function renderSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of Object.entries(contractJsonSchemas())) {
    files.set(`${name}.schema.json`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  return files;
}

/** `contract schemas [--check]`: write the JSON Schemas, or (with --check) fail when the committed ones differ. */
export async function schemas(flags: { check?: boolean; out?: string }): Promise<void> {
  try {
    const dir = path.resolve(flags.out ?? SCHEMA_DIR);
    const stale: string[] = [];
    await mkdir(dir, { recursive: true });
    for (const [file, text] of renderSchemaFiles()) {
      const target = path.join(dir, file);
      const current = await readFile(target, 'utf8').catch(() => undefined);
      if (current === text) continue;
      if (flags.check) stale.push(file);
      else await writeFile(target, text);
    }
    if (stale.length > 0) {
      info(`JSON Schemas out of date: ${stale.join(', ')}. Run: npm run cli -- contract schemas`);
      process.exitCode = 1;
    } else info(flags.check ? 'JSON Schemas are current' : `JSON Schemas written to ${dir}`);
  } catch (err) {
    reportFailure(err, false);
  }
}
