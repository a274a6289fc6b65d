//! `sqeuclidean` and `cosine` in one pass over the inputs: the lane
//! partials of `dot`'s order for each type (one stripe `sum (a-b)^2`, or
//! three stripes `a.b`, `a.a`, `b.b` side by side), the block tree and the
//! fold of each; integers exactly, as the integer `dot`.

use half::{bf16, f16};

use crate::element::{Element, Float};
use crate::lanes::{Lanes, add_stripes, fold, stripe_regs};
use crate::tree;
use crate::widen::{IBLOCK, Widen};

/// The stripes of one pass: `[sq]` (`COS = false`) or `[ab, aa, bb]`.
type Acc3<T, S> = [<S as Lanes<T>>::Stripe; 3];

/// Adds one register pair into register `k` of the stripes, lanes `< m`
/// (all of them when `m == LANES`): `fma(d, d, .)` with `d = x - y`, or
/// `fma(x, y, .)`, `fma(x, x, .)`, `fma(y, y, .)`.
#[inline(always)]
fn step<T: Float, S: Lanes<T>, const COS: bool>(
    s: S,
    st: &mut Acc3<T, S>,
    k: usize,
    x: S::V,
    y: S::V,
    m: usize,
) {
    let f = |a, b, c| {
        if m == S::LANES {
            s.fma(a, b, c)
        } else {
            s.fma_part(a, b, c, m)
        }
    };
    if COS {
        st[0].as_mut()[k] = f(x, y, st[0].as_ref()[k]);
        st[1].as_mut()[k] = f(x, x, st[1].as_ref()[k]);
        st[2].as_mut()[k] = f(y, y, st[2].as_ref()[k]);
    } else {
        let d = s.sub(x, y);
        st[0].as_mut()[k] = f(d, d, st[0].as_ref()[k]);
    }
}

/// One f32/f64 block: lane `j mod W`, as `dot`'s block.
#[inline(always)]
fn block_float<T: Float, S: Lanes<T>, const COS: bool>(s: S, a: &[T], b: &[T]) -> Acc3<T, S> {
    let (l, regs) = (S::LANES, stripe_regs::<T, S>());
    let mut st = [s.zero_stripe(); 3];
    let mut ca = a.chunks_exact(T::W);
    let mut cb = b.chunks_exact(T::W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        per_register!(regs, k, {
            step::<T, S, COS>(s, &mut st, k, s.load(&x[k * l..]), s.load(&y[k * l..]), l);
        });
    }
    let (x, y) = (ca.remainder(), cb.remainder());
    let len = x.len().min(y.len());
    per_register!(regs, k, {
        let o = k * l;
        if o + l <= len {
            step::<T, S, COS>(s, &mut st, k, s.load(&x[o..]), s.load(&y[o..]), l);
        } else if o < len {
            let (xv, yv) = (s.load_part(&x[o..len]), s.load_part(&y[o..len]));
            step::<T, S, COS>(s, &mut st, k, xv, yv, len - o);
        }
    });
    st
}

/// One bf16 block: the lane map of the bf16 `dot` (even, then odd).
#[inline(always)]
fn block_bf16<S: Widen, const COS: bool>(s: S, a: &[bf16], b: &[bf16]) -> Acc3<f32, S> {
    let (l2, regs) = (2 * S::LANES, stripe_regs::<f32, S>());
    let mut st = [s.zero_stripe(); 3];
    let mut ca = a.chunks_exact(<bf16 as Element>::W);
    let mut cb = b.chunks_exact(<bf16 as Element>::W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        per_register!(regs, k, {
            let ((xe, xo), (ye, yo)) = (s.widen_bf16(&x[k * l2..]), s.widen_bf16(&y[k * l2..]));
            step::<f32, S, COS>(s, &mut st, k, xe, ye, S::LANES);
            step::<f32, S, COS>(s, &mut st, k, xo, yo, S::LANES);
        });
    }
    let (x, y) = (ca.remainder(), cb.remainder());
    let len = x.len().min(y.len());
    per_register!(regs, k, {
        let o = k * l2;
        if o + l2 <= len {
            let ((xe, xo), (ye, yo)) = (s.widen_bf16(&x[o..]), s.widen_bf16(&y[o..]));
            step::<f32, S, COS>(s, &mut st, k, xe, ye, S::LANES);
            step::<f32, S, COS>(s, &mut st, k, xo, yo, S::LANES);
        } else if o < len {
            let m = len - o;
            let (mut bx, mut by) = ([bf16::ZERO; 32], [bf16::ZERO; 32]);
            bx[..m].copy_from_slice(&x[o..len]);
            by[..m].copy_from_slice(&y[o..len]);
            let ((xe, xo), (ye, yo)) = (s.widen_bf16(&bx), s.widen_bf16(&by));
            step::<f32, S, COS>(s, &mut st, k, xe, ye, m.div_ceil(2));
            if m >= 2 {
                step::<f32, S, COS>(s, &mut st, k, xo, yo, m / 2);
            }
        }
    });
    st
}

