//! The one-pass batch gradients: per group of rows, the rows' dots (sharing
//! loads of `w`), their residuals, then the same rows, still in L1, folded
//! into the row block's partial (sharing loads and stores of the partial).
//! Every dot keeps the canonical order and every `g[j]` receives its rows'
//! FMAs in increasing row order, so the result is the scalar reference's.

use crate::element::Element;
use crate::kernels::gemv::{G, add, div, dot_rows_at_once, dots, fold_rows};
use crate::kernels::sigmoid::logistic;
use crate::lanes::Lanes;
use crate::matrix::{Matrix, Partials, R};
use crate::scalar::gradient::{Loss, finish};

/// The gradient of `loss`; as [`crate::scalar::gradient::gradient`].
#[inline(always)]
pub(crate) fn gradient<T: Element, S: Lanes<T>>(
    s: S,
    loss: Loss,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> (T, T) {
    let blocks = x.row_blocks();
    let stack = core::cell::RefCell::new(Partials::new(&mut *grad_w, blocks));
    let (_, gb, l) = crate::tree::reduce(
        blocks,
        &mut |bi| {
            let mut st = stack.borrow_mut();
            let (k, g) = st.push();
            let xb = x.row_block(bi);
            let yb = &y[bi * R..bi * R + xb.rows()];
            let (gb, l) = s.vectorize(|| block(s, loss, xb, yb, w, b, g));
            (k, gb, l)
        },
        &mut |(kl, gbl, ll), (kr, gbr, lr)| {
            let k = stack
                .borrow_mut()
                .combine(kl, kr, |a, c| s.vectorize(|| add(s, a, c)));
            (k, gbl + gbr, ll + lr)
        },
    );
    drop(stack);
    let (mt, grad_b, loss) = finish(loss, x.rows(), gb, l);
    div(s, grad_w, mt);
    (grad_b, loss)
}

/// One row block: returns its `(gb, l)` and leaves its `g` in `g`.
#[inline(always)]
fn block<T: Element, S: Lanes<T>>(
    s: S,
    loss: Loss,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    g: &mut [T],
) -> (T, T) {
    let m = x.rows();
    let (mut gb, mut l) = (T::ZERO, T::ZERO);
    let mut i = 0;
    while i + G <= m {
        let rows = [x.row(i), x.row(i + 1), x.row(i + 2), x.row(i + 3)];
        let d = if dot_rows_at_once::<T, S>() == 4 {
            dots(s, rows, w)
        } else {
            rows.map(|r| dots(s, [r], w)[0])
        };
        let e = residuals(s, loss, d.map(|d| d + b), &y[i..i + G], &mut gb, &mut l);
        fold_rows(s, g, rows, e);
        i += G;
    }
    while i < m {
        let row = x.row(i);
        let [d] = dots(s, [row], w);
        let e = residuals(s, loss, [d + b], &y[i..i + 1], &mut gb, &mut l);
        fold_rows(s, g, [row], e);
        i += 1;
    }
    (gb, l)
}

/// The residuals `e_r` of `N` rows from their logits `z` and labels `y`,
/// with `gb = gb + e_r` and the loss update, rows in order.
#[inline(always)]
fn residuals<T: Element, S: Lanes<T>, const N: usize>(
    s: S,
    loss: Loss,
    z: [T; N],
    y: &[T],
    gb: &mut T,
    l: &mut T,
) -> [T; N] {
    let mut e = [T::ZERO; N];
    match loss {
        Loss::Squared => {
            for r in 0..N {
                e[r] = z[r] - y[r];
                *gb = *gb + e[r];
                *l = T::fma(e[r], e[r], *l);
            }
        }
        Loss::Log => {
            // The sigmoid sequence runs on registers: the logits of the
            // group are packed into lanes (padding lanes compute on zeros
            // and are dropped).
            let mut zb = [T::ZERO; 32];
            let mut yb = [T::ZERO; 32];
            let mut eb = [T::ZERO; 32];
            let mut lb = [T::ZERO; 32];
            zb[..N].copy_from_slice(&z);
            yb[..N].copy_from_slice(&y[..N]);
            let mut o = 0;
            while o < N {
                let (ev, lv) = logistic(s, s.load(&zb[o..]), s.load(&yb[o..]));
                s.store(&mut eb[o..], ev);
                s.store(&mut lb[o..], lv);
                o += S::LANES;
            }
            for r in 0..N {
                e[r] = eb[r];
                *gb = *gb + e[r];
                *l = *l + lb[r];
            }
        }
    }
    e
}
