#!/usr/bin/env bash
# Installs npm packages when node_modules is missing or older than the lockfile, then compiles to dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci) ..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
if [ "${SKIP_BUILD:-}" != "1" ]; then
  npx tsc -p tsconfig.build.json >&2
fi
