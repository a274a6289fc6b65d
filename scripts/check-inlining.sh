#!/usr/bin/env bash
# Fails if any dotgrad kernel calls a core::arch intrinsic out of line.
#
# A kernel body runs inside `Simd::vectorize`, a #[target_feature] function;
# if LLVM declines to inline the body there (a closure missing
# #[inline(always)], say), the body is compiled without the features and
# every intrinsic becomes a call: still bit-exact, but 20x slower, so no test
# notices. This scans the release speed report (which links every kernel)
# for such calls. CPU detection (cpuid/xgetbv) is allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example speed --quiet
bin=target/release/examples/speed
if ! command -v objdump >/dev/null; then
    if [[ ${CI:-} == true ]]; then
        echo "INLINING CHECK FAILED (CI=true): objdump not found (install binutils)" >&2
        exit 1
    fi
    echo "INLINING CHECK SKIPPED: objdump not found (install binutils)"
    exit 0
fi
bad=$(objdump -d --no-show-raw-insn -C "$bin" |
    awk '/^[0-9a-f]+ <.*>:$/ { fn = $0 }
         /call.*core::core_arch::/ && fn ~ /dotgrad|pulp/ && fn !~ /cpuid|init_get|detect/ { print fn }' |
    sort | uniq -c)
if [[ -n $bad ]]; then
    echo "out-of-line intrinsic calls in kernels (count, function):"
    echo "$bad"
    exit 1
fi
echo "inlining check: no kernel calls a core::arch intrinsic out of line"