/// One f16 block: the lane map of the f16 `dot` (`j mod 64`).
#[inline(always)]
fn block_f16<S: Widen, const COS: bool>(s: S, a: &[f16], b: &[f16]) -> Acc3<f32, S> {
    let (l, regs) = (S::LANES, stripe_regs::<f32, S>());
    let mut st = [s.zero_stripe(); 3];
    let mut ca = a.chunks_exact(64);
    let mut cb = b.chunks_exact(64);
    for (x, y) in (&mut ca).zip(&mut cb) {
        per_register!(regs, k, {
            let (xv, yv) = (s.widen_f16(&x[k * l..]), s.widen_f16(&y[k * l..]));
            step::<f32, S, COS>(s, &mut st, k, xv, yv, l);
        });
    }
    let (x, y) = (ca.remainder(), cb.remainder());
    let len = x.len().min(y.len());
    per_register!(regs, k, {
        let o = k * l;
        if o + l <= len {
            let (xv, yv) = (s.widen_f16(&x[o..]), s.widen_f16(&y[o..]));
            step::<f32, S, COS>(s, &mut st, k, xv, yv, l);
        } else if o < len {
            let m = len - o;
            let (mut bx, mut by) = ([f16::ZERO; 16], [f16::ZERO; 16]);
            bx[..m].copy_from_slice(&x[o..len]);
            by[..m].copy_from_slice(&y[o..len]);
            let (xv, yv) = (s.widen_f16(&bx), s.widen_f16(&by));
            step::<f32, S, COS>(s, &mut st, k, xv, yv, m);
        }
    });
    st
}

/// `l + r` stripe by stripe, for the first `1 + 2 * COS` stripes. A
/// function, not a closure: a closure is compiled with the features of the
/// function that defines it, so one defined outside `vectorize` and not
/// inlined would call every intrinsic out of line.
#[inline(always)]
fn add3<T: Float, S: Lanes<T>, const COS: bool>(s: S, l: Acc3<T, S>, r: Acc3<T, S>) -> Acc3<T, S> {
    let mut o = l;
    for i in 0..if COS { 3 } else { 1 } {
        o[i] = add_stripes(s, l[i], r[i]);
    }
    o
}

/// The block tree over blocks of `e` elements, then the fold of each of
/// the `1 + 2 * COS` stripes.
#[inline(always)]
fn tree_fold<T: Float, S: Lanes<T>, X, const COS: bool>(
    s: S,
    a: &[X],
    b: &[X],
    e: usize,
    block: impl Fn(&[X], &[X]) -> Acc3<T, S> + Copy,
) -> [T; 3] {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let st = if n <= e {
        block(a, b)
    } else {
        tree::reduce_grouped(
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
                            |l, r| add3::<T, S, COS>(s, l, r),
                        )
                    },
                )
            },
            &mut |l, r| {
                s.vectorize(
                    #[inline(always)]
                    || add3::<T, S, COS>(s, l, r),
                )
            },
        )
    };
    s.vectorize(
        #[inline(always)]
        || {
            if COS {
                [fold(s, st[0]), fold(s, st[1]), fold(s, st[2])]
            } else {
                [fold(s, st[0]), T::ZERO, T::ZERO]
            }
        },
    )
}

