#!/usr/bin/env bash
# `make run`: builds the release app and serves it on LISTEN_ADDR (default http://127.0.0.1:8080).
# Without REGISTRY_API_URL it uses a registry on EMBEDDED_REGISTRY_ADDR (127.0.0.1:5000), or, if
# nothing answers there, has the server run one itself (REGISTRY_MODE=embedded, data under
# $DATA_DIR/registry); that registry stops with the app.
# Extra arguments go to the registry-manager binary (see `--help`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"

# --split: each page is its own WASM chunk (app/src/ui/lazy_pages.rs); --precompress: .br/.gz
# beside every file, which the server sends as they are (server/src/static_files.rs); the .gz
# copies rewritten at gzip's highest level, ~14% smaller than cargo-leptos writes them.
log "cargo leptos build --release --split --precompress"
cargo leptos build --release --split --precompress
python3 "$ROOT/scripts/recompress.py" "$ROOT/target/site"

export DATA_DIR="${DATA_DIR:-$ROOT/data}"
mkdir -p "$DATA_DIR"

# Without REGISTRY_API_URL: a registry already answering on EMBEDDED_REGISTRY_ADDR is used as it
# is; otherwise the server runs one itself (REGISTRY_MODE=embedded: docker-registry with its data
# and config under $DATA_DIR/registry, restarted if it dies, stopped with the app), which also
# lets it run garbage collection.
if [ -z "${REGISTRY_API_URL:-}" ] && [ -z "${REGISTRY_MODE:-}" ]; then
  registry_addr="${EMBEDDED_REGISTRY_ADDR:-127.0.0.1:5000}"
  answer=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$registry_addr/v2/" || true)
  if [ "$answer" = "200" ] || [ "$answer" = "401" ]; then
    log "using the registry already answering on http://$registry_addr (REGISTRY_MODE=external)"
    export REGISTRY_API_URL="http://$registry_addr"
  else
    log "REGISTRY_MODE=embedded: the server runs docker-registry on http://$registry_addr (data in $DATA_DIR/registry, log in registry.log)"
    export REGISTRY_MODE=embedded
  fi
fi

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
if [ -z "${SOURCE_REGISTRIES:-}" ]; then
  log "sync sources on loopback or private addresses are refused unless listed: e.g. SOURCE_REGISTRIES=127.0.0.1:5001"
fi
log "serving on http://${LISTEN_ADDR:-127.0.0.1:8080} (Ctrl-C stops)"
if [ "${AUTH:-on}" = "none" ]; then
  log "AUTH=none: no login (loopback only)"
elif [ -n "${ADMIN_PASSWORD:-}${ADMIN_PASSWORD_FILE:-}" ]; then
  log "sign in at http://${LISTEN_ADDR:-127.0.0.1:8080}/login as ${ADMIN_USERNAME:-admin}"
else
  log "sign in at http://${LISTEN_ADDR:-127.0.0.1:8080}/login; on a first run (no account yet) the server prints a one-time setup link just below. Or run with ADMIN_PASSWORD=… to create the admin"
fi
"$ROOT/target/release/registry-manager" "$@"
