#!/usr/bin/env bash
# Resolves the S3-compatible object store used by the tests, `npm run prod-shape` and docker-compose: Versity's S3
# gateway (github.com/versity/versitygw, Apache-2.0), an S3 API over a local directory. Built once, without
# downloading prebuilt binaries, from its Go module at a pinned version into
# ${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}/versitygw-<version>/versitygw.
# Order: $VERSITYGW_PATH if set, the cached build, a fresh `go install` of the pinned module (its go.mod has no
# replace directives, so go install accepts it). Prints the binary's absolute path on stdout and nothing else.
#
# Run it (what test/support/s3Server.ts and scripts/prod-shape.sh do):
#   ROOT_ACCESS_KEY_ID=... ROOT_SECRET_ACCESS_KEY=... versitygw --port 127.0.0.1:7070 posix /path/to/dir
# Each top-level directory of /path/to/dir is a bucket.
set -euo pipefail

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"
module="github.com/versity/versitygw"

if [ -n "${VERSITYGW_PATH:-}" ]; then
  if [ ! -x "$VERSITYGW_PATH" ]; then
    echo "VERSITYGW_PATH=$VERSITYGW_PATH is not an executable file" >&2
    exit 1
  fi
  (cd "$(dirname "$VERSITYGW_PATH")" && echo "$(pwd -P)/$(basename "$VERSITYGW_PATH")")
  exit 0
fi

cache_root="${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}"
bin_dir="$cache_root/versitygw-$VERSITYGW_VERSION"
bin="$bin_dir/versitygw"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed to build versitygw ($VERSITYGW_VERSION); install Go or set VERSITYGW_PATH" >&2
  exit 1
fi

mkdir -p "$bin_dir"
# Serialise concurrent builds (tests and prod-shape may ask at the same time).
exec 9>"$bin_dir/.build.lock"
flock 9
if [ ! -x "$bin" ]; then
  started=$(date +%s)
  echo "Building versitygw $VERSITYGW_VERSION from its Go module into $bin_dir (one-time, a few minutes)..." >&2
  tmp_bin="$(mktemp -d "$bin_dir/.gobin.XXXXXX")"
  # Outside any module (a parent directory might hold a go.mod).
  (cd "$tmp_bin" && GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0 \
    go install -trimpath "$module/cmd/versitygw@$VERSITYGW_VERSION" >&2)
  mv "$tmp_bin/versitygw" "$bin"
  rmdir "$tmp_bin"
  echo "versitygw $VERSITYGW_VERSION ready: $bin ($(($(date +%s) - started)) s)" >&2
fi
echo "$bin"
