//! AVX2 + FMA: 256-bit ymm registers, 8 f32 / 4 f64 lanes; a stripe is 8
//! registers (the contract's 8 accumulators). Requires `avx2` and `fma`.

mod dot;

use core::arch::x86_64::*;

use super::{MASK32, MASK64, cpuid_avx2};
use crate::lanes::{Lanes, Simd};

/// Proof that the CPU has AVX2 and FMA: pulp's x86-64-v3 token (AVX2, FMA,
/// BMI1/2, LZCNT, POPCNT and SSE up to 4.2, as every AVX2 CPU has).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(pulp::x86::V3);

impl Avx2 {
    /// `Some` only when the CPU reports `avx2` and `fma` (cpufeatures' cached
    /// check) and pulp confirms the rest of x86-64-v3.
    #[inline]
    pub(crate) fn try_new() -> Option<Avx2> {
        if !cpuid_avx2::get() {
            return None;
        }
        pulp::x86::V3::try_new().map(Avx2)
    }
}

impl Simd for Avx2 {
    #[inline(always)]
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R {
        // pulp runs `f` in a function compiled with every x86-64-v3 feature.
        self.0.vectorize(f)
    }
}

/// The all-ones-in-`len`-low-lanes mask for 32-bit lanes (`len <= 8`).
#[inline(always)]
fn mask32(_proof: Avx2, len: usize) -> __m256i {
    let m = &MASK32[8 - len.min(8)..][..8];
    // SAFETY: `m` is 8 i32 = 32 bytes in bounds; loadu has no alignment need.
    // `_proof` shows the CPU has AVX.
    unsafe { _mm256_loadu_si256(m.as_ptr().cast()) }
}

/// The mask for 64-bit lanes (`len <= 4`).
#[inline(always)]
fn mask64(_proof: Avx2, len: usize) -> __m256i {
    let m = &MASK64[4 - len.min(4)..][..4];
    // SAFETY: `m` is 4 i64 = 32 bytes in bounds; as for `mask32`.
    unsafe { _mm256_loadu_si256(m.as_ptr().cast()) }
}

impl Lanes<f32> for Avx2 {
    type V = __m256;
    type Stripe = [__m256; 8];
    const LANES: usize = 8;
    const REGISTERS: usize = 16;

    #[inline(always)]
    fn zero(self) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    fn zero_stripe(self) -> [__m256; 8] {
        [Lanes::<f32>::zero(self); 8]
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> __m256 {
        // SAFETY: the `Avx2` token proves avx2+fma; the slice index just checked one whole register is in bounds.
        unsafe { _mm256_loadu_ps(s[..8].as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: __m256) {
        // SAFETY: the `Avx2` token proves avx2+fma; the slice index just checked one whole register is in bounds.
        unsafe { _mm256_storeu_ps(s[..8].as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f32]) -> __m256 {
        // SAFETY: the `Avx2` token proves avx2+fma; lanes `>= s.len()` are masked off and not read.
        unsafe { _mm256_maskload_ps(s.as_ptr(), mask32(self, s.len())) }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f32], v: __m256) {
        // SAFETY: the `Avx2` token proves avx2+fma; lanes `>= s.len()` are masked off and not written.
        unsafe { _mm256_maskstore_ps(s.as_mut_ptr(), mask32(self, s.len()), v) }
    }
    #[inline(always)]
    fn fma1(self, a: f32, b: f32, c: f32) -> f32 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c))) }
    }
    #[inline(always)]
    fn fma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn fma_part(self, a: __m256, b: __m256, c: __m256, len: usize) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe {
            let r = _mm256_fmadd_ps(a, b, c);
            _mm256_blendv_ps(c, r, _mm256_castsi256_ps(mask32(self, len)))
        }
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_sqrt_ps(a) }
    }
    #[inline(always)]
    fn min(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    fn select_lt(self, a: __m256, b: __m256, x: __m256, y: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_blendv_ps(y, x, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn abs(self, a: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), a) }
    }
    #[inline(always)]
    fn neg(self, a: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_xor_ps(a, _mm256_set1_ps(-0.0)) }
    }
    #[inline(always)]
    fn round_even(self, a: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn pow2i(self, k: __m256) -> __m256 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe {
            _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(
                _mm256_cvtps_epi32(k),
                _mm256_set1_epi32(127),
            )))
        }
    }
    #[inline(always)]
    fn dot_block(self, a: &[f32], b: &[f32]) -> [__m256; 8] {
        crate::kernels::dot::rotated_block(self, a, b)
    }
    #[inline(always)]
    fn dot_one(self, a: &[f32], b: &[f32]) -> f32 {
        crate::kernels::dot::rotated_dot(self, a, b)
    }
    #[inline(always)]
    fn reduce(self, v: __m256) -> f32 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe {
            // w = 4: lanes 0..4 += lanes 4..8.
            let x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            // w = 2: lanes 0..2 += lanes 2..4.
            let x = _mm_add_ps(x, _mm_movehl_ps(x, x));
            // w = 1: lane 0 += lane 1.
            let x = _mm_add_ss(x, _mm_shuffle_ps::<1>(x, x));
            _mm_cvtss_f32(x)
        }
    }
}

