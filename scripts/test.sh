#!/usr/bin/env bash
# The whole test suite: lint, type-check, then jest (unit tests, simulator tests, workflow tests on a real
# Temporal dev server built from its Go module, replay tests, storage tests on a real S3-compatible server).
set -euo pipefail
root="$(cd "$(dirname "$0")/.."  && pwd)"
cd "$root"
SKIP_BUILD=1 bash scripts/ensure-deps.sh
export TEMPORAL_CLI_PATH="$(bash scripts/temporal-cli.sh)"
# The browser test of the Temporal UI drives Debian's chromium (installed with apt-get when missing).
export CHROMIUM_PATH="$(bash scripts/chromium.sh)"
# The self-hosted Temporal server for test/deploy (PostgreSQL on 127.0.0.1:5432), built once from its Go module.
bash scripts/temporal-server.sh >/dev/null
# The S3-compatible server of the storage tests (versitygw), built once from its Go module.
bash scripts/s3-server.sh >/dev/null
echo "== lint" >&2
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "== typecheck" >&2
npx tsc -p tsconfig.json --noEmit
echo "== jest" >&2
mkdir -p test-output
status=0
npx jest --json --outputFile=test-output/jest.json "$@" || status=$?
# A plain closing line any CI can read: "N passed, N failed, N skipped".
node -e 'const r = require("./test-output/jest.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);' || true
exit "$status"
