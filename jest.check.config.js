/**
 * The fast tier (`npm run check`): every test that needs no Temporal server, PostgreSQL, Chromium or S3 server —
 * unit tests of the adapters against the in-process simulator, the contract, storage on disk, webhooks, the replay of
 * recorded histories. No global setup (nothing is built or started). The full suite is `npm test`.
 * @type {import('jest').Config}
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads CommonJS configs
const base = require('./jest.config.js');

module.exports = {
  ...base,
  globalSetup: undefined,
  testPathIgnorePatterns: [
    '/node_modules/',
    // Workflow tests run a Temporal dev server; replaying recorded histories, the sandbox import check and the
    // fake-clock tests of deadlines, TTLs and leases do not.
    '/test/workflows/(?!replayRecorded\\.test\\.ts$|sandboxImports\\.test\\.ts$|deadlines\\.test\\.ts$)',
    '/test/deploy/',
    '/test/ui/',
    '/test/storage/s3',
    '/test/api/api\\.test\\.ts$',
    '/test/fuzz/inputs\\.test\\.ts$',
    '/test/observability/secrets\\.test\\.ts$',
    // The compiled CLI (dist/, built by the full suite's global setup), and --wait runs on a real dev server.
    '/test/cli/errors\\.test\\.ts$',
    '/test/cli/watch\\.test\\.ts$',
  ],
};
