import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Once per test run: resolve the Temporal CLI (building it from its Go module if no cached build exists) and
 * compile the product to dist/ (tests that kill a worker run the real CLI worker in a child process).
 */
export default function globalSetup(): void {
  const root = path.join(__dirname, '..', '..');
  const cliPath = execFileSync('bash', [path.join(root, 'scripts', 'temporal-cli.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  process.env.TEMPORAL_CLI_PATH = cliPath;
  // Type errors are the type-check step's to report (scripts/test.sh runs `tsc --noEmit` before jest): here only a
  // build that emitted nothing fails (tsc exits 2 when it reports errors but wrote the output).
  try {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        cwd: root,
      },
    );
  } catch (err) {
    if ((err as { status?: number }).status !== 2) throw err;
    console.warn('globalSetup: dist/ was built with type errors (see the type-check step)');
  }
}
