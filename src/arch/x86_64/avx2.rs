//! AVX2 + FMA: 256-bit ymm registers (16 of them), 8 f32 / 4 f64 lanes; a
//! stripe is 8 registers (the contract's 8 accumulators). Requires `avx2`
//! and `fma` (pulp's x86-64-v3 token). Register operations go through
//! pulp's safe wrappers on the token; `unsafe` is left only where memory is
//! touched. Tails use masked loads and stores (`vmaskmov`), which never
//! touch memory past the mask. AVX2 has no two-source permute, so the
//! rotated `dot` schedule's `unrotate` permutes both registers and blends;
//! f64 registers are moved as pairs of 32-bit lanes.

use core::arch::x86_64::*;

use super::{MASK32, MASK64, cpuid_avx2};
use crate::lanes::{Lanes, Simd};

/// Proof that the CPU has AVX2 and FMA: pulp's x86-64-v3 token (AVX2, FMA,
/// BMI1/2, LZCNT, POPCNT and SSE up to 4.2, as every AVX2 CPU has), and
/// F16C (checked at detection).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(pulp::x86::V3);

impl Avx2 {
    /// `Some` only when the CPU reports `avx2` and `fma` (cpufeatures' cached
    /// check) and pulp confirms the rest of x86-64-v3 and F16C (the f16
    /// conversion of the reduced-precision kernels, which every AVX2 CPU
    /// has).
    #[inline]
    pub(crate) fn try_new() -> Option<Avx2> {
        if !cpuid_avx2::get() || !pulp::core_arch::x86::F16c::is_available() {
            return None;
        }
        pulp::x86::V3::try_new().map(Avx2)
    }

    /// The token without a check.
    ///
    /// # Safety
    /// [`Avx2::try_new`] must have returned `Some` in this process.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Avx2 {
        // SAFETY: the caller's contract: detection succeeded in this process.
        Avx2(unsafe { pulp::x86::V3::new_unchecked() })
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
fn mask32(t: Avx2, len: usize) -> __m256i {
    let m = &MASK32[8 - len.min(8)..][..8];
    // SAFETY: `m` is 8 i32 = 32 bytes in bounds; loadu has no alignment
    // need; the `Avx2` token proves AVX.
    unsafe { t.0.avx._mm256_loadu_si256(m.as_ptr().cast()) }
}

/// The mask for 64-bit lanes (`len <= 4`).
#[inline(always)]
fn mask64(t: Avx2, len: usize) -> __m256i {
    let m = &MASK64[4 - len.min(4)..][..4];
    // SAFETY: `m` is 4 i64 = 32 bytes in bounds; as for `mask32`.
    unsafe { t.0.avx._mm256_loadu_si256(m.as_ptr().cast()) }
}

/// Lane indices `0..8`.
#[inline(always)]
fn iota(t: Avx2) -> __m256i {
    t.0.avx._mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0)
}

/// `r[p] = v[p - d]` on 32-bit lanes (lanes `< d` unspecified).
#[inline(always)]
fn shift_up32(t: Avx2, v: __m256, d: usize) -> __m256 {
    let idx =
        t.0.avx2
            ._mm256_sub_epi32(iota(t), t.0.avx._mm256_set1_epi32(d as i32));
    t.0.avx2._mm256_permutevar8x32_ps(v, idx)
}

/// `r[i] = lo[i + d]` if `i + d < 8`, else `hi[i + d - 8]`, on 32-bit lanes.
#[inline(always)]
fn unrotate32(t: Avx2, lo: __m256, hi: __m256, d: usize) -> __m256 {
    let (avx, avx2) = (t.0.avx, t.0.avx2);
    let idx = avx2._mm256_add_epi32(iota(t), avx._mm256_set1_epi32(d as i32));
    let from_hi = avx2._mm256_cmpgt_epi32(idx, avx._mm256_set1_epi32(7));
    avx._mm256_blendv_ps(
        avx2._mm256_permutevar8x32_ps(lo, idx),
        avx2._mm256_permutevar8x32_ps(hi, idx),
        avx._mm256_castsi256_ps(from_hi),
    )
}

/// All-ones in 32-bit lanes `>= d`.
#[inline(always)]
fn from_lane32(t: Avx2, d: usize) -> __m256 {
    let ge =
        t.0.avx2
            ._mm256_cmpgt_epi32(iota(t), t.0.avx._mm256_set1_epi32(d as i32 - 1));
    t.0.avx._mm256_castsi256_ps(ge)
}

