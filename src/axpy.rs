//! The public element-wise family: `axpy` and `scale`.

use crate::element::Element;
use crate::error::{Error, same_len};
use crate::isa::Kernels;

impl Kernels {
    /// `y[j] = fma(alpha, x[j], y[j])` for every `j`
    /// ([contract: axpy](crate::contract#axpy-and-scale)). One rounding per
    /// element, so the result is the correctly rounded `alpha * x[j] + y[j]`
    /// (error at most half an ulp) and bit-identical on every backend.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `x.len() != y.len()`; `y` is untouched.
    #[inline]
    pub fn axpy<T: Element>(self, alpha: T, x: &[T], y: &mut [T]) -> Result<(), Error> {
        same_len("axpy", ("x", x.len()), ("y", y.len()))?;
        T::axpy_kernel(self, alpha, x, y);
        Ok(())
    }

    /// `x[j] = alpha * x[j]` for every `j`: one correctly rounded product per
    /// element, bit-identical on every backend. Never fails.
    #[inline]
    pub fn scale<T: Element>(self, alpha: T, x: &mut [T]) {
        T::scale_kernel(self, alpha, x);
    }
}

/// [`Kernels::axpy`] on the automatically chosen backend.
///
/// ```
/// let x = [1.0f32, 2.0, 3.0];
/// let mut y = [10.0f32, 20.0, 30.0];
/// dotgrad::axpy(-0.5, &x, &mut y).unwrap();
/// assert_eq!(y, [9.5, 19.0, 28.5]);
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when `x.len() != y.len()`; `y` is untouched.
#[inline]
pub fn axpy<T: Element>(alpha: T, x: &[T], y: &mut [T]) -> Result<(), Error> {
    Kernels::best().axpy(alpha, x, y)
}

/// [`Kernels::scale`] on the automatically chosen backend.
///
/// ```
/// let mut x = [1.0f64, -2.0];
/// dotgrad::scale(3.0, &mut x);
/// assert_eq!(x, [3.0, -6.0]);
/// ```
#[inline]
pub fn scale<T: Element>(alpha: T, x: &mut [T]) {
    Kernels::best().scale(alpha, x)
}
