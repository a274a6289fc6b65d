//! Narrow matrices (at most [`NMAX`] columns), vectorised across rows or
//! across row blocks instead of along a row.
//!
//! A row of `n < W` columns fills lanes `0..n` of one stripe and leaves the
//! rest `+0.0`, so its canonical `dot` is a fixed pairwise combination of
//! its `n` products: the fold's tree over the lanes. Two facts make that
//! short. Adding `+0.0` changes a value only by turning `-0.0` into `+0.0`
//! ("normalising" it), and normalising commutes with addition:
//! `norm(a) + norm(b) = norm(a + b)` (both sides are `a + b` unless that is
//! `-0.0`, where both are `+0.0`). So the fold over the stripe is the tree
//! over the `n` products alone, skipping every addition with a lane that
//! is `+0.0` by construction, followed by one `+ 0.0`: bit for bit the
//! contract's result (NaN payloads aside, which it leaves open).
//!
//! Here that tree runs with lane `l` of every register holding a different
//! row: for `gemv`, rows `r..r + LANES`; for `gemv_t` and the gradients,
//! row `t` of each of `LANES` consecutive row blocks, so that the blocks'
//! partials, each a chain of FMAs over its rows in increasing order, are
//! independent lanes instead of one chain. A column of such rows is a
//! strided gather. Each lane does exactly the contract's operations on
//! its row or its block, so the results are the canonical ones.

use crate::element::Float;
use crate::lanes::Lanes;
use crate::matrix::Matrix;
#[cfg(feature = "alloc")]
use crate::params::{Params, R};

/// The widest rows (columns) the across-rows kernels take.
pub(crate) const NMAX: usize = 16;

/// The kernels with an across-rows form.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Gemv,
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    GemvT,
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    Gradient,
}

/// Whether rows of `n` columns take the across-rows kernels: `1..=NMAX`,
/// narrower than a stripe (so some stripe lane is `+0.0`), and narrow
/// enough that the gathers (about one element a cycle) beat the row path
/// (one horizontal tree a row). The limits are measured (benches/RESULTS.md,
/// "Narrow matrices": 20000 rows, AVX2 and AVX-512, f32 and f64); NEON's
/// follow the same rule by register width, unmeasured.
#[inline(always)]
pub(crate) fn takes<T: Float, S: Lanes<T>>(n: usize, kind: Kind) -> bool {
    let l = S::LANES;
    let upto = match kind {
        Kind::Gemv => (l / 2).min(5),
        Kind::GemvT => (l / 4).min(2),
        Kind::Gradient if l < 8 => 3,
        Kind::Gradient if core::mem::size_of::<T>() == 4 => 5,
        Kind::Gradient => 4,
    };
    n >= 1 && n <= upto.min(NMAX) && n < T::W
}

/// Runs `$body` with `$np` the power of two at or above `$n` (`1..=16`), a
/// constant in each arm, so the register arrays of the body are sized and
/// indexed by constants.
macro_rules! by_width {
    ($n:expr, $np:ident => $body:expr) => {
        match $n {
            0 | 1 => {
                const $np: usize = 1;
                $body
            }
            2 => {
                const $np: usize = 2;
                $body
            }
            3 | 4 => {
                const $np: usize = 4;
                $body
            }
            5..=8 => {
                const $np: usize = 8;
                $body
            }
            _ => {
                const $np: usize = 16;
                $body
            }
        }
    };
}

/// The canonical `dot` of `n <= NP` products `p[0..n]` (lane by lane): the
/// fold's tree without the additions of `+0.0` lanes, then one `+ 0.0`
/// (module docs). `p` is overwritten.
#[inline(always)]
fn tree<T: Float, S: Lanes<T>, const NP: usize>(s: S, p: &mut [S::V; NP], n: usize) -> S::V {
    let mut h = NP / 2;
    while h >= 1 {
        for i in 0..h {
            if i + h < n {
                p[i] = s.add(p[i], p[i + h]);
            }
        }
        h /= 2;
    }
    s.add(p[0], s.zero())
}

/// `out[i] = dot(X[i], w) + b` for rows of `n = x.cols()` columns
/// ([`takes`]), `LANES` rows at a time.
#[inline(always)]
pub(crate) fn gemv<T: Float, S: Lanes<T>>(s: S, x: Matrix<'_, T>, w: &[T], b: T, out: &mut [T]) {
    by_width!(x.cols(), NP => gemv_np::<T, S, NP>(s, x, w, b, out))
}