/// Whether a gather of `len` lanes `stride` apart from the start of `s`
/// stays in `s` and its element indices fit an `i32`; panics if it would
/// read past `s` (see [`Lanes::gather`]). `false` selects the memory path.
#[inline(always)]
pub(super) fn gather_fits(len: usize, stride: usize, s_len: usize) -> bool {
    let last = (len - 1).saturating_mul(stride);
    assert!(last < s_len, "gather past the slice: {last} of {s_len}");
    last <= i32::MAX as usize
}

impl Lanes<f32> for Avx2 {
    type V = __m256;
    type Stripe = [__m256; 8];
    const LANES: usize = 8;
    const REGISTERS: usize = 16;
    const LOAD_ALIGN: usize = 32;

    #[inline(always)]
    fn zero(self) -> __m256 {
        self.0.avx._mm256_setzero_ps()
    }
    #[inline(always)]
    fn zero_stripe(self) -> [__m256; 8] {
        [Lanes::<f32>::zero(self); 8]
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        self.0.avx._mm256_set1_ps(x)
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> __m256 {
        let s = &s[..8];
        // SAFETY: `s` is one whole register in bounds (just sliced); loadu
        // has no alignment need; the token proves AVX.
        unsafe { self.0.avx._mm256_loadu_ps(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: __m256) {
        let s = &mut s[..8];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.avx._mm256_storeu_ps(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f32]) -> __m256 {
        // SAFETY: lanes `>= s.len()` are masked off and not read; the token
        // proves AVX.
        unsafe {
            self.0
                .avx
                ._mm256_maskload_ps(s.as_ptr(), mask32(self, s.len()))
        }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f32], v: __m256) {
        // SAFETY: lanes `>= s.len()` are masked off and not written.
        unsafe {
            self.0
                .avx
                ._mm256_maskstore_ps(s.as_mut_ptr(), mask32(self, s.len()), v)
        }
    }
    #[inline(always)]
    fn fma1(self, a: f32, b: f32, c: f32) -> f32 {
        let (sse, fma) = (self.0.sse, self.0.fma);
        sse._mm_cvtss_f32(fma._mm_fmadd_ss(sse._mm_set_ss(a), sse._mm_set_ss(b), sse._mm_set_ss(c)))
    }
    #[inline(always)]
    fn fma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        self.0.fma._mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    fn fma_part(self, a: __m256, b: __m256, c: __m256, len: usize) -> __m256 {
        let r = self.0.fma._mm256_fmadd_ps(a, b, c);
        let avx = self.0.avx;
        avx._mm256_blendv_ps(c, r, avx._mm256_castsi256_ps(mask32(self, len)))
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        self.0.avx._mm256_add_ps(a, b)
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        self.0.avx._mm256_mul_ps(a, b)
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        self.0.avx._mm256_sub_ps(a, b)
    }
    #[inline(always)]
    fn div(self, a: __m256, b: __m256) -> __m256 {
        self.0.avx._mm256_div_ps(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: __m256) -> __m256 {
        self.0.avx._mm256_sqrt_ps(a)
    }
    #[inline(always)]
    fn min(self, a: __m256, b: __m256) -> __m256 {
        self.0.avx._mm256_min_ps(a, b)
    }
    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        self.0.avx._mm256_max_ps(a, b)
    }
    #[inline(always)]
    fn select_lt(self, a: __m256, b: __m256, x: __m256, y: __m256) -> __m256 {
        let avx = self.0.avx;
        avx._mm256_blendv_ps(y, x, avx._mm256_cmp_ps::<_CMP_LT_OQ>(a, b))
    }
    #[inline(always)]
    fn abs(self, a: __m256) -> __m256 {
        let avx = self.0.avx;
        avx._mm256_andnot_ps(avx._mm256_set1_ps(-0.0), a)
    }
    #[inline(always)]
    fn neg(self, a: __m256) -> __m256 {
        let avx = self.0.avx;
        avx._mm256_xor_ps(a, avx._mm256_set1_ps(-0.0))
    }
    #[inline(always)]
    fn round_even(self, a: __m256) -> __m256 {
        self.0
            .avx
            ._mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a)
    }
    #[inline(always)]
    fn pow2i(self, k: __m256) -> __m256 {
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        let e = avx2._mm256_add_epi32(avx._mm256_cvtps_epi32(k), avx._mm256_set1_epi32(127));
        avx._mm256_castsi256_ps(avx2._mm256_slli_epi32::<23>(e))
    }
    #[inline(always)]
    fn reduce(self, v: __m256) -> f32 {
        let (sse, avx) = (self.0.sse, self.0.avx);
        // w = 4: lanes 0..4 += lanes 4..8.
        let x = sse._mm_add_ps(
            avx._mm256_castps256_ps128(v),
            avx._mm256_extractf128_ps::<1>(v),
        );
        // w = 2: lanes 0..2 += lanes 2..4.
        let x = sse._mm_add_ps(x, sse._mm_movehl_ps(x, x));
        // w = 1: lane 0 += lane 1.
        let x = sse._mm_add_ss(x, sse._mm_shuffle_ps::<1>(x, x));
        sse._mm_cvtss_f32(x)
    }
    #[inline(always)]
    fn gather(self, s: &[f32], stride: usize, len: usize) -> __m256 {
        let len = len.min(8);
        if len == 0 {
            return self.0.avx._mm256_setzero_ps();
        }
        if !gather_fits(len, stride, s.len()) {
            let mut buf = [0.0f32; 8];
            for (l, b) in buf.iter_mut().enumerate().take(len) {
                *b = s[l * stride];
            }
            return Lanes::<f32>::load(self, &buf);
        }
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        let idx = avx2._mm256_mullo_epi32(iota(self), avx._mm256_set1_epi32(stride as i32));
        let mask = avx._mm256_castsi256_ps(mask32(self, len));
        // SAFETY: lanes `>= len` are masked off and read nothing; lane
        // `l < len` reads `s[l * stride]`, in `s` by `gather_fits`, whose
        // index fits the i32 offsets; the token proves AVX2.
        unsafe {
            avx2._mm256_mask_i32gather_ps::<4>(avx._mm256_setzero_ps(), s.as_ptr(), idx, mask)
        }
    }
    #[inline(always)]
    fn shift_up(self, v: __m256, off: usize) -> __m256 {
        shift_up32(self, v, off)
    }
    #[inline(always)]
    fn unrotate(self, lo: __m256, hi: __m256, off: usize) -> __m256 {
        unrotate32(self, lo, hi, off)
    }
    #[inline(always)]
    fn fma_from(self, a: __m256, b: __m256, c: __m256, off: usize) -> __m256 {
        let r = self.0.fma._mm256_fmadd_ps(a, b, c);
        self.0.avx._mm256_blendv_ps(c, r, from_lane32(self, off))
    }
}

impl Lanes<f64> for Avx2 {
    type V = __m256d;
    type Stripe = [__m256d; 8];
    const LANES: usize = 4;
    const REGISTERS: usize = 16;
    const LOAD_ALIGN: usize = 32;

