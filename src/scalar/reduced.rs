//! The reduced-precision `dot`s, literally ([contract](crate::contract#reduced-precision-dot)):
//! bf16 and f16 widened exactly to f32, then the f32 lanes, blocks, block
//! tree and fold; i8 and u8 as exact integer sums.

use half::{bf16, f16};

use super::dot::{Stripe, add_lanes, fold};
use crate::element::Element;
use crate::tree;

/// f32 lanes a bf16 or f16 stripe feeds.
pub(crate) const LANES: usize = 64;

/// The f32 lane of element `j` of a bf16 input: adjacent pairs share a lane.
#[inline]
pub(crate) fn lane_bf16(j: usize) -> usize {
    (j % <bf16 as Element>::W) / 2
}

/// The f32 lane of element `j` of an f16 input: the two halves of a stripe
/// share lanes.
#[inline]
pub(crate) fn lane_f16(j: usize) -> usize {
    j % LANES
}

/// The lane partials of a reduced-precision float `dot`: blocks of `E`
/// elements (lanes from `+0.0`, `s[lane(j)] = fma(a[j], b[j], s[lane(j)])`
/// for `j` increasing), combined by the block tree.
fn lanes<T: Copy>(
    a: &[T],
    b: &[T],
    e: usize,
    lane: fn(usize) -> usize,
    widen: fn(T) -> f32,
) -> Stripe<f32> {
    let n = a.len().min(b.len());
    tree::reduce(
        n.div_ceil(e).max(1),
        &mut |i| {
            let (lo, hi) = (i * e, n.min(i * e + e));
            let mut s = [0.0f32; 64];
            for j in lo..hi {
                let l = lane(j - lo);
                s[l] = libm::fmaf(widen(a[j]), widen(b[j]), s[l]);
            }
            s
        },
        &mut add_lanes,
    )
}

/// `dot` of bf16 inputs, in f32.
pub(crate) fn dot_bf16(a: &[bf16], b: &[bf16]) -> f32 {
    fold(lanes(a, b, <bf16 as Element>::E, lane_bf16, bf16::to_f32))
}

/// `dot` of f16 inputs, in f32.
pub(crate) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    fold(lanes(a, b, <f16 as Element>::E, lane_f16, f16::to_f32))
}

/// `dot` of i8 inputs: the exact sum of the exact products.
pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i64::from(x) * i64::from(y))
        .sum()
}

/// `dot` of u8 inputs: the exact sum of the exact products.
pub(crate) fn dot_u8(a: &[u8], b: &[u8]) -> i64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i64::from(x) * i64::from(y))
        .sum()
}
