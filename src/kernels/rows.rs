//! The row engine that `gemv`, `gemv_t` and the batch gradients share: the
//! dots of several rows with one vector (each row in the canonical `dot`
//! order), the fold of several rows into a partial (`g[j] = fma(e_i,
//! X[i][j], g[j])`, rows in increasing order), both in one register walk,
//! the short-row forms that keep a whole row in registers, and the
//! one-stripe forms (rows of at most `W` elements, spanning a constant
//! number of registers) that keep the gradient's partial in registers.

use crate::element::Float;
use crate::kernels::dot;
use crate::lanes::{Lanes, fold_each, load_row, stripe_regs};
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

/// Whether rows of `n` elements take the one-stripe path: longer than a
/// short row but within one stripe (`NARROW * LANES < n <= W`), on a
/// backend whose register file holds a stripe of the partial `g` and the
/// dot's working registers (AVX2: 33..=64 f32, 17..=32 f64; NEON: 17..=64
/// f32, 9..=32 f64; AVX-512's short rows already cover a whole stripe).
#[inline(always)]
pub(crate) fn is_stripe<T: Float, S: Lanes<T>>(n: usize) -> bool {
    n > NARROW * S::LANES && n <= T::W && 2 * stripe_regs::<T, S>() <= S::REGISTERS
}

/// Runs `$body` with `$kr` the constant equal to `$n`, the registers a
/// one-stripe row spans: `5..=16` after [`is_stripe`] (a row longer than
/// `NARROW` registers, at most 16), which is all the callers pass; the
/// first and last arms also take the values outside.
macro_rules! by_regs {
    ($n:expr, $kr:ident => $body:expr) => {
        match $n {
            0..=5 => {
                const $kr: usize = 5;
                $body
            }
            6 => {
                const $kr: usize = 6;
                $body
            }
            7 => {
                const $kr: usize = 7;
                $body
            }
            8 => {
                const $kr: usize = 8;
                $body
            }
            9 => {
                const $kr: usize = 9;
                $body
            }
            10 => {
                const $kr: usize = 10;
                $body
            }
            11 => {
                const $kr: usize = 11;
                $body
            }
            12 => {
                const $kr: usize = 12;
                $body
            }
            13 => {
                const $kr: usize = 13;
                $body
            }
            14 => {
                const $kr: usize = 14;
                $body
            }
            15 => {
                const $kr: usize = 15;
                $body
            }
            _ => {
                const $kr: usize = 16;
                $body
            }
        }
    };
}
pub(crate) use by_regs;

/// Register `j` of a row of `n` elements that spans `KR` registers
/// (`(KR - 1) * LANES < n <= KR * LANES`, checked by the caller): the
/// registers before the last are whole (no branch on `n`), the last is
/// whole or partial (lanes past `n` are `+0.0`), and later ones are `+0.0`.
#[inline(always)]
fn stripe_reg<T: Float, S: Lanes<T>, const KR: usize>(s: S, x: &[T], n: usize, j: usize) -> S::V {
    if j + 1 < KR {
        s.load(&x[j * S::LANES..n])
    } else if j + 1 == KR {
        load_row(s, x, n, j)
    } else {
        s.zero()
    }
}

/// The canonical dots of `D` rows of one stripe with `w` (every row and
/// `w` hold `n` elements, spanning `KR` registers, `KR <= W / LANES`),
/// sharing each load of `w`: register `j` of a row's stripe is
/// `fma(x_j, w_j, +0.0)` (`+0.0` past the row's end), then the `fold`'s
/// register tree and the reduction, the general loop's operations on the
/// same operands. The tree is evaluated depth first (registers visited in
/// bit-reversed order, each pair added as soon as both halves exist, lower
/// registers on the left), so a row keeps at most `log2(W / LANES) + 2`
/// registers live: the gradient's partial `g` keeps its stripe of
/// registers beside one row, gemv runs two rows.
#[inline(always)]
pub(crate) fn dots_stripe<T: Float, S: Lanes<T>, const KR: usize, const D: usize>(
    s: S,
    rows: [&[T]; D],
    w: &[T],
    n: usize,
) -> [T; D] {
    let rows = sub(&rows, 0, n);
    let w = &w[..n];
    let k = stripe_regs::<T, S>();
    let bits = k.trailing_zeros();
    // `pending[d][h]`: row `d`'s finished left half at height `h`.
    let mut pending = [[s.zero(); 5]; D];
    per_register!(k, t, {
        let j = t.reverse_bits() >> (usize::BITS - bits);
        let mut v = [s.zero(); D];
        if j < KR {
            let wv = stripe_reg::<T, S, KR>(s, w, n, j);
            for d in 0..D {
                v[d] = s.fma(stripe_reg::<T, S, KR>(s, rows[d], n, j), wv, s.zero());
            }
        }
        let mut h = 0;
        while (t >> h) & 1 == 1 {
            for d in 0..D {
                v[d] = s.add(pending[d][h], v[d]);
            }
            h += 1;
        }
        for d in 0..D {
            pending[d][h] = v[d];
        }
    });
    let mut out = [T::ZERO; D];
    for d in 0..D {
        out[d] = s.reduce(pending[d][bits as usize]);
    }
    out
}

/// `g = fma(e, x, g)` for the `KR` registers of a row `x` of `n` elements
/// (as [`dots_stripe`]), `g` held in registers (lanes past the row's end
/// compute on zeros and are never stored).
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn fold_stripe<T: Float, S: Lanes<T>, const KR: usize>(
    s: S,
    g: &mut [S::V; 16],
    row: &[T],
    n: usize,
    e: T,
) {
    let row = &row[..n];
    let ev = s.splat(e);
    per_register!(KR, j, {
        g[j] = s.fma(ev, stripe_reg::<T, S, KR>(s, row, n, j), g[j]);
    });
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
