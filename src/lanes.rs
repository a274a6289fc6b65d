//! What a SIMD backend provides: a token that enters its `#[target_feature]`
//! context ([`Simd`]) and the register operations on one element type
//! ([`Lanes`]). The kernel bodies in [`crate::kernels`] are written once
//! against these traits, so every backend runs literally the same sequence
//! of operations; only the register width differs.
//!
//! Every method is `#[inline(always)]` in the implementations: the bodies are
//! compiled inside [`Simd::vectorize`], where the CPU features are enabled.

use crate::element::Element;

/// A backend token. A value of an implementing type exists only after
/// run-time detection confirmed the CPU features it stands for, so holding
/// one is the proof that discharges the `unsafe` of its intrinsics.
pub(crate) trait Simd: Copy {
    /// Runs `f` in a function compiled with this backend's target features,
    /// so that the kernel body inlined into `f` uses them.
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R;
}

/// Register operations of a backend on element type `T`. A register holds
/// [`Lanes::LANES`] elements; a stripe of the contract (256 bytes, `T::W`
/// lanes) is [`Lanes::Stripe`]: `T::W / LANES` registers, register `k`
/// holding lanes `k*LANES .. (k+1)*LANES`.
pub(crate) trait Lanes<T: Element>: Simd {
    /// One register.
    type V: Copy;
    /// One stripe of lane partials.
    type Stripe: Copy + AsRef<[Self::V]> + AsMut<[Self::V]>;
    /// Elements per register.
    const LANES: usize;

    /// All lanes `+0.0`.
    fn zero(self) -> Self::V;
    /// A stripe of `+0.0` lanes.
    fn zero_stripe(self) -> Self::Stripe;
    /// All lanes `x`.
    fn splat(self, x: T) -> Self::V;
    /// Loads `s[..LANES]` (unaligned). Callers pass at least `LANES` elements.
    fn load(self, s: &[T]) -> Self::V;
    /// Stores to `s[..LANES]` (unaligned). Callers pass at least `LANES` elements.
    fn store(self, s: &mut [T], v: Self::V);
    /// Loads `s` (shorter than `LANES`) into the low lanes; the other lanes
    /// are `+0.0`. Never touches memory past `s`.
    fn load_part(self, s: &[T]) -> Self::V;
    /// Stores the low `s.len()` (< `LANES`) lanes of `v` into `s`. Never
    /// touches memory past `s`.
    fn store_part(self, s: &mut [T], v: Self::V);
    /// `fma(a, b, c)` lane by lane, one rounding.
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `fma(a, b, c)` in lanes `< len`; lanes `>= len` return `c` unchanged
    /// (not `fma(0, 0, c)`, which turns `-0.0` into `+0.0`).
    fn fma_part(self, a: Self::V, b: Self::V, c: Self::V, len: usize) -> Self::V;
    /// `a + b` lane by lane.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b` lane by lane.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// The in-register part of the contract's `fold`: for `w = LANES/2, ..., 1`,
    /// lane `i` += lane `i + w`; returns lane 0.
    fn reduce(self, v: Self::V) -> T;
}

/// Lane-wise `x + y` of two stripes (the `(+)` of the block tree).
#[inline(always)]
pub(crate) fn add_stripes<T: Element, S: Lanes<T>>(
    s: S,
    mut x: S::Stripe,
    y: S::Stripe,
) -> S::Stripe {
    for (a, b) in x.as_mut().iter_mut().zip(y.as_ref()) {
        *a = s.add(*a, *b);
    }
    x
}

/// The contract's `fold` of a stripe: add the upper half of the registers
/// onto the lower half until one register is left, then reduce inside it.
#[inline(always)]
pub(crate) fn fold<T: Element, S: Lanes<T>>(s: S, mut stripe: S::Stripe) -> T {
    let r = stripe.as_mut();
    let mut k = r.len();
    while k > 1 {
        k /= 2;
        for i in 0..k {
            r[i] = s.add(r[i], r[i + k]);
        }
    }
    s.reduce(r[0])
}
