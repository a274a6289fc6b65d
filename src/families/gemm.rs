//! The public matrix-product family: `gemm` (`C = op(A) op(B)`) and
//! `gemm_acc` (`C += op(A) op(B)`).

use crate::dispatch::{Backends, Kernel, Kernels, float_family};
use crate::element::Float;
use crate::error::{Error, shape};
use crate::lanes::Lanes;
use crate::matrix::Matrix;
use crate::matrix_mut::{MatrixMut, Operand, Trans};

/// One `gemm` or `gemm_acc` call (shapes checked): `a` is `m x K`, `b` is
/// `K x n`, `c` is `m x n`.
pub(crate) struct Gemm<'a, T> {
    k: Kernels,
    a: Operand<'a, T>,
    b: Operand<'a, T>,
    c: MatrixMut<'a, T>,
    acc: bool,
}

/// Rows of `C` a parallel piece is cut at a multiple of (the tall tile's
/// height), so that pieces keep whole tiles; the bits do not depend on it.
const ROW_GRAIN: usize = 12;

/// Runs `op` as up to `budget` pieces of whole rows of `C`, at least
/// `grain` rows each, in parallel.
fn split<T: Float>(op: Gemm<'_, T>, budget: usize, grain: usize) {
    let m = op.c.rows();
    if budget <= 1 || m < 2 * grain {
        return T::run_float::<GemmF>(op);
    }
    let left = budget / 2;
    let mid = (m * left / budget) / ROW_GRAIN * ROW_GRAIN;
    if mid == 0 || mid >= m {
        return T::run_float::<GemmF>(op);
    }
    let Gemm { k, a, b, c, acc } = op;
    let (c1, c2) = c.split_rows(mid);
    let top = Gemm {
        k,
        a: a.row_range(0, mid),
        b,
        c: c1,
        acc,
    };
    let bottom = Gemm {
        k,
        a: a.row_range(mid, a.rows),
        b,
        c: c2,
        acc,
    };
    crate::par::join(
        || split(top, left, grain),
        || split(bottom, budget - left, grain),
    );
}

impl<T: Float> Kernel for Gemm<'_, T> {
    type T = T;
    type Output = ();
    /// Rows of `C` on the threads: each element's chain lies in one row, so
    /// any cut gives the same bits. A piece gets at least enough rows that
    /// it reads the handle's task size of `op(B)` once per row.
    fn parallel(self) -> Result<(), Self> {
        let budget = self.k.budget();
        let (m, n, kk) = (self.a.rows, self.b.cols, self.a.cols);
        let per_row = kk.max(1) * n.max(1) * core::mem::size_of::<T>();
        let grain = self.k.task_bytes.div_ceil(per_row).max(1);
        if budget <= 1 || m < 2 * grain {
            return Err(self);
        }
        let op = Gemm {
            k: self.k.seq(),
            ..self
        };
        split(op, budget, grain);
        Ok(())
    }
    #[inline(always)]
    fn scalar(self) {
        crate::scalar::gemm::gemm(self.a, self.b, self.c, self.acc)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) {
        crate::kernels::gemm::gemm(s, self.a, self.b, self.c, self.acc)
    }
}

float_family!(
    /// `gemm` and `gemm_acc`.
    GemmF<T>: Gemm => ()
);

/// `C = op(A) op(B)` (`acc == false`) or `C += op(A) op(B)` on handle
/// `k`, for a caller inside the crate that has checked the shapes.
#[inline]
pub(crate) fn run_checked<T: Float>(
    k: Kernels,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    c: MatrixMut<'_, T>,
    acc: bool,
) {
    T::run_float::<GemmF>(Gemm { k, a, b, c, acc });
}

/// Checks the shapes of `c = op(a) op(b)` and returns the operand views.
fn check<'a, T: Float>(
    op: &'static str,
    a: Matrix<'a, T>,
    ta: Trans,
    b: Matrix<'a, T>,
    tb: Trans,
    c: &MatrixMut<'_, T>,
) -> Result<(Operand<'a, T>, Operand<'a, T>), Error> {
    let (a, b) = (Operand::new(a, ta), Operand::new(b, tb));
    shape(op, "rows of op(b) vs columns of op(a)", a.cols, b.rows)?;
    shape(op, "rows of `c` vs rows of op(a)", a.rows, c.rows())?;
    shape(op, "columns of `c` vs columns of op(b)", b.cols, c.cols())?;
    Ok((a, b))
}

