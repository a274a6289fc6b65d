//! The reduced-precision `dot`s over [`Widen`]: bf16 and f16 widened to f32
//! registers in the contract's lane order, then the f32 stripe, block tree
//! and fold of `dot`; i8 and u8 by exact integer multiply-adds, `i32` lanes
//! per block of [`IBLOCK`] elements, `i64` across blocks.

use half::{bf16, f16};

use crate::element::Element;
use crate::lanes::{add_stripes, fold, stripe_regs};
use crate::tree;
use crate::widen::{IBLOCK, Widen};

/// One bf16 block (at most `E` elements): register `k` of a stripe holds
/// the words `8k..` of the stripe's 128 elements, element `2i` (even) and
/// `2i + 1` (odd) of the stripe going to lane `i`, even first.
#[inline(always)]
fn block_bf16<S: Widen>(s: S, a: &[bf16], b: &[bf16]) -> S::Stripe {
    let l2 = 2 * S::LANES;
    let regs = stripe_regs::<f32, S>();
    let mut acc = s.zero_stripe();
    let lanes = acc.as_mut();
    let mut ca = a.chunks_exact(<bf16 as Element>::W);
    let mut cb = b.chunks_exact(<bf16 as Element>::W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        per_register!(regs, k, {
            let (xe, xo) = s.widen_bf16(&x[k * l2..]);
            let (ye, yo) = s.widen_bf16(&y[k * l2..]);
            lanes[k] = s.fma(xo, yo, s.fma(xe, ye, lanes[k]));
        });
    }
    let (x, y) = (ca.remainder(), cb.remainder());
    let len = x.len().min(y.len());
    per_register!(regs, k, {
        let o = k * l2;
        if o + l2 <= len {
            let (xe, xo) = s.widen_bf16(&x[o..]);
            let (ye, yo) = s.widen_bf16(&y[o..]);
            lanes[k] = s.fma(xo, yo, s.fma(xe, ye, lanes[k]));
        } else if o < len {
            // The last, partial register: through a zeroed buffer, with
            // only the lanes that have elements touched (`m` elements: the
            // even lanes `< ceil(m/2)`, the odd lanes `< floor(m/2)`).
            let m = len - o;
            let (mut bx, mut by) = ([bf16::ZERO; 32], [bf16::ZERO; 32]);
            bx[..m].copy_from_slice(&x[o..len]);
            by[..m].copy_from_slice(&y[o..len]);
            let (xe, xo) = s.widen_bf16(&bx);
            let (ye, yo) = s.widen_bf16(&by);
            lanes[k] = s.fma_part(xe, ye, lanes[k], m.div_ceil(2));
            if m >= 2 {
                lanes[k] = s.fma_part(xo, yo, lanes[k], m / 2);
            }
        }
    });
    acc
}

/// One f16 block (at most `E` elements): element `j` to lane `j mod 64`, so
/// a stripe's two halves of 64 each pass once over the lanes.
#[inline(always)]
fn block_f16<S: Widen>(s: S, a: &[f16], b: &[f16]) -> S::Stripe {
    const { assert!(<f16 as Element>::W == 2 * 64) };
    let l = S::LANES;
    let regs = stripe_regs::<f32, S>();
    let mut acc = s.zero_stripe();
    let lanes = acc.as_mut();
    let mut ca = a.chunks_exact(64);
    let mut cb = b.chunks_exact(64);
    for (x, y) in (&mut ca).zip(&mut cb) {
        per_register!(regs, k, {
            let (xv, yv) = (s.widen_f16(&x[k * l..]), s.widen_f16(&y[k * l..]));
            lanes[k] = s.fma(xv, yv, lanes[k]);
        });
    }
    let (x, y) = (ca.remainder(), cb.remainder());
    let len = x.len().min(y.len());
    per_register!(regs, k, {
        let o = k * l;
        if o + l <= len {
            let (xv, yv) = (s.widen_f16(&x[o..]), s.widen_f16(&y[o..]));
            lanes[k] = s.fma(xv, yv, lanes[k]);
        } else if o < len {
            let m = len - o;
            let (mut bx, mut by) = ([f16::ZERO; 16], [f16::ZERO; 16]);
            bx[..m].copy_from_slice(&x[o..len]);
            by[..m].copy_from_slice(&y[o..len]);
            let (xv, yv) = (s.widen_f16(&bx), s.widen_f16(&by));
            lanes[k] = s.fma_part(xv, yv, lanes[k], m);
        }
    });
    acc
}

