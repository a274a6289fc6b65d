//! What a SIMD backend provides for the reduced-precision types: exact
//! widening of `bf16` and `f16` to `f32` registers in the contract's lane
//! order ([contract](crate::contract#reduced-precision-dot)), and exact
//! integer multiply-adds of `i8` and `u8` into 32-bit lanes. The kernel
//! bodies ([`crate::kernels::reduced`]) do the rest with [`Lanes<f32>`].

use half::{bf16, f16};

use crate::lanes::Lanes;

/// Widening register operations of a backend (see the module docs).
pub(crate) trait Widen: Lanes<f32> {
    /// A register of 32-bit integer lanes.
    type I: Copy;
    /// Bytes of each input one integer step ([`Widen::madd_i8`]) reads.
    const IBYTES: usize;

    /// The `2 * LANES` elements `s[..2 * LANES]`, widened exactly: lane `i`
    /// of the first register is element `2i`, of the second element
    /// `2i + 1` (the low and high halves of 32-bit word `i`: a shift left by
    /// 16 and a mask). Callers pass at least `2 * LANES` elements.
    fn widen_bf16(self, s: &[bf16]) -> (Self::V, Self::V);
    /// `s[..LANES]`, widened exactly: lane `i` is element `i` (the hardware
    /// half-to-single conversion). Callers pass at least `LANES` elements.
    fn widen_f16(self, s: &[f16]) -> Self::V;
    /// Runs `f` in a context whose target features include the `f16`
    /// conversion, so that [`Widen::widen_f16`] inlines (AVX2 needs F16C on
    /// top of its token's features; elsewhere the backend's own context has
    /// it, and this is just `f()`).
    #[inline(always)]
    fn f16_context<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }

    /// All lanes 0.
    fn izero(self) -> Self::I;
    /// `acc` plus the products `a[j] * b[j]`, `j < IBYTES`, exact: each
    /// 32-bit lane receives the sum of a fixed set of products (pairs of
    /// 16-bit products, never a saturating instruction). Callers keep the
    /// sum in every lane below `2^31` in magnitude ([`IBLOCK`]).
    fn madd_i8(self, a: &[i8], b: &[i8], acc: Self::I) -> Self::I;
    /// As [`Widen::madd_i8`], for `u8`.
    fn madd_u8(self, a: &[u8], b: &[u8], acc: Self::I) -> Self::I;
    /// `acc` plus the squares `(a[j] - b[j])^2`, `j < IBYTES`, exact (the
    /// differences in 16 bits, at most `255^2` each square), as
    /// [`Widen::madd_i8`] adds products.
    fn msq_i8(self, a: &[i8], b: &[i8], acc: Self::I) -> Self::I;
    /// As [`Widen::msq_i8`], for `u8`.
    fn msq_u8(self, a: &[u8], b: &[u8], acc: Self::I) -> Self::I;
    /// The exact sum of the lanes.
    fn isum(self, acc: Self::I) -> i64;
}

/// Elements of an integer block: the most products one 32-bit lane sums
/// before the block's sum moves to an `i64`. `IBLOCK * 255^2 < 2^31`, so no
/// partial sum of a block can overflow, whatever the lane assignment.
pub(crate) const IBLOCK: usize = 16384;
const _: () = assert!((IBLOCK as i64) * 255 * 255 < (1i64 << 31));
