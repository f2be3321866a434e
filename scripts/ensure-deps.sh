#!/usr/bin/env bash
# Installs the locked npm packages when they are missing or the lockfile changed, then compiles to dist/.
#
# `npm install` (from the lockfile), not `npm ci`: the registry mirror reachable here lacks some other platforms'
# optional native binaries (@swc/core-darwin-*, ...), so the lock cannot list them and `npm ci` refuses it as out of
# sync. `npm install` installs exactly the locked versions and leaves package-lock.json unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.deps-stamp
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing npm packages ..." >&2
  npm install --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
if [ "${SKIP_BUILD:-}" != "1" ]; then
  npx tsc -p tsconfig.build.json >&2
fi
