#!/usr/bin/env bash
# Runs the differential fuzz targets of fuzz/ (cargo-fuzz, libFuzzer).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 30; the targets default to every [[bin]] of
# fuzz/Cargo.toml. Installs the nightly toolchain and cargo-fuzz when they are
# missing (if nightly cannot be installed it prints one line starting
# "FUZZ SKIPPED:" and exits 0, or fails under CI=true). Prints the
# executions of each target and fails
# if any target fails (its crash input is kept under fuzz/artifacts/TARGET/;
# replay it with `cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...`).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-30}
if [[ $# -gt 0 ]]; then shift; fi
if ! [[ $secs =~ ^[0-9]+$ ]] || [[ $secs -eq 0 ]]; then
    echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: installing the nightly toolchain"
    if ! rustup toolchain install nightly --profile minimal; then
        # cargo-fuzz needs nightly (-Zsanitizer); without it nothing can run.
        if [[ ${CI:-} == true ]]; then
            echo "FUZZ FAILED (CI=true): the nightly toolchain is missing and could not be installed" >&2
            exit 1
        fi
        echo "FUZZ SKIPPED: the nightly toolchain is missing and could not be installed"
        exit 0
    fi
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
if [[ ${#targets[@]} -eq 0 ]]; then
    echo "fuzz.sh: no fuzz targets found" >&2
    exit 1
fi

# Build every target first, so that the time given to each is fuzzing time.
for t in "${targets[@]}"; do
    cargo +nightly fuzz build "$t"
done

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
failed=()
summary=()
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${secs}s"
    log="$logdir/$t.log"
    status=ok
    if ! cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
        status=FAILED
        failed+=("$t")
        tail -n 40 "$log"
        grep -A4 'panicked at' "$log" | head -n 20 || true
    fi
    # libFuzzer's final stats line, else its "Done N runs" line.
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    if [[ -z $execs ]]; then
        execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    fi
    if [[ -z $execs ]]; then
        execs=$(sed -n 's/^#\([0-9]*\)[[:space:]].*/\1/p' "$log" | tail -n 1)
    fi
    summary+=("$(printf '%-24s %12s executions  %s' "$t" "${execs:-?}" "$status")")
    echo "${summary[-1]}"
done

echo "== fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
