#!/usr/bin/env bash
# The whole test suite: lint, type-check, then jest (unit tests, simulator tests, workflow tests on a real
# Temporal dev server built from its Go module, replay tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.."  && pwd)"
cd "$root"
SKIP_BUILD=1 bash scripts/ensure-deps.sh
export TEMPORAL_CLI_PATH="$(bash scripts/temporal-cli.sh)"
echo "== lint" >&2
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "== typecheck" >&2
npx tsc -p tsconfig.json --noEmit
echo "== jest" >&2
npx jest "$@"
