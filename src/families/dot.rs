//! The public `dot` family.

use crate::dispatch::{Backends, Kernel, Kernels, element_family, float_family};
use crate::element::{Element, Float};
use crate::error::{Error, same_len};
use crate::lanes::Lanes;
use crate::par;

/// One `dot` call.
pub(crate) struct Dot<'a, T> {
    pub(crate) k: Kernels,
    pub(crate) a: &'a [T],
    pub(crate) b: &'a [T],
}

impl<T: Float> Kernel for Dot<'_, T> {
    type T = T;
    type Output = T;
    /// Whole subtrees of the block tree on the threads (each by the
    /// sequential kernel on its blocks alone, which is that subtree), then
    /// the tree's top levels and the fold: the contract's operations, so
    /// the sequential bits.
    fn parallel(self) -> Result<T, Self> {
        let budget = self.k.budget();
        let n = self.a.len().min(self.b.len());
        let blocks = n.div_ceil(T::E);
        let grain = self.k.task_bytes / (2 * 16384);
        if budget <= 1 || blocks < 2 * grain {
            return Err(self);
        }
        let (a, b) = (&self.a[..n], &self.b[..n]);
        let lanes = par::tree(
            0,
            blocks,
            budget,
            grain,
            &|lo, hi| lanes(self.k, a, b, lo, hi),
            &|l, r| crate::scalar::dot::add_lanes(l, r),
        );
        Ok(crate::scalar::dot::fold(lanes))
    }
    #[inline(always)]
    fn scalar(self) -> T {
        crate::scalar::dot::dot(self.a, self.b)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) -> T {
        crate::kernels::dot::dot(s, self.a, self.b)
    }
}

/// `Dot` for a reduced-precision type `$t`: the scalar reference and the
/// kernel body, both computing in `$acc` (the registers are f32's).
macro_rules! reduced_dot {
    ($t:ty, $acc:ty, $f:ident) => {
        impl Kernel for Dot<'_, $t> {
            type T = f32;
            type Output = $acc;
            #[inline(always)]
            fn scalar(self) -> $acc {
                crate::scalar::reduced::$f(self.a, self.b)
            }
            #[inline(always)]
            fn simd<S: Backends + Lanes<f32>>(self, s: S) -> $acc {
                crate::kernels::reduced::$f(s, self.a, self.b)
            }
        }
    };
}
reduced_dot!(half::bf16, f32, dot_bf16);
reduced_dot!(half::f16, f32, dot_f16);
reduced_dot!(i8, i64, dot_i8);
reduced_dot!(u8, i64, dot_u8);

element_family!(
    /// `dot` over every element type.
    DotF<T>: Dot => T::Acc
);

/// The lane partials of `dot` over blocks `lo..hi` (`T(lo..hi)` of the
/// block tree), on `k`'s backend, sequentially.
pub(crate) fn lanes<T: Float>(
    k: Kernels,
    a: &[T],
    b: &[T],
    lo: usize,
    hi: usize,
) -> crate::scalar::dot::Stripe<T> {
    let n = a.len();
    let (s, e) = ((lo * T::E).min(n), (hi * T::E).min(n));
    let mut out = [T::ZERO; 64];
    T::run_float::<DotLanesF>(DotLanes {
        k: k.seq(),
        a: &a[s..e],
        b: &b[s..e],
        out: &mut out,
    });
    out
}

/// One call for the lane partials of a `dot` (steps 1-3 of the contract)
/// into `out[..W]`.
pub(crate) struct DotLanes<'a, T> {
    k: Kernels,
    a: &'a [T],
    b: &'a [T],
    out: &'a mut [T],
}

impl<T: Float> Kernel for DotLanes<'_, T> {
    type T = T;
    type Output = ();
    #[inline(always)]
    fn scalar(self) {
        let l = crate::scalar::dot::lanes(self.a, self.b);
        self.out[..T::W].copy_from_slice(&l[..T::W]);
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::dot::stripe_into(s, self.a, self.b, self.out)
    }
}

float_family!(
    /// The lane partials of `dot` (the pieces of a parallel or distributed `dot`).
    DotLanesF<T>: DotLanes => ()
);

