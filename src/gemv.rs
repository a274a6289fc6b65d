//! The public matrix-vector family: `gemv` (`X w + b`) and `gemv_t` (`X^T v`).

use crate::element::Element;
use crate::error::Error;
use crate::isa::Kernels;
use crate::matrix::Matrix;

/// `Err(Shape)` unless `found == expected`.
#[inline(always)]
pub(crate) fn shape(
    op: &'static str,
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::Shape {
            op,
            what,
            expected,
            found,
        })
    }
}

impl Kernels {
    /// `out[i] = dot(X[i], w) + b` for every row `i` of `x`
    /// ([contract: gemv](crate::contract#gemv)): each row's dot in the
    /// canonical `dot` order, then one rounded `+ b`. Bit-identical on every
    /// backend.
    ///
    /// # Errors
    /// [`Error::Shape`] when `w.len() != x.cols()` or `out.len() != x.rows()`;
    /// `out` is untouched.
    ///
    /// # Accuracy
    /// Each `out[i]` is `fl(d_i + b)` with `d_i` within
    /// [`dot_error_bound`](crate::dot_error_bound) of the exact dot.
    #[inline]
    pub fn gemv<T: Element>(
        self,
        x: Matrix<'_, T>,
        w: &[T],
        b: T,
        out: &mut [T],
    ) -> Result<(), Error> {
        shape("gemv", "length of `w` vs columns of `x`", x.cols(), w.len())?;
        shape(
            "gemv",
            "length of `out` vs rows of `x`",
            x.rows(),
            out.len(),
        )?;
        T::gemv_kernel(self, x, w, b, out);
        Ok(())
    }

    /// `out = X^T v`, i.e. `out[j] = sum_i v[i] * X[i][j]`
    /// ([contract: gemv_t](crate::contract#gemv_t-out--xt-v)): row blocks of
    /// 256 rows, each accumulated row by row from `+0.0` with FMAs, blocks
    /// combined by the block tree. Bit-identical on every backend. With
    /// `x.rows() == 0` the result is all `+0.0`.
    ///
    /// Needs the `alloc` feature: more than one row block keeps
    /// `ceil(log2(blocks))` partial vectors of `x.cols()` elements in a
    /// scratch `Vec` (the first partial is `out` itself).
    ///
    /// # Errors
    /// [`Error::Shape`] when `v.len() != x.rows()` or `out.len() != x.cols()`;
    /// `out` is untouched.
    ///
    /// # Accuracy
    /// `|out[j] - exact| <= gamma(k) * sum_i |v[i] * X[i][j]| + k * eta` with
    /// `k = 256 + ceil(log2(blocks))` (see the contract).
    #[cfg(feature = "alloc")]
    #[inline]
    pub fn gemv_t<T: Element>(self, x: Matrix<'_, T>, v: &[T], out: &mut [T]) -> Result<(), Error> {
        shape("gemv_t", "length of `v` vs rows of `x`", x.rows(), v.len())?;
        shape(
            "gemv_t",
            "length of `out` vs columns of `x`",
            x.cols(),
            out.len(),
        )?;
        T::gemv_t_kernel(self, x, v, out);
        Ok(())
    }
}

/// [`Kernels::gemv`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::Matrix;
/// let x = Matrix::from_rows(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3).unwrap();
/// let mut out = [0.0f32; 2];
/// dotgrad::gemv(x, &[1.0, 0.0, -1.0], 0.5, &mut out).unwrap();
/// assert_eq!(out, [-1.5, -1.5]);
/// assert!(dotgrad::gemv(x, &[1.0, 0.0], 0.5, &mut out).is_err());
/// ```
///
/// # Errors
/// As [`Kernels::gemv`].
#[inline]
pub fn gemv<T: Element>(x: Matrix<'_, T>, w: &[T], b: T, out: &mut [T]) -> Result<(), Error> {
    Kernels::best().gemv(x, w, b, out)
}

/// [`Kernels::gemv_t`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::Matrix;
/// let x = Matrix::from_rows(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3).unwrap();
/// let mut out = [0.0f64; 3];
/// dotgrad::gemv_t(x, &[1.0, -1.0], &mut out).unwrap();
/// assert_eq!(out, [-3.0, -3.0, -3.0]);
/// ```
///
/// # Errors
/// As [`Kernels::gemv_t`].
#[cfg(feature = "alloc")]
#[inline]
pub fn gemv_t<T: Element>(x: Matrix<'_, T>, v: &[T], out: &mut [T]) -> Result<(), Error> {
    Kernels::best().gemv_t(x, v, out)
}
