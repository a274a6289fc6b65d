//! `dot`: stripes of `W` lanes, blocks of `E` elements, the block tree, the
//! fold; and the choice, per backend and input, between the plain load
//! schedule and the address-aware one (both give the canonical bits).

use crate::element::Float;
use crate::lanes::{Lanes, add_stripes, fold, stripe_regs, tree_regs};
use crate::tree;

/// The fewest stripes from which the address-aware schedule
/// ([`rotated_block`]) pays for its fixed cost (the shifted head, the
/// masked last chunk and one unrotation per register), by the load width
/// the backend aligns to; shorter inputs use split loads. Measured: with
/// 64-byte loads (AVX-512, a Xeon) split loads and the rotated schedule tie
/// at 4 stripes and the rotated one is 1.3x faster at 8; with 32-byte loads
/// (AVX2, an AMD Zen 3 and a Xeon) split loads win up to 8 stripes, the
/// rotated schedule from 16 on. Backends without the schedule
/// (`LOAD_ALIGN == 0`) never use it.
#[inline(always)]
const fn rotate_from<T: Float, S: Lanes<T>>() -> usize {
    match S::LOAD_ALIGN {
        64 => 6,
        32 => 12,
        _ => usize::MAX,
    }
}

/// One block's lane partials, by the schedule that fits the input.
#[inline(always)]
fn block_any<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> S::Stripe {
    if S::LOAD_ALIGN > 0 {
        rotated_block(s, a, b)
    } else {
        block(s, a, b)
    }
}

/// A whole `dot` of at most `E` elements (one block and the fold), by the
/// schedule that fits the input.
#[inline(always)]
fn dot_one<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> T {
    if S::LOAD_ALIGN > 0 {
        rotated_dot(s, a, b)
    } else {
        fold(s, block(s, a, b))
    }
}

/// The canonical dot product (contract section 4). `a.len() == b.len()`.
#[inline(always)]
pub(crate) fn dot<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> T {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let regs = stripe_regs::<T, S>();
    // At most half a stripe: the registers holding elements are a prefix
    // of at most half the stripe's (shortest first: the latency of the
    // shortest calls is what this path is for).
    let l = S::LANES;
    if n <= l {
        return dot_short::<T, S, 1>(s, a, b);
    }
    if n * 2 <= T::W {
        return if n <= 2 * l {
            dot_short::<T, S, 2>(s, a, b)
        } else if n <= 4 * l && regs >= 8 {
            dot_short::<T, S, 4>(s, a, b)
        } else if regs >= 16 {
            dot_short::<T, S, 8>(s, a, b)
        } else {
            fold(s, block(s, a, b))
        };
    }
    if n <= T::E {
        return dot_one(s, a, b);
    }
    fold(s, stripe(s, a, b))
}

/// A `dot` whose elements lie in the first `P` registers of one stripe,
/// `P` a power of two and at most half the stripe's `R` registers: the
/// fold without its `+0.0` registers, the same bits.
///
/// Registers `P..R` of the stripe stay `+0.0`. The fold's register tree
/// adds register `i + k` to register `i` for `k = R/2, ..., 1`: while
/// `k >= P` every addend is a `+0.0` register, so each register below `P`
/// becomes `x + 0.0` at the first such level and stays that at the others
/// (`(x + 0) + 0 == x + 0` bit for bit, NaNs included), and registers from
/// `P` to `k` stay `+0.0`; the levels below `P` are the tree of `P`
/// registers. So: one `+0.0` add per register, the tree of `P`, the
/// reduction inside the register.
#[inline(always)]
fn dot_short<T: Float, S: Lanes<T>, const P: usize>(s: S, a: &[T], b: &[T]) -> T {
    const {
        assert!(P.is_power_of_two() && P <= 8);
    }
    let (n, l) = (a.len().min(b.len()), S::LANES);
    let mut r = [s.zero(); P];
    per_register!(P, k, {
        let o = k * l;
        if o + l <= n {
            r[k] = s.fma(s.load(&a[o..]), s.load(&b[o..]), s.zero());
        } else if o < n {
            r[k] = s.fma_part(s.load_part(&a[o..]), s.load_part(&b[o..]), s.zero(), n - o);
        }
        r[k] = s.add(r[k], s.zero());
    });
    s.reduce(tree_regs(s, &mut r))
}

