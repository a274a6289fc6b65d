//! x86-64 backends: AVX2+FMA ([`Avx2`]) and AVX-512 F/BW/DQ/VL ([`Avx512`]).
//! Detection uses `cpufeatures`, which caches each answer in an atomic (and
//! is a constant when the build already enables the features).

mod avx2;
mod avx512;

pub(crate) use avx2::Avx2;
pub(crate) use avx512::Avx512;

cpufeatures::new!(cpuid_avx2, "avx2", "fma");
cpufeatures::new!(
    cpuid_avx512,
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512dq",
    "avx512vl"
);

/// `MASK32[8 - len..][..8]` has `len` leading all-ones lanes, then zeros.
static MASK32: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];
/// `MASK64[4 - len..][..4]` has `len` leading all-ones lanes, then zeros.
static MASK64: [i64; 8] = [-1, -1, -1, -1, 0, 0, 0, 0];
