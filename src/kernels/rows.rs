//! The row engine that `gemv`, `gemv_t` and the batch gradients share: the
//! dots of several rows with one vector (each row in the canonical `dot`
//! order), the fold of several rows into a partial (`g[j] = fma(e_i,
//! X[i][j], g[j])`, rows in increasing order), both in one register walk,
//! and the short-row forms that keep a whole row in registers.

use crate::element::Float;
use crate::kernels::dot;
use crate::lanes::{Lanes, fold_each, stripe_regs};
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
pub(crate) fn dot_rows_at_once<T: Float, S: Lanes<T>>() -> usize {
    if T::W / S::LANES <= 4 { 4 } else { 1 }
}

/// `out[i] = dot(rows[i], w)` for `D` rows of `w.len()` elements each, in
/// the canonical `dot` order (one block when `w.len() <= E`, sharing each
/// load of `w` between the rows; the full block tree per row otherwise).
#[inline(always)]
pub(crate) fn dots<T: Float, S: Lanes<T>, const D: usize>(
    s: S,
    rows: [&[T]; D],
    w: &[T],
) -> [T; D] {
    // No closures here (`array::map` and friends): a closure body passed to
    // a function that is not inlined loses the target features.
    let n = w.len();
    let mut out = [T::ZERO; D];
    if n > T::E {
        for d in 0..D {
            out[d] = dot::dot(s, rows[d], w);
        }
        return out;
    }
    dots_fold::<T, S, D, 0>(s, rows, w, &mut [], [], [])
}

/// The dots of `new` with `w` (exactly as [`dots`] computes them, one block:
/// `w.len() <= E`) interleaved, register by register, with the fold of `old`
/// into `g` (exactly as [`fold_rows`] computes it; `g.len() == w.len()`;
/// with `F = 0`, `g` is unused and this is [`dots`]' one-block case).
/// One loop streams the new rows from memory while the old rows, already
/// in L1, are folded: the core keeps memory busy during the fold instead of
/// alternating a load-bound and a compute-bound phase.
#[inline(always)]
pub(crate) fn dots_fold<T: Float, S: Lanes<T>, const D: usize, const F: usize>(
    s: S,
    new: [&[T]; D],
    w: &[T],
    g: &mut [T],
    old: [&[T]; F],
    e: [T; F],
) -> [T; D] {
    let n = if F > 0 { w.len().min(g.len()) } else { w.len() };
    let mut acc = [s.zero_stripe(); D];
    walk(s, n, new, w, &mut acc, g, old, e);
    fold_each(s, &acc)
}

/// `rows[d][lo..hi]` for every `d`.
#[inline(always)]
fn sub<'a, T, const D: usize>(rows: &[&'a [T]; D], lo: usize, hi: usize) -> [&'a [T]; D] {
    let mut out: [&[T]; D] = [&[]; D];
    for d in 0..D {
        out[d] = &rows[d][lo..hi];
    }
    out
}

