# Sourced by scripts/temporal-cli.sh and scripts/s3-server.sh: resolves one binary built from a pinned Go module,
# without downloading prebuilt binaries. Order: the override variable if set, the cached build, a fresh
# `go install module/package@version` (CGO off, outside any module) into
# ${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}/<dir>/<name>.
# Prints the binary's absolute path on stdout and nothing else (build logs go to stderr). Concurrent callers are
# serialised by a lock; the others reuse the result.
#
#   resolve_go_binary NAME DIR PACKAGE@VERSION OVERRIDE_VARIABLE_NAME
resolve_go_binary() {
  local name="$1" dir="$2" package="$3" override_var="$4"
  local override="${!override_var:-}"
  if [ -n "$override" ]; then
    if [ ! -x "$override" ]; then
      echo "$override_var=$override is not an executable file" >&2
      return 1
    fi
    (cd "$(dirname "$override")" && echo "$(pwd -P)/$(basename "$override")")
    return 0
  fi
  local cache_root="${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}"
  local bin_dir="$cache_root/$dir"
  local bin="$bin_dir/$name"
  if [ -x "$bin" ]; then
    echo "$bin"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is needed to build $name ($package); install Go or set $override_var" >&2
    return 1
  fi
  mkdir -p "$bin_dir"
  exec 9>"$bin_dir/.build.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    local started tmp_bin
    started=$(date +%s)
    echo "Building $name from its Go module $package into $bin_dir (one-time, a few minutes)..." >&2
    tmp_bin="$(mktemp -d "$bin_dir/.gobin.XXXXXX")"
    (cd "$tmp_bin" && GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0 \
      go install -trimpath "$package" >&2)
    mv "$tmp_bin/$(basename "${package%@*}")" "$bin"
    rmdir "$tmp_bin"
    echo "$name ready: $bin ($(($(date +%s) - started)) s)" >&2
  fi
  exec 9>&-
  echo "$bin"
}
