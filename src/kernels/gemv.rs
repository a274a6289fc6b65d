//! `gemv` and `gemv_t`, and the two row loops the batch gradients share
//! with them: the dots of several rows with one vector (each row in the
//! canonical `dot` order) and the fold of several rows into a partial
//! (`g[j] = fma(e_i, X[i][j], g[j])`, rows in increasing order).

use crate::element::Element;
use crate::kernels::dot;
use crate::lanes::{Lanes, fold};
use crate::matrix::Matrix;

/// Rows folded into a partial per pass over it (each loaded register of the
/// partial takes this many FMAs before it is stored back).
#[cfg(feature = "alloc")]
pub(crate) const G: usize = 4;

/// Rows whose dots run together, sharing each loaded register of `w`: 4 when
/// four stripes of accumulators fit in the register file with room to spare
/// (AVX-512: 4 registers a stripe, 32 registers), else 1 (AVX2: 8 of 16;
/// NEON: 16 of 32).
#[inline(always)]
pub(crate) fn dot_rows_at_once<T: Element, S: Lanes<T>>() -> usize {
    if T::W / S::LANES <= 4 { 4 } else { 1 }
}

/// `out[i] = dot(rows[i], w)` for `D` rows of `w.len()` elements each, in
/// the canonical `dot` order (one block when `w.len() <= E`, sharing each
/// load of `w` between the rows; the full block tree per row otherwise).
#[inline(always)]
pub(crate) fn dots<T: Element, S: Lanes<T>, const D: usize>(
    s: S,
    rows: [&[T]; D],
    w: &[T],
) -> [T; D] {
    let n = w.len();
    if D == 1 || n > T::E {
        return rows.map(|r| dot::dot(s, r, w));
    }
    let rows = rows.map(|r| &r[..n]);
    let mut acc = [s.zero_stripe(); D];
    let full = n - n % T::W;
    let mut j = 0;
    while j < full {
        for k in 0..T::W / S::LANES {
            let o = j + k * S::LANES;
            let wv = s.load(&w[o..]);
            for d in 0..D {
                let lane = &mut acc[d].as_mut()[k];
                *lane = s.fma(s.load(&rows[d][o..]), wv, *lane);
            }
        }
        j += T::W;
    }
    // The last, partial stripe: whole registers, then the register holding
    // the end with a masked FMA; registers past the end stay untouched.
    for k in 0..T::W / S::LANES {
        let o = full + k * S::LANES;
        if o >= n {
            break;
        }
        let r = n - o;
        if r >= S::LANES {
            let wv = s.load(&w[o..]);
            for d in 0..D {
                let lane = &mut acc[d].as_mut()[k];
                *lane = s.fma(s.load(&rows[d][o..]), wv, *lane);
            }
        } else {
            let wv = s.load_part(&w[o..]);
            for d in 0..D {
                let lane = &mut acc[d].as_mut()[k];
                *lane = s.fma_part(s.load_part(&rows[d][o..]), wv, *lane, r);
            }
        }
    }
    acc.map(|a| fold(s, a))
}

/// `g[j] = fma(e[r], rows[r][j], g[j])` for `r = 0..R` in this order, every
/// `j < g.len()`: `R` rows folded into `g` in one pass over it.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn fold_rows<T: Element, S: Lanes<T>, const R: usize>(
    s: S,
    g: &mut [T],
    rows: [&[T]; R],
    e: [T; R],
) {
    let n = g.len();
    let rows = rows.map(|r| &r[..n]);
    let ev = e.map(|x| s.splat(x));
    let mut cg = g.chunks_exact_mut(S::LANES);
    let mut o = 0;
    for gs in &mut cg {
        let mut acc = s.load(gs);
        for r in 0..R {
            acc = s.fma(ev[r], s.load(&rows[r][o..]), acc);
        }
        s.store(gs, acc);
        o += S::LANES;
    }
    let gs = cg.into_remainder();
    if !gs.is_empty() {
        // Lanes past the end are computed on zeros and never stored.
        let mut acc = s.load_part(gs);
        for r in 0..R {
            acc = s.fma(ev[r], s.load_part(&rows[r][o..]), acc);
        }
        s.store_part(gs, acc);
    }
}