impl Kernels {
    /// `C = op(A) op(B)` ([contract: gemm](crate::contract#gemm-c--opa-opb)),
    /// with `op(X)` = `X` or `X^T` as `ta`, `tb` say: each `C[i][j]` is one
    /// FMA chain `c = fma(op(A)[i][p], op(B)[p][j], c)` over `p = 0..K` in
    /// increasing order, from `c = +0.0`. Bit-identical on every backend
    /// and for every thread count (this is not `gemv`'s dot order: there is
    /// no lane split, tree or fold over `K`). With `K = 0`, `C` is all
    /// `+0.0`.
    ///
    /// Needs the `alloc` feature (the packed panels live in a scratch
    /// `Vec`). With [`Par`](crate::Par) on the handle, rows of `C` are
    /// split over the threads.
    ///
    /// # Errors
    /// [`Error::Shape`] when the columns of `op(a)` differ from the rows of
    /// `op(b)`, or `c` is not `rows of op(a) x columns of op(b)`; `c` is
    /// untouched.
    ///
    /// # Accuracy
    /// `|C[i][j] - exact| <= gamma(K) * sum_p |op(A)[i][p] op(B)[p][j]| +
    /// (1 + gamma(K)) * K * eta / 2`, `gamma(K) = K u / (1 - K u)`.
    #[inline]
    pub fn gemm<T: Float>(
        self,
        a: Matrix<'_, T>,
        ta: Trans,
        b: Matrix<'_, T>,
        tb: Trans,
        c: MatrixMut<'_, T>,
    ) -> Result<(), Error> {
        let (a, b) = check("gemm", a, ta, b, tb, &c)?;
        T::run_float::<GemmF>(Gemm {
            k: self,
            a,
            b,
            c,
            acc: false,
        });
        Ok(())
    }

    /// `C += op(A) op(B)` ([contract: gemm](crate::contract#gemm-c--opa-opb)):
    /// as [`Kernels::gemm`], each chain starting from the existing
    /// `C[i][j]` instead of `+0.0`. With `K = 0`, `C` is unchanged.
    ///
    /// # Errors
    /// As [`Kernels::gemm`] (op `"gemm_acc"`); `c` is untouched.
    ///
    /// # Accuracy
    /// `|C[i][j] - exact| <= gamma(K) * (|C0[i][j]| + sum_p |op(A)[i][p]
    /// op(B)[p][j]|) + (1 + gamma(K)) * K * eta / 2`, `C0` the input `C`.
    #[inline]
    pub fn gemm_acc<T: Float>(
        self,
        a: Matrix<'_, T>,
        ta: Trans,
        b: Matrix<'_, T>,
        tb: Trans,
        c: MatrixMut<'_, T>,
    ) -> Result<(), Error> {
        let (a, b) = check("gemm_acc", a, ta, b, tb, &c)?;
        T::run_float::<GemmF>(Gemm {
            k: self,
            a,
            b,
            c,
            acc: true,
        });
        Ok(())
    }
}

/// [`Kernels::gemm`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::{Matrix, MatrixMut, Trans};
/// let a = Matrix::from_rows(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3).unwrap();
/// let b = Matrix::from_rows(&[1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0], 3, 2).unwrap();
/// let mut buf = [0.0f32; 4];
/// dotgrad::gemm(a, Trans::No, b, Trans::No, MatrixMut::from_rows(&mut buf, 2, 2).unwrap()).unwrap();
/// assert_eq!(buf, [4.0, 5.0, 10.0, 11.0]);
/// // A^T A is 3 x 3: a 2 x 2 `c` is refused and left alone.
/// let c = MatrixMut::from_rows(&mut buf, 2, 2).unwrap();
/// assert!(dotgrad::gemm(a, Trans::Yes, a, Trans::No, c).is_err());
/// assert_eq!(buf, [4.0, 5.0, 10.0, 11.0]);
/// ```
///
/// # Errors
/// As [`Kernels::gemm`].
#[inline]
pub fn gemm<T: Float>(
    a: Matrix<'_, T>,
    ta: Trans,
    b: Matrix<'_, T>,
    tb: Trans,
    c: MatrixMut<'_, T>,
) -> Result<(), Error> {
    Kernels::best().gemm(a, ta, b, tb, c)
}

/// [`Kernels::gemm_acc`] on the automatically chosen backend.
///
/// ```
/// use dotgrad::{Matrix, MatrixMut, Trans};
/// let a = Matrix::from_rows(&[1.0f64, 2.0], 1, 2).unwrap();
/// let mut buf = [10.0f64; 4];
/// // C += a^T a.
/// dotgrad::gemm_acc(a, Trans::Yes, a, Trans::No, MatrixMut::from_rows(&mut buf, 2, 2).unwrap()).unwrap();
/// assert_eq!(buf, [11.0, 12.0, 12.0, 14.0]);
/// ```
///
/// # Errors
/// As [`Kernels::gemm_acc`].
#[inline]
pub fn gemm_acc<T: Float>(
    a: Matrix<'_, T>,
    ta: Trans,
    b: Matrix<'_, T>,
    tb: Trans,
    c: MatrixMut<'_, T>,
) -> Result<(), Error> {
    Kernels::best().gemm_acc(a, ta, b, tb, c)
}
