//! AVX-512 `dot` blocks with an address-aware load schedule: 4 zmm
//! accumulators; requires the `Avx512` token (F/BW/DQ/VL).
//!
//! A `Vec<f32>` is usually only 16-byte aligned, so most 64-byte loads of a
//! plain schedule straddle two cache lines, which halves the L1 load rate.
//! When `a` and `b` share the same misalignment (the common case for large
//! allocations), this schedule loads whole aligned 64-byte chunks instead:
//! chunk `q` (elements `q*L - off .. q*L - off + L`, `L` lanes per register)
//! goes to accumulator `q mod 4`, so position `p` of accumulator `k` holds
//! lane `(k*L + p - off) mod W` — the canonical lanes, rotated by `off`.
//! Every lane still receives its elements' FMAs in increasing order, and one
//! permute per accumulator at the end of the block undoes the rotation, so
//! the stripe is bit for bit the one the plain schedule computes. Lane
//! assignment depends only on element indices, never on addresses.
//! Inputs with different misalignments use the plain schedule.

use core::arch::x86_64::*;

use super::Avx512;
use crate::element::Element;
use crate::kernels::dot::block;
use crate::lanes::Lanes;

/// The lane permutations of the rotated schedule, per element type.
pub(crate) trait Rotate: Element
where
    Avx512: Lanes<Self>,
{
    /// `r[p] = v[p - off]` for `p >= off` (other lanes unspecified).
    fn shift_up(t: Avx512, v: <Avx512 as Lanes<Self>>::V, off: usize)
    -> <Avx512 as Lanes<Self>>::V;
    /// `r[i] = lo[i + off]` if `i + off < L`, else `hi[i + off - L]`.
    fn unrotate(
        t: Avx512,
        lo: <Avx512 as Lanes<Self>>::V,
        hi: <Avx512 as Lanes<Self>>::V,
        off: usize,
    ) -> <Avx512 as Lanes<Self>>::V;
    /// `fma(a, b, c)` in lanes `>= off`; lanes `< off` keep `c`.
    fn fma_from(
        t: Avx512,
        a: <Avx512 as Lanes<Self>>::V,
        b: <Avx512 as Lanes<Self>>::V,
        c: <Avx512 as Lanes<Self>>::V,
        off: usize,
    ) -> <Avx512 as Lanes<Self>>::V;
}

impl Rotate for f32 {
    #[inline(always)]
    fn shift_up(_t: Avx512, v: __m512, off: usize) -> __m512 {
        // SAFETY: the `Avx512` token proves AVX-512 F.
        unsafe {
            let iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
            _mm512_permutexvar_ps(_mm512_sub_epi32(iota, _mm512_set1_epi32(off as i32)), v)
        }
    }
    #[inline(always)]
    fn unrotate(_t: Avx512, lo: __m512, hi: __m512, off: usize) -> __m512 {
        // SAFETY: the `Avx512` token proves AVX-512 F.
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
    fn fma_from(_t: Avx512, a: __m512, b: __m512, c: __m512, off: usize) -> __m512 {
        let keep = !(((1u32 << off) - 1) as __mmask16);
        // SAFETY: the `Avx512` token proves AVX-512 F.
        unsafe { _mm512_mask3_fmadd_ps(a, b, c, keep) }
    }
}

impl Rotate for f64 {
    #[inline(always)]
    fn shift_up(_t: Avx512, v: __m512d, off: usize) -> __m512d {
        // SAFETY: the `Avx512` token proves AVX-512 F.
        unsafe {
            let iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
            _mm512_permutexvar_pd(_mm512_sub_epi64(iota, _mm512_set1_epi64(off as i64)), v)
        }
    }
    #[inline(always)]
    fn unrotate(_t: Avx512, lo: __m512d, hi: __m512d, off: usize) -> __m512d {
        // SAFETY: the `Avx512` token proves AVX-512 F.
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
    fn fma_from(_t: Avx512, a: __m512d, b: __m512d, c: __m512d, off: usize) -> __m512d {
        let keep = !(((1u32 << off) - 1) as __mmask8);
        // SAFETY: the `Avx512` token proves AVX-512 F.
        unsafe { _mm512_mask3_fmadd_pd(a, b, c, keep) }
    }
}

/// One dot block (at most `E` elements), as [`block`] computes it, using the
/// rotated aligned schedule when both inputs share a non-zero misalignment
/// and the block spans at least one stripe.
#[inline(always)]
pub(crate) fn dot_block<T: Rotate>(t: Avx512, a: &[T], b: &[T]) -> [<Avx512 as Lanes<T>>::V; 4]
where
    Avx512: Lanes<T, Stripe = [<Avx512 as Lanes<T>>::V; 4]>,
{
    let l = <Avx512 as Lanes<T>>::LANES;
    let w = T::W;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let size = core::mem::size_of::<T>();
    let off = (a.as_ptr() as usize % 64) / size;
    if off == 0 || (b.as_ptr() as usize % 64) / size != off || n < w {
        return block(t, a, b);
    }
    let h = l - off; // elements before the first aligned chunk
    let mut acc = t.zero_stripe();

    // Chunk 0 (the head): elements 0..h at positions off..L.
    let x = T::shift_up(t, t.load_part(&a[..h]), off);
    let y = T::shift_up(t, t.load_part(&b[..h]), off);
    acc[0] = T::fma_from(t, x, y, acc[0], off);

    // Aligned stripes: chunk k of stripe g is chunk 4g + k + 1.
    let mut ca = a[h..].chunks_exact(w);
    let mut cb = b[h..].chunks_exact(w);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..4 {
            let r = (k + 1) % 4;
            acc[r] = t.fma(t.load(&x[k * l..]), t.load(&y[k * l..]), acc[r]);
        }
    }

    // The rest: whole chunks, then the masked last chunk.
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for k in 0..4 {
        let o = k * l;
        if o >= ra.len() {
            break;
        }
        let r = (k + 1) % 4;
        let len = ra.len() - o;
        acc[r] = if len >= l {
            t.fma(t.load(&ra[o..]), t.load(&rb[o..]), acc[r])
        } else {
            t.fma_part(t.load_part(&ra[o..]), t.load_part(&rb[o..]), acc[r], len)
        };
    }

    // Undo the rotation: canonical register k is positions off..L of
    // accumulator k followed by positions 0..off of accumulator k + 1.
    core::array::from_fn(|k| T::unrotate(t, acc[k], acc[(k + 1) % 4], off))
}