#[inline(always)]
fn gemv_np<T: Float, S: Lanes<T>, const NP: usize>(
    s: S,
    x: Matrix<'_, T>,
    w: &[T],
    b: T,
    out: &mut [T],
) {
    let (m, n, stride) = (x.rows().min(out.len()), x.cols().min(NP), x.stride());
    let data = x.data();
    let mut wv = [s.zero(); NP];
    for j in 0..NP {
        if j < n {
            wv[j] = s.splat(w[j]);
        }
    }
    let (l, bv) = (S::LANES, s.splat(b));
    let mut r = 0;
    while r < m {
        let cnt = l.min(m - r);
        let base = &data[r * stride..];
        let mut p = [s.zero(); NP];
        for j in 0..NP {
            if j < n {
                p[j] = s.fma(s.gather(&base[j..], stride, cnt), wv[j], s.zero());
            }
        }
        let z = s.add(tree(s, &mut p, n), bv);
        if cnt == l {
            s.store(&mut out[r..], z);
        } else {
            s.store_part(&mut out[r..r + cnt], z);
        }
        r += l;
    }
}

/// The row blocks of a group: `nb <= LANES` consecutive blocks from `b0`,
/// lane `q` holding block `b0 + q`; only the last may be short.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy)]
struct Group {
    b0: usize,
    nb: usize,
    last_rows: usize,
}

#[cfg(feature = "alloc")]
impl Group {
    fn new(x_rows: usize, b0: usize, nb: usize) -> Group {
        let last_rows = (x_rows - (b0 + nb - 1) * R).min(R);
        Group { b0, nb, last_rows }
    }
    /// Lanes whose block has a row `t`.
    #[inline(always)]
    fn active(self, t: usize) -> usize {
        if t < self.last_rows {
            self.nb
        } else {
            self.nb - 1
        }
    }
}

/// The partials `g` of `gemv_t` for the row blocks of group `blocks`
/// (`out[q * n + j]` for block `b0 + q`): `g[j] = fma(v[i], X[i][j], g[j])`
/// from `+0.0`, rows of each block in increasing order, the blocks in the
/// lanes.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn gemv_t_group<T: Float, S: Lanes<T>>(
    s: S,
    x: Matrix<'_, T>,
    v: &[T],
    b0: usize,
    nb: usize,
    out: &mut [T],
) {
    by_width!(x.cols(), NP => gemv_t_np::<T, S, NP>(s, x, v, Group::new(x.rows(), b0, nb), out))
}

#[cfg(feature = "alloc")]
#[inline(always)]
fn gemv_t_np<T: Float, S: Lanes<T>, const NP: usize>(
    s: S,
    x: Matrix<'_, T>,
    v: &[T],
    grp: Group,
    out: &mut [T],
) {
    let (n, stride) = (x.cols().min(NP), x.stride());
    let (data, jump) = (x.data(), R * stride);
    let mut g = [s.zero(); NP];
    for t in 0..R {
        let active = grp.active(t);
        if active == 0 {
            break;
        }
        let i = grp.b0 * R + t;
        let vv = s.gather(&v[i..], R, active);
        let base = &data[i * stride..];
        for j in 0..NP {
            if j < n {
                let xj = s.gather(&base[j..], jump, active);
                g[j] = s.fma_part(vv, xj, g[j], active);
            }
        }
    }
    scatter(s, &g, n, grp.nb, out);
}

/// `out[q * n + j] = lane q of g[j]` for `q < nb`, `j < n`.
#[cfg(feature = "alloc")]
#[inline(always)]
fn scatter<T: Float, S: Lanes<T>, const NP: usize>(
    s: S,
    g: &[S::V; NP],
    n: usize,
    nb: usize,
    out: &mut [T],
) {
    let mut lanes = [T::ZERO; 16];
    for (j, gj) in g.iter().enumerate().take(n) {
        s.store(&mut lanes, *gj);
        for q in 0..nb {
            out[q * n + j] = lanes[q];
        }
    }
}

