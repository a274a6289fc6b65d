#!/usr/bin/env bash
# The distributed run (distributed/): data-parallel dot, linear and logistic
# regression over MPI must give the bits of the single-process run.
#
#   scripts/test-mpi.sh
#
# 1. Installs what is missing with apt-get: Debian's OpenMPI (openmpi-bin,
#    libopenmpi-dev) and libclang-dev (the mpi crate's bindgen).
# 2. Builds distributed/ (release) and runs its tests (ranks as threads).
# 3. Runs the reference, dotgrad-single (one process, no MPI), then
#    `mpirun -np 1, 2, 3, 4` of dotgrad-mpi (skewed split 1:2:3:..., so
#    shares are uneven and, in the small jobs, ranks hold no rows), -np 4 with
#    the even split, and -np 4 with a different dotgrad backend per rank.
#    Every rank's result lines (FNV-1a of the final weights, bits of the
#    bias, of the last loss, FNV-1a of every epoch's loss; bits of each dot)
#    must equal the reference's, bit for bit.
# 4. Checks that the comparison catches a wrong combine: at -np 3 with
#    `--fault rank-sums` (each rank's own sum, added in reverse rank order)
#    the lines must differ, and with `--fault reverse-ranks` (the partials
#    handed to dotgrad in reverse order) the run must fail.
#
# Exits non-zero on any mismatch or error. Where OpenMPI, libclang or cargo
# is missing and cannot be installed, it prints "MPI TESTS SKIPPED: ..." and
# exits 0, except with CI=true, where that is a failure. Prints the time of
# each step. The outputs are kept in distributed/target/test-mpi/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
crate=$root/distributed
start=$SECONDS

missing() {
    if [[ ${CI:-} == true ]]; then
        echo "test-mpi.sh: error: $1 (required in CI)" >&2
        exit 1
    fi
    echo "MPI TESTS SKIPPED: $1"
    exit 0
}

step_name=""
step_start=0
timings=()
step() {
    end_step
    step_name=$1
    step_start=$SECONDS
    echo
    echo "== $step_name"
}
end_step() {
    if [[ -n $step_name ]]; then
        timings+=("$(printf '%5d s  %s' $((SECONDS - step_start)) "$step_name")")
        step_name=""
    fi
}

have_tools() {
    command -v mpirun >/dev/null && command -v mpicc >/dev/null &&
        ldconfig -p 2>/dev/null | grep -q 'libclang[-.0-9]*\.so'
}

step "setup: OpenMPI and libclang"
command -v cargo >/dev/null || missing "no cargo"
if ! have_tools; then
    pkgs=(openmpi-bin libopenmpi-dev libclang-dev)
    echo "test-mpi.sh: installing ${pkgs[*]}"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || missing "not root and no sudo to install ${pkgs[*]}"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null || missing "no apt-get to install ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq || missing "apt-get update failed"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" ||
        missing "apt-get could not install ${pkgs[*]}"
    have_tools || missing "mpirun, mpicc or libclang still missing after apt-get"
fi
mpirun --version | head -n 1
rustc --version

# OpenMPI refuses to run as root unless told; CI runs as root.
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# More ranks than cores is the point here (4 ranks on 2 cores).
mpirun=(timeout 300 mpirun --oversubscribe)

step "cargo build --release (distributed/)"
cd "$crate"
# Not --locked: distributed/Cargo.lock also pins dotgrad's own dependencies,
# which change in the root Cargo.toml without this crate's lock file.
cargo build --release
single=$crate/target/release/dotgrad-single
mpi=$crate/target/release/dotgrad-mpi

step "cargo test --release (distributed/: ranks as threads)"
cargo test --release

out=$crate/target/test-mpi
rm -rf "$out"
mkdir -p "$out"
failures=0

step "reference: dotgrad-single (one process, no MPI)"
"$single" | tee "$out/single.txt"
grep '^result ' "$out/single.txt" >"$out/expected.txt"
jobs=$("$single" --list | wc -l)
if [[ $(wc -l <"$out/expected.txt") -ne $jobs || $jobs -eq 0 ]]; then
    echo "test-mpi.sh: the reference printed $(wc -l <"$out/expected.txt") result lines for $jobs jobs" >&2
    exit 1
fi

