#!/usr/bin/env bash
# Runs the product's CLI from a fresh clone: installs packages and builds when needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/ensure-deps.sh"
exec node "$root/dist/cli/main.js" "$@"
