//! The one-pass batch gradients: per group of rows, the rows' dots (sharing
//! loads of `w`), their residuals, then the same rows, still in L1, folded
//! into the row block's partial (sharing loads and stores of the partial).
//! Every dot keeps the canonical order and every `g[j]` receives its rows'
//! FMAs in increasing row order, so the result is the scalar reference's.

use crate::kernels::elementwise::{add, div};
use crate::kernels::rows::by_regs;
use crate::kernels::rows::{
    G, dot_narrow, dot_rows, dot_rows_at_once, dots, dots_fold, dots_stripe, fold_narrow,
    fold_range, fold_stripe, is_narrow, is_stripe, load_regs, rows4, store_regs,
};
use crate::kernels::sigmoid::logistic;
use crate::lanes::Lanes;
use crate::lanes::{load_row, store_row, stripe_regs};
use crate::matrix::Matrix;
use crate::params::{Loss, Params, R, finish};

/// The gradient of the log-loss (`LOG`) or the squared loss; as
/// the scalar reference. The model is a const parameter so
/// that each kernel body holds only its own residual code.
#[inline(always)]
pub(crate) fn gradient<T: Params, S: Lanes<T>, const LOG: bool>(
    s: S,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> (T, T) {
    let (gb, l) = sums::<T, S, LOG>(s, x, y, w, b, grad_w);
    let loss = if LOG { Loss::Log } else { Loss::Squared };
    let (mt, grad_b, loss) = finish(loss, x.rows(), gb, l);
    div(s, grad_w, mt);
    (grad_b, loss)
}

/// Steps 1-3 of the gradient (the row blocks and the block tree, before
/// the means): leaves `g` in `g`, returns the sums `(gb, l)`.
#[inline(always)]
pub(crate) fn sums<T: Params, S: Lanes<T>, const LOG: bool>(
    s: S,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grad_w: &mut [T],
) -> (T, T) {
    let n = x.cols();
    if crate::kernels::narrow::takes::<T, S>(n, crate::kernels::narrow::Kind::Gradient) {
        // The blocks' sums `LANES` blocks at a time, across the lanes,
        // computed when the tree asks for the first block of a group.
        let blocks = x.row_blocks();
        let mut cache = alloc::vec![T::ZERO; S::LANES * n];
        let mut sums = [(T::ZERO, T::ZERO); 16];
        let mut lo = usize::MAX;
        return crate::tree::row_block_tree(
            x,
            &mut *grad_w,
            &mut |bi, _, g| {
                if !(lo..lo.saturating_add(S::LANES)).contains(&bi) {
                    lo = bi;
                    let nb = S::LANES.min(blocks - bi);
                    s.vectorize(
                        #[inline(always)]
                        || {
                            crate::kernels::narrow::gradient_group::<T, S, LOG>(
                                s, x, y, w, b, bi, nb, &mut cache, &mut sums,
                            )
                        },
                    );
                }
                g.copy_from_slice(&cache[(bi - lo) * n..][..n]);
                sums[bi - lo]
            },
            &mut |a, c| {
                s.vectorize(
                    #[inline(always)]
                    || add(s, a, c),
                )
            },
            &mut |(gbl, ll), (gbr, lr)| (gbl + gbr, ll + lr),
        );
    }
    crate::tree::row_block_tree(
        x,
        &mut *grad_w,
        &mut |bi, xb, g| {
            let yb = &y[bi * R..bi * R + xb.rows()];
            s.vectorize(
                #[inline(always)]
                || block::<T, S, LOG>(s, xb, yb, w, b, g),
            )
        },
        &mut |a, c| {
            s.vectorize(
                #[inline(always)]
                || add(s, a, c),
            )
        },
        &mut |(gbl, ll), (gbr, lr)| (gbl + gbr, ll + lr),
    )
}

/// Rows whose residuals are computed together (the logistic sequence then
/// runs on full registers): 16 while 16 rows fit in 16 KiB, so that they
/// are still in L1 when they are folded into `g`; else [`G`].
#[inline(always)]
fn batch<T: Params>(n: usize) -> usize {
    if n * core::mem::size_of::<T>() <= 1024 {
        BATCH
    } else {
        G
    }
}

/// The largest batch of rows.
const BATCH: usize = 16;

/// One row block: returns its `(gb, l)` and leaves its `g` in `g`. Rows go
/// in batches: their dots (in the canonical order, several rows sharing
/// each load of `w` where registers allow), their residuals, then the same
/// rows folded into `g` in increasing order.
#[inline(always)]
fn block<T: Params, S: Lanes<T>, const LOG: bool>(
    s: S,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    g: &mut [T],
) -> (T, T) {
    let m = x.rows();
    let nb = batch::<T>(w.len());
    let (mut gb, mut l) = (T::ZERO, T::ZERO);
    let mut z = [T::ZERO; BATCH];
    if is_narrow::<T, S>(w.len()) {
        // Short rows: `w` and `g` stay in registers for the whole block.
        let wv = load_regs(s, w);
        let mut gv = load_regs(s, g);
        let mut i = 0;
        while i < m {
            let cnt = nb.min(m - i);
            for (r, zr) in z.iter_mut().enumerate().take(cnt) {
                *zr = dot_narrow(s, x.at(i + r), &wv) + b;
            }
            let e = residuals::<T, S, LOG>(s, &z, &y[i..i + cnt], &mut gb, &mut l);
            for (r, &er) in e.iter().enumerate().take(cnt) {
                fold_narrow(s, &mut gv, x.at(i + r), er);
            }
            i += cnt;
        }
        store_regs(s, g, &gv);
        return (gb, l);
    }
    if is_stripe::<T, S>(w.len()) {
        return by_regs!(w.len().div_ceil(S::LANES), KR => {
            stripe_block::<T, S, LOG, KR>(s, x, y, w, b, g)
        });
    }
    if w.len() > T::E {
        // Rows longer than a block: each dot runs the block tree.
        let mut i = 0;
        while i < m {
            let cnt = nb.min(m - i);
            dot_rows(s, x, w, b, i, &mut z[..cnt]);
            let e = residuals::<T, S, LOG>(s, &z, &y[i..i + cnt], &mut gb, &mut l);
            fold_range(s, g, x, i, &e[..cnt]);
            i += cnt;
        }
        return (gb, l);
    }
    // Software pipeline over batches: the dots of batch k + 1 run in the
    // same loop as the fold of batch k (see `dots_fold`). Each dot keeps the
    // canonical order, residuals and `gb`, `l` go in row order, and each
    // `g[j]` still receives rows in increasing order (batch k is folded
    // before batch k + 1), so the bits are those of the plain loop.
    let mut i = 0;
    let mut cnt = nb.min(m);
    dot_rows(s, x, w, b, 0, &mut z[..cnt]);
    let mut e = residuals::<T, S, LOG>(s, &z, &y[..cnt], &mut gb, &mut l);
    loop {
        let next = i + cnt;
        let cnt2 = nb.min(m - next);
        let d = dot_rows_at_once::<T, S>();
        let mut r = 0;
        while r + G <= cnt.min(cnt2) {
            let old = rows4(x, i + r);
            let ee = [e[r], e[r + 1], e[r + 2], e[r + 3]];
            if d == 4 {
                let zz = dots_fold(s, rows4(x, next + r), w, g, old, ee);
                z[r..r + 4].copy_from_slice(&zz);
            } else {
                // One new row hides the fold; the other three run alone.
                [z[r]] = dots_fold(s, [x.at(next + r)], w, g, old, ee);
                [z[r + 1]] = dots(s, [x.at(next + r + 1)], w);
                [z[r + 2]] = dots(s, [x.at(next + r + 2)], w);
                [z[r + 3]] = dots(s, [x.at(next + r + 3)], w);
            }
            r += G;
        }
        fold_range(s, g, x, i + r, &e[r..cnt]);
        if cnt2 == 0 {
            return (gb, l);
        }
        for zq in z.iter_mut().take(r) {
            *zq = *zq + b;
        }
        dot_rows(s, x, w, b, next + r, &mut z[r..cnt2]);
        e = residuals::<T, S, LOG>(s, &z, &y[next..next + cnt2], &mut gb, &mut l);
        i = next;
        cnt = cnt2;
    }
}

/// A row block of rows of one stripe ([`is_stripe`]), spanning `KR`
/// registers: `g` stays in registers for the whole block, `w` is read from
/// L1 by each dot; batches as in [`block`]: the dots, the residuals, then
/// the same rows folded into `g` in increasing order.
#[inline(always)]
fn stripe_block<T: Params, S: Lanes<T>, const LOG: bool, const KR: usize>(
    s: S,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    g: &mut [T],
) -> (T, T) {
    let (m, n) = (x.rows(), w.len());
    if KR > stripe_regs::<T, S>() || n <= (KR - 1) * S::LANES || n > KR * S::LANES {
        // Not reached: the caller picks `KR` from `n`.
        return (T::ZERO, T::ZERO);
    }
    let nb = batch::<T>(n);
    let (mut gb, mut l) = (T::ZERO, T::ZERO);
    let mut z = [T::ZERO; BATCH];
    let mut gv = [s.zero(); 16];
    per_register!(KR, j, {
        gv[j] = load_row(s, g, n, j);
    });
    let mut i = 0;
    while i < m {
        let cnt = nb.min(m - i);
        for (r, zr) in z.iter_mut().enumerate().take(cnt) {
            let [zd] = dots_stripe::<T, S, KR, 1>(s, [x.at(i + r)], w, n);
            *zr = zd + b;
        }
        let e = residuals::<T, S, LOG>(s, &z, &y[i..i + cnt], &mut gb, &mut l);
        for (r, &er) in e.iter().enumerate().take(cnt) {
            fold_stripe::<T, S, KR>(s, &mut gv, x.at(i + r), n, er);
        }
        i += cnt;
    }
    per_register!(KR, j, {
        store_row(s, g, n, j, gv[j]);
    });
    (gb, l)
}

/// The residuals `e_r` of the rows `r < y.len()` (at most [`BATCH`]) from
/// their logits `z[r]` and labels `y[r]`, with `gb = gb + e_r` and the loss
/// update, rows in order.
#[inline(always)]
fn residuals<T: Params, S: Lanes<T>, const LOG: bool>(
    s: S,
    z: &[T; BATCH],
    y: &[T],
    gb: &mut T,
    l: &mut T,
) -> [T; BATCH] {
    let cnt = y.len();
    let mut e = [T::ZERO; BATCH];
    if !LOG {
        for r in 0..cnt {
            e[r] = z[r] - y[r];
            *gb = *gb + e[r];
            *l = s.fma1(e[r], e[r], *l);
        }
        return e;
    }
    // The sigmoid sequence runs on registers, the logits of the batch packed
    // into lanes (lanes past `cnt` compute on leftovers and are dropped).
    let mut yb = [T::ZERO; BATCH];
    yb[..cnt].copy_from_slice(y);
    let mut lb = [T::ZERO; BATCH];
    let mut o = 0;
    // BATCH is a multiple of every LANES, so whole registers fit.
    while o < cnt {
        let (ev, lv) = logistic(s, s.load(&z[o..]), s.load(&yb[o..]));
        s.store(&mut e[o..], ev);
        s.store(&mut lb[o..], lv);
        o += S::LANES;
    }
    for r in 0..cnt {
        *gb = *gb + e[r];
        *l = *l + lb[r];
    }
    e
}
