//! The public matrix-vector family: `gemv` (`X w + b`) and `gemv_t` (`X^T v`).

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
use crate::error::{Error, shape};
use crate::lanes::Lanes;
use crate::matrix::Matrix;

/// One `gemv` call (shapes checked).
pub(crate) struct Gemv<'a, T> {
    k: Kernels,
    x: Matrix<'a, T>,
    w: &'a [T],
    b: T,
    out: &'a mut [T],
}

impl<T: Float> Kernel for Gemv<'_, T> {
    type T = T;
    type Output = ();
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::gemv::gemv(self.x, self.w, self.b, self.out)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::gemv::gemv(s, self.x, self.w, self.b, self.out)
    }
}

float_family!(
    /// `gemv`.
    GemvF<T>: Gemv => ()
);

/// One `gemv_t` call (shapes checked).
#[cfg(feature = "alloc")]
pub(crate) struct GemvT<'a, T> {
    k: Kernels,
    x: Matrix<'a, T>,
    v: &'a [T],
    out: &'a mut [T],
}

#[cfg(feature = "alloc")]
impl<T: Float> Kernel for GemvT<'_, T> {
    type T = T;
    type Output = ();
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::gemv::gemv_t(self.x, self.v, self.out)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::gemv::gemv_t(s, self.x, self.v, self.out)
    }
}

#[cfg(feature = "alloc")]
float_family!(
    /// `gemv_t`.
    GemvTF<T>: GemvT => ()
);

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
    pub fn gemv<T: Float>(
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
        T::run_float::<GemvF>(Gemv {
            k: self,
            x,
            w,
            b,
            out,
        });
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
    /// `|out[j] - exact| <= gamma(k) * sum_i |v[i] * X[i][j]| + m * eta / 2`
    /// with `k = 256 + ceil(log2(blocks))` and `m = x.rows()` (see the
    /// contract): each of the `m` FMAs into `out[j]` whose result is
    /// subnormal may lose `eta / 2`.
    #[cfg(feature = "alloc")]
    #[inline]
    pub fn gemv_t<T: Float>(self, x: Matrix<'_, T>, v: &[T], out: &mut [T]) -> Result<(), Error> {
        shape("gemv_t", "length of `v` vs rows of `x`", x.rows(), v.len())?;
        shape(
            "gemv_t",
            "length of `out` vs columns of `x`",
            x.cols(),
            out.len(),
        )?;
        T::run_float::<GemvTF>(GemvT { k: self, x, v, out });
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
pub fn gemv<T: Float>(x: Matrix<'_, T>, w: &[T], b: T, out: &mut [T]) -> Result<(), Error> {
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
pub fn gemv_t<T: Float>(x: Matrix<'_, T>, v: &[T], out: &mut [T]) -> Result<(), Error> {
    Kernels::best().gemv_t(x, v, out)
}
