#!/usr/bin/env bash
# Installs the locked npm packages when they are missing or the lockfile changed, then compiles to dist/.
#
# `npm ci`: exactly the locked versions, and the lockfile is never rewritten (it lists every platform's optional
# native packages, so a fresh clone stays clean after the quick start).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.deps-stamp
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing npm packages ..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
if [ "${SKIP_BUILD:-}" != "1" ]; then
  npx tsc -p tsconfig.build.json >&2
fi