/// The canonical lane partials of a whole `dot` (steps 1-3 of the
/// contract: blocks and the block tree, before the fold), for any length.
#[inline(always)]
pub(crate) fn stripe<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> S::Stripe {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    if n <= T::E {
        return block_any(s, a, b);
    }
    // The tree recursion is an ordinary function; it re-enters the backend's
    // target-feature context once per subtree of up to four blocks, whose
    // blocks and combines then run inline, stripes in registers.
    tree::reduce_grouped(
        n.div_ceil(T::E),
        &mut |lo, hi| {
            s.vectorize(
                #[inline(always)]
                || {
                    tree::small_tree(
                        lo,
                        hi,
                        #[inline(always)]
                        |i| {
                            let (lo, hi) = (i * T::E, n.min(i * T::E + T::E));
                            block_any(s, &a[lo..hi], &b[lo..hi])
                        },
                        #[inline(always)]
                        |l, r| add_stripes(s, l, r),
                    )
                },
            )
        },
        &mut |l, r| {
            s.vectorize(
                #[inline(always)]
                || add_stripes(s, l, r),
            )
        },
    )
}

/// [`stripe`], stored: `out[..W]` receives the `W` lane partials.
#[inline(always)]
pub(crate) fn stripe_into<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T], out: &mut [T]) {
    let st = stripe(s, a, b);
    for (k, v) in st.as_ref().iter().enumerate() {
        s.store(&mut out[k * S::LANES..], *v);
    }
}

/// One block (at most `E` elements): lane `j mod W` accumulates
/// `fma(a[j], b[j], lane)` for `j` in increasing order, from `+0.0`.
#[inline(always)]
pub(crate) fn block<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> S::Stripe {
    let mut acc = s.zero_stripe();
    let mut ca = a.chunks_exact(T::W);
    let mut cb = b.chunks_exact(T::W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for (k, lane) in acc.as_mut().iter_mut().enumerate() {
            let o = k * S::LANES;
            *lane = s.fma(s.load(&x[o..]), s.load(&y[o..]), *lane);
        }
    }
    stripe_tail(s, acc.as_mut(), ca.remainder(), cb.remainder(), 0);
    acc
}

/// The last, partial stripe of a block (`x.len() == y.len() < W`): full
/// registers as usual, the register holding the end with a masked FMA, and
/// registers wholly past the end untouched. Register `k` of the stripe goes
/// to accumulator `(k + first) mod R` (`first` = 0 for [`block`], 1 for the
/// rotated schedule, whose chunk 0 is the head).
#[inline(always)]
fn stripe_tail<T: Float, S: Lanes<T>>(s: S, acc: &mut [S::V], x: &[T], y: &[T], first: usize) {
    let len = x.len().min(y.len());
    let (x, y, l, regs) = (&x[..len], &y[..len], S::LANES, stripe_regs::<T, S>());
    per_register!(regs, k, {
        let (o, r) = (k * l, (k + first) % regs);
        if o + l <= len {
            acc[r] = s.fma(s.load(&x[o..]), s.load(&y[o..]), acc[r]);
        } else if o < len {
            acc[r] = s.fma_part(s.load_part(&x[o..]), s.load_part(&y[o..]), acc[r], len - o);
        }
    });
}

