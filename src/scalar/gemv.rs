//! `gemv` and `gemv_t`, literally.

use crate::element::Float;
use crate::matrix::Matrix;

/// `out[i] = dot(X[i], w) + b`, each dot by the contract's `dot`.
pub(crate) fn gemv<T: Float>(x: Matrix<'_, T>, w: &[T], b: T, out: &mut [T]) {
    for (i, o) in out.iter_mut().enumerate().take(x.rows()) {
        *o = super::dot::dot(x.at(i), w) + b;
    }
}

/// `out = X^T v`: row blocks of `R` rows, `g[j] = fma(v[i], X[i][j], g[j])`
/// from `+0.0` for the rows of a block in increasing order, blocks combined
/// by the block tree (element-wise `+`).
#[cfg(feature = "alloc")]
pub(crate) fn gemv_t<T: Float>(x: Matrix<'_, T>, v: &[T], out: &mut [T]) {
    use crate::params::R;
    crate::tree::row_block_tree(
        x,
        out,
        &mut |bi, xb, g| {
            for i in 0..xb.rows() {
                let vi = v[bi * R + i];
                for (gj, &xij) in g.iter_mut().zip(xb.at(i)) {
                    *gj = T::fma(vi, xij, *gj);
                }
            }
        },
        &mut add,
        &mut |(), ()| (),
    );
}

/// The block tree's `(+)` on vector partials: `l[j] = l[j] + r[j]`.
#[cfg(feature = "alloc")]
pub(crate) fn add<T: Float>(l: &mut [T], r: &[T]) {
    for (a, &b) in l.iter_mut().zip(r) {
        *a = *a + b;
    }
}
