#!/usr/bin/env bash
# `make run`: builds the release app and serves it on LISTEN_ADDR (default http://127.0.0.1:8080).
# Without REGISTRY_API_URL it uses a registry on 127.0.0.1:5000, starting a local docker-registry
# there (data under $DATA_DIR/registry) if nothing answers yet; that registry stops with the app.
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
registry_pid=""
stop_registry() {
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
}
trap stop_registry EXIT

if [ -z "${REGISTRY_API_URL:-}" ]; then
  answer=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:5000/v2/ || true)
  if [ "$answer" = "200" ] || [ "$answer" = "401" ]; then
    log "using the registry already answering on http://127.0.0.1:5000"
  else
    mkdir -p "$DATA_DIR/registry/storage"
    cat > "$DATA_DIR/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DATA_DIR/registry/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
    log "starting docker-registry on http://127.0.0.1:5000 (data in $DATA_DIR/registry, log in registry.log)"
    docker-registry serve "$DATA_DIR/registry/config.yml" >"$DATA_DIR/registry/registry.log" 2>&1 &
    registry_pid=$!
    for _ in $(seq 50); do
      curl -fs -o /dev/null --max-time 1 http://127.0.0.1:5000/v2/ && break
      kill -0 "$registry_pid" 2>/dev/null || { cat "$DATA_DIR/registry/registry.log" >&2; exit 1; }
      sleep 0.2
    done
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