/// The block tree over blocks of `e` elements of `block`, then the fold
/// (as `kernels::dot::stripe` does for f32, subtrees of up to four blocks
/// in one target-feature context).
#[inline(always)]
fn tree_fold<S: Widen, X>(
    s: S,
    a: &[X],
    b: &[X],
    e: usize,
    block: impl Fn(&[X], &[X]) -> S::Stripe + Copy,
) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    if n <= e {
        return fold(s, block(a, b));
    }
    let st = tree::reduce_grouped(
        n.div_ceil(e),
        &mut |lo, hi| {
            s.vectorize(
                #[inline(always)]
                || {
                    tree::small_tree(
                        lo,
                        hi,
                        #[inline(always)]
                        |i| {
                            let (lo, hi) = (i * e, n.min(i * e + e));
                            block(&a[lo..hi], &b[lo..hi])
                        },
                        #[inline(always)]
                        |l, r| add_stripes::<f32, S>(s, l, r),
                    )
                },
            )
        },
        &mut |l, r| {
            s.vectorize(
                #[inline(always)]
                || add_stripes::<f32, S>(s, l, r),
            )
        },
    );
    s.vectorize(
        #[inline(always)]
        || fold(s, st),
    )
}

/// The canonical bf16 `dot`, in f32.
#[inline(always)]
pub(crate) fn dot_bf16<S: Widen>(s: S, a: &[bf16], b: &[bf16]) -> f32 {
    tree_fold(
        s,
        a,
        b,
        <bf16 as Element>::E,
        #[inline(always)]
        |x, y| block_bf16(s, x, y),
    )
}

/// The canonical f16 `dot`, in f32.
#[inline(always)]
pub(crate) fn dot_f16<S: Widen>(s: S, a: &[f16], b: &[f16]) -> f32 {
    tree_fold(
        s,
        a,
        b,
        <f16 as Element>::E,
        #[inline(always)]
        |x, y| {
            s.f16_context(
                #[inline(always)]
                || block_f16(s, x, y),
            )
        },
    )
}

/// An exact integer `dot`: four independent `i32` accumulators per block of
/// [`IBLOCK`] elements (whole steps of `IBYTES`, the last step through a
/// zeroed buffer: zeros add nothing), each block's sum moved to the `i64`.
#[inline(always)]
fn dot_int<S: Widen, X: Copy + Default>(
    s: S,
    a: &[X],
    b: &[X],
    madd: impl Fn(&[X], &[X], S::I) -> S::I + Copy,
) -> i64 {
    let step = S::IBYTES;
    let mut total = 0i64;
    for (x, y) in a.chunks(IBLOCK).zip(b.chunks(IBLOCK)) {
        let mut acc = [s.izero(); 4];
        let mut cx = x.chunks_exact(4 * step);
        let mut cy = y.chunks_exact(4 * step);
        for (p, q) in (&mut cx).zip(&mut cy) {
            for (k, r) in acc.iter_mut().enumerate() {
                *r = madd(&p[k * step..], &q[k * step..], *r);
            }
        }
        let (p, q) = (cx.remainder(), cy.remainder());
        let mut i = 0;
        while i + step <= p.len() {
            acc[0] = madd(&p[i..], &q[i..], acc[0]);
            i += step;
        }
        if i < p.len() {
            let m = p.len() - i;
            let (mut bp, mut bq) = ([X::default(); 64], [X::default(); 64]);
            bp[..m].copy_from_slice(&p[i..]);
            bq[..m].copy_from_slice(&q[i..]);
            acc[1] = madd(&bp, &bq, acc[1]);
        }
        total += acc.iter().map(|&r| s.isum(r)).sum::<i64>();
    }
    total
}

/// The exact i8 `dot`.
#[inline(always)]
pub(crate) fn dot_i8<S: Widen>(s: S, a: &[i8], b: &[i8]) -> i64 {
    dot_int(
        s,
        a,
        b,
        #[inline(always)]
        |x, y, acc| s.madd_i8(x, y, acc),
    )
}

/// The exact u8 `dot`.
#[inline(always)]
pub(crate) fn dot_u8<S: Widen>(s: S, a: &[u8], b: &[u8]) -> i64 {
    dot_int(
        s,
        a,
        b,
        #[inline(always)]
        |x, y, acc| s.madd_u8(x, y, acc),
    )
}
