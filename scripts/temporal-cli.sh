#!/usr/bin/env bash
# Resolves the Temporal CLI (dev server + Web UI) without downloading prebuilt binaries.
# Order: $TEMPORAL_CLI_PATH if set, the cached build, a fresh `go install` of the pinned module.
# Prints the absolute path of the binary on stdout and nothing else (build logs go to stderr).
set -euo pipefail
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
# shellcheck source=lib/go-binary.sh
source "$(dirname "$0")/lib/go-binary.sh"
resolve_go_binary temporal "temporal-cli-$TEMPORAL_CLI_VERSION" \
  "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" TEMPORAL_CLI_PATH
