//! The public matrix-vector family: `gemv` (`X w + b`) and `gemv_t` (`X^T v`).

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
use crate::error::{Error, shape};
use crate::lanes::Lanes;
use crate::matrix::Matrix;
use crate::par::{self, Split};

/// One `gemv` call (shapes checked).
pub(crate) struct Gemv<'a, T> {
    k: Kernels,
    x: Matrix<'a, T>,
    w: &'a [T],
    b: T,
    out: &'a mut [T],
}

impl<T: Float> Split for Gemv<'_, T> {
    fn len(&self) -> usize {
        self.out.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (x, k, w, b) = (self.x, self.k, self.w, self.b);
        let (o1, o2) = self.out.split_at_mut(mid);
        let x1 = x.row_range(0, mid);
        let x2 = x.row_range(mid, x.rows());
        let g1 = Gemv {
            k,
            x: x1,
            w,
            b,
            out: o1,
        };
        (
            g1,
            Gemv {
                k,
                x: x2,
                w,
                b,
                out: o2,
            },
        )
    }
}

impl<T: Float> Kernel for Gemv<'_, T> {
    type T = T;
    type Output = ();
    /// Rows on the threads: each row's dot is independent.
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        let grain = self.k.task_bytes / (self.x.cols().max(1) * core::mem::size_of::<T>());
        if budget <= 1 || self.out.len() < 2 * grain.max(1) {
            return Err(self);
        }
        let op = Gemv {
            k: self.k.seq(),
            ..self
        };
        par::pieces(op, budget, grain, &|op| T::run_float::<GemvF>(op));
        Ok(())
    }
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
    /// Whole subtrees of row blocks on the threads (each by the sequential
    /// kernel on its rows alone, which is that subtree's partial), combined
    /// by the tree's element-wise `(+)`.
    fn parallel(self) -> Result<(), Self> {
        use crate::params::R;
        let budget = self.k.budget();
        let (m, n) = (self.x.rows(), self.x.cols());
        let blocks = m.div_ceil(R);
        let grain = self
            .k
            .task_bytes
            .div_ceil(R * n.max(1) * core::mem::size_of::<T>());
        if budget <= 1 || blocks < 2 * grain {
            return Err(self);
        }
        let (k, x, v) = (self.k.seq(), self.x, self.v);
        let g = par::tree(
            0,
            blocks,
            budget,
            grain,
            &|lo, hi| {
                let (r0, r1) = (lo * R, (hi * R).min(m));
                let mut g = alloc::vec![T::ZERO; n];
                T::run_float::<GemvTF>(GemvT {
                    k,
                    x: x.row_range(r0, r1),
                    v: &v[r0..r1],
                    out: &mut g,
                });
                g
            },
            &|mut l, r| {
                crate::scalar::gemv::add(&mut l, &r);
                l
            },
        );
        self.out.copy_from_slice(&g);
        Ok(())
    }
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
