//! The canonical `dot`, literally: lanes `s[j mod W]`, blocks of `E`, the
//! block tree, the halving fold.

use crate::element::Float;
use crate::tree;

/// A stripe of lane partials; only the first `W` entries are used (64 is
/// the largest `W`, f32's; f64 uses 32).
const _: () =
    assert!(<f32 as crate::element::Element>::W <= 64 && <f64 as crate::element::Element>::W <= 64);
pub(crate) type Stripe<T> = [T; 64];

/// `dot(a, b)` by contract section 4. `a.len() == b.len()`.
pub(crate) fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    fold(lanes(a, b))
}

/// Steps 1-3: the lane partials of blocks combined by the block tree.
pub(crate) fn lanes<T: Float>(a: &[T], b: &[T]) -> Stripe<T> {
    let n = a.len().min(b.len());
    let blocks = n.div_ceil(T::E).max(1);
    tree::reduce(
        blocks,
        &mut |i| {
            let lo = i * T::E;
            let hi = n.min(lo + T::E);
            block(&a[lo..hi], &b[lo..hi])
        },
        &mut add_lanes,
    )
}

/// Step 2: each lane starts at `+0.0`; element `j` goes to lane `j mod W`.
pub(crate) fn block<T: Float>(a: &[T], b: &[T]) -> Stripe<T> {
    let mut s = [T::ZERO; 64];
    for (j, (&x, &y)) in a.iter().zip(b).enumerate() {
        let lane = j % T::W;
        s[lane] = T::fma(x, y, s[lane]);
    }
    s
}

/// Section 2: for `w = W/2, ..., 1`: `s[i] = s[i] + s[i + w]` for `i < w`.
pub(crate) fn fold<T: Float>(mut s: Stripe<T>) -> T {
    let mut w = T::W / 2;
    while w >= 1 {
        for i in 0..w {
            s[i] = s[i] + s[i + w];
        }
        w /= 2;
    }
    s[0]
}

/// The block tree's `(+)` on lane partials: `l[i] + r[i]` for `i < W`.
pub(crate) fn add_lanes<T: Float>(mut l: Stripe<T>, r: Stripe<T>) -> Stripe<T> {
    for i in 0..T::W {
        l[i] = l[i] + r[i];
    }
    l
}
