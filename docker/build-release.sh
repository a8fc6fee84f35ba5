#!/usr/bin/env bash
# The release artefacts the image holds: `cargo leptos build --release --split --precompress`
# (lazy routes, brotli/gzip copies beside each file, as `make run` builds) with the server linked
# fully static (glibc's libc.a, `+crt-static`), so it runs in a `FROM scratch` image. Used by the
# Dockerfile's builder stage and by `make image` (scripts/image.sh) on the host, so both images
# carry the same build. Prints the binary's path on stdout.
#
# Why glibc static and not musl: only stable Rust's gnu and wasm32 targets can be installed here
# (no musl target can be downloaded). rustls and bundled SQLite need no shared library; name
# lookups use glibc's built-in `files` and `dns` modules, which need no libnss_*.so at run time
# (the linker's getaddrinfo warning is about the other NSS modules, which the image does not use).
#
# `--target` (through LEPTOS_BIN_TARGET_TRIPLE) keeps the flag off build scripts and proc macros,
# which cannot be static; the wasm build is untouched. The binary lands in
# $CARGO_TARGET_DIR/<triple>/release/, beside, not over, `make run`'s dynamic one.
set -euo pipefail
cd "$(dirname "$0")/.."
triple="$(uname -m)-unknown-linux-gnu"
triple_var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
export LEPTOS_BIN_TARGET_TRIPLE="$triple"
# A target's RUSTFLAGS replace `build.rustflags` of .cargo/config.toml instead of adding to them,
# so they are read from there and repeated: without its `--cfg erase_components`, the server
# renders other hydration markers than the WASM (built with it), and no page would hydrate.
build_cfg=$(sed -n 's/^rustflags = \[\(.*\)\]$/\1/p' .cargo/config.toml | tr -d '",')
[ -n "$build_cfg" ] || { echo "build-release: no build.rustflags found in .cargo/config.toml" >&2; exit 1; }
export "$triple_var"="-C target-feature=+crt-static $build_cfg"
# The image's server is optimised for size (`opt-level = "s"`, as the WASM is for "z"): the image
# must stay within 30 MB (server/tests/image.rs), and the server's hot paths are network- and
# registry-bound. `make run` and `make bench` keep the release profile's opt-level 3.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=s
${BUILD_NICE:+nice -n "$BUILD_NICE"} cargo leptos build --release --split --precompress >&2
# cargo-leptos writes the .gz copies at a fast level; Zopfli is ~17% smaller, level 9 ~14% (scripts/recompress.py).
python3 scripts/recompress.py target/site >&2
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
echo "$target_dir/$triple/release/registry-manager"
