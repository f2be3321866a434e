#!/usr/bin/env bash
# Resolves the Temporal CLI (dev server + Web UI) without downloading prebuilt binaries.
# Order: $TEMPORAL_CLI_PATH if set, the cached build, a fresh `go install` of the pinned module.
# Prints the absolute path of the binary on stdout and nothing else (build logs go to stderr).
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  if [ ! -x "$TEMPORAL_CLI_PATH" ]; then
    echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2
    exit 1
  fi
  (cd "$(dirname "$TEMPORAL_CLI_PATH")" && echo "$(pwd -P)/$(basename "$TEMPORAL_CLI_PATH")")
  exit 0
fi

cache_root="${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}"
bin_dir="$cache_root/temporal-cli-$TEMPORAL_CLI_VERSION"
bin="$bin_dir/temporal"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed to build the Temporal CLI ($TEMPORAL_CLI_VERSION); install Go or set TEMPORAL_CLI_PATH" >&2
  exit 1
fi

mkdir -p "$bin_dir"
lock="$bin_dir/.build.lock"
# Serialise concurrent builds (tests and the demo may ask at the same time).
exec 9>"$lock"
flock 9
if [ ! -x "$bin" ]; then
  echo "Building Temporal CLI $TEMPORAL_CLI_VERSION from its Go module into $bin_dir (one-time, a few minutes)..." >&2
  tmp_bin="$(mktemp -d "$bin_dir/.gobin.XXXXXX")"
  GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0 \
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
  mv "$tmp_bin/temporal" "$bin"
  rmdir "$tmp_bin"
  echo "Temporal CLI ready: $bin" >&2
fi
echo "$bin"
