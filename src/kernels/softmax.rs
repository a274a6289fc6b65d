//! Step S2 of the softmax-regression gradient on registers: per row of a
//! block's logits, `exp` lane by lane across the row's classes (the
//! sigmoid's E1-E6, as [`crate::scalar::sigmoid::exp_neg`] writes them),
//! and every sum and comparison in the contract's sequential order.

use crate::kernels::sigmoid::exp_neg;
use crate::lanes::Lanes;
use crate::matrix::Matrix;
use crate::params::Params;

/// The rows of `z` (`labels.len()` rows of `c >= 1` logits, contiguous)
/// become `D = e / s - t` in place; `gb[j] += D[i][j]` row by row, and the
/// rows' losses `ln s + (mx - z[label])` are returned as their sequential
/// sum from `+0.0`, `ln s` by `ln_ge1`.
#[inline(always)]
pub(crate) fn rows<T: Params, S: Lanes<T>>(
    s: S,
    z: &mut [T],
    c: usize,
    labels: &[u32],
    gb: &mut [T],
    ln_ge1: impl Fn(T) -> T,
) -> T {
    let l = S::LANES;
    if c <= l {
        return narrow(s, z, c, labels, gb, ln_ge1);
    }
    let mut loss = T::ZERO;
    for (zi, &label) in z.chunks_exact_mut(c).zip(labels) {
        let label = label as usize;
        // X1: the sequential maximum (a NaN is never taken).
        let mut mx = zi[0];
        for &v in &zi[1..] {
            mx = if v > mx { v } else { mx };
        }
        let zl = zi[label];
        let mxv = s.splat(mx);
        // X2: e_j = exp(-(mx - z_j)), the difference rounded once.
        let mut chunks = zi.chunks_exact_mut(l);
        for ch in &mut chunks {
            let e = exp_neg(s, s.sub(mxv, s.load(ch)));
            s.store(ch, e);
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            let e = exp_neg(s, s.sub(mxv, s.load_part(tail)));
            s.store_part(tail, e);
        }
        // X3: s = e_0 + e_1 + ... in increasing j, from +0.0.
        let mut sum = T::ZERO;
        for &e in zi.iter() {
            sum = sum + e;
        }
        // D_j = e_j / s - t_j: `- 0` leaves every `e_j / s >= +0` as it
        // is, so only the label's lane takes the subtraction.
        let sv = s.splat(sum);
        let mut chunks = zi.chunks_exact_mut(l);
        for ch in &mut chunks {
            s.store(ch, s.div(s.load(ch), sv));
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            let q = s.div(s.load_part(tail), sv);
            s.store_part(tail, q);
        }
        zi[label] = zi[label] - T::ONE;
        let mut gchunks = gb.chunks_exact_mut(l);
        let mut dchunks = zi.chunks_exact(l);
        for (g, d) in (&mut gchunks).zip(&mut dchunks) {
            s.store(g, s.add(s.load(g), s.load(d)));
        }
        let (gt, dt) = (gchunks.into_remainder(), dchunks.remainder());
        if !gt.is_empty() {
            let v = s.add(s.load_part(gt), s.load_part(dt));
            s.store_part(gt, v);
        }
        loss = loss + (ln_ge1(sum) + (mx - zl));
    }
    loss
}

/// [`rows`] for `c <= LANES` classes: each row in one register from its
/// load to its store, the row's `e` summed from a full store to the stack
/// (which the scalar loads read back without waiting), `t` a one-hot
/// register, and `gb` in a register for the whole block.
#[inline(always)]
fn narrow<T: Params, S: Lanes<T>>(
    s: S,
    z: &mut [T],
    c: usize,
    labels: &[u32],
    gb: &mut [T],
    ln_ge1: impl Fn(T) -> T,
) -> T {
    const { assert!(S::LANES <= 16) }
    let l = S::LANES;
    let full = c == l;
    let load = |x: &[T]| if full { s.load(x) } else { s.load_part(x) };
    // hot[16 - j..][..LANES] is 1 in lane j, 0 elsewhere.
    let mut hot = [T::ZERO; 32];
    hot[16] = T::ONE;
    let mut tmp = [T::ZERO; 16];
    let mut gbv = load(&gb[..c]);
    let mut loss = T::ZERO;
    for (zi, &label) in z.chunks_exact_mut(c).zip(labels) {
        let label = label as usize;
        let mut mx = zi[0];
        for &v in &zi[1..] {
            mx = if v > mx { v } else { mx };
        }
        let zl = zi[label];
        let e = exp_neg(s, s.sub(s.splat(mx), load(zi)));
        s.store(&mut tmp[..l], e);
        let mut sum = T::ZERO;
        for &v in &tmp[..c] {
            sum = sum + v;
        }
        // `q - 0` is `q` for every `q = e / s >= +0`.
        let d = s.sub(s.div(e, s.splat(sum)), s.load(&hot[16 - label..]));
        if full {
            s.store(zi, d);
        } else {
            s.store_part(zi, d);
        }
        gbv = s.add(gbv, d);
        loss = loss + (ln_ge1(sum) + (mx - zl));
    }
    if full {
        s.store(&mut gb[..c], gbv);
    } else {
        s.store_part(&mut gb[..c], gbv);
    }
    loss
}

