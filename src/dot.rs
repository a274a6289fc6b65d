//! The public `dot` family.

use crate::element::Element;
use crate::error::{Error, same_len};
use crate::isa::Kernels;

impl Kernels {
    /// The dot product `sum_j a[j] * b[j]` in the canonical order
    /// ([contract: dot](crate::contract#dot)): lanes of 256-byte stripes, 16 KiB
    /// blocks, the block tree, the halving fold. Bit-identical on every
    /// backend; `+0.0` for empty input.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `a.len() != b.len()`.
    ///
    /// # Accuracy
    /// `|dot - exact| <= dot_error_bound::<T>(n, sum_j |a[j] * b[j]|)`; see
    /// [`dot_error_bound`].
    #[inline]
    pub fn dot<T: Element>(self, a: &[T], b: &[T]) -> Result<T, Error> {
        same_len("dot", ("a", a.len()), ("b", b.len()))?;
        Ok(T::dot_kernel(self, a, b))
    }
}

/// [`Kernels::dot`] on the automatically chosen backend ([`crate::Isa::best`]).
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
pub fn dot<T: Element>(a: &[T], b: &[T]) -> Result<T, Error> {
    Kernels::best().dot(a, b)
}

/// The forward error bound of the canonical `dot` of `n` elements:
/// `gamma(k) * sum_abs + (1 + gamma(k)) * n * eta / 2`, with
/// `k = E/W + ceil(log2(blocks)) + log2(W)`, `gamma(k) = k*u / (1 - k*u)`,
/// `u` the unit roundoff and `eta` the smallest positive subnormal of `T`.
/// `sum_abs` is `sum_j |a[j] * b[j]|`.
///
/// The underflow term is larger than the `k * eta` of the shared contract's
/// section 5, which is too small when many products are subnormal: every
/// FMA whose result is subnormal may round by up to `eta / 2` (additions of
/// subnormals are exact), and there are `n` FMAs. For example 500 products
/// of `0.375 * eta` each round to zero: an error of `187.5 * eta`, where
/// `k * eta = 70 * eta`.
pub fn dot_error_bound<T: Element>(n: usize, sum_abs: f64) -> f64 {
    let blocks = n.div_ceil(T::E).max(1);
    let depth = usize::BITS - (blocks - 1).leading_zeros(); // ceil(log2(blocks))
    let k = (T::E / T::W) as f64 + f64::from(depth) + f64::from(T::W.trailing_zeros());
    let ku = k * T::UNIT_ROUNDOFF;
    let gamma = ku / (1.0 - ku);
    let eta = if T::W == 64 {
        f64::from(f32::from_bits(1))
    } else {
        f64::from_bits(1)
    };
    gamma * sum_abs + (1.0 + gamma) * n as f64 * eta / 2.0
}