/// The sums of the gradient (`g`, `gb`, `l` before the means) for the row
/// blocks of a group: `g` into `out[q * n ..]`, `gb` and `l` into
/// `sums[q]`, for block `b0 + q`. Each lane is one block, its rows in
/// increasing order: the row's dot (its products' tree), `+ b`, the
/// residual and loss term, then `gb = gb + e`, `l` and `g[j] = fma(e,
/// X[i][j], g[j])` (`gb + e` as `fma(e, 1, gb)`, the same correctly rounded
/// sum, so lanes whose block has no more rows keep their values).
#[cfg(feature = "alloc")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gradient_group<T: Params, S: Lanes<T>, const LOG: bool>(
    s: S,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    b0: usize,
    nb: usize,
    out: &mut [T],
    sums: &mut [(T, T)],
) {
    let grp = Group::new(x.rows(), b0, nb);
    by_width!(x.cols(), NP => gradient_np::<T, S, LOG, NP>(s, x, y, w, b, grp, out, sums))
}

#[cfg(feature = "alloc")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gradient_np<T: Params, S: Lanes<T>, const LOG: bool, const NP: usize>(
    s: S,
    x: Matrix<'_, T>,
    y: &[T],
    w: &[T],
    b: T,
    grp: Group,
    out: &mut [T],
    sums: &mut [(T, T)],
) {
    let (n, stride) = (x.cols().min(NP), x.stride());
    let (data, jump) = (x.data(), R * stride);
    let mut wv = [s.zero(); NP];
    for j in 0..NP {
        if j < n {
            wv[j] = s.splat(w[j]);
        }
    }
    let (bv, one) = (s.splat(b), s.splat(T::ONE));
    let (mut g, mut gb, mut l) = ([s.zero(); NP], s.zero(), s.zero());
    for t in 0..R {
        let active = grp.active(t);
        if active == 0 {
            break;
        }
        let i = grp.b0 * R + t;
        let base = &data[i * stride..];
        let mut xr = [s.zero(); NP];
        let mut p = [s.zero(); NP];
        for j in 0..NP {
            if j < n {
                xr[j] = s.gather(&base[j..], jump, active);
                p[j] = s.fma(xr[j], wv[j], s.zero());
            }
        }
        let z = s.add(tree(s, &mut p, n), bv);
        let yv = s.gather(&y[i..], R, active);
        let e = if LOG {
            let (e, li) = crate::kernels::sigmoid::logistic(s, z, yv);
            l = s.fma_part(li, one, l, active);
            e
        } else {
            let e = s.sub(z, yv);
            l = s.fma_part(e, e, l, active);
            e
        };
        gb = s.fma_part(e, one, gb, active);
        for j in 0..NP {
            if j < n {
                g[j] = s.fma_part(e, xr[j], g[j], active);
            }
        }
    }
    scatter(s, &g, n, grp.nb, out);
    let (mut gbs, mut ls) = ([T::ZERO; 16], [T::ZERO; 16]);
    s.store(&mut gbs, gb);
    s.store(&mut ls, l);
    for q in 0..grp.nb {
        sums[q] = (gbs[q], ls[q]);
    }
}

/// The partials of `gemv_t` for `nb <= G` consecutive row blocks from `b0`
/// of rows that span `KR` registers (`out[q * n ..][..n]` for block
/// `b0 + q`), by the row path (`g = fma(v[i], X[i], g)` register by
/// register, rows of each block in increasing order) with the `G` blocks'
/// chains interleaved: each block's chain of FMAs is the contract's, and
/// the blocks no longer wait for each other's latency.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn gemv_t_rows_group<T: Float, S: Lanes<T>, const KR: usize, const G: usize>(
    s: S,
    x: Matrix<'_, T>,
    v: &[T],
    b0: usize,
    nb: usize,
    out: &mut [T],
) {
    use crate::kernels::rows::{NARROW, load_regs, store_regs};
    const { assert!(KR <= NARROW) };
    let n = x.cols();
    let nb = nb.min(G);
    let last_rows = (x.rows() - (b0 + nb - 1) * R).min(R);
    let mut g = [[s.zero(); NARROW]; G];
    for t in 0..R {
        let blocks = if t < last_rows { nb } else { nb - 1 };
        if blocks == 0 {
            break;
        }
        for (q, gq) in g.iter_mut().enumerate() {
            if q < blocks {
                let i = (b0 + q) * R + t;
                let (xr, vv) = (load_regs(s, x.at(i)), s.splat(v[i]));
                for k in 0..KR {
                    gq[k] = s.fma(vv, xr[k], gq[k]);
                }
            }
        }
    }
    for (q, gq) in g.iter().enumerate().take(nb) {
        store_regs(s, &mut out[q * n..(q + 1) * n], gq);
    }
}