# compare NAME NP FILE: 0 if every rank's result lines equal the reference's.
compare() {
    local name=$1 np=$2 file=$3 r bad=0
    for ((r = 0; r < np; r++)); do
        if ! diff <(cat "$out/expected.txt") <(sed -n "s/^rank=$r //p" "$file") >"$out/$name.rank$r.diff"; then
            bad=1
        fi
    done
    return $bad
}

# run NAME NP [ARGS...] / run NAME -- MPIRUN-ARGS: runs dotgrad-mpi, then
# compares; a failing run or a mismatch counts as a failure.
run() {
    local name=$1 np=$2
    shift 2
    local status=0
    local t=$SECONDS
    if [[ $np == mpmd ]]; then
        np=$#
        local app=()
        for isa in "$@"; do
            app+=(-np 1 -x "DOTGRAD_ISA=$isa" "$mpi" :)
        done
        "${mpirun[@]}" "${app[@]::${#app[@]}-1}" >"$out/$name.txt" 2>"$out/$name.err" || status=$?
    else
        "${mpirun[@]}" -np "$np" "$mpi" "$@" >"$out/$name.txt" 2>"$out/$name.err" || status=$?
    fi
    grep -E '^dotgrad-mpi|^  rank=|^wall' "$out/$name.txt" || true
    if [[ $status -ne 0 ]]; then
        echo "FAIL $name: mpirun exited with $status"
        tail -n 20 "$out/$name.err"
        failures=$((failures + 1))
    elif ! compare "$name" "$np" "$out/$name.txt"; then
        echo "FAIL $name: result lines differ from the single-process run:"
        cat "$out/$name".rank*.diff
        failures=$((failures + 1))
    else
        echo "ok   $name: all $np ranks print the reference's $jobs result lines ($((SECONDS - t)) s)"
    fi
}

for np in 1 2 3 4; do
    step "mpirun -np $np dotgrad-mpi (skewed split)"
    run "np$np" "$np"
done
step "mpirun -np 4 dotgrad-mpi --split even"
run np4-even 4 --split even
if [[ $(uname -m) == x86_64 ]]; then
    isas=(scalar avx2 avx512 "")
else
    isas=(scalar "" scalar "")
fi
label=""
for isa in "${isas[@]}"; do label+=" ${isa:-(unset)}"; done
step "mpirun -np 4 with a backend per rank (DOTGRAD_ISA:$label)"
run np4-mixed mpmd "${isas[@]}"

step "a wrong combine must be caught: -np 3 --fault rank-sums"
t=$SECONDS
if "${mpirun[@]}" -np 3 "$mpi" --fault rank-sums >"$out/fault-rank-sums.txt" 2>"$out/fault-rank-sums.err"; then
    if compare fault-rank-sums 3 "$out/fault-rank-sums.txt"; then
        echo "FAIL: the comparison did not see rank sums in reverse rank order"
        failures=$((failures + 1))
    else
        echo "ok   the comparison flags the wrong combine ($((SECONDS - t)) s); the jobs it changed:"
        grep '^>' "$out/fault-rank-sums.rank0.diff" | sed 's/^> /       /'
    fi
else
    echo "FAIL: dotgrad-mpi --fault rank-sums did not run"
    tail -n 20 "$out/fault-rank-sums.err"
    failures=$((failures + 1))
fi

step "a wrong combine must be caught: -np 3 --fault reverse-ranks"
if "${mpirun[@]}" -np 3 "$mpi" --fault reverse-ranks --only linear-f32 >"$out/fault-reverse.txt" 2>"$out/fault-reverse.err"; then
    echo "FAIL: partials in reverse rank order were accepted"
    failures=$((failures + 1))
elif grep -q 'not contiguous' "$out/fault-reverse.err"; then
    echo "ok   dotgrad refuses them: $(grep -m1 'not contiguous' "$out/fault-reverse.err")"
else
    echo "FAIL: --fault reverse-ranks failed, but not by dotgrad's contiguity check:"
    tail -n 20 "$out/fault-reverse.err"
    failures=$((failures + 1))
fi

end_step
echo
echo "== checksums (single process = every rank of every run above unless FAIL)"
cat "$out/expected.txt"
echo
echo "== payload per worker per epoch at -np 4 (bytes of Partial::to_bytes)"
awk '/^== /{job=$2} /^    rank /{printf "  %-20s %s\n", job, $0}' "$out/np4.txt"
echo
echo "== test-mpi.sh steps"
printf '%s\n' "${timings[@]}"
echo "== test-mpi.sh: $((SECONDS - start)) s, $failures failure(s)"
[[ $failures -eq 0 ]]
