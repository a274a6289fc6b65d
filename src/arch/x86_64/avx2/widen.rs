//! AVX2 widening ([`Widen`]): bf16 by shift and mask of 32-bit words, f16
//! by F16C `vcvtph2ps` (detection requires F16C with AVX2, which every AVX2
//! CPU has), i8/u8 by 16-bit even/odd halves and `vpmaddwd` (exact: no
//! 16-bit product pair of i8 or u8 values reaches its one overflow,
//! `2 * (-32768)^2`).

use core::arch::x86_64::*;

use half::{bf16, f16};

use super::Avx2;
use crate::widen::Widen;

/// Runs `f` with AVX2, FMA and F16C enabled.
///
/// # Safety
/// The CPU must have AVX2, FMA and F16C (an [`Avx2`] token proves it).
#[target_feature(enable = "avx,avx2,fma,f16c")]
unsafe fn with_f16c<R>(f: impl FnOnce() -> R) -> R {
    f()
}

impl Avx2 {
    /// 32 bytes of `s` (at least 32 bytes long) as one register.
    #[inline(always)]
    fn load_bytes<X>(self, s: &[X]) -> __m256i {
        assert!(core::mem::size_of_val(s) >= 32);
        // SAFETY: at least 32 bytes of `s` are in bounds (checked above);
        // loadu has no alignment need; the token proves AVX.
        unsafe { self.0.avx._mm256_loadu_si256(s.as_ptr().cast()) }
    }
}

impl Widen for Avx2 {
    type I = __m256i;
    const IBYTES: usize = 32;

    #[inline(always)]
    fn widen_bf16(self, s: &[bf16]) -> (__m256, __m256) {
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        let w = self.load_bytes(&s[..16]);
        let even = avx2._mm256_slli_epi32::<16>(w);
        let odd = avx2._mm256_and_si256(w, avx._mm256_set1_epi32(0xFFFF_0000u32 as i32));
        (avx._mm256_castsi256_ps(even), avx._mm256_castsi256_ps(odd))
    }
    #[inline(always)]
    fn widen_f16(self, s: &[f16]) -> __m256 {
        let s = &s[..8];
        // SAFETY: `s` is 8 f16 = 16 bytes in bounds (just sliced); loadu
        // has no alignment need; the token proves SSE2.
        let h = unsafe { _mm_loadu_si128(s.as_ptr().cast()) };
        // SAFETY: the token proves F16C (checked with AVX2 at detection).
        unsafe { _mm256_cvtph_ps(h) }
    }
    #[inline(always)]
    fn f16_context<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: the token proves AVX2, FMA and F16C.
        unsafe { with_f16c(f) }
    }
    #[inline(always)]
    fn izero(self) -> __m256i {
        self.0.avx._mm256_setzero_si256()
    }
    #[inline(always)]
    fn madd_i8(self, a: &[i8], b: &[i8], acc: __m256i) -> __m256i {
        let avx2 = self.0.avx2;
        let (x, y) = (self.load_bytes(&a[..32]), self.load_bytes(&b[..32]));
        // Sign-extended low and high bytes of each 16-bit word.
        let xe = avx2._mm256_srai_epi16::<8>(avx2._mm256_slli_epi16::<8>(x));
        let ye = avx2._mm256_srai_epi16::<8>(avx2._mm256_slli_epi16::<8>(y));
        let xo = avx2._mm256_srai_epi16::<8>(x);
        let yo = avx2._mm256_srai_epi16::<8>(y);
        let p = avx2._mm256_add_epi32(
            avx2._mm256_madd_epi16(xe, ye),
            avx2._mm256_madd_epi16(xo, yo),
        );
        avx2._mm256_add_epi32(acc, p)
    }
    #[inline(always)]
    fn madd_u8(self, a: &[u8], b: &[u8], acc: __m256i) -> __m256i {
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        let (x, y) = (self.load_bytes(&a[..32]), self.load_bytes(&b[..32]));
        let lo = avx._mm256_set1_epi16(0x00FF);
        // Zero-extended low and high bytes of each 16-bit word.
        let (xe, ye) = (avx2._mm256_and_si256(x, lo), avx2._mm256_and_si256(y, lo));
        let (xo, yo) = (
            avx2._mm256_srli_epi16::<8>(x),
            avx2._mm256_srli_epi16::<8>(y),
        );
        let p = avx2._mm256_add_epi32(
            avx2._mm256_madd_epi16(xe, ye),
            avx2._mm256_madd_epi16(xo, yo),
        );
        avx2._mm256_add_epi32(acc, p)
    }
    #[inline(always)]
    fn msq_i8(self, a: &[i8], b: &[i8], acc: __m256i) -> __m256i {
        let avx2 = self.0.avx2;
        let (x, y) = (self.load_bytes(&a[..32]), self.load_bytes(&b[..32]));
        let xe = avx2._mm256_srai_epi16::<8>(avx2._mm256_slli_epi16::<8>(x));
        let ye = avx2._mm256_srai_epi16::<8>(avx2._mm256_slli_epi16::<8>(y));
        let de = avx2._mm256_sub_epi16(xe, ye);
        let d_o = avx2._mm256_sub_epi16(
            avx2._mm256_srai_epi16::<8>(x),
            avx2._mm256_srai_epi16::<8>(y),
        );
        let p = avx2._mm256_add_epi32(
            avx2._mm256_madd_epi16(de, de),
            avx2._mm256_madd_epi16(d_o, d_o),
        );
        avx2._mm256_add_epi32(acc, p)
    }
    #[inline(always)]
    fn msq_u8(self, a: &[u8], b: &[u8], acc: __m256i) -> __m256i {
        let (avx, avx2) = (self.0.avx, self.0.avx2);
        let (x, y) = (self.load_bytes(&a[..32]), self.load_bytes(&b[..32]));
        let lo = avx._mm256_set1_epi16(0x00FF);
        let de = avx2._mm256_sub_epi16(avx2._mm256_and_si256(x, lo), avx2._mm256_and_si256(y, lo));
        let d_o = avx2._mm256_sub_epi16(
            avx2._mm256_srli_epi16::<8>(x),
            avx2._mm256_srli_epi16::<8>(y),
        );
        let p = avx2._mm256_add_epi32(
            avx2._mm256_madd_epi16(de, de),
            avx2._mm256_madd_epi16(d_o, d_o),
        );
        avx2._mm256_add_epi32(acc, p)
    }
    #[inline(always)]
    fn isum(self, acc: __m256i) -> i64 {
        let mut out = [0i32; 8];
        // SAFETY: `out` is 32 bytes; storeu has no alignment need; the token
        // proves AVX.
        unsafe { self.0.avx._mm256_storeu_si256(out.as_mut_ptr().cast(), acc) };
        out.iter().map(|&v| i64::from(v)).sum()
    }
}
