#!/usr/bin/env bash
# Resolves the Chromium that the browser tests (test/ui/) drive through playwright-core: never a browser downloaded
# by Playwright, always the distribution's own package.
# Order: $CHROMIUM_PATH if set, /usr/bin/chromium, else `apt-get install chromium` (Debian; needs root or sudo).
# Prints the absolute path of the binary on stdout and nothing else (install logs go to stderr).
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ ! -x "$CHROMIUM_PATH" ]; then
    echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
    exit 1
  fi
  echo "$CHROMIUM_PATH"
  exit 0
fi

bin=/usr/bin/chromium
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is not installed at $bin and apt-get is not available: install Chromium or set CHROMIUM_PATH" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "Installing Chromium needs root (or sudo): run 'apt-get install -y chromium' or set CHROMIUM_PATH" >&2
    exit 1
  fi
  sudo=(sudo -n)
fi

echo "Installing Debian's chromium package (one-time)..." >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing (fresh containers) or stale: refresh them once, then install.
# Wait for the dpkg lock instead of failing when another apt-get (or a parallel run of this script) holds it.
lock=(-o DPkg::Lock::Timeout=300)
"${sudo[@]}" apt-get "${lock[@]}" update -qq >&2
"${sudo[@]}" apt-get "${lock[@]}" install -y -qq --no-install-recommends chromium >&2

if [ ! -x "$bin" ]; then
  echo "apt-get installed chromium, but $bin is missing" >&2
  exit 1
fi
echo "Chromium ready: $bin ($("$bin" --version 2>/dev/null || echo 'version unknown'))" >&2
echo "$bin"
