#!/usr/bin/env bash
# `make image`: the runtime image `registry-manager:latest` (IMAGE=… to change), built offline in
# the daemon DOCKER_HOST names. The host builds the release artefacts (static binary and site,
# docker/build-release.sh), docker/make-rootfs.sh packs them as the image's root filesystem, and
# only the Dockerfile's `prebuilt` stage is built, from a context holding just that tar: nothing
# is pulled (the stage is FROM scratch). `--no-build` packs the artefacts already built.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
image="${IMAGE:-registry-manager:latest}"

build=1
[ "${1:-}" = "--no-build" ] && build=0
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
if ((build)); then
  "$ROOT/scripts/setup.sh"
  log "cargo leptos build --release, server linked static (docker/build-release.sh)"
  bin=$(BUILD_NICE="${IMAGE_BUILD_NICE:-10}" docker/build-release.sh)
else
  bin="$target_dir/$(uname -m)-unknown-linux-gnu/release/registry-manager"
fi

context="$target_dir/image-context"
rm -rf "$context"
mkdir -p "$context"
log "root filesystem from $bin and target/site"
docker/make-rootfs.sh "$bin" "$ROOT/target/site" "$context/rootfs.tar"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
source_url=$(git config --get remote.origin.url 2>/dev/null || echo unknown)
log "docker build --target prebuilt -t $image (DOCKER_HOST=${DOCKER_HOST:-default})"
docker build --quiet --target prebuilt -f "$ROOT/Dockerfile" \
  --build-arg PREBUILT_ROOTFS=rootfs.tar \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg SOURCE="$source_url" \
  -t "$image" "$context" >/dev/null
size=$(docker image inspect -f '{{.Size}}' "$image")
log "built $image: $size bytes ($(( (size + 524288) / 1048576 )) MiB)"
