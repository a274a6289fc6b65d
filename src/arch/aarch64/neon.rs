//! NEON: 128-bit q registers (32 of them), 4 f32 / 2 f64 lanes; a stripe is
//! 16 registers (the contract's 16 accumulators). Requires `neon`, which
//! every aarch64 Linux/macOS target enables by default (pulp's `Neon`
//! token). Register operations go through pulp's safe wrappers on the
//! token; `unsafe` is left only where memory is touched. Tails go through a
//! small stack buffer so that no load or store passes the slice's end.

use core::arch::aarch64::*;

use crate::lanes::{Lanes, Simd};

cpufeatures::new!(cpuid_neon, "neon");

/// Proof that the CPU has NEON (Advanced SIMD with f64 lanes): pulp's
/// `Neon` token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Neon(pulp::aarch64::Neon);

impl Neon {
    /// `Some` when the CPU has NEON (always, on the usual aarch64 targets):
    /// cpufeatures' cached check, confirmed by pulp.
    #[inline]
    pub(crate) fn try_new() -> Option<Neon> {
        if !cpuid_neon::get() {
            return None;
        }
        pulp::aarch64::Neon::try_new().map(Neon)
    }

    /// The token without a check.
    ///
    /// # Safety
    /// [`Neon::try_new`] must have returned `Some` in this process.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Neon {
        // SAFETY: the caller's contract: detection succeeded in this process.
        Neon(unsafe { pulp::aarch64::Neon::new_unchecked() })
    }
}

impl Simd for Neon {
    #[inline(always)]
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R {
        // pulp runs `f` in a function compiled with `neon` enabled.
        self.0.vectorize(f)
    }
}

impl Lanes<f32> for Neon {
    type V = float32x4_t;
    type Stripe = [float32x4_t; 16];
    const LANES: usize = 4;
    const REGISTERS: usize = 32;
    const LOAD_ALIGN: usize = 0;

