#!/usr/bin/env bash
# Fuzz smoke test: builds the fuzz crate and runs every target in fuzz/fuzz_targets/ under
# libFuzzer for at most FUZZ_SECONDS (20) from its committed seeds in fuzz/corpus/TARGET/.
# Exits non-zero if any target crashes (its input is left in fuzz/artifacts/TARGET/).
# cargo-fuzz is installed into .cache/cargo-fuzz when missing; RUSTC_BOOTSTRAP lets the stable
# toolchain accept the sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-20}
export RUSTC_BOOTSTRAP=1
# The fuzz crate is its own workspace, built with sanitizers: keep it out of target/.
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$root/fuzz/target}
export PATH="$root/.cache/cargo-fuzz/bin:$PATH"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked --quiet --root .cache/cargo-fuzz cargo-fuzz
fi

cd fuzz
# The dev profile builds in half the time of release (5 vs 11 minutes on 2 cores); a smoke run
# needs coverage and the sanitizer, not speed.
cargo fuzz build --dev
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for file in fuzz_targets/*.rs; do
  target=$(basename "$file" .rs)
  mkdir -p "$work/$target" "corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  # New inputs go to the scratch corpus (first); the committed seeds are only read.
  if ! cargo fuzz run --dev "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>"$work/$target.log"; then
    tail -n 40 "$work/$target.log" >&2
    failed+=("$target")
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' "$work/$target.log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}; inputs in fuzz/artifacts/" >&2
  exit 1
fi
echo "fuzz: every target ran ${seconds}s without a crash"
