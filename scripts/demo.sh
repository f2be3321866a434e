#!/usr/bin/env bash
# The Quick start demo: Temporal dev server + HeyGen simulator + worker, and one full photo-avatar lifecycle.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/ensure-deps.sh"
bash "$root/scripts/temporal-cli.sh" >/dev/null
exec node "$root/dist/cli/main.js" demo "$@"
