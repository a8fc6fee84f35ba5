#!/usr/bin/env bash
# `make bench`: builds the release server and rm-bench, then measures the browsing REST API
# against naive and raw references, the jobs (prefix rename, registry-to-registry sync, local
# image push) against a mount-only floor, skopeo and the docker CLI, and what access control costs
# (login, idle memory, added latency against AUTH=none), on generated fixtures (real
# docker-registry, dockerd and server processes on 127.0.0.1). The scale fixture (10,000
# repositories / 100,000 tags) is generated once into bench/data/scale.img (mounted on
# bench/data/scale while running) and reused.
# It also builds the release site and prints the front-end weight: the JS and WASM a first visit
# to a page downloads, raw, gzip and brotli as served (the .gz copies rewritten at level 9 by
# scripts/recompress.py, as `make run` and the image do), beside the 350 KiB gzip target
# (scripts/site-size.py).
# A first argument `browse`, `jobs`, `local` (the local-image push alone, also part of `jobs`),
# `auth` (access control), `site` (the front-end weight alone) or `all` (default; or BENCH=… in the environment, as in
# `make bench BENCH=jobs`) picks the part to run; other arguments go to rm-bench (`--help`), e.g.
#   scripts/bench.sh jobs      scripts/bench.sh auth      scripts/bench.sh --only tags,catalog
#   scripts/bench.sh --regenerate
# The build runs under `nice -n $BENCH_BUILD_NICE` (default 10) and honours CARGO_TARGET_DIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

group="${BENCH:-all}"
case "${1:-}" in
  browse | jobs | local | auth | site | all) group="$1"; shift ;;
esac
case "$group" in
  all | site) only=() ;;
  browse | jobs | local | auth) only=(--only "$group") ;;
  *) log "BENCH=$group: expected browse, jobs, local, auth, site or all"; exit 2 ;;
esac

"$ROOT/scripts/setup.sh"
cd "$ROOT"

# The scale fixture lives in an ext4 image (see rm-bench --help, --scale-store): mkfs.ext4 and mount.
if { [ "$group" = all ] || [ "$group" = browse ]; } && [ ! -x /usr/sbin/mkfs.ext4 ] && [ ! -x /sbin/mkfs.ext4 ] && ! command -v mkfs.ext4 >/dev/null; then
  log "apt-get install e2fsprogs"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends e2fsprogs >/dev/null
fi

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ "$group" = all ] || [ "$group" = site ]; then
  # The site as `make run` serves it; the server is built below (or not needed for `site`).
  log "cargo leptos build --release --split --precompress --frontend-only (nice -n ${BENCH_BUILD_NICE:-10})"
  nice -n "${BENCH_BUILD_NICE:-10}" cargo leptos build --release --split --precompress --frontend-only
  python3 "$ROOT/scripts/recompress.py" "$ROOT/target/site"
  python3 "$ROOT/scripts/site-size.py" "$ROOT/target/site/pkg"
  if [ "$group" = site ]; then exit 0; fi
fi
log "cargo build --release -p server -p rm-bench (nice -n ${BENCH_BUILD_NICE:-10}, into $TARGET_DIR)"
nice -n "${BENCH_BUILD_NICE:-10}" cargo build --release -p server -p rm-bench

log "rm-bench $group (fixtures in bench/data; first run generates the scale fixture)"
exec "$TARGET_DIR/release/rm-bench" \
  --server-bin "$TARGET_DIR/release/registry-manager" \
  --data-dir "$ROOT/bench/data" ${only[@]+"${only[@]}"} "$@"
