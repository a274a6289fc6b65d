//! `sqeuclidean` and `cosine`'s sums, literally: `sum (a-b)^2` in `dot`'s
//! lanes, blocks, block tree and fold of the type, and the three `dot`s
//! `a.b`, `a.a`, `b.b` (exact integers for i8 and u8).

use half::{bf16, f16};

use super::dot::{Stripe, add_lanes, fold};
use super::reduced::{lane_bf16, lane_f16};
use crate::element::{Element, Float};
use crate::tree;

/// `fold` of the block tree over blocks of `e`: lane `lane(j)` of a block
/// takes `fma(d, d, .)`, `d = widen(a[j]) - widen(b[j])`.
fn sq<X: Copy, F: Float>(
    a: &[X],
    b: &[X],
    e: usize,
    lane: impl Fn(usize) -> usize,
    widen: fn(X) -> F,
) -> F {
    let n = a.len().min(b.len());
    fold(tree::reduce(
        n.div_ceil(e).max(1),
        &mut |i| {
            let (lo, hi) = (i * e, n.min(i * e + e));
            let mut s: Stripe<F> = [F::ZERO; 64];
            for j in lo..hi {
                let l = lane(j - lo);
                let d = widen(a[j]) - widen(b[j]);
                s[l] = F::fma(d, d, s[l]);
            }
            s
        },
        &mut add_lanes,
    ))
}

/// `sum (a-b)^2` of f32 or f64.
pub(crate) fn sq_float<T: Float>(a: &[T], b: &[T]) -> T {
    sq(a, b, T::E, |j| j % T::W, |x| x)
}

/// `sum (a-b)^2` of bf16, in f32.
pub(crate) fn sq_bf16(a: &[bf16], b: &[bf16]) -> f32 {
    sq(a, b, <bf16 as Element>::E, lane_bf16, bf16::to_f32)
}

/// `sum (a-b)^2` of f16, in f32.
pub(crate) fn sq_f16(a: &[f16], b: &[f16]) -> f32 {
    sq(a, b, <f16 as Element>::E, lane_f16, f16::to_f32)
}

/// `sum (a-b)^2` of integers, exact.
pub(crate) fn sq_int<X: Copy + Into<i64>>(a: &[X], b: &[X]) -> i64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x.into() - y.into();
            d * d
        })
        .sum()
}
