#!/usr/bin/env bash
# Resolves the self-hosted Temporal server (the production shape: PostgreSQL persistence) without Docker and
# without downloading prebuilt binaries. Builds, once, from the pinned Go module go.temporal.io/server:
#   temporal-server      (go.temporal.io/server/cmd/server)
#   temporal-sql-tool    (go.temporal.io/server/cmd/tools/sql)
#   schema/postgresql/v12/{temporal,visibility}   (the module's own SQL schema, for temporal-sql-tool)
# into ${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}/temporal-server-<version>/.
# Prints that directory on stdout and nothing else (build logs go to stderr), like scripts/temporal-cli.sh.
# TEMPORAL_SERVER_BUILD_FROM_SOURCE=1 skips `go install mod@version` and builds in a copy of the module source (what
# happens anyway when go install refuses the module, e.g. for replace directives).
# Concurrent invocations are safe: one builds (under a lock, into a temporary directory renamed into place at the
# end), the others wait for it and reuse the result.
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
module="go.temporal.io/server"

cache_root="${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}"
out_dir="$cache_root/temporal-server-$TEMPORAL_SERVER_VERSION"

is_complete() {
  [ -f "$out_dir/.complete" ] &&
    [ -x "$out_dir/temporal-server" ] &&
    [ -x "$out_dir/temporal-sql-tool" ] &&
    [ -d "$out_dir/schema/postgresql/v12/temporal/versioned" ] &&
    [ -d "$out_dir/schema/postgresql/v12/visibility/versioned" ]
}

if is_complete; then
  echo "$out_dir"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed to build the Temporal server ($TEMPORAL_SERVER_VERSION); install Go (https://go.dev/dl/)" >&2
  exit 1
fi

mkdir -p "$cache_root"
# The lock lives beside the output directory, so the directory itself can appear in one rename.
exec 9>"$cache_root/.temporal-server-$TEMPORAL_SERVER_VERSION.lock"
flock 9
if is_complete; then
  echo "$out_dir"
  exit 0
fi

started=$(date +%s)
echo "Building Temporal server $TEMPORAL_SERVER_VERSION from its Go module into $out_dir (one-time, several minutes)..." >&2
work="$(mktemp -d "$cache_root/.temporal-server-build.XXXXXX")"
cleanup() { chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
# The server's own Makefile builds with this tag (leaves out optional gRPC modules).
tags="disable_grpc_modules"

# Run Go outside any module (the repo has none, but a parent directory might).
cd "$work"
download_json="$(go mod download -json "$module@$TEMPORAL_SERVER_VERSION")"
src="$(printf '%s\n' "$download_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
if [ -z "$src" ] || [ ! -d "$src" ]; then
  echo "go mod download did not report a source directory for $module@$TEMPORAL_SERVER_VERSION:" >&2
  printf '%s\n' "$download_json" >&2
  exit 1
fi

staging="$work/out"
mkdir -p "$staging/bin"
if [ "${TEMPORAL_SERVER_BUILD_FROM_SOURCE:-}" != 1 ] && GOBIN="$staging/bin" go install -trimpath -tags "$tags" \
  "$module/cmd/server@$TEMPORAL_SERVER_VERSION" "$module/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" >&2; then
  mv "$staging/bin/server" "$staging/temporal-server"
  mv "$staging/bin/sql" "$staging/temporal-sql-tool"
else
  # `go install mod@version` refuses modules whose go.mod has replace directives: build in a copy of the source.
  echo "building from a copy of the module source instead of go install" >&2
  cp -R "$src" "$work/src"
  chmod -R u+w "$work/src"
  (cd "$work/src" && go build -trimpath -tags "$tags" -o "$staging/temporal-server" ./cmd/server >&2)
  (cd "$work/src" && go build -trimpath -tags "$tags" -o "$staging/temporal-sql-tool" ./cmd/tools/sql >&2)
fi
rmdir "$staging/bin" 2>/dev/null || rm -rf "$staging/bin"

mkdir -p "$staging/schema/postgresql/v12"
cp -R "$src/schema/postgresql/v12/temporal" "$src/schema/postgresql/v12/visibility" "$staging/schema/postgresql/v12/"
chmod -R u+w "$staging/schema"
echo "$TEMPORAL_SERVER_VERSION" >"$staging/.complete"

# Replace whatever incomplete directory an interrupted older build may have left, then move into place.
if [ -e "$out_dir" ]; then
  mv "$out_dir" "$work/stale"
fi
mv "$staging" "$out_dir"
echo "Temporal server $TEMPORAL_SERVER_VERSION ready in $out_dir ($(($(date +%s) - started)) s)" >&2
echo "$out_dir"
