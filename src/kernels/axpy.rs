//! Element-wise `axpy` (`y[j] = fma(alpha, x[j], y[j])`) and `scale`
//! (`x[j] = alpha * x[j]`).

use crate::element::Element;
use crate::lanes::Lanes;

/// Registers per unrolled step of the element-wise loops.
const UNROLL: usize = 4;

/// `y[j] = fma(alpha, x[j], y[j])`. `x.len() == y.len()`.
#[inline(always)]
pub(crate) fn axpy<T: Element, S: Lanes<T>>(s: S, alpha: T, x: &[T], y: &mut [T]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let va = s.splat(alpha);
    let step = UNROLL * S::LANES;
    let mut cx = x.chunks_exact(step);
    let mut cy = y.chunks_exact_mut(step);
    for (xs, ys) in (&mut cx).zip(&mut cy) {
        for k in 0..UNROLL {
            let o = k * S::LANES;
            let r = s.fma(va, s.load(&xs[o..]), s.load(&ys[o..]));
            s.store(&mut ys[o..], r);
        }
    }
    let mut cx = cx.remainder().chunks_exact(S::LANES);
    let mut cy = cy.into_remainder().chunks_exact_mut(S::LANES);
    for (xs, ys) in (&mut cx).zip(&mut cy) {
        let r = s.fma(va, s.load(xs), s.load(ys));
        s.store(ys, r);
    }
    let (xs, ys) = (cx.remainder(), cy.into_remainder());
    if !xs.is_empty() {
        let r = s.fma(va, s.load_part(xs), s.load_part(ys));
        s.store_part(ys, r);
    }
}

/// `x[j] = alpha * x[j]`.
#[inline(always)]
pub(crate) fn scale<T: Element, S: Lanes<T>>(s: S, alpha: T, x: &mut [T]) {
    let va = s.splat(alpha);
    let step = UNROLL * S::LANES;
    let mut cx = x.chunks_exact_mut(step);
    for xs in &mut cx {
        for k in 0..UNROLL {
            let o = k * S::LANES;
            let r = s.mul(va, s.load(&xs[o..]));
            s.store(&mut xs[o..], r);
        }
    }
    let mut cx = cx.into_remainder().chunks_exact_mut(S::LANES);
    for xs in &mut cx {
        let r = s.mul(va, s.load(xs));
        s.store(xs, r);
    }
    let xs = cx.into_remainder();
    if !xs.is_empty() {
        let r = s.mul(va, s.load_part(xs));
        s.store_part(xs, r);
    }
}
