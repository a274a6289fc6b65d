//! AVX2 lane moves for the rotated `dot` schedule
//! ([`crate::kernels::dot::rotated_block`]): 8 ymm registers per stripe,
//! aligned 32-byte chunks (never split across cache lines); requires the
//! `Avx2` token. AVX2 has no two-source permute, so `unrotate` permutes both
//! registers and blends. f64 registers are moved as pairs of 32-bit lanes.

use core::arch::x86_64::*;

use super::Avx2;
use crate::lanes::Rotate;

/// Lane indices `0..8`.
#[inline(always)]
fn iota(_proof: Avx2) -> __m256i {
    // SAFETY: the `Avx2` token proves AVX.
    unsafe { _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0) }
}

/// `r[p] = v[p - d]` on 32-bit lanes (lanes `< d` unspecified).
#[inline(always)]
fn shift_up32(t: Avx2, v: __m256, d: usize) -> __m256 {
    // SAFETY: the `Avx2` token (`t`) proves AVX2.
    unsafe { _mm256_permutevar8x32_ps(v, _mm256_sub_epi32(iota(t), _mm256_set1_epi32(d as i32))) }
}

/// `r[i] = lo[i + d]` if `i + d < 8`, else `hi[i + d - 8]`, on 32-bit lanes.
#[inline(always)]
fn unrotate32(t: Avx2, lo: __m256, hi: __m256, d: usize) -> __m256 {
    // SAFETY: the `Avx2` token (`t`) proves AVX2.
    unsafe {
        let idx = _mm256_add_epi32(iota(t), _mm256_set1_epi32(d as i32));
        let from_hi = _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7));
        _mm256_blendv_ps(
            _mm256_permutevar8x32_ps(lo, idx),
            _mm256_permutevar8x32_ps(hi, idx),
            _mm256_castsi256_ps(from_hi),
        )
    }
}

/// All-ones in 32-bit lanes `>= d`.
#[inline(always)]
fn from_lane32(t: Avx2, d: usize) -> __m256 {
    // SAFETY: the `Avx2` token (`t`) proves AVX2.
    unsafe { _mm256_castsi256_ps(_mm256_cmpgt_epi32(iota(t), _mm256_set1_epi32(d as i32 - 1))) }
}

impl Rotate<f32> for Avx2 {
    const ALIGN: usize = 32;
    /// Measured on an AMD Zen 3 and a Xeon: split loads win up to 8 stripes
    /// (512 f32), the rotated schedule from 16 on.
    const MIN_STRIPES: usize = 12;

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
        // SAFETY: the `Avx2` token (`self`) proves AVX2 and FMA.
        unsafe { _mm256_blendv_ps(c, _mm256_fmadd_ps(a, b, c), from_lane32(self, off)) }
    }
}

impl Rotate<f64> for Avx2 {
    const ALIGN: usize = 32;
    /// Measured on an AMD Zen 3 and a Xeon: split loads win up to 8 stripes
    /// (512 f32), the rotated schedule from 16 on.
    const MIN_STRIPES: usize = 12;

    #[inline(always)]
    fn shift_up(self, v: __m256d, off: usize) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves AVX; casts move no data.
        unsafe { _mm256_castps_pd(shift_up32(self, _mm256_castpd_ps(v), 2 * off)) }
    }
    #[inline(always)]
    fn unrotate(self, lo: __m256d, hi: __m256d, off: usize) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves AVX; casts move no data.
        unsafe {
            let (lo, hi) = (_mm256_castpd_ps(lo), _mm256_castpd_ps(hi));
            _mm256_castps_pd(unrotate32(self, lo, hi, 2 * off))
        }
    }
    #[inline(always)]
    fn fma_from(self, a: __m256d, b: __m256d, c: __m256d, off: usize) -> __m256d {
        // SAFETY: the `Avx2` token (`self`) proves AVX2 and FMA.
        unsafe {
            let keep = _mm256_castps_pd(from_lane32(self, 2 * off));
            _mm256_blendv_pd(c, _mm256_fmadd_pd(a, b, c), keep)
        }
    }
}
