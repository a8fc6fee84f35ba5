#!/usr/bin/env python3
"""What a browser downloads for the first page, from a site built by
`cargo leptos build --release --split --precompress` (target/site/pkg by default).

A first page is the main JS and WASM, the split loader and the WASM chunks the split manifest
lists for that page's lazy route. Raw is the files' size; gzip and brotli are the sizes of the
`.gz`/`.br` files beside them, which are what the server sends (server/src/static_files.rs).
Prints one table row per page and the 350 KiB gzip target (issue 14). The last column, "as one
gzip", is the same files concatenated and gzipped once: what the page would cost if its chunks
were one file. The gap is what splitting into many small chunks, each compressed alone, costs.
"after sign-in" is what the page adds once the sign-in page's files are in the browser's cache
(they are kept a year under their hashed names): a new visitor's first page is the sign-in page,
and the page they land on after signing in downloads only this. Exits 1 if the site is missing
or not split.

    scripts/site-size.py [PKG_DIR]
"""

import glob
import gzip
import json
import os
import sys

TARGET_GZIP = 350 * 1024
# (label, path, manifest key prefix: the lazy route's view, app/src/ui/lazy_pages.rs)
PAGES = [
    ("sign-in page", "/login", "__login_route_view"),
    ("repositories", "/", "__repositories_route_view"),
    ("repository", "/repositories/…", "__repository_route_lazy_view"),
    ("jobs", "/jobs", "__jobs_route_view"),
    ("local images", "/local-images", "__local_images_route_view"),
    ("storage, users, audit…", "", "lazy_occasional_page"),
]


def sizes(pkg, name):
    """(raw, gzip, brotli) of one file; a missing precompressed copy counts as raw."""
    raw = os.path.getsize(os.path.join(pkg, name))
    compressed = []
    for ext in (".gz", ".br"):
        path = os.path.join(pkg, name + ext)
        compressed.append(os.path.getsize(path) if os.path.exists(path) else raw)
    return (raw, *compressed)


def kib(n):
    return f"{n / 1024:7.1f} KiB"


def main():
    pkg = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "site", "pkg")
    manifests = glob.glob(os.path.join(pkg, "__wasm_split_manifest*.json"))
    manifests = [m for m in manifests if not m.endswith((".gz", ".br"))]
    if not manifests:
        print(f"no split site in {pkg}: run `cargo leptos build --release --split --precompress`", file=sys.stderr)
        return 1
    manifest = json.load(open(manifests[0]))

    def main_files():
        found = []
        for pattern in ("registry-manager.*.js", "registry-manager.*.wasm", "__wasm_split.*.js"):
            found += [os.path.basename(f) for f in glob.glob(os.path.join(pkg, pattern))]
        return sorted(f for f in found if not f.endswith((".gz", ".br")) and ".d." not in f)

    shell = main_files()
    if not any(f.endswith(".wasm") for f in shell):
        print(f"no registry-manager.*.wasm in {pkg} (built without hash-files?)", file=sys.stderr)
        return 1

    def one_gzip(files):
        """gzip size of the files as one stream (level 9, as --precompress's gzip roughly is)."""
        data = b"".join(open(os.path.join(pkg, f), "rb").read() for f in files)
        return len(gzip.compress(data, 9))

    def total(files):
        t = [0, 0, 0]
        for f in files:
            for i, n in enumerate(sizes(pkg, f)):
                t[i] += n
        return t

    print("Front-end weight: JS + WASM a first visit downloads (release, --split, as served)")
    print(
        f"  {'page':<28} {'files':>5} {'raw':>12} {'gzip':>12} {'brotli':>12} {'as one gzip':>12}"
        f" {'after sign-in':>13}   target: gzip ≤ 350 KiB, cold cache"
    )
    raw, gz, br = total(shell)
    print(f"  {'shell (every page)':<28} {len(shell):>5} {kib(raw)} {kib(gz)} {kib(br)} {kib(one_gzip(shell))}")

    def page_files(prefix):
        keys = [k for k in manifest if k.startswith(prefix + "_")]
        return shell + [chunk + ".wasm" for chunk in manifest[keys[0]]] if keys else None

    signed_in_cache = set(page_files(PAGES[0][2]) or shell)
    for label, path, prefix in PAGES:
        files = page_files(prefix)
        if files is None:
            print(f"  {label + ' ' + path:<28} (no lazy route {prefix} in the manifest)")
            continue
        raw, gz, br = total(files)
        added = total([f for f in files if f not in signed_in_cache])[1]
        verdict = "ok" if gz <= TARGET_GZIP else f"over by {(gz - TARGET_GZIP) / 1024:.1f} KiB"
        print(
            f"  {label + ' ' + path:<28} {len(files):>5} {kib(raw)} {kib(gz)} {kib(br)} {kib(one_gzip(files))}"
            f" {kib(added):>13}   {verdict}"
        )
    everything = [
        os.path.basename(f)
        for f in glob.glob(os.path.join(pkg, "*"))
        if f.endswith((".js", ".wasm")) and ".d." not in f
    ]
    raw, gz, br = total(everything)
    print(f"  {'whole app (all chunks)':<28} {len(everything):>5} {kib(raw)} {kib(gz)} {kib(br)} {kib(one_gzip(everything))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
