//! AVX-512 F/BW/DQ/VL: 512-bit zmm registers (32 of them), 16 f32 / 8 f64
//! lanes; a stripe is 4 registers (the contract's 4 accumulators). Requires
//! pulp's x86-64-v4 token. Register operations go through pulp's safe
//! wrappers on the token; `unsafe` is left only where memory is touched.
//! Tails use mask registers: masked loads and stores never touch memory
//! past the slice, and the masked FMA leaves lanes past the end exactly as
//! they were.

use core::arch::x86_64::*;

use super::cpuid_avx512;
use crate::lanes::{Lanes, Simd};

/// Proof that the CPU has AVX-512 F, BW, DQ and VL (and AVX2, FMA): pulp's
/// x86-64-v4 token (which also requires AVX-512 CD, present on every CPU
/// with the other four).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(pulp::x86::V4);

impl Avx512 {
    /// `Some` only when the CPU reports every required feature
    /// (cpufeatures' cached check) and pulp confirms x86-64-v4.
    #[inline]
    pub(crate) fn try_new() -> Option<Avx512> {
        if !cpuid_avx512::get() {
            return None;
        }
        pulp::x86::V4::try_new().map(Avx512)
    }

    /// The token without a check.
    ///
    /// # Safety
    /// [`Avx512::try_new`] must have returned `Some` in this process.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Avx512 {
        // SAFETY: the caller's contract: detection succeeded in this process.
        Avx512(unsafe { pulp::x86::V4::new_unchecked() })
    }
}

impl Simd for Avx512 {
    #[inline(always)]
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R {
        // pulp runs `f` in a function compiled with every x86-64-v4 feature.
        self.0.vectorize(f)
    }
}

/// A mask with the low `len` bits set (`len <= 16`).
#[inline(always)]
fn mask16(len: usize) -> __mmask16 {
    ((1u32 << len.min(16)) - 1) as __mmask16
}

/// A mask with the low `len` bits set (`len <= 8`).
#[inline(always)]
fn mask8(len: usize) -> __mmask8 {
    ((1u32 << len.min(8)) - 1) as __mmask8
}

impl Lanes<f32> for Avx512 {
    type V = __m512;
    type Stripe = [__m512; 4];
    const LANES: usize = 16;
    const REGISTERS: usize = 32;
    const LOAD_ALIGN: usize = 64;