    #[inline(always)]
    fn zero(self) -> float32x4_t {
        let n = self.0.neon;
        n.vdupq_n_f32(0.0)
    }
    #[inline(always)]
    fn zero_stripe(self) -> [float32x4_t; 16] {
        [Lanes::<f32>::zero(self); 16]
    }
    #[inline(always)]
    fn splat(self, x: f32) -> float32x4_t {
        let n = self.0.neon;
        n.vdupq_n_f32(x)
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> float32x4_t {
        let s = &s[..4];
        // SAFETY: `s` is one whole register in bounds (just sliced); the
        // token proves neon.
        unsafe { self.0.neon.vld1q_f32(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: float32x4_t) {
        let s = &mut s[..4];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.neon.vst1q_f32(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f32]) -> float32x4_t {
        let mut buf = [0.0f32; 4];
        let len = s.len().min(4);
        buf[..len].copy_from_slice(&s[..len]);
        // SAFETY: `buf` is exactly one register long.
        unsafe { self.0.neon.vld1q_f32(buf.as_ptr()) }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f32], v: float32x4_t) {
        let mut buf = [0.0f32; 4];
        // SAFETY: `buf` is exactly one register long.
        unsafe { self.0.neon.vst1q_f32(buf.as_mut_ptr(), v) };
        let len = s.len().min(4);
        s[..len].copy_from_slice(&buf[..len]);
    }
    #[inline(always)]
    fn fma1(self, a: f32, b: f32, c: f32) -> f32 {
        let n = self.0.neon;
        n.vgetq_lane_f32::<0>(n.vfmaq_f32(n.vdupq_n_f32(c), n.vdupq_n_f32(a), n.vdupq_n_f32(b)))
    }
    #[inline(always)]
    fn fma(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vfmaq_f32(c, a, b)
    }
    #[inline(always)]
    fn fma_part(self, a: float32x4_t, b: float32x4_t, c: float32x4_t, len: usize) -> float32x4_t {
        const IOTA: [u32; 4] = [0, 1, 2, 3];
        let n = self.0.neon;
        // SAFETY: `IOTA` is exactly one register long.
        let iota = unsafe { n.vld1q_u32(IOTA.as_ptr()) };
        let keep = n.vcltq_u32(iota, n.vdupq_n_u32(len.min(4) as u32));
        n.vbslq_f32(keep, n.vfmaq_f32(c, a, b), c)
    }
    #[inline(always)]
    fn add(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vaddq_f32(a, b)
    }
    #[inline(always)]
    fn mul(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vmulq_f32(a, b)
    }
    #[inline(always)]
    fn sub(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vsubq_f32(a, b)
    }
    #[inline(always)]
    fn div(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vdivq_f32(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vsqrtq_f32(a)
    }
    #[inline(always)]
    fn min(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vbslq_f32(n.vcltq_f32(a, b), a, b)
    }
    #[inline(always)]
    fn max(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vbslq_f32(n.vcgtq_f32(a, b), a, b)
    }
    #[inline(always)]
    fn select_lt(
        self,
        a: float32x4_t,
        b: float32x4_t,
        x: float32x4_t,
        y: float32x4_t,
    ) -> float32x4_t {
        let n = self.0.neon;
        n.vbslq_f32(n.vcltq_f32(a, b), x, y)
    }
    #[inline(always)]
    fn abs(self, a: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vabsq_f32(a)
    }
    #[inline(always)]
    fn neg(self, a: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vnegq_f32(a)
    }
    #[inline(always)]
    fn round_even(self, a: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        n.vrndnq_f32(a)
    }
    #[inline(always)]
    fn pow2i(self, k: float32x4_t) -> float32x4_t {
        let n = self.0.neon;
        let e = n.vaddq_s32(n.vcvtnq_s32_f32(k), n.vdupq_n_s32(127));
        n.vreinterpretq_f32_s32(n.vshlq_n_s32::<23>(e))
    }
    #[inline(always)]
    fn reduce(self, v: float32x4_t) -> f32 {
        let n = self.0.neon;
        // w = 2: lanes 0..2 += lanes 2..4.
        let x = n.vadd_f32(n.vget_low_f32(v), n.vget_high_f32(v));
        // w = 1: lane 0 += lane 1.
        n.vget_lane_f32::<0>(x) + n.vget_lane_f32::<1>(x)
    }
}

impl Lanes<f64> for Neon {
    type V = float64x2_t;
    type Stripe = [float64x2_t; 16];
    const LANES: usize = 2;
    const REGISTERS: usize = 32;
    const LOAD_ALIGN: usize = 0;

    #[inline(always)]
    fn zero(self) -> float64x2_t {
        let n = self.0.neon;
        n.vdupq_n_f64(0.0)
    }
    #[inline(always)]
    fn zero_stripe(self) -> [float64x2_t; 16] {
        [Lanes::<f64>::zero(self); 16]
    }
    #[inline(always)]
    fn splat(self, x: f64) -> float64x2_t {
        let n = self.0.neon;
        n.vdupq_n_f64(x)
    }
    #[inline(always)]
    fn load(self, s: &[f64]) -> float64x2_t {
        let s = &s[..2];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.neon.vld1q_f64(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64], v: float64x2_t) {
        let s = &mut s[..2];
        // SAFETY: `s` is one whole register in bounds (just sliced).
        unsafe { self.0.neon.vst1q_f64(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_part(self, s: &[f64]) -> float64x2_t {
        let mut buf = [0.0f64; 2];
        let len = s.len().min(2);
        buf[..len].copy_from_slice(&s[..len]);
        // SAFETY: `buf` is exactly one register long.
        unsafe { self.0.neon.vld1q_f64(buf.as_ptr()) }
    }
    #[inline(always)]
    fn store_part(self, s: &mut [f64], v: float64x2_t) {
        let mut buf = [0.0f64; 2];
        // SAFETY: `buf` is exactly one register long.
        unsafe { self.0.neon.vst1q_f64(buf.as_mut_ptr(), v) };
        let len = s.len().min(2);
        s[..len].copy_from_slice(&buf[..len]);
    }
    #[inline(always)]
    fn fma1(self, a: f64, b: f64, c: f64) -> f64 {
        let n = self.0.neon;
        n.vgetq_lane_f64::<0>(n.vfmaq_f64(n.vdupq_n_f64(c), n.vdupq_n_f64(a), n.vdupq_n_f64(b)))
    }
    #[inline(always)]
    fn fma(self, a: float64x2_t, b: float64x2_t, c: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vfmaq_f64(c, a, b)
    }
    #[inline(always)]
    fn fma_part(self, a: float64x2_t, b: float64x2_t, c: float64x2_t, len: usize) -> float64x2_t {
        const IOTA: [u64; 2] = [0, 1];
        let n = self.0.neon;
        // SAFETY: `IOTA` is exactly one register long.
        let iota = unsafe { n.vld1q_u64(IOTA.as_ptr()) };
        let keep = n.vcltq_u64(iota, n.vdupq_n_u64(len.min(2) as u64));
        n.vbslq_f64(keep, n.vfmaq_f64(c, a, b), c)
    }
    #[inline(always)]
    fn add(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vaddq_f64(a, b)
    }
    #[inline(always)]
    fn mul(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vmulq_f64(a, b)
    }
    #[inline(always)]
    fn sub(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vsubq_f64(a, b)
    }
    #[inline(always)]
    fn div(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vdivq_f64(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vsqrtq_f64(a)
    }
    #[inline(always)]
    fn min(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vbslq_f64(n.vcltq_f64(a, b), a, b)
    }
    #[inline(always)]
    fn max(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vbslq_f64(n.vcgtq_f64(a, b), a, b)
    }
    #[inline(always)]
    fn select_lt(
        self,
        a: float64x2_t,
        b: float64x2_t,
        x: float64x2_t,
        y: float64x2_t,
    ) -> float64x2_t {
        let n = self.0.neon;
        n.vbslq_f64(n.vcltq_f64(a, b), x, y)
    }
    #[inline(always)]
    fn abs(self, a: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vabsq_f64(a)
    }
    #[inline(always)]
    fn neg(self, a: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vnegq_f64(a)
    }
    #[inline(always)]
    fn round_even(self, a: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        n.vrndnq_f64(a)
    }
    #[inline(always)]
    fn pow2i(self, k: float64x2_t) -> float64x2_t {
        let n = self.0.neon;
        let e = n.vaddq_s64(n.vcvtnq_s64_f64(k), n.vdupq_n_s64(1023));
        n.vreinterpretq_f64_s64(n.vshlq_n_s64::<52>(e))
    }
    #[inline(always)]
    fn reduce(self, v: float64x2_t) -> f64 {
        let n = self.0.neon;
        n.vgetq_lane_f64::<0>(v) + n.vgetq_lane_f64::<1>(v)
    }
}

mod widen;