/// The block tree's `(+)` on vector partials: `l[j] = l[j] + r[j]`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn add<T: Element, S: Lanes<T>>(s: S, l: &mut [T], r: &[T]) {
    let r = &r[..l.len()];
    let mut cl = l.chunks_exact_mut(S::LANES);
    let mut cr = r.chunks_exact(S::LANES);
    for (a, b) in (&mut cl).zip(&mut cr) {
        let v = s.add(s.load(a), s.load(b));
        s.store(a, v);
    }
    let (a, b) = (cl.into_remainder(), cr.remainder());
    if !a.is_empty() {
        let v = s.add(s.load_part(a), s.load_part(b));
        s.store_part(a, v);
    }
}

/// `x[j] = x[j] / d`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn div<T: Element, S: Lanes<T>>(s: S, x: &mut [T], d: T) {
    let dv = s.splat(d);
    let mut cx = x.chunks_exact_mut(S::LANES);
    for a in &mut cx {
        let v = s.div(s.load(a), dv);
        s.store(a, v);
    }
    let a = cx.into_remainder();
    if !a.is_empty() {
        let v = s.div(s.load_part(a), dv);
        s.store_part(a, v);
    }
}

/// `out[i] = dot(X[i], w) + b`. `w.len() == x.cols()`, `out.len() == x.rows()`.
#[inline(always)]
pub(crate) fn gemv<T: Element, S: Lanes<T>>(s: S, x: Matrix<'_, T>, w: &[T], b: T, out: &mut [T]) {
    let m = x.rows().min(out.len());
    let mut i = 0;
    if dot_rows_at_once::<T, S>() == 4 {
        while i + 4 <= m {
            let d = dots(s, [x.row(i), x.row(i + 1), x.row(i + 2), x.row(i + 3)], w);
            for (o, d) in out[i..i + 4].iter_mut().zip(d) {
                *o = d + b;
            }
            i += 4;
        }
    }
    while i < m {
        let [d] = dots(s, [x.row(i)], w);
        out[i] = d + b;
        i += 1;
    }
}

/// `out = X^T v` by row blocks and the block tree. `v.len() == x.rows()`,
/// `out.len() == x.cols()`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn gemv_t<T: Element, S: Lanes<T>>(s: S, x: Matrix<'_, T>, v: &[T], out: &mut [T]) {
    use crate::matrix::{Partials, R};
    let blocks = x.row_blocks();
    let stack = core::cell::RefCell::new(Partials::new(out, blocks));
    crate::tree::reduce(
        blocks,
        &mut |bi| {
            let mut st = stack.borrow_mut();
            let (k, g) = st.push();
            let xb = x.row_block(bi);
            let vb = &v[bi * R..bi * R + xb.rows()];
            s.vectorize(|| gemv_t_block(s, xb, vb, g));
            k
        },
        &mut |l, r| {
            stack
                .borrow_mut()
                .combine(l, r, |a, b| s.vectorize(|| add(s, a, b)))
        },
    );
}

/// One row block of `gemv_t`: `g[j] = fma(v[i], X[i][j], g[j])`, rows in order.
#[cfg(feature = "alloc")]
#[inline(always)]
fn gemv_t_block<T: Element, S: Lanes<T>>(s: S, x: Matrix<'_, T>, v: &[T], g: &mut [T]) {
    let m = x.rows();
    let mut i = 0;
    while i + G <= m {
        let rows = [x.row(i), x.row(i + 1), x.row(i + 2), x.row(i + 3)];
        fold_rows(s, g, rows, [v[i], v[i + 1], v[i + 2], v[i + 3]]);
        i += G;
    }
    while i < m {
        fold_rows(s, g, [x.row(i)], [v[i]]);
        i += 1;
    }
}