/// The one register walk behind [`dots`], [`dots_fold`] and [`fold_rows`],
/// over elements `0..n`: the dots of `new` with `w` into the stripes `acc`
/// (canonical lanes: element `j` goes to lane `j mod W`, one block, so
/// `n <= E` when `D > 0`), and the fold `g[j] = fma(e[r], old[r][j], g[j])`
/// of the `old` rows, `r` in order. `D = 0` or `F = 0` leaves that half out.
/// Whole stripes are sliced once each (so the register loads inside need
/// no bounds checks; registers visited by `per_register!`), then the last,
/// partial stripe, also sliced once: whole registers, then
/// the register holding the end (a masked FMA for the dots, registers past
/// the end untouched; for the fold, lanes past the end computed on zeros
/// and never stored).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn walk<T: Float, S: Lanes<T>, const D: usize, const F: usize>(
    s: S,
    n: usize,
    new: [&[T]; D],
    w: &[T],
    acc: &mut [S::Stripe; D],
    g: &mut [T],
    old: [&[T]; F],
    e: [T; F],
) {
    let mut ev = [s.zero(); F];
    for r in 0..F {
        ev[r] = s.splat(e[r]);
    }
    let (l, wd, regs) = (S::LANES, T::W, stripe_regs::<T, S>());
    let mut j = 0;
    while j + wd <= n {
        let (nj, oj) = (sub(&new, j, j + wd), sub(&old, j, j + wd));
        let wj = if D > 0 { &w[j..j + wd] } else { &[] };
        let gj = if F > 0 { &mut g[j..j + wd] } else { &mut [] };
        per_register!(regs, k, {
            whole(s, k, k * l, wj, &nj, acc, gj, &oj, &ev);
        });
        j += wd;
    }
    if j == n {
        return;
    }
    // The partial stripe, sliced once: registers wholly inside, then the
    // one holding the end.
    let rem = n - j;
    let (nj, oj) = (sub(&new, j, n), sub(&old, j, n));
    let wj = if D > 0 { &w[j..n] } else { &[] };
    let gj = if F > 0 { &mut g[j..n] } else { &mut [] };
    per_register!(regs, k, {
        let o = k * l;
        if o + l <= rem {
            whole(s, k, o, wj, &nj, acc, gj, &oj, &ev);
        } else if o < rem {
            if D > 0 {
                let wv = s.load_part(&wj[o..]);
                for d in 0..D {
                    let lane = &mut acc[d].as_mut()[k];
                    *lane = s.fma_part(s.load_part(&nj[d][o..]), wv, *lane, rem - o);
                }
            }
            if F > 0 {
                let mut gv = s.load_part(&gj[o..]);
                for q in 0..F {
                    gv = s.fma(ev[q], s.load_part(&oj[q][o..]), gv);
                }
                s.store_part(&mut gj[o..], gv);
            }
        }
    });
}

/// Register `k` of [`walk`]'s stripe: elements `o..o + LANES` of `w` and
/// `new` into the accumulators (`D > 0`), and of `old` into `g` (`F > 0`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn whole<T: Float, S: Lanes<T>, const D: usize, const F: usize>(
    s: S,
    k: usize,
    o: usize,
    w: &[T],
    new: &[&[T]; D],
    acc: &mut [S::Stripe; D],
    g: &mut [T],
    old: &[&[T]; F],
    ev: &[S::V; F],
) {
    if D > 0 {
        let wv = s.load(&w[o..]);
        for d in 0..D {
            let lane = &mut acc[d].as_mut()[k];
            *lane = s.fma(s.load(&new[d][o..]), wv, *lane);
        }
    }
    if F > 0 {
        let mut gv = s.load(&g[o..]);
        for r in 0..F {
            gv = s.fma(ev[r], s.load(&old[r][o..]), gv);
        }
        s.store(&mut g[o..], gv);
    }
}

/// `g[j] = fma(e[r], rows[r][j], g[j])` for `r = 0..R` in this order, every
/// `j < g.len()`: `R` rows folded into `g` in one pass over it.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn fold_rows<T: Float, S: Lanes<T>, const R: usize>(
    s: S,
    g: &mut [T],
    rows: [&[T]; R],
    e: [T; R],
) {
    walk::<T, S, 0, R>(s, g.len(), [], &[], &mut [], g, rows, e);
}

/// Registers that hold a short row whole: rows of at most
/// `NARROW * LANES` elements (32 f32 on AVX2, 64 on AVX-512, 16 on NEON)
/// keep `w` and the partial `g` in registers for a whole row block.
pub(crate) const NARROW: usize = 4;

/// Whether rows of `n` elements take the short-row path.
#[inline(always)]
pub(crate) fn is_narrow<T: Float, S: Lanes<T>>(n: usize) -> bool {
    // A short row fills the first NARROW registers of one stripe.
    const { assert!(NARROW <= T::W / S::LANES) };
    n <= NARROW * S::LANES
}

/// `v` (at most `NARROW * LANES` elements) in registers; lanes past the
/// end are `+0.0`.
#[inline(always)]
pub(crate) fn load_regs<T: Float, S: Lanes<T>>(s: S, v: &[T]) -> [S::V; NARROW] {
    let n = v.len();
    let mut r = [s.zero(); NARROW];
    for (k, reg) in r.iter_mut().enumerate() {
        let o = k * S::LANES;
        if o >= n {
            break;
        }
        *reg = if n - o >= S::LANES {
            s.load(&v[o..])
        } else {
            s.load_part(&v[o..])
        };
    }
    r
}