    #[inline(always)]
    fn zero(self) -> __m512 {
        self.0.avx512f._mm512_setzero_ps()
    }
    #[inline(always)]
    fn zero_stripe(self) -> [__m512; 4] {
        [Lanes::<f32>::zero(self); 4]
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        self.0.avx512f._mm512_set1_ps(x)
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> __m512 {
        let s = &s[..16];
        // SAFETY: `s` is one whole register in bounds (just sliced); loadu
        // has no alignment need; the token proves AVX-512 F.
        unsafe { self.0.avx512f._mm512_loadu_ps(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: __m512) {
        let s = &mut s[..16];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.avx512f._mm512_storeu_ps(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f32]) -> __m512 {
        // SAFETY: lanes `>= s.len()` are masked off and not read.
        unsafe {
            self.0
                .avx512f
                ._mm512_maskz_loadu_ps(mask16(s.len()), s.as_ptr())
        }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f32], v: __m512) {
        // SAFETY: lanes `>= s.len()` are masked off and not written.
        unsafe {
            self.0
                .avx512f
                ._mm512_mask_storeu_ps(s.as_mut_ptr(), mask16(s.len()), v)
        }
    }
    #[inline(always)]
    fn fma1(self, a: f32, b: f32, c: f32) -> f32 {
        let (sse, fma) = (self.0.sse, self.0.fma);
        sse._mm_cvtss_f32(fma._mm_fmadd_ss(sse._mm_set_ss(a), sse._mm_set_ss(b), sse._mm_set_ss(c)))
    }
    #[inline(always)]
    fn fma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        self.0.avx512f._mm512_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    fn fma_part(self, a: __m512, b: __m512, c: __m512, len: usize) -> __m512 {
        self.0.avx512f._mm512_mask3_fmadd_ps(a, b, c, mask16(len))
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        self.0.avx512f._mm512_add_ps(a, b)
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        self.0.avx512f._mm512_mul_ps(a, b)
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        self.0.avx512f._mm512_sub_ps(a, b)
    }
    #[inline(always)]
    fn div(self, a: __m512, b: __m512) -> __m512 {
        self.0.avx512f._mm512_div_ps(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        self.0.avx512f._mm512_sqrt_ps(a)
    }
    #[inline(always)]
    fn min(self, a: __m512, b: __m512) -> __m512 {
        self.0.avx512f._mm512_min_ps(a, b)
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        self.0.avx512f._mm512_max_ps(a, b)
    }
    #[inline(always)]
    fn select_lt(self, a: __m512, b: __m512, x: __m512, y: __m512) -> __m512 {
        let f = self.0.avx512f;
        f._mm512_mask_blend_ps(f._mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b), y, x)
    }
    #[inline(always)]
    fn abs(self, a: __m512) -> __m512 {
        self.0.avx512f._mm512_abs_ps(a)
    }
    #[inline(always)]
    fn neg(self, a: __m512) -> __m512 {
        let f = self.0.avx512f;
        self.0.avx512dq._mm512_xor_ps(a, f._mm512_set1_ps(-0.0))
    }
    #[inline(always)]
    fn round_even(self, a: __m512) -> __m512 {
        self.0
            .avx512f
            ._mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a)
    }
    #[inline(always)]
    fn pow2i(self, k: __m512) -> __m512 {
        let f = self.0.avx512f;
        let e = f._mm512_add_epi32(f._mm512_cvtps_epi32(k), f._mm512_set1_epi32(127));
        f._mm512_castsi512_ps(f._mm512_slli_epi32::<23>(e))
    }
    #[inline(always)]
    fn reduce4(self, v: [__m512; 4]) -> [f32; 4] {
        let f = self.0.avx512f;
        // w = 8 for rows 0 and 1 together: [a.q0 a.q1 b.q0 b.q1] +
        // [a.q2 a.q3 b.q2 b.q3] (q: 4 lanes), then rows 2 and 3.
        let t01 = f._mm512_add_ps(
            f._mm512_shuffle_f32x4::<0b01_00_01_00>(v[0], v[1]),
            f._mm512_shuffle_f32x4::<0b11_10_11_10>(v[0], v[1]),
        );
        let t23 = f._mm512_add_ps(
            f._mm512_shuffle_f32x4::<0b01_00_01_00>(v[2], v[3]),
            f._mm512_shuffle_f32x4::<0b11_10_11_10>(v[2], v[3]),
        );
        // w = 4: quarter k of `u` is row k's lanes 0..4.
        let u = f._mm512_add_ps(
            f._mm512_shuffle_f32x4::<0b10_00_10_00>(t01, t23),
            f._mm512_shuffle_f32x4::<0b11_01_11_01>(t01, t23),
        );
        // w = 2, then w = 1, inside each quarter.
        let u = f._mm512_add_ps(u, f._mm512_permute_ps::<0b11_10_11_10>(u));
        let u = f._mm512_add_ps(u, f._mm512_permute_ps::<0b01_01_01_01>(u));
        // Lane 0 of each quarter, packed into the low four lanes.
        let r = f._mm512_castps512_ps128(f._mm512_maskz_compress_ps(0x1111, u));
        let mut out = [0.0f32; 4];
        // SAFETY: `out` is 4 f32 = one 128-bit store; the token proves SSE.
        unsafe { self.0.sse._mm_storeu_ps(out.as_mut_ptr(), r) };
        out
    }
    #[inline(always)]
    fn reduce(self, v: __m512) -> f32 {
        let (sse, avx, f) = (self.0.sse, self.0.avx, self.0.avx512f);
        // w = 8: lanes 0..8 += lanes 8..16.
        let x = avx._mm256_add_ps(
            f._mm512_castps512_ps256(v),
            self.0.avx512dq._mm512_extractf32x8_ps::<1>(v),
        );
        // w = 4: lanes 0..4 += lanes 4..8.
        let x = sse._mm_add_ps(
            avx._mm256_castps256_ps128(x),
            avx._mm256_extractf128_ps::<1>(x),
        );
        // w = 2, then w = 1.
        let x = sse._mm_add_ps(x, sse._mm_movehl_ps(x, x));
        let x = sse._mm_add_ss(x, sse._mm_shuffle_ps::<1>(x, x));
        sse._mm_cvtss_f32(x)
    }
    #[inline(always)]
    fn gather(self, s: &[f32], stride: usize, len: usize) -> __m512 {
        let len = len.min(16);
        let f = self.0.avx512f;
        if len == 0 {
            return f._mm512_setzero_ps();
        }
        if !super::avx2::gather_fits(len, stride, s.len()) {
            let mut buf = [0.0f32; 16];
            for (l, b) in buf.iter_mut().enumerate().take(len) {
                *b = s[l * stride];
            }
            return Lanes::<f32>::load(self, &buf);
        }
        let iota = f._mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        let idx = f._mm512_mullo_epi32(iota, f._mm512_set1_epi32(stride as i32));
        // SAFETY: lanes `>= len` are masked off and read nothing; lane
        // `l < len` reads `s[l * stride]`, in `s` by `gather_fits`, whose
        // index fits the i32 offsets; the token proves AVX-512 F.
        unsafe {
            _mm512_mask_i32gather_ps::<4>(f._mm512_setzero_ps(), mask16(len), idx, s.as_ptr())
        }
    }
    #[inline(always)]
    fn shift_up(self, v: __m512, off: usize) -> __m512 {
        let f = self.0.avx512f;
        let iota = f._mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        f._mm512_permutexvar_ps(f._mm512_sub_epi32(iota, f._mm512_set1_epi32(off as i32)), v)
    }
    #[inline(always)]
    fn unrotate(self, lo: __m512, hi: __m512, off: usize) -> __m512 {
        let f = self.0.avx512f;
        let iota = f._mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        f._mm512_permutex2var_ps(
            lo,
            f._mm512_add_epi32(iota, f._mm512_set1_epi32(off as i32)),
            hi,
        )
    }
    #[inline(always)]
    fn fma_from(self, a: __m512, b: __m512, c: __m512, off: usize) -> __m512 {
        let keep = !(((1u32 << off) - 1) as __mmask16);
        self.0.avx512f._mm512_mask3_fmadd_ps(a, b, c, keep)
    }
}

impl Lanes<f64> for Avx512 {
    type V = __m512d;
    type Stripe = [__m512d; 4];
    const LANES: usize = 8;
    const REGISTERS: usize = 32;
    const LOAD_ALIGN: usize = 64;

