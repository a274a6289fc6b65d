//! Step S2 of the softmax-regression gradient on registers: per row of a
//! block's logits, `exp` lane by lane across the row's classes (the
//! sigmoid's E1-E6, as [`crate::scalar::sigmoid::exp_neg`] writes them),
//! and every sum and comparison in the contract's sequential order.

use crate::kernels::sigmoid::exp_neg;
use crate::lanes::Lanes;
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
