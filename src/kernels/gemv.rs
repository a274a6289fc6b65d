//! `gemv` (`out = X w + b`, each row in the canonical `dot` order) and
//! `gemv_t` (`out = X^T v`, row blocks of `R` rows folded in increasing
//! row order, combined by the block tree), on the row engine of
//! [`crate::kernels::rows`].

use crate::element::Float;
#[cfg(feature = "alloc")]
use crate::kernels::elementwise::add;
use crate::kernels::rows::{dot_narrow, dot_rows, dots_stripe, is_narrow, is_stripe, load_regs};
#[cfg(feature = "alloc")]
use crate::kernels::rows::{fold_narrow, fold_range, store_regs};
use crate::lanes::Lanes;
use crate::matrix::Matrix;

/// `out[i] = dot(X[i], w) + b`. `w.len() == x.cols()`, `out.len() == x.rows()`.
#[inline(always)]
pub(crate) fn gemv<T: Float, S: Lanes<T>>(s: S, x: Matrix<'_, T>, w: &[T], b: T, out: &mut [T]) {
    let m = x.rows().min(out.len());
    if crate::kernels::narrow::takes::<T, S>(w.len(), crate::kernels::narrow::Kind::Gemv) {
        return crate::kernels::narrow::gemv(s, x, w, b, out);
    }
    if is_narrow::<T, S>(w.len()) {
        let wv = load_regs(s, w);
        for (i, o) in out.iter_mut().enumerate().take(m) {
            *o = dot_narrow(s, x.at(i), &wv) + b;
        }
        return;
    }
    if is_stripe::<T, S>(w.len()) {
        let n = w.len();
        return crate::kernels::rows::by_regs!(n.div_ceil(S::LANES), KR => {
            let mut i = 0;
            while i + 2 <= m {
                let [za, zc] = dots_stripe::<T, S, KR, 2>(s, [x.at(i), x.at(i + 1)], w, n);
                out[i] = za + b;
                out[i + 1] = zc + b;
                i += 2;
            }
            if i < m {
                [out[i]] = dots_stripe::<T, S, KR, 1>(s, [x.at(i)], w, n);
                out[i] = out[i] + b;
            }
        });
    }
    dot_rows(s, x, w, b, 0, &mut out[..m]);
}

/// `out = X^T v` by row blocks and the block tree. `v.len() == x.rows()`,
/// `out.len() == x.cols()`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn gemv_t<T: Float, S: Lanes<T>>(s: S, x: Matrix<'_, T>, v: &[T], out: &mut [T]) {
    use crate::params::R;
    let n = x.cols();
    let gather = crate::kernels::narrow::takes::<T, S>(n, crate::kernels::narrow::Kind::GemvT);
    if gather && x.rows() > 0 {
        // The blocks' partials `LANES` blocks at a time, across the lanes.
        gemv_t_groups(
            s,
            x,
            out,
            S::LANES,
            #[inline(always)]
            |bi, nb, cache| crate::kernels::narrow::gemv_t_group(s, x, v, bi, nb, cache),
        );
        return;
    }
    if n <= 2 * S::LANES && x.rows() > 0 {
        // Rows of one or two registers: 8 (or 4) blocks' chains at a time.
        use crate::kernels::narrow::gemv_t_rows_group;
        if n <= S::LANES {
            gemv_t_groups(
                s,
                x,
                out,
                8,
                #[inline(always)]
                |bi, nb, cache| gemv_t_rows_group::<T, S, 1, 8>(s, x, v, bi, nb, cache),
            );
        } else {
            gemv_t_groups(
                s,
                x,
                out,
                4,
                #[inline(always)]
                |bi, nb, cache| gemv_t_rows_group::<T, S, 2, 4>(s, x, v, bi, nb, cache),
            );
        }
        return;
    }
    crate::tree::row_block_tree(
        x,
        out,
        &mut |bi, xb, g| {
            let vb = &v[bi * R..bi * R + xb.rows()];
            s.vectorize(
                #[inline(always)]
                || gemv_t_block(s, xb, vb, g),
            )
        },
        &mut |a, b| {
            s.vectorize(
                #[inline(always)]
                || add(s, a, b),
            )
        },
        &mut |(), ()| (),
    );
}

/// `out = X^T v` by the block tree, the blocks' partials computed `group`
/// blocks at a time by `part(first block, blocks, partials)` (block
/// `first + q`'s partial into `partials[q * n..][..n]`) when the tree asks
/// for the first block of a group.
#[cfg(feature = "alloc")]
#[inline(always)]
fn gemv_t_groups<T: Float, S: Lanes<T>>(
    s: S,
    x: Matrix<'_, T>,
    out: &mut [T],
    group: usize,
    mut part: impl FnMut(usize, usize, &mut [T]),
) {
    let (n, blocks) = (x.cols(), x.row_blocks());
    let mut cache = alloc::vec![T::ZERO; group * n];
    let mut lo = usize::MAX;
    crate::tree::row_block_tree(
        x,
        out,
        &mut |bi, _, g| {
            if !(lo..lo.saturating_add(group)).contains(&bi) {
                lo = bi;
                let nb = group.min(blocks - bi);
                s.vectorize(
                    #[inline(always)]
                    || part(bi, nb, &mut cache),
                );
            }
            g.copy_from_slice(&cache[(bi - lo) * n..][..n]);
        },
        &mut |a, b| {
            s.vectorize(
                #[inline(always)]
                || add(s, a, b),
            )
        },
        &mut |(), ()| (),
    );
}

/// One row block of `gemv_t`: `g[j] = fma(v[i], X[i][j], g[j])`, rows in order.
#[cfg(feature = "alloc")]
#[inline(always)]
fn gemv_t_block<T: Float, S: Lanes<T>>(s: S, x: Matrix<'_, T>, v: &[T], g: &mut [T]) {
    let m = x.rows();
    if is_narrow::<T, S>(g.len()) {
        let mut gv = load_regs(s, g);
        for (i, &vi) in v.iter().enumerate().take(m) {
            fold_narrow(s, &mut gv, x.at(i), vi);
        }
        store_regs(s, g, &gv);
        return;
    }
    fold_range(s, g, x, 0, &v[..m]);
}
