#!/usr/bin/env bash
# `make test`: formatting, lints, unit and integration tests, then Playwright — all against real
# registry, dockerd and Chromium processes that the tests start and stop themselves.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --all --check

log "clippy, server side (ssr), warnings denied"
cargo clippy --workspace --exclude frontend --all-targets --locked -- -D warnings
log "clippy, browser side (hydrate, wasm32), warnings denied"
cargo clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings

log "unit and integration tests (app with ssr, server, harness)"
cargo test --workspace --exclude frontend --locked

# --split: the pages are lazy routes (app/src/ui/lazy_pages.rs); without it the WASM would import
# chunks that were never split out, and no page would hydrate.
log "cargo leptos build --split (site for the browser tests)"
cargo leptos build --split

log "Playwright (Chromium against the real server, registry and dockerd)"
(cd end2end && npx playwright test)

log "no registry, dockerd or app started by the tests is left running"
# Registries and dockerd run from /tmp/rmh-* dirs; app instances from this checkout's debug binary.
if leftovers=$(pgrep -af "/tmp/rmh-|$ROOT/target/debug/registry-manager"); then
  echo "processes left behind by the tests:" >&2
  echo "$leftovers" >&2
  exit 1
fi