/// Stores the first `v.len()` lanes of `r` into `v`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn store_regs<T: Float, S: Lanes<T>>(s: S, v: &mut [T], r: &[S::V; NARROW]) {
    let n = v.len();
    for (k, reg) in r.iter().enumerate() {
        let o = k * S::LANES;
        if o >= n {
            break;
        }
        if n - o >= S::LANES {
            s.store(&mut v[o..], *reg);
        } else {
            s.store_part(&mut v[o..], *reg);
        }
    }
}

/// The canonical dot of a short row (`row.len() <= NARROW * LANES`) with
/// `w` already in registers. The row fills the first registers of one
/// stripe: lane `j` gets `fma(x[j], w[j], +0.0)`, and every other lane is
/// `+0.0` (`fma(0, 0, +0.0)` for lanes past the end), exactly as in the
/// general loop; then the `fold`. The fold's register tree adds whole
/// registers of `+0.0` at its first levels when the row spans fewer than
/// half the stripe's registers: such an addition only turns `-0.0` into
/// `+0.0` ("normalises"), and normalising commutes with addition
/// (`norm(a) + norm(b) == norm(a + b)`), so those levels are skipped and
/// one `+ 0.0` on the result stands for them: the same bits.
#[inline(always)]
pub(crate) fn dot_narrow<T: Float, S: Lanes<T>>(s: S, row: &[T], w: &[S::V; NARROW]) -> T {
    let x = load_regs(s, row);
    let k = stripe_regs::<T, S>();
    // The registers the row spans, as a power of two (at most NARROW).
    let kp = row.len().div_ceil(S::LANES).max(1).next_power_of_two();
    let mut p = [s.zero(); NARROW];
    for j in 0..NARROW {
        if j < kp {
            p[j] = s.fma(x[j], w[j], s.zero());
        }
    }
    let mut h = NARROW / 2;
    while h >= 1 {
        if h < kp {
            for j in 0..h {
                p[j] = s.add(p[j], p[j + h]);
            }
        }
        h /= 2;
    }
    let r = s.reduce(p[0]);
    if kp < k { r + T::ZERO } else { r }
}

/// `g = fma(e, x, g)` register by register, for a short row `x`: the
/// registers the row spans (lanes past the row's end are never stored).
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn fold_narrow<T: Float, S: Lanes<T>>(s: S, g: &mut [S::V; NARROW], row: &[T], e: T) {
    let x = load_regs(s, row);
    let ev = s.splat(e);
    let kr = row.len().div_ceil(S::LANES);
    for k in 0..NARROW {
        if k < kr {
            g[k] = s.fma(ev, x[k], g[k]);
        }
    }
}

/// Rows `i..i + 4` of `x`.
#[inline(always)]
pub(crate) fn rows4<'a, T: Float>(x: Matrix<'a, T>, i: usize) -> [&'a [T]; 4] {
    [x.at(i), x.at(i + 1), x.at(i + 2), x.at(i + 3)]
}

/// `z[q] = dot(X[i + q], w) + b` for `q < z.len()` (four rows sharing each
/// load of `w` where the backend allows).
#[inline(always)]
pub(crate) fn dot_rows<T: Float, S: Lanes<T>>(
    s: S,
    x: Matrix<'_, T>,
    w: &[T],
    b: T,
    i: usize,
    z: &mut [T],
) {
    let cnt = z.len();
    let mut r = 0;
    if dot_rows_at_once::<T, S>() == 4 {
        while r + 4 <= cnt {
            z[r..r + 4].copy_from_slice(&dots(s, rows4(x, i + r), w));
            r += 4;
        }
    }
    while r < cnt {
        [z[r]] = dots(s, [x.at(i + r)], w);
        r += 1;
    }
    for zr in z.iter_mut() {
        *zr = *zr + b;
    }
}

/// Folds rows `i..i + e.len()` into `g` with their residuals, in order
/// ([`G`] rows per pass over `g`, then one at a time).
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn fold_range<T: Float, S: Lanes<T>>(
    s: S,
    g: &mut [T],
    x: Matrix<'_, T>,
    i: usize,
    e: &[T],
) {
    let cnt = e.len();
    let mut r = 0;
    while r + G <= cnt {
        fold_rows(s, g, rows4(x, i + r), [e[r], e[r + 1], e[r + 2], e[r + 3]]);
        r += G;
    }
    while r < cnt {
        fold_rows(s, g, [x.at(i + r)], [e[r]]);
        r += 1;
    }
}
