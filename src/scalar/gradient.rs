//! The batch gradients of linear and logistic regression, literally
//! (contract: "Batch gradient of linear regression", "... of logistic
//! regression").

use crate::matrix::Matrix;
use crate::params::{Loss, Params, R, finish};

use super::sigmoid::logistic;

/// One row's contribution to the partial sums `gb` and `l` (not `g`):
/// returns `e_i` from the row's logit `z = dot + b` and label `y`.
#[inline(always)]
pub(crate) fn row_step<T: Params>(loss: Loss, z: T, y: T, gb: &mut T, l: &mut T) -> T {
    match loss {
        Loss::Squared => {
            let e = z - y;
            *gb = *gb + e;
            *l = T::fma(e, e, *l);
            e
        }
        Loss::Log => {
            let (e, li) = logistic(z, y);
            *gb = *gb + e;
            *l = *l + li;
            e
        }
    }
}

/// The gradient of `loss` at `(w, b)`: fills `grad_w`, returns `(grad_b, loss)`.
/// Shapes are checked by the caller: `y.len() == x.rows() >= 1`,
/// `w.len() == grad_w.len() == x.cols()`.
pub(crate) fn gradient<T: Params>(
    loss: Loss,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> (T, T) {
    let (gb, l) = sums(loss, x, y, w, b, grad_w);
    let (mt, grad_b, loss) = finish(loss, x.rows(), gb, l);
    for gj in grad_w.iter_mut() {
        *gj = *gj / mt;
    }
    (grad_b, loss)
}

/// Steps 1-3: the row blocks and the block tree, before the means; leaves
/// `g` in `grad_w`, returns the sums `(gb, l)`.
pub(crate) fn sums<T: Params>(
    loss: Loss,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> (T, T) {
    crate::tree::row_block_tree(
        x,
        &mut *grad_w,
        &mut |bi, xb, g| {
            let (mut gb, mut l) = (T::ZERO, T::ZERO);
            for i in 0..xb.rows() {
                let xi = xb.at(i);
                let z = super::dot::dot(xi, w) + b;
                let e = row_step(loss, z, y[bi * R + i], &mut gb, &mut l);
                for (gj, &xij) in g.iter_mut().zip(xi) {
                    *gj = T::fma(e, xij, *gj);
                }
            }
            (gb, l)
        },
        &mut super::gemv::add,
        &mut |(gbl, ll), (gbr, lr)| (gbl + gbr, ll + lr),
    )
}