/// Tile rows of [`fused_block`]: row pointers that stay in registers, and
/// enough independent FMA chains for two FMA ports.
const FUSED_MR: usize = 8;
/// Rows of `G` [`fused_block`] updates at once: independent FMA chains to
/// cover the FMA latency (with the tile's `D` registers, within 16).
const FUSED_U: usize = 4;

/// Steps S1-S3 of one row block `xb` (`rb x d`) for `c <= LANES` classes,
/// fused per tile of [`FUSED_MR`] rows, so that the tile's rows of `X`,
/// just read for the logits, are still in L1 for `X_B^T D`. `wp` is `W`
/// packed `d x LANES` (row `p` is `W[p][..c]`, zero padded), `g` the
/// block's `G` padded the same way (`+0.0` on entry), `gb` the block's
/// `g_b` (`+0.0` on entry). The chains are the contract's: each logit from
/// `b[j]` over `p` in increasing order, each `G[p][j]` over the block's
/// rows in increasing order (a tile's rows in order, tiles in order), each
/// `g_b[j]` and the loss over the rows in order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn fused_block<T: Params, S: Lanes<T>>(
    s: S,
    xb: Matrix<'_, T>,
    labels: &[u32],
    wp: &[T],
    b: &[T],
    g: &mut [T],
    gb: &mut [T],
    ln_ge1: impl Fn(T) -> T,
) -> T {
    const { assert!(S::LANES <= 16 && FUSED_MR + FUSED_U + 2 <= S::REGISTERS) }
    let l = S::LANES;
    let (rb, d, c) = (xb.rows(), xb.cols(), b.len());
    debug_assert!(c >= 1 && c <= l && labels.len() >= rb);
    let wp = &wp[..d * l];
    let g = &mut g[..d * l];
    let part = |x: &[T]| if c == l { s.load(x) } else { s.load_part(x) };
    let bv = part(b);
    let mut hot = [T::ZERO; 32];
    hot[16] = T::ONE;
    let mut tmp = [T::ZERO; 16];
    let mut gbv = part(&gb[..c]);
    let mut loss = T::ZERO;
    for i0 in (0..rb).step_by(FUSED_MR) {
        let h = FUSED_MR.min(rb - i0);
        // Past the tile's h rows, row h - 1 is read again into logits
        // that are never used.
        let rows: [&[T]; FUSED_MR] = core::array::from_fn(|r| &xb.at(i0 + r.min(h - 1))[..d]);
        // S1: the logits, chains from b over p.
        let mut z = [bv; FUSED_MR];
        for (p, wv) in wp.chunks_exact(l).enumerate().take(d) {
            let wv = s.load(wv);
            per_register!(FUSED_MR, r, {
                z[r] = s.fma(s.splat(rows[r][p]), wv, z[r]);
            });
        }
        // S2 per row, in order.
        let mut dr = [s.zero(); FUSED_MR];
        per_register!(FUSED_MR, r, {
            if r < h {
                let label = labels[i0 + r] as usize;
                s.store(&mut tmp[..l], z[r]);
                let mut mx = tmp[0];
                for &v in &tmp[1..c] {
                    mx = if v > mx { v } else { mx };
                }
                let zl = tmp[label];
                let e = exp_neg(s, s.sub(s.splat(mx), z[r]));
                s.store(&mut tmp[..l], e);
                let mut sum = T::ZERO;
                for &v in &tmp[..c] {
                    sum = sum + v;
                }
                // `q - 0` is `q` for every `q = e / s >= +0`; lanes past
                // c are never stored.
                dr[r] = s.sub(s.div(e, s.splat(sum)), s.load(&hot[16 - label..]));
                gbv = s.add(gbv, dr[r]);
                loss = loss + (ln_ge1(sum) + (mx - zl));
            }
        });
        // S3: G[p] += X[i][p] D[i] for the tile's rows in order.
        if h == FUSED_MR {
            // FUSED_U rows of G at once: their chains are independent,
            // each row's FMAs (one per tile row) depend on each other.
            let mut quads = g.chunks_exact_mut(FUSED_U * l);
            for (q, gq) in (&mut quads).enumerate() {
                let p0 = q * FUSED_U;
                let mut gv = [s.zero(); FUSED_U];
                per_register!(FUSED_U, u, {
                    gv[u] = s.load(&gq[u * l..]);
                });
                per_register!(FUSED_MR, r, {
                    per_register!(FUSED_U, u, {
                        gv[u] = s.fma(s.splat(rows[r][p0 + u]), dr[r], gv[u]);
                    });
                });
                per_register!(FUSED_U, u, {
                    s.store(&mut gq[u * l..], gv[u]);
                });
            }
            let p0 = d / FUSED_U * FUSED_U;
            for (p, gp) in quads.into_remainder().chunks_exact_mut(l).enumerate() {
                let mut gv = s.load(gp);
                per_register!(FUSED_MR, r, {
                    gv = s.fma(s.splat(rows[r][p0 + p]), dr[r], gv);
                });
                s.store(gp, gv);
            }
        } else {
            for (p, gp) in g.chunks_exact_mut(l).enumerate().take(d) {
                let mut gv = s.load(gp);
                for (row, &dv) in rows.iter().zip(&dr).take(h) {
                    gv = s.fma(s.splat(row[p]), dv, gv);
                }
                s.store(gp, gv);
            }
        }
    }
    if c == l {
        s.store(&mut gb[..c], gbv);
    } else {
        s.store_part(&mut gb[..c], gbv);
    }
    loss
}
