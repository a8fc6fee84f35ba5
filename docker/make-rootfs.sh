#!/usr/bin/env bash
# make-rootfs.sh BINARY SITE_DIR OUT.tar: the whole root filesystem of the runtime image as one
# tar, owners included (root everywhere except /data, which is the app user's), so that
# `ADD OUT.tar /` gives the same tree wherever the artefacts were built.
#
#   /usr/local/bin/registry-manager      the static server binary, stripped (refused if dynamic)
#   /usr/local/bin/hash.txt              the hashed file names (cargo-leptos `hash-files`), which
#                                        leptos reads beside the binary to name them in the page
#   /usr/share/registry-manager/site/    LEPTOS_SITE_ROOT: pkg/*.js, *.wasm, *.css and assets
#   /etc/ssl/certs/ca-certificates.crt   Debian's CA bundle (SSL_CERT_FILE)
#   /etc/passwd, group, nsswitch.conf    user 10001 by name; /etc/hosts before DNS
#   /data (10001:10001, 0700)            DATA_DIR, the VOLUME
#   /tmp (1777)                          SQLite's temporary files when no tmpfs is mounted
set -euo pipefail
bin=$1 site=$2 out=$3
here="$(cd "$(dirname "$0")" && pwd)"
ca=/etc/ssl/certs/ca-certificates.crt
[ -x "$bin" ] || { echo "make-rootfs: no binary at $bin" >&2; exit 1; }
compgen -G "$site/pkg/registry-manager*.wasm" >/dev/null || { echo "make-rootfs: no built site in $site" >&2; exit 1; }
hashes="$(dirname "$bin")/hash.txt"
[ -f "$hashes" ] || { echo "make-rootfs: no $hashes beside the binary (cargo leptos build writes it)" >&2; exit 1; }
[ -f "$ca" ] || { echo "make-rootfs: $ca missing (apt-get install ca-certificates)" >&2; exit 1; }
# A FROM scratch image has no loader and no libc: a dynamic binary would fail with "no such file".
if ! file -b "$bin" | grep -q 'static'; then
  echo "make-rootfs: $bin is not statically linked: $(file -b "$bin")" >&2
  exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -d -m 0755 "$stage/usr/local/bin" "$stage/usr/share/registry-manager" "$stage/etc/ssl/certs"
install -m 0755 "$bin" "$stage/usr/local/bin/registry-manager"
install -m 0644 "$hashes" "$stage/usr/local/bin/hash.txt"
# The symbol table is a third of the release binary and nothing at run time uses it (panics
# still name the panicking location; backtraces lose function names).
strip --strip-all "$stage/usr/local/bin/registry-manager"
cp -R "$site" "$stage/usr/share/registry-manager/site"
install -m 0644 "$ca" "$stage/etc/ssl/certs/ca-certificates.crt"
install -m 0644 "$here/rootfs/etc/passwd" "$here/rootfs/etc/group" "$here/rootfs/etc/nsswitch.conf" "$stage/etc/"
install -d -m 1777 "$stage/tmp"
install -d -m 0700 "$stage/data"
chmod -R u=rwX,go=rX "$stage/usr/share/registry-manager/site"

# Fixed owners and times, sorted names: the same artefacts give the same layer.
common=(--sort=name --mtime=@0 --numeric-owner --format=gnu)
tar "${common[@]}" --owner=0 --group=0 -cf "$out" -C "$stage" etc tmp usr
tar "${common[@]}" --owner=10001 --group=10001 -rf "$out" -C "$stage" data
