#!/usr/bin/env python3
"""Rewrites the `.gz` copies that `cargo leptos build --precompress` puts beside the site's files
at gzip's highest level, since the server sends them as they are (server/src/static_files.rs).

cargo-leptos 0.3.10 writes them at a fast level: its main WASM's `.gz` was 226 KB where level 9
gives 194 KB (-14%), and a first page's gzip total shrinks alike (issue 14, front-end weight,
measured by scripts/site-size.py). The content is unchanged, so browsers decode the same bytes; a
copy is only replaced when the new one is smaller. mtime 0 in the header, so a rebuild from the
same files gives the same bytes.

    scripts/recompress.py [SITE_DIR]     (default: target/site)
"""

import gzip
import os
import sys


def main():
    site = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "site")
    if not os.path.isdir(site):
        print(f"no site in {site}: run `cargo leptos build --release --split --precompress`", file=sys.stderr)
        return 1
    before = after = files = 0
    for folder, _, names in os.walk(site):
        for name in names:
            if not name.endswith(".gz"):
                continue
            gz_path = os.path.join(folder, name)
            source = gz_path[: -len(".gz")]
            if not os.path.exists(source):
                continue
            with open(source, "rb") as f:
                data = f.read()
            old = os.path.getsize(gz_path)
            new = gzip.compress(data, compresslevel=9, mtime=0)
            files += 1
            before += old
            if len(new) < old:
                with open(gz_path + ".tmp", "wb") as f:
                    f.write(new)
                os.replace(gz_path + ".tmp", gz_path)
                after += len(new)
            else:
                after += old
    print(f"recompressed {files} .gz files at level 9: {before / 1024:.1f} -> {after / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
