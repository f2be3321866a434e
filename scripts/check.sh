#!/usr/bin/env bash
# The fast tier, for every commit: lint, formatting, types and the tests that need no external service (no Temporal,
# PostgreSQL, Chromium or S3 server: jest.check.config.js). Caches (ESLint, Prettier, tsc) live in node_modules/.cache.
# The full suite, the README's test command, is `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BUILD=1 bash scripts/ensure-deps.sh
cache=node_modules/.cache/heygen-check
mkdir -p "$cache"
started=$(date +%s)
echo "== lint, format, types" >&2
# Two cores: lint and types side by side, formatting after.
npx eslint --cache --cache-location "$cache/eslint" . &
lint=$!
npx tsc -p tsconfig.json --noEmit --incremental --tsBuildInfoFile "$cache/tsbuildinfo" &
types=$!
status=0
wait "$lint" || status=1
wait "$types" || status=1
npx prettier --check --cache --cache-location "$cache/prettier" . >/dev/null || {
  npx prettier --check . || true
  status=1
}
[ "$status" = 0 ] || exit "$status"
echo "== unit tests" >&2
npx jest -c jest.check.config.js "$@"
echo "check passed in $(($(date +%s) - started)) s" >&2