    #[inline(always)]
    fn zero(self) -> __m256d {
        self.0.avx._mm256_setzero_pd()
    }
    #[inline(always)]
    fn zero_stripe(self) -> [__m256d; 8] {
        [Lanes::<f64>::zero(self); 8]
    }
    #[inline(always)]
    fn splat(self, x: f64) -> __m256d {
        self.0.avx._mm256_set1_pd(x)
    }
    #[inline(always)]
    fn load(self, s: &[f64]) -> __m256d {
        let s = &s[..4];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.avx._mm256_loadu_pd(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64], v: __m256d) {
        let s = &mut s[..4];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.avx._mm256_storeu_pd(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f64]) -> __m256d {
        // SAFETY: lanes `>= s.len()` are masked off and not read.
        unsafe {
            self.0
                .avx
                ._mm256_maskload_pd(s.as_ptr(), mask64(self, s.len()))
        }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f64], v: __m256d) {
        // SAFETY: lanes `>= s.len()` are masked off and not written.
        unsafe {
            self.0
                .avx
                ._mm256_maskstore_pd(s.as_mut_ptr(), mask64(self, s.len()), v)
        }
    }
    #[inline(always)]
    fn fma1(self, a: f64, b: f64, c: f64) -> f64 {
        let (sse2, fma) = (self.0.sse2, self.0.fma);
        sse2._mm_cvtsd_f64(fma._mm_fmadd_sd(
            sse2._mm_set_sd(a),
            sse2._mm_set_sd(b),
            sse2._mm_set_sd(c),
        ))
    }
    #[inline(always)]
    fn fma(self, a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        self.0.fma._mm256_fmadd_pd(a, b, c)
    }
    #[inline(always)]
    fn fma_part(self, a: __m256d, b: __m256d, c: __m256d, len: usize) -> __m256d {
        let r = self.0.fma._mm256_fmadd_pd(a, b, c);
        let avx = self.0.avx;
        avx._mm256_blendv_pd(c, r, avx._mm256_castsi256_pd(mask64(self, len)))
    }
    #[inline(always)]
    fn add(self, a: __m256d, b: __m256d) -> __m256d {
        self.0.avx._mm256_add_pd(a, b)
    }
    #[inline(always)]
    fn mul(self, a: __m256d, b: __m256d) -> __m256d {
        self.0.avx._mm256_mul_pd(a, b)
    }
    #[inline(always)]
    fn sub(self, a: __m256d, b: __m256d) -> __m256d {
        self.0.avx._mm256_sub_pd(a, b)
    }
    #[inline(always)]
    fn div(self, a: __m256d, b: __m256d) -> __m256d {
        self.0.avx._mm256_div_pd(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: __m256d) -> __m256d {
        self.0.avx._mm256_sqrt_pd(a)
    }
    #[inline(always)]
    fn min(self, a: __m256d, b: __m256d) -> __m256d {
        self.0.avx._mm256_min_pd(a, b)
    }
    #[inline(always)]
    fn max(self, a: __m256d, b: __m256d) -> __m256d {
        self.0.avx._mm256_max_pd(a, b)
    }
    #[inline(always)]
    fn select_lt(self, a: __m256d, b: __m256d, x: __m256d, y: __m256d) -> __m256d {
        let avx = self.0.avx;
        avx._mm256_blendv_pd(y, x, avx._mm256_cmp_pd::<_CMP_LT_OQ>(a, b))
    }
    #[inline(always)]
    fn abs(self, a: __m256d) -> __m256d {
        let avx = self.0.avx;
        avx._mm256_andnot_pd(avx._mm256_set1_pd(-0.0), a)
    }
    #[inline(always)]
    fn neg(self, a: __m256d) -> __m256d {
        let avx = self.0.avx;
        avx._mm256_xor_pd(a, avx._mm256_set1_pd(-0.0))
    }
    #[inline(always)]
    fn round_even(self, a: __m256d) -> __m256d {
        self.0
            .avx
            ._mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a)
    }
    #[inline(always)]
    fn pow2i(self, k: __m256d) -> __m256d {
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        // k + (2^52 + 1023) puts k + 1023 in the low mantissa bits (exact
        // for |k| < 2^51); shifting left by 52 moves them to the exponent.
        let e = avx._mm256_add_pd(k, avx._mm256_set1_pd(4503599627371519.0));
        avx._mm256_castsi256_pd(avx2._mm256_slli_epi64::<52>(avx._mm256_castpd_si256(e)))
    }
    #[inline(always)]
    fn reduce(self, v: __m256d) -> f64 {
        let (sse2, avx) = (self.0.sse2, self.0.avx);
        // w = 2: lanes 0..2 += lanes 2..4.
        let x = sse2._mm_add_pd(
            avx._mm256_castpd256_pd128(v),
            avx._mm256_extractf128_pd::<1>(v),
        );
        // w = 1: lane 0 += lane 1.
        let x = sse2._mm_add_sd(x, sse2._mm_unpackhi_pd(x, x));
        sse2._mm_cvtsd_f64(x)
    }
    #[inline(always)]
    fn gather(self, s: &[f64], stride: usize, len: usize) -> __m256d {
        let len = len.min(4);
        if len == 0 {
            return self.0.avx._mm256_setzero_pd();
        }
        if !gather_fits(len, stride, s.len()) {
            let mut buf = [0.0f64; 4];
            for (l, b) in buf.iter_mut().enumerate().take(len) {
                *b = s[l * stride];
            }
            return Lanes::<f64>::load(self, &buf);
        }
        let (sse2, sse41, avx, avx2) = (self.0.sse2, self.0.sse4_1, self.0.avx, self.0.avx2);
        let iota4 = sse2._mm_set_epi32(3, 2, 1, 0);
        let idx = sse41._mm_mullo_epi32(iota4, sse2._mm_set1_epi32(stride as i32));
        let mask = avx._mm256_castsi256_pd(mask64(self, len));
        // SAFETY: as for the f32 gather: masked lanes read nothing, the
        // others stay in `s` (`gather_fits`); the token proves AVX2.
        unsafe {
            avx2._mm256_mask_i32gather_pd::<8>(avx._mm256_setzero_pd(), s.as_ptr(), idx, mask)
        }
    }
    #[inline(always)]
    fn shift_up(self, v: __m256d, off: usize) -> __m256d {
        let avx = self.0.avx;
        avx._mm256_castps_pd(shift_up32(self, avx._mm256_castpd_ps(v), 2 * off))
    }
    #[inline(always)]
    fn unrotate(self, lo: __m256d, hi: __m256d, off: usize) -> __m256d {
        let avx = self.0.avx;
        let (lo, hi) = (avx._mm256_castpd_ps(lo), avx._mm256_castpd_ps(hi));
        avx._mm256_castps_pd(unrotate32(self, lo, hi, 2 * off))
    }
    #[inline(always)]
    fn fma_from(self, a: __m256d, b: __m256d, c: __m256d, off: usize) -> __m256d {
        let avx = self.0.avx;
        let keep = avx._mm256_castps_pd(from_lane32(self, 2 * off));
        avx._mm256_blendv_pd(c, self.0.fma._mm256_fmadd_pd(a, b, c), keep)
    }
}

mod widen;
