#!/usr/bin/env bash
# The fast tier, for every commit: lint, formatting, types and the tests that need no external service (no Temporal,
# PostgreSQL, Chromium or S3 server: jest.check.config.js). Caches (ESLint, Prettier, tsc) live in node_modules/.cache.
# The full suite, the README's test command, is `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BUILD=1 bash scripts/ensure-deps.sh
cache=node_modules/.cache/heygen-check
mkdir -p "$cache"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
started=$(date +%s)
# Everything side by side (two cores: a cold ESLint and tsc take ~40 s, jest ~35 s); the static checks' reports are
# printed once the tests are done, so the two outputs do not interleave.
echo "== lint, format, types (reported after the tests)" >&2
npx eslint --cache --cache-location "$cache/eslint" . >"$out/eslint" 2>&1 &
lint=$!
npx tsc -p tsconfig.json --noEmit --incremental --tsBuildInfoFile "$cache/tsbuildinfo" >"$out/tsc" 2>&1 &
types=$!
npx prettier --check --cache --cache-location "$cache/prettier" . >"$out/prettier" 2>&1 &
format=$!
echo "== unit tests" >&2
status=0
npx jest -c jest.check.config.js "$@" || status=1
for step in lint:eslint types:tsc format:prettier; do
  pid_var=${step%%:*}
  file=${step##*:}
  if ! wait "${!pid_var}"; then
    echo "== $file failed:" >&2
    cat "$out/$file" >&2
    status=1
  fi
done
[ "$status" = 0 ] || exit "$status"
echo "check passed in $(($(date +%s) - started)) s" >&2