/// One block, as [`block`] computes it, with an address-aware schedule.
///
/// A `Vec<f32>` is usually only 16-byte aligned, so most register loads of
/// the plain schedule straddle an `LOAD_ALIGN` boundary (a cache-line split for
/// 64-byte AVX-512 loads), which halves the load rate. When `a` and `b`
/// share the same misalignment (the common case for large allocations),
/// this schedule loads whole aligned chunks instead: chunk `q` (elements
/// `q*L - off .. q*L - off + L`, `L` lanes per register) goes to register
/// `q mod R` of the stripe (`R` registers), so position `p` of register `k`
/// holds lane `(k*L + p - off) mod W`: the canonical lanes, rotated by
/// `off`. Every lane still receives its elements' FMAs in increasing order,
/// and one permute per register at the end of the block undoes the rotation,
/// so the stripe is bit for bit the one [`block`] computes. Lane assignment
/// depends only on element indices, never on addresses. Inputs with
/// different misalignments, or shorter than [`rotate_from`] stripes,
/// use [`block`].
#[inline(always)]
pub(crate) fn rotated_block<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> S::Stripe {
    let Some((acc, off)) = rotated_lanes(s, a, b) else {
        return block(s, a, b);
    };
    // Undo the rotation: canonical register k is positions off..L of
    // register k followed by positions 0..off of register k + 1.
    let (acc, regs) = (acc.as_ref(), acc.as_ref().len());
    let mut out = s.zero_stripe();
    for (k, o) in out.as_mut().iter_mut().enumerate() {
        *o = s.unrotate(acc[k], acc[(k + 1) % regs], off);
    }
    out
}

/// A whole `dot` of at most `E` elements (one block and the fold), with
/// [`rotated_block`]'s schedule but without undoing the rotation: the fold
/// adds the rotated lanes as they are, which gives the same bits.
///
/// Every step of the fold adds lane `j` to lane `j + h` of a span of `2h`
/// lanes, for `h = W/2, ..., 1` (registers first, then inside the last
/// register), and keeps the lower half. In the rotated stripe position `p`
/// of register `k` holds lane `(k*L + p - off) mod W`; the step pairs
/// positions `h` apart, hence lanes `c` and `c + h (mod 2h)`: the same
/// pairs as in the canonical stripe, each surviving position holding one
/// pair's sum (rotated within the lower half, by `off mod h`). IEEE addition
/// is commutative, so every partial sum, and the result, is bit for bit the
/// canonical one. (The block tree adds stripes of different blocks lane by
/// lane, so blocks of a longer `dot` are unrotated: [`rotated_block`].)
#[inline(always)]
pub(crate) fn rotated_dot<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> T {
    match rotated_lanes(s, a, b) {
        Some((acc, _)) => fold(s, acc),
        None => fold(s, block(s, a, b)),
    }
}

/// [`rotated_block`]'s accumulators, still rotated, and the rotation `off`;
/// `None` where the schedule does not apply.
#[inline(always)]
fn rotated_lanes<T: Float, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> Option<(S::Stripe, usize)> {
    let l = S::LANES;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let size = core::mem::size_of::<T>();
    // The length first: a constant compare that decides most short calls.
    if S::LOAD_ALIGN == 0 || n < rotate_from::<T, S>().saturating_mul(T::W) {
        return None;
    }
    let off = (a.as_ptr() as usize % S::LOAD_ALIGN) / size;
    let aligned_b = (b.as_ptr() as usize % S::LOAD_ALIGN) / size;
    if off == 0 || aligned_b != off {
        return None;
    }
    let h = l - off; // elements before the first aligned chunk
    let mut stripe = s.zero_stripe();
    let acc = stripe.as_mut();
    let regs = acc.len();

    // Chunk 0 (the head): elements 0..h at positions off..L.
    let x = s.shift_up(s.load_part(&a[..h]), off);
    let y = s.shift_up(s.load_part(&b[..h]), off);
    acc[0] = s.fma_from(x, y, acc[0], off);

    // Aligned stripes: chunk k of stripe g is chunk g*R + k + 1.
    let mut ca = a[h..].chunks_exact(T::W);
    let mut cb = b[h..].chunks_exact(T::W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..regs {
            let r = (k + 1) % regs;
            acc[r] = s.fma(s.load(&x[k * l..]), s.load(&y[k * l..]), acc[r]);
        }
    }

    // The rest: whole chunks, then the masked last chunk.
    stripe_tail(s, acc, ca.remainder(), cb.remainder(), 1);
    Some((stripe, off))
}
