#!/usr/bin/env bash
# `make fuzz`: runs every fuzz target (fuzz/fuzz_targets/) for FUZZ_SECONDS each (default 60),
# starting from its seeds (fuzz/seeds/<target>) and the corpus earlier runs grew
# (fuzz/corpus/<target>, not committed). A crash stops the run and fails it; libFuzzer saves the
# input under fuzz/artifacts/<target>/ and `cargo fuzz run <target> <file>` replays it.
# FUZZ_TARGETS="reference manifest" picks some. `make test` runs each briefly (FUZZ_SECONDS=10).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
cargo fuzz --version >/dev/null 2>&1 || "$ROOT/scripts/setup.sh"
cd "$ROOT/fuzz"
# Only stable Rust exists on these machines; cargo-fuzz passes nightly-only `-Z` flags.
export RUSTC_BOOTSTRAP=1
# Our parsers are safe Rust: what we hunt is panics, which libFuzzer sees without a sanitizer.
# AddressSanitizer would instrument the whole server stack the fuzz crate links, for a build that
# takes minutes longer and runs several times slower.
# --debug-assertions: arithmetic overflow panics too, as in tests.
SANITIZER="${FUZZ_SANITIZER:-none}"
targets=(${FUZZ_TARGETS:-$(cargo fuzz list)})

log "cargo fuzz build (sanitizer: $SANITIZER)"
cargo fuzz build --sanitizer "$SANITIZER" --debug-assertions

output="$(mktemp)"
trap 'rm -f "$output"' EXIT
for target in "${targets[@]}"; do
  log "fuzz $target for ${FUZZ_SECONDS}s"
  mkdir -p "corpus/$target"
  # -timeout: one input taking over 10 s is a hang, reported as a crash.
  if ! cargo fuzz run --sanitizer "$SANITIZER" --debug-assertions "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 >"$output" 2>&1; then
    # The panic message, then the input that caused it and where it was saved.
    grep -A 2 "panicked at" "$output" >&2 || true
    grep -v "^ " "$output" | tail -n 40 >&2
    log "fuzz target $target crashed; reproduce with: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer $SANITIZER --debug-assertions $target artifacts/$target/<file>"
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$output" | tr '\n' ' ' >&2
  echo >&2
done
log "fuzzing found no crash"
