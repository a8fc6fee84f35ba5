#!/usr/bin/env bash
# `make test-image`: the container image and the compose files (server/tests/image.rs), against a
# private dockerd and registries the tests start themselves, with Debian's docker-compose 1.29.
# Builds the release artefacts first (the slow part, ~nothing when they are current); the tests
# then build the image from them as `make image` does, into their own daemon.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"

log "release artefacts, server linked static (docker/build-release.sh)"
BUILD_NICE="${IMAGE_BUILD_NICE:-0}" docker/build-release.sh >/dev/null

log "image and compose tests (server/tests/image.rs; figures in the output)"
cargo test -p server --test image --locked -- --ignored --test-threads 2 --show-output

log "no registry, dockerd or container started by the tests is left running"
if leftovers=$(pgrep -af "/tmp/rmh-"); then
  echo "processes left behind by the tests:" >&2
  echo "$leftovers" >&2
  exit 1
fi
