#!/usr/bin/env bash
# Installs what building, running and testing need — each piece only if it is missing, so running
# this again is quick. Debian 12 (apt), rustup, npm.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.129   # must equal the `wasm-bindgen` pin in Cargo.toml
BINARYEN_VERSION=132.0.0       # Debian's wasm-opt (108) produces WASM that fails in the browser
CARGO_FUZZ_VERSION=0.13.2      # `make fuzz` and the fuzz step of `make test`

# --- apt packages ---------------------------------------------------------------------------
# docker.io: dockerd for the Docker features and tests; docker-registry: the embedded default
# registry and the test registries; skopeo: a test oracle; chromium: Playwright's browser;
# apache2-utils/openssl/curl: harness and scripts.
apt_packages=(docker.io docker-registry skopeo chromium apache2-utils openssl curl ca-certificates)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
# make image / make test-image: glibc's static libc.a (the image's binary is static), `file` to
# check it, Compose 1.29 for the compose files.
apt_packages+=(libc6-dev file docker-compose)
# fonts-noto-cjk: Chinese glyphs for Chromium (the zh-CN UI renders as boxes without them, which
# the Playwright specs do not see but screenshots and traces do).
apt_packages+=(fonts-noto-cjk)
# zopfli: the site's .gz copies, 4% smaller than zlib's best (scripts/recompress.py, issue 14).
apt_packages+=(zopfli)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Rust toolchain pieces ------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
  log "cargo install cargo-leptos@$CARGO_LEPTOS_VERSION (takes ~15 min once)"
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  log "cargo install wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
fi

if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
  log "cargo install cargo-fuzz@$CARGO_FUZZ_VERSION"
  cargo install "cargo-fuzz@$CARGO_FUZZ_VERSION" --locked
fi

# --- npm tools ------------------------------------------------------------------------------
if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  log "npm install binaryen@$BINARYEN_VERSION into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "binaryen@$BINARYEN_VERSION"
fi

# Playwright drives Debian's chromium; its own browser download cannot work here.
if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] ||
   [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
  log "npm ci in end2end/ (Playwright, without its browser download)"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
fi
