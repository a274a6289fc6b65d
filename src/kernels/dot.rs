//! `dot`: stripes of `W` lanes, blocks of `E` elements, the block tree, the fold.

use crate::element::Element;
use crate::lanes::{Lanes, add_stripes, fold};
use crate::tree;

/// The canonical dot product (contract section 4). `a.len() == b.len()`.
#[inline(always)]
pub(crate) fn dot<T: Element, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> T {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    if n <= T::E {
        return fold(s, s.dot_block(a, b));
    }
    // The tree recursion is an ordinary function; each block re-enters the
    // backend's target-feature context (one call per 16 KiB).
    let stripes = tree::reduce(
        n.div_ceil(T::E),
        &mut |i| {
            let lo = i * T::E;
            let hi = n.min(lo + T::E);
            s.vectorize(|| s.dot_block(&a[lo..hi], &b[lo..hi]))
        },
        &mut |l, r| s.vectorize(|| add_stripes(s, l, r)),
    );
    fold(s, stripes)
}

/// One block (at most `E` elements): lane `j mod W` accumulates
/// `fma(a[j], b[j], lane)` for `j` in increasing order, from `+0.0`.
#[inline(always)]
pub(crate) fn block<T: Element, S: Lanes<T>>(s: S, a: &[T], b: &[T]) -> S::Stripe {
    let mut acc = s.zero_stripe();
    let mut ca = a.chunks_exact(T::W);
    let mut cb = b.chunks_exact(T::W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for (k, lane) in acc.as_mut().iter_mut().enumerate() {
            let o = k * S::LANES;
            *lane = s.fma(s.load(&x[o..]), s.load(&y[o..]), *lane);
        }
    }
    stripe_tail(s, &mut acc, ca.remainder(), cb.remainder());
    acc
}

/// The last, partial stripe of a block (`x.len() == y.len() < W`): full
/// registers as usual, the register holding the end with a masked FMA, and
/// registers wholly past the end untouched.
#[inline(always)]
pub(crate) fn stripe_tail<T: Element, S: Lanes<T>>(s: S, acc: &mut S::Stripe, x: &[T], y: &[T]) {
    let len = x.len().min(y.len());
    let acc = acc.as_mut();
    for (k, lane) in acc.iter_mut().enumerate() {
        let o = k * S::LANES;
        if o >= len {
            break;
        }
        let r = len - o;
        if r >= S::LANES {
            *lane = s.fma(s.load(&x[o..]), s.load(&y[o..]), *lane);
        } else {
            let (px, py) = (s.load_part(&x[o..len]), s.load_part(&y[o..len]));
            *lane = s.fma_part(px, py, *lane, r);
        }
    }
}
