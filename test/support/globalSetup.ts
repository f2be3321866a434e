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
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
}
