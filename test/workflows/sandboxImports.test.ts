import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The workflow sandbox evaluates its modules again for every workflow run (the SDK's reusable V8 context gives each
 * run its own module cache). zod and the contract schemas cost ≈20 ms of workflow-thread CPU and ≈2 MiB per run
 * there, so workflows validate their input in a local activity instead, and nothing they import at load time may
 * reach zod. Type-only imports are erased; a `require` inside a function (the replay path of older runs) is lazy.
 */
const ROOT = path.join(__dirname, '..', '..');

function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')])
    if (existsSync(candidate)) return candidate;
  throw new Error(`cannot resolve ${specifier} from ${from}`);
}

/** Every package the workflows' entry point loads at evaluation time, with the chain that loads it. */
function packagesLoadedBy(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of valueImports(file)) {
      const via = [...chain, path.relative(ROOT, file)];
      if (specifier.startsWith('.')) visit(resolveLocal(file, specifier), via);
      else if (!packages.has(specifier)) packages.set(specifier, via);
    }
  };
  visit(entry, []);
  return packages;
}

describe('workflow sandbox imports', () => {
  test('nothing the workflows load at evaluation time reaches zod', () => {
    const packages = packagesLoadedBy(path.join(ROOT, 'workflows', 'index.ts'));
    expect([...packages.keys()].sort()).toEqual(['@temporalio/common', '@temporalio/workflow']);
    const zod = [...packages.entries()].find(([name]) => name === 'zod' || name.startsWith('zod/'));
    expect(zod && `zod loaded via ${zod[1].join(' → ')}`).toBeUndefined();
  });

  test('the check finds zod where the workflows used to load it (the input schemas)', () => {
    const packages = packagesLoadedBy(path.join(ROOT, 'contracts', 'lifecycle.ts'));
    expect(packages.get('zod')).toEqual(['contracts/lifecycle.ts']);
  });
});
