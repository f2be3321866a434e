#!/usr/bin/env bash
# Resolves the S3-compatible object store used by the tests, `npm run prod-shape` and docker-compose: Versity's S3
# gateway (github.com/versity/versitygw, Apache-2.0), an S3 API over a local directory. Built once, without
# downloading prebuilt binaries, from its Go module at a pinned version into
# ${HEYGEN_PIPELINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heygen-pipelines}/versitygw-<version>/versitygw.
# Order: $VERSITYGW_PATH if set, the cached build, a fresh `go install` of the pinned module (its go.mod has no
# replace directives, so go install accepts it). Prints the binary's absolute path on stdout and nothing else.
#
# Run it (what lib/s3Server.ts and scripts/prod-shape.sh do):
#   ROOT_ACCESS_KEY_ID=... ROOT_SECRET_ACCESS_KEY=... versitygw --port 127.0.0.1:7070 posix /path/to/dir
# Each top-level directory of /path/to/dir is a bucket.
set -euo pipefail

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"
# shellcheck source=lib/go-binary.sh
source "$(dirname "$0")/lib/go-binary.sh"
resolve_go_binary versitygw "versitygw-$VERSITYGW_VERSION" \
  "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" VERSITYGW_PATH