    #[inline(always)]
    fn zero(self) -> __m512d {
        self.0.avx512f._mm512_setzero_pd()
    }
    #[inline(always)]
    fn zero_stripe(self) -> [__m512d; 4] {
        [Lanes::<f64>::zero(self); 4]
    }
    #[inline(always)]
    fn splat(self, x: f64) -> __m512d {
        self.0.avx512f._mm512_set1_pd(x)
    }
    #[inline(always)]
    fn load(self, s: &[f64]) -> __m512d {
        let s = &s[..8];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.avx512f._mm512_loadu_pd(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64], v: __m512d) {
        let s = &mut s[..8];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.avx512f._mm512_storeu_pd(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f64]) -> __m512d {
        // SAFETY: lanes `>= s.len()` are masked off and not read.
        unsafe {
            self.0
                .avx512f
                ._mm512_maskz_loadu_pd(mask8(s.len()), s.as_ptr())
        }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f64], v: __m512d) {
        // SAFETY: lanes `>= s.len()` are masked off and not written.
        unsafe {
            self.0
                .avx512f
                ._mm512_mask_storeu_pd(s.as_mut_ptr(), mask8(s.len()), v)
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
    fn fma(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        self.0.avx512f._mm512_fmadd_pd(a, b, c)
    }
    #[inline(always)]
    fn fma_part(self, a: __m512d, b: __m512d, c: __m512d, len: usize) -> __m512d {
        self.0.avx512f._mm512_mask3_fmadd_pd(a, b, c, mask8(len))
    }
    #[inline(always)]
    fn add(self, a: __m512d, b: __m512d) -> __m512d {
        self.0.avx512f._mm512_add_pd(a, b)
    }
    #[inline(always)]
    fn mul(self, a: __m512d, b: __m512d) -> __m512d {
        self.0.avx512f._mm512_mul_pd(a, b)
    }
    #[inline(always)]
    fn sub(self, a: __m512d, b: __m512d) -> __m512d {
        self.0.avx512f._mm512_sub_pd(a, b)
    }
    #[inline(always)]
    fn div(self, a: __m512d, b: __m512d) -> __m512d {
        self.0.avx512f._mm512_div_pd(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: __m512d) -> __m512d {
        self.0.avx512f._mm512_sqrt_pd(a)
    }
    #[inline(always)]
    fn min(self, a: __m512d, b: __m512d) -> __m512d {
        self.0.avx512f._mm512_min_pd(a, b)
    }
    #[inline(always)]
    fn max(self, a: __m512d, b: __m512d) -> __m512d {
        self.0.avx512f._mm512_max_pd(a, b)
    }
    #[inline(always)]
    fn select_lt(self, a: __m512d, b: __m512d, x: __m512d, y: __m512d) -> __m512d {
        let f = self.0.avx512f;
        f._mm512_mask_blend_pd(f._mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b), y, x)
    }
    #[inline(always)]
    fn abs(self, a: __m512d) -> __m512d {
        self.0.avx512f._mm512_abs_pd(a)
    }
    #[inline(always)]
    fn neg(self, a: __m512d) -> __m512d {
        let f = self.0.avx512f;
        self.0.avx512dq._mm512_xor_pd(a, f._mm512_set1_pd(-0.0))
    }
    #[inline(always)]
    fn round_even(self, a: __m512d) -> __m512d {
        self.0
            .avx512f
            ._mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a)
    }
    #[inline(always)]
    fn pow2i(self, k: __m512d) -> __m512d {
        let f = self.0.avx512f;
        let e = f._mm512_add_epi64(
            self.0.avx512dq._mm512_cvtpd_epi64(k),
            f._mm512_set1_epi64(1023),
        );
        f._mm512_castsi512_pd(f._mm512_slli_epi64::<52>(e))
    }
    #[inline(always)]
    fn reduce4(self, v: [__m512d; 4]) -> [f64; 4] {
        let f = self.0.avx512f;
        // w = 4 for rows 0 and 1 together: [a.q0 a.q1 b.q0 b.q1] +
        // [a.q2 a.q3 b.q2 b.q3] (q: 2 lanes), then rows 2 and 3.
        let t01 = f._mm512_add_pd(
            f._mm512_shuffle_f64x2::<0b01_00_01_00>(v[0], v[1]),
            f._mm512_shuffle_f64x2::<0b11_10_11_10>(v[0], v[1]),
        );
        let t23 = f._mm512_add_pd(
            f._mm512_shuffle_f64x2::<0b01_00_01_00>(v[2], v[3]),
            f._mm512_shuffle_f64x2::<0b11_10_11_10>(v[2], v[3]),
        );
        // w = 2: quarter k of `u` is row k's lanes 0..2.
        let u = f._mm512_add_pd(
            f._mm512_shuffle_f64x2::<0b10_00_10_00>(t01, t23),
            f._mm512_shuffle_f64x2::<0b11_01_11_01>(t01, t23),
        );
        // w = 1 inside each quarter.
        let u = f._mm512_add_pd(u, f._mm512_permute_pd::<0b0101_0101>(u));
        // Lane 0 of each quarter, packed into the low four lanes.
        let r = f._mm512_castpd512_pd256(f._mm512_maskz_compress_pd(0b0101_0101, u));
        let mut out = [0.0f64; 4];
        // SAFETY: `out` is 4 f64 = one 256-bit store; the token proves AVX.
        unsafe { self.0.avx._mm256_storeu_pd(out.as_mut_ptr(), r) };
        out
    }
    #[inline(always)]
    fn reduce(self, v: __m512d) -> f64 {
        let (sse2, avx, f) = (self.0.sse2, self.0.avx, self.0.avx512f);
        // w = 4: lanes 0..4 += lanes 4..8.
        let x = avx._mm256_add_pd(
            f._mm512_castpd512_pd256(v),
            f._mm512_extractf64x4_pd::<1>(v),
        );
        // w = 2: lanes 0..2 += lanes 2..4.
        let x = sse2._mm_add_pd(
            avx._mm256_castpd256_pd128(x),
            avx._mm256_extractf128_pd::<1>(x),
        );
        // w = 1.
        let x = sse2._mm_add_sd(x, sse2._mm_unpackhi_pd(x, x));
        sse2._mm_cvtsd_f64(x)
    }
    #[inline(always)]
    fn gather(self, s: &[f64], stride: usize, len: usize) -> __m512d {
        let len = len.min(8);
        let f = self.0.avx512f;
        if len == 0 {
            return f._mm512_setzero_pd();
        }
        if !super::avx2::gather_fits(len, stride, s.len()) {
            let mut buf = [0.0f64; 8];
            for (l, b) in buf.iter_mut().enumerate().take(len) {
                *b = s[l * stride];
            }
            return Lanes::<f64>::load(self, &buf);
        }
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        let iota = avx._mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
        let idx = avx2._mm256_mullo_epi32(iota, avx._mm256_set1_epi32(stride as i32));
        // SAFETY: as for the f32 gather: masked lanes read nothing, the
        // others stay in `s` (`gather_fits`); the token proves AVX-512 F.
        unsafe { _mm512_mask_i32gather_pd::<8>(f._mm512_setzero_pd(), mask8(len), idx, s.as_ptr()) }
    }
    #[inline(always)]
    fn shift_up(self, v: __m512d, off: usize) -> __m512d {
        let f = self.0.avx512f;
        let iota = f._mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        f._mm512_permutexvar_pd(f._mm512_sub_epi64(iota, f._mm512_set1_epi64(off as i64)), v)
    }
    #[inline(always)]
    fn unrotate(self, lo: __m512d, hi: __m512d, off: usize) -> __m512d {
        let f = self.0.avx512f;
        let iota = f._mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        f._mm512_permutex2var_pd(
            lo,
            f._mm512_add_epi64(iota, f._mm512_set1_epi64(off as i64)),
            hi,
        )
    }
    #[inline(always)]
    fn fma_from(self, a: __m512d, b: __m512d, c: __m512d, off: usize) -> __m512d {
        let keep = !(((1u32 << off) - 1) as __mmask8);
        self.0.avx512f._mm512_mask3_fmadd_pd(a, b, c, keep)
    }
}

mod widen;