impl Kernels {
    /// The dot product `sum_j a[j] * b[j]` in the canonical order
    /// ([contract: dot](crate::contract#dot)): lanes of 256-byte stripes, 16 KiB
    /// blocks, the block tree, the halving fold. Bit-identical on every
    /// backend; `+0.0` for empty input.
    ///
    /// `bf16` and `f16` inputs widen exactly to f32 and return an `f32` in
    /// the order of [contract: reduced-precision dot](crate::contract#reduced-precision-dot);
    /// `i8` and `u8` inputs return the exact sum as an `i64` (`0` for
    /// empty input).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `a.len() != b.len()`.
    ///
    /// # Accuracy
    /// `|dot - exact| <= dot_error_bound::<T>(n, sum_j |a[j] * b[j]|)`; see
    /// [`dot_error_bound`]. For bf16 and f16 the same bound with f32's `u`
    /// and 128 FMAs per lane per block; i8 and u8 are exact.
    #[inline]
    pub fn dot<T: Element>(self, a: &[T], b: &[T]) -> Result<T::Acc, Error> {
        same_len("dot", ("a", a.len()), ("b", b.len()))?;
        Ok(T::run::<DotF>(Dot { k: self, a, b }))
    }
}

/// [`Kernels::dot`] on the automatically chosen backend ([`Isa::best`](crate::isa::Isa::best)).
///
/// ```
/// let a = [1.0f64, 2.0, 3.0];
/// let b = [4.0f64, -5.0, 6.0];
/// assert_eq!(dotgrad::dot(&a, &b).unwrap(), 12.0);
/// assert!(dotgrad::dot(&a, &b[..2]).is_err());
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when `a.len() != b.len()`.
#[inline]
pub fn dot<T: Element>(a: &[T], b: &[T]) -> Result<T::Acc, Error> {
    Kernels::best().dot(a, b)
}

/// The forward error bound of the canonical `dot` of `n` elements:
/// `gamma(k) * sum_abs + (1 + gamma(k)) * n * eta / 2`, with
/// `k = E/W + ceil(log2(blocks)) + log2(W)`, `gamma(k) = k*u / (1 - k*u)`,
/// `u` the unit roundoff and `eta` the smallest positive subnormal of `T`.
/// `sum_abs` is `sum_j |a[j] * b[j]|` (an infinite `sum_abs` gives an
/// infinite bound).
///
/// The underflow term is larger than the `k * eta` of the shared contract's
/// section 5, which is too small when many products are subnormal: every
/// FMA whose result is subnormal may round by up to `eta / 2` (additions of
/// subnormals are exact), and there are `n` FMAs. For example 500 products
/// of `0.375 * eta` each round to zero: an error of `187.5 * eta`, where
/// `k * eta = 70 * eta`.
///
/// ```
/// let b = dotgrad::dot_error_bound::<f32>(1000, 10.0).unwrap();
/// assert!(b > 0.0 && b < 1e-4);
/// assert!(dotgrad::dot_error_bound::<f32>(1000, -1.0).is_err());
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] when `sum_abs` is negative or NaN: a sum of
/// absolute values is neither, so such an argument is a caller's mistake
/// that would otherwise give a meaningless "bound".
pub fn dot_error_bound<T: Float>(n: usize, sum_abs: f64) -> Result<f64, Error> {
    if sum_abs.is_nan() || sum_abs < 0.0 {
        return Err(Error::InvalidParameter {
            op: "dot_error_bound",
            name: "sum_abs",
            value: sum_abs,
            expected: ">= 0 (a sum of absolute values)",
        });
    }
    let blocks = n.div_ceil(T::E).max(1);
    let depth = usize::BITS - (blocks - 1).leading_zeros(); // ceil(log2(blocks))
    let k = (T::E / T::W) as f64 + f64::from(depth) + f64::from(T::W.trailing_zeros());
    let ku = k * T::UNIT_ROUNDOFF;
    let gamma = ku / (1.0 - ku);
    Ok(gamma * sum_abs + (1.0 + gamma) * n as f64 * T::ETA / 2.0)
}
