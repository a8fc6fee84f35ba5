#!/usr/bin/env python3
"""Rewrites the `.gz` copies that `cargo leptos build --precompress` puts beside the site's files
as small as gzip goes, since the server sends them as they are (server/src/static_files.rs).

cargo-leptos 0.3.10 writes them at a fast level: its main WASM's `.gz` was 226 KB where level 9
gives 194 KB (-14%), and a first page's gzip total shrinks alike (issue 14, front-end weight,
measured by scripts/site-size.py). With the `zopfli` command (Debian's `zopfli`, installed by
scripts/setup.sh and the Dockerfile's builder) the files are compressed by Zopfli, an encoder that
searches harder for the same deflate format: another 4% off (a signed-in page 465 -> 445 KiB),
for a few seconds per build. Without it, zlib's level 9. Either way any gzip decoder reads them, the
content is unchanged, and a copy is only replaced when the new one is smaller. mtime 0 in the
header, so a rebuild from the same files gives the same bytes. Every new stream is decompressed
and compared with its file before it replaces the old copy.

    scripts/recompress.py [SITE_DIR]     (default: target/site)
"""

import gzip
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ZOPFLI = shutil.which("zopfli")


def compress(source):
    """The gzip stream of the file `source`: Zopfli's when the command is there, else level 9.
    Decompressed again and compared with the file before it can replace a served copy."""
    with open(source, "rb") as f:
        data = f.read()
    if ZOPFLI:
        out = subprocess.run([ZOPFLI, "-c", source], check=True, stdout=subprocess.PIPE).stdout
    else:
        out = gzip.compress(data, compresslevel=9, mtime=0)
    if gzip.decompress(out) != data:
        raise SystemExit(f"recompress: the gzip stream of {source} does not decompress to the file")
    return out


def main():
    site = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "site")
    if not os.path.isdir(site):
        print(f"no site in {site}: run `cargo leptos build --release --split --precompress`", file=sys.stderr)
        return 1
    gz_paths = [
        os.path.join(folder, name)
        for folder, _, names in os.walk(site)
        for name in names
        if name.endswith(".gz") and os.path.exists(os.path.join(folder, name[: -len(".gz")]))
    ]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        compressed = pool.map(lambda gz_path: compress(gz_path[: -len(".gz")]), gz_paths)
        before = after = 0
        for gz_path, new in zip(gz_paths, compressed):
            old = os.path.getsize(gz_path)
            before += old
            if len(new) < old:
                with open(gz_path + ".tmp", "wb") as f:
                    f.write(new)
                os.replace(gz_path + ".tmp", gz_path)
                after += len(new)
            else:
                after += old
    how = "with zopfli" if ZOPFLI else "at level 9 (no zopfli command)"
    print(f"recompressed {len(gz_paths)} .gz files {how}: {before / 1024:.1f} -> {after / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