/// f32/f64: `[sq]` or `[ab, aa, bb]`.
#[inline(always)]
pub(crate) fn float<T: Float, S: Lanes<T>, const COS: bool>(s: S, a: &[T], b: &[T]) -> [T; 3] {
    tree_fold::<T, S, T, COS>(
        s,
        a,
        b,
        T::E,
        #[inline(always)]
        |x, y| block_float::<T, S, COS>(s, x, y),
    )
}

/// bf16, in f32: `[sq]` or `[ab, aa, bb]`.
#[inline(always)]
pub(crate) fn bf16s<S: Widen, const COS: bool>(s: S, a: &[bf16], b: &[bf16]) -> [f32; 3] {
    tree_fold::<f32, S, bf16, COS>(
        s,
        a,
        b,
        <bf16 as Element>::E,
        #[inline(always)]
        |x, y| block_bf16::<S, COS>(s, x, y),
    )
}

/// f16, in f32: `[sq]` or `[ab, aa, bb]`.
#[inline(always)]
pub(crate) fn f16s<S: Widen, const COS: bool>(s: S, a: &[f16], b: &[f16]) -> [f32; 3] {
    tree_fold::<f32, S, f16, COS>(
        s,
        a,
        b,
        <f16 as Element>::E,
        #[inline(always)]
        |x, y| {
            s.f16_context(
                #[inline(always)]
                || block_f16::<S, COS>(s, x, y),
            )
        },
    )
}

/// Integers, exact: `[sq]` (`msq`) or `[ab, aa, bb]` (`madd`), `i32`
/// lanes per block of [`IBLOCK`], the blocks' sums in `i64`.
#[inline(always)]
fn int<S: Widen, X: Copy + Default, const COS: bool>(
    s: S,
    a: &[X],
    b: &[X],
    madd: impl Fn(&[X], &[X], S::I) -> S::I + Copy,
    msq: impl Fn(&[X], &[X], S::I) -> S::I + Copy,
) -> [i64; 3] {
    let step = S::IBYTES;
    let mut total = [0i64; 3];
    let add = |p: &[X], q: &[X], acc: &mut [S::I; 3]| {
        if COS {
            acc[0] = madd(p, q, acc[0]);
            acc[1] = madd(p, p, acc[1]);
            acc[2] = madd(q, q, acc[2]);
        } else {
            acc[0] = msq(p, q, acc[0]);
        }
    };
    for (x, y) in a.chunks(IBLOCK).zip(b.chunks(IBLOCK)) {
        let mut acc = [s.izero(); 3];
        let mut cx = x.chunks_exact(step);
        let mut cy = y.chunks_exact(step);
        for (p, q) in (&mut cx).zip(&mut cy) {
            add(p, q, &mut acc);
        }
        let (p, q) = (cx.remainder(), cy.remainder());
        if !p.is_empty() {
            let m = p.len().min(q.len());
            let (mut bp, mut bq) = ([X::default(); 64], [X::default(); 64]);
            bp[..m].copy_from_slice(&p[..m]);
            bq[..m].copy_from_slice(&q[..m]);
            add(&bp, &bq, &mut acc);
        }
        for (t, r) in total.iter_mut().zip(acc) {
            *t += s.isum(r);
        }
    }
    total
}

/// i8, exact.
#[inline(always)]
pub(crate) fn i8s<S: Widen, const COS: bool>(s: S, a: &[i8], b: &[i8]) -> [i64; 3] {
    int::<S, i8, COS>(
        s,
        a,
        b,
        #[inline(always)]
        |x, y, acc| s.madd_i8(x, y, acc),
        #[inline(always)]
        |x, y, acc| s.msq_i8(x, y, acc),
    )
}

/// u8, exact.
#[inline(always)]
pub(crate) fn u8s<S: Widen, const COS: bool>(s: S, a: &[u8], b: &[u8]) -> [i64; 3] {
    int::<S, u8, COS>(
        s,
        a,
        b,
        #[inline(always)]
        |x, y, acc| s.madd_u8(x, y, acc),
        #[inline(always)]
        |x, y, acc| s.msq_u8(x, y, acc),
    )
}