impl Lanes<f64> for Avx2 {
    type V = __m256d;
    type Stripe = [__m256d; 8];
    const LANES: usize = 4;
    const REGISTERS: usize = 16;

    #[inline(always)]
    fn zero(self) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_setzero_pd() }
    }
    #[inline(always)]
    fn zero_stripe(self) -> [__m256d; 8] {
        [Lanes::<f64>::zero(self); 8]
    }
    #[inline(always)]
    fn splat(self, x: f64) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_set1_pd(x) }
    }
    #[inline(always)]
    fn load(self, s: &[f64]) -> __m256d {
        // SAFETY: the `Avx2` token proves avx2+fma; the slice index just checked one whole register is in bounds.
        unsafe { _mm256_loadu_pd(s[..4].as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64], v: __m256d) {
        // SAFETY: the `Avx2` token proves avx2+fma; the slice index just checked one whole register is in bounds.
        unsafe { _mm256_storeu_pd(s[..4].as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f64]) -> __m256d {
        // SAFETY: the `Avx2` token proves avx2+fma; lanes `>= s.len()` are masked off and not read.
        unsafe { _mm256_maskload_pd(s.as_ptr(), mask64(self, s.len())) }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f64], v: __m256d) {
        // SAFETY: the `Avx2` token proves avx2+fma; lanes `>= s.len()` are masked off and not written.
        unsafe { _mm256_maskstore_pd(s.as_mut_ptr(), mask64(self, s.len()), v) }
    }
    #[inline(always)]
    fn fma1(self, a: f64, b: f64, c: f64) -> f64 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(a), _mm_set_sd(b), _mm_set_sd(c))) }
    }
    #[inline(always)]
    fn fma(self, a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_fmadd_pd(a, b, c) }
    }
    #[inline(always)]
    fn fma_part(self, a: __m256d, b: __m256d, c: __m256d, len: usize) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe {
            let r = _mm256_fmadd_pd(a, b, c);
            _mm256_blendv_pd(c, r, _mm256_castsi256_pd(mask64(self, len)))
        }
    }
    #[inline(always)]
    fn add(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_add_pd(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_mul_pd(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_sub_pd(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_div_pd(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_sqrt_pd(a) }
    }
    #[inline(always)]
    fn min(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_min_pd(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_max_pd(a, b) }
    }
    #[inline(always)]
    fn select_lt(self, a: __m256d, b: __m256d, x: __m256d, y: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_blendv_pd(y, x, _mm256_cmp_pd::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn abs(self, a: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), a) }
    }
    #[inline(always)]
    fn neg(self, a: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_xor_pd(a, _mm256_set1_pd(-0.0)) }
    }
    #[inline(always)]
    fn round_even(self, a: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe { _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn pow2i(self, k: __m256d) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe {
            _mm256_castsi256_pd(_mm256_slli_epi64::<52>(_mm256_castpd_si256(_mm256_add_pd(
                k,
                _mm256_set1_pd(4503599627371519.0),
            ))))
        }
    }
    #[inline(always)]
    fn dot_block(self, a: &[f64], b: &[f64]) -> [__m256d; 8] {
        crate::kernels::dot::rotated_block(self, a, b)
    }
    #[inline(always)]
    fn dot_one(self, a: &[f64], b: &[f64]) -> f64 {
        crate::kernels::dot::rotated_dot(self, a, b)
    }
    #[inline(always)]
    fn reduce(self, v: __m256d) -> f64 {
        // SAFETY: the `Avx2` token (`self`) proves avx2+fma.
        unsafe {
            // w = 2: lanes 0..2 += lanes 2..4.
            let x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
            // w = 1: lane 0 += lane 1.
            let x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
            _mm_cvtsd_f64(x)
        }
    }
}
