//! Step S2 of the softmax-regression gradient on registers: per row of a
//! block's logits, `exp` lane by lane across the row's classes (the
//! sigmoid's E1-E6, as [`crate::scalar::sigmoid::exp_neg`] writes them),
//! and every sum and comparison in the contract's sequential order.

use crate::kernels::sigmoid::exp_neg;
use crate::lanes::{Lanes, load_row, store_row};
use crate::matrix::Matrix;
use crate::params::Params;

/// The rows of `z` (`labels.len()` rows of `c` logits, contiguous; the
/// block path for more classes than [`fused_block`] takes) become
/// `D = e / s - t` in place; `gb[j] += D[i][j]` row by row, and the
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

/// Steps S1-S3 of one row block `xb` (`rb x d`) for `c <= NRV * LANES`
/// classes, fused per tile of `MR` rows, so that the tile's rows of `X`,
/// just read for the logits, are still in L1 for `X_B^T D`. `wp` is `W`
/// packed `d x NRV * LANES` (row `p` is `W[p][..c]`, zero padded), `g` the
/// block's `G` padded the same way (`+0.0` on entry), `gb` the block's
/// `g_b` (`+0.0` on entry). The chains are the contract's: each logit from
/// `b[j]` over `p` in increasing order, each `G[p][j]` over the block's
/// rows in increasing order (a tile's rows in order, tiles in order), each
/// `g_b[j]` and the loss over the rows in order. `U` rows of `G` are
/// updated at once (independent chains that cover the FMA latency).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn fused_block<
    T: Params,
    S: Lanes<T>,
    const MR: usize,
    const NRV: usize,
    const U: usize,
>(
    s: S,
    xb: Matrix<'_, T>,
    labels: &[u32],
    wp: &[T],
    b: &[T],
    g: &mut [T],
    gb: &mut [T],
    ln_ge1: impl Fn(T) -> T,
) -> T {
    const {
        assert!(S::LANES <= 16 && NRV <= 2);
        assert!(MR * NRV + NRV + 1 < 32 && MR <= 16 && U <= 16);
    }
    let l = S::LANES;
    let nr = NRV * l;
    let (rb, d, c) = (xb.rows(), xb.cols(), b.len());
    debug_assert!(c >= 1 && c <= nr && labels.len() >= rb);
    let wp = &wp[..d * nr];
    let g = &mut g[..d * nr];
    let mut bv = [s.zero(); NRV];
    let mut gbv = [s.zero(); NRV];
    per_register!(NRV, v, {
        bv[v] = load_row(s, b, c, v);
        gbv[v] = load_row(s, gb, c, v);
    });
    // hot[32 - j..][..2 * LANES] is 1 in element j, 0 elsewhere.
    let mut hot = [T::ZERO; 64];
    hot[32] = T::ONE;
    let mut tmp = [T::ZERO; 32];
    let mut loss = T::ZERO;
    for i0 in (0..rb).step_by(MR) {
        let h = MR.min(rb - i0);
        // Past the tile's h rows, row h - 1 is read again into logits
        // that are never used.
        let rows: [&[T]; MR] = core::array::from_fn(|r| &xb.at(i0 + r.min(h - 1))[..d]);
        // S1: the logits, chains from b over p.
        let mut z = [bv; MR];
        for (p, wv) in wp.chunks_exact(nr).enumerate().take(d) {
            let mut w = [s.zero(); NRV];
            per_register!(NRV, v, {
                w[v] = s.load(&wv[v * l..]);
            });
            per_register!(MR, r, {
                let x = s.splat(rows[r][p]);
                per_register!(NRV, v, {
                    z[r][v] = s.fma(x, w[v], z[r][v]);
                });
            });
        }
        // S2 per row, in order.
        let mut dr = [[s.zero(); NRV]; MR];
        per_register!(MR, r, {
            if r < h {
                let label = labels[i0 + r] as usize;
                per_register!(NRV, v, {
                    s.store(&mut tmp[v * l..], z[r][v]);
                });
                let mut mx = tmp[0];
                for &x in &tmp[1..c] {
                    mx = if x > mx { x } else { mx };
                }
                let zl = tmp[label];
                let mxv = s.splat(mx);
                let mut e = [s.zero(); NRV];
                per_register!(NRV, v, {
                    e[v] = exp_neg(s, s.sub(mxv, z[r][v]));
                    s.store(&mut tmp[v * l..], e[v]);
                });
                let mut sum = T::ZERO;
                for &x in &tmp[..c] {
                    sum = sum + x;
                }
                // `q - 0` is `q` for every `q = e / s >= +0`; lanes past
                // c are never stored.
                let sv = s.splat(sum);
                per_register!(NRV, v, {
                    let t = s.load(&hot[32 - label + v * l..]);
                    dr[r][v] = s.sub(s.div(e[v], sv), t);
                    gbv[v] = s.add(gbv[v], dr[r][v]);
                });
                loss = loss + (ln_ge1(sum) + (mx - zl));
            }
        });
        // S3: G[p] += X[i][p] D[i] for the tile's rows in order.
        if h == MR {
            let mut groups = g.chunks_exact_mut(U * nr);
            for (q, gq) in (&mut groups).enumerate() {
                let p0 = q * U;
                let mut gv = [[s.zero(); NRV]; U];
                per_register!(U, u, {
                    per_register!(NRV, v, {
                        gv[u][v] = s.load(&gq[u * nr + v * l..]);
                    });
                });
                per_register!(MR, r, {
                    per_register!(U, u, {
                        let x = s.splat(rows[r][p0 + u]);
                        per_register!(NRV, v, {
                            gv[u][v] = s.fma(x, dr[r][v], gv[u][v]);
                        });
                    });
                });
                per_register!(U, u, {
                    per_register!(NRV, v, {
                        s.store(&mut gq[u * nr + v * l..], gv[u][v]);
                    });
                });
            }
            let p0 = d / U * U;
            for (p, gp) in groups.into_remainder().chunks_exact_mut(nr).enumerate() {
                per_register!(NRV, v, {
                    let mut gv = s.load(&gp[v * l..]);
                    per_register!(MR, r, {
                        gv = s.fma(s.splat(rows[r][p0 + p]), dr[r][v], gv);
                    });
                    s.store(&mut gp[v * l..], gv);
                });
            }
        } else {
            for (p, gp) in g.chunks_exact_mut(nr).enumerate().take(d) {
                per_register!(NRV, v, {
                    let mut gv = s.load(&gp[v * l..]);
                    for (row, dv) in rows.iter().zip(&dr).take(h) {
                        gv = s.fma(s.splat(row[p]), dv[v], gv);
                    }
                    s.store(&mut gp[v * l..], gv);
                });
            }
        }
    }
    per_register!(NRV, v, {
        store_row(s, gb, c, v, gbv[v]);
    });
    loss
}
