//! `gemm`, literally: one FMA chain per element of `C`.

use crate::element::Float;
use crate::matrix_mut::{MatrixMut, Operand};

/// `C = op(A) op(B)` (`acc == false`) or `C += op(A) op(B)` (`acc == true`):
/// for each `C[i][j]`, `c` starts at `+0.0` (or at `C[i][j]`), then for
/// `p = 0..K` in increasing order `c = fma(A[i][p], B[p][j], c)`.
/// Shapes are checked by the caller: `a` is `m x K`, `b` is `K x n`, `c`
/// is `m x n`.
pub(crate) fn gemm<T: Float>(
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    mut c: MatrixMut<'_, T>,
    acc: bool,
) {
    let (m, n, k) = (a.rows, b.cols, a.cols);
    for i in 0..m {
        let row = c.at_mut(i);
        for (j, cij) in row.iter_mut().enumerate().take(n) {
            let mut s = if acc { *cij } else { T::ZERO };
            for p in 0..k {
                s = T::fma(a.get(i, p), b.get(p, j), s);
            }
            *cij = s;
        }
    }
}
