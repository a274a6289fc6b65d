#!/usr/bin/env bash
# The Python package's checks: cargo fmt and clippy on python/, then
# `pip install ./python` (pytest and numpy beside it) into a fresh virtual
# environment, then the pytest suite, run against the installed package.
#
# Needs only a Rust toolchain and Python >= 3.9 with pip and venv; pip
# fetches maturin, numpy and pytest. Exits non-zero on any failure. A missing
# tool (python, cargo, clippy, rustfmt) is a failure when CI=true; elsewhere
# the script says what is missing and skips.
#
# Environment:
#   PYTHON=python3.11          the interpreter (default: python3.11, else python3)
#   NUMPY='numpy<2'            the numpy requirement (default: the newest pip finds)
#   DOTGRAD_REQUIRE_ISA=avx2   backends whose absence fails the run
#   Extra arguments go to pytest (e.g. `scripts/test-python.sh -k dot -x`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS

missing() {
    if [[ ${CI:-} == true ]]; then
        echo "error: $1 (required in CI)" >&2
        exit 1
    fi
    echo "skipped: $1" >&2
    exit 0
}

python=${PYTHON:-}
if [[ -z $python ]]; then
    if command -v python3.11 >/dev/null; then python=python3.11; else python=python3; fi
fi
command -v "$python" >/dev/null || missing "no Python interpreter ($python)"
command -v cargo >/dev/null || missing "no cargo"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    missing "$("$python" --version 2>&1) is older than 3.9"
echo "== $("$python" --version), $(rustc --version)"

echo "== cargo fmt --check, cargo clippy -D warnings (python/)"
cargo fmt --version >/dev/null 2>&1 || missing "no rustfmt (rustup component add rustfmt)"
cargo clippy --version >/dev/null 2>&1 || missing "no clippy (rustup component add clippy)"
(
    cd "$root/python"
    cargo fmt --check
    # A target directory of its own: pyo3's build script depends on the
    # interpreter, which differs here from the one maturin builds for, and a
    # shared directory would rebuild pyo3 in both steps on every run.
    CARGO_TARGET_DIR=target/clippy cargo clippy --release --all-targets -- -D warnings
)

# A fresh environment every run, at a fixed path: cargo (through maturin)
# keys its build of pyo3 on the interpreter's path, so a fixed one keeps the
# Rust build incremental from run to run.
venv=$root/python/target/test-venv
echo "== virtual environment in $venv (new)"
mkdir -p "$root/python/target"
"$python" -m venv --clear "$venv" || missing "$python cannot create a virtual environment (python3-venv)"
vpy=$venv/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

echo "== pip install ./python pytest ${NUMPY:-numpy}"
build_start=$SECONDS
"$vpy" -m pip install "$root/python" "pytest>=7" "${NUMPY:-numpy}"
echo "== installed in $((SECONDS - build_start)) s"

# Run from an empty directory, so that `import dotgrad` finds the installed
# package and never the source tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$vpy" - <<'EOF'
import numpy, dotgrad
where = dotgrad._dotgrad.__file__
assert "site-packages" in where, f"dotgrad imported from {where}, not the virtual environment"
print(f"== dotgrad {dotgrad.__version__} ({where}), numpy {numpy.__version__}, backends {dotgrad.backends()}")
EOF

echo "== pytest"
status=0
"$vpy" -m pytest -p no:cacheprovider -ra "$root/python/tests" "$@" || status=$?
if [[ $status == 5 ]]; then
    echo "error: pytest collected no tests" >&2
fi
echo "== scripts/test-python.sh: exit $status after $((SECONDS - start)) s"
exit "$status"
