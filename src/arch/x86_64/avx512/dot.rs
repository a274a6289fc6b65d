//! AVX-512 lane moves for the rotated `dot` schedule
//! ([`crate::kernels::dot::rotated_block`]): 4 zmm registers per stripe,
//! aligned 64-byte chunks (one cache line each); requires the `Avx512` token.

use core::arch::x86_64::*;

use super::Avx512;
use crate::lanes::Rotate;

impl Rotate<f32> for Avx512 {
    const ALIGN: usize = 64;
    /// Measured on a Xeon (AVX-512): at 4 stripes (256 f32) split loads and
    /// the rotated schedule tie, at 8 the rotated one is 1.3x faster.
    const MIN_STRIPES: usize = 6;

    #[inline(always)]
    fn shift_up(self, v: __m512, off: usize) -> __m512 {
        // SAFETY: the `Avx512` token (`self`) proves AVX-512 F.
        unsafe {
            let iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
            _mm512_permutexvar_ps(_mm512_sub_epi32(iota, _mm512_set1_epi32(off as i32)), v)
        }
    }
    #[inline(always)]
    fn unrotate(self, lo: __m512, hi: __m512, off: usize) -> __m512 {
        // SAFETY: the `Avx512` token (`self`) proves AVX-512 F.
        unsafe {
            let iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
            _mm512_permutex2var_ps(
                lo,
                _mm512_add_epi32(iota, _mm512_set1_epi32(off as i32)),
                hi,
            )
        }
    }
    #[inline(always)]
    fn fma_from(self, a: __m512, b: __m512, c: __m512, off: usize) -> __m512 {
        let keep = !(((1u32 << off) - 1) as __mmask16);
        // SAFETY: the `Avx512` token (`self`) proves AVX-512 F.
        unsafe { _mm512_mask3_fmadd_ps(a, b, c, keep) }
    }
}

impl Rotate<f64> for Avx512 {
    const ALIGN: usize = 64;
    /// Measured on a Xeon (AVX-512): at 4 stripes (256 f32) split loads and
    /// the rotated schedule tie, at 8 the rotated one is 1.3x faster.
    const MIN_STRIPES: usize = 6;

    #[inline(always)]
    fn shift_up(self, v: __m512d, off: usize) -> __m512d {
        // SAFETY: the `Avx512` token (`self`) proves AVX-512 F.
        unsafe {
            let iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
            _mm512_permutexvar_pd(_mm512_sub_epi64(iota, _mm512_set1_epi64(off as i64)), v)
        }
    }
    #[inline(always)]
    fn unrotate(self, lo: __m512d, hi: __m512d, off: usize) -> __m512d {
        // SAFETY: the `Avx512` token (`self`) proves AVX-512 F.
        unsafe {
            let iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
            _mm512_permutex2var_pd(
                lo,
                _mm512_add_epi64(iota, _mm512_set1_epi64(off as i64)),
                hi,
            )
        }
    }
    #[inline(always)]
    fn fma_from(self, a: __m512d, b: __m512d, c: __m512d, off: usize) -> __m512d {
        let keep = !(((1u32 << off) - 1) as __mmask8);
        // SAFETY: the `Avx512` token (`self`) proves AVX-512 F.
        unsafe { _mm512_mask3_fmadd_pd(a, b, c, keep) }
    }
}
