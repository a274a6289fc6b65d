//! The logistic function and the log-loss term on registers: the contract's
//! sequence (as [`crate::scalar::sigmoid`] writes it, on the same numbers
//! from [`crate::params::sigmoid`]), lane by lane, with the same operations
//! in the same order.

use crate::kernels::elementwise::{Update, update};
use crate::lanes::Lanes;
use crate::params::Params;

/// `exp(-a)` for lanes `a >= 0` (or NaN), contract steps E1-E6.
#[inline(always)]
pub(crate) fn exp_neg<T: Params, S: Lanes<T>>(s: S, a: S::V) -> S::V {
    let c = T::SIGMOID;
    let x = s.max(s.splat(c.lo), s.neg(a));
    let k = s.round_even(s.mul(x, s.splat(c.log2e)));
    let r = s.fma(k, s.splat(-c.ln2_hi), x);
    let r = s.fma(k, s.splat(-c.ln2_lo), r);
    let mut y = s.splat(c.exp_p[0]);
    for &p in &c.exp_p[1..] {
        y = s.fma(y, r, s.splat(p));
    }
    let y = s.add(s.fma(y, s.mul(r, r), r), s.splat(T::from_f64(1.0)));
    let k1 = s.round_even(s.mul(k, s.splat(T::from_f64(0.5))));
    let k2 = s.sub(k, k1);
    s.mul(s.mul(y, s.pow2i(k1)), s.pow2i(k2))
}

/// `log1p(t)` for lanes `t` in `[0, 1]`, contract steps L1-L4.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn log1p_unit<T: Params, S: Lanes<T>>(s: S, t: S::V) -> S::V {
    let c = T::SIGMOID;
    let sv = s.div(t, s.add(s.splat(T::from_f64(2.0)), t));
    let s2 = s.mul(sv, sv);
    let mut q = s.splat(c.log1p_q[0]);
    for &ck in &c.log1p_q[1..] {
        q = s.fma(q, s2, s.splat(ck));
    }
    let q = s.mul(q, s2);
    s.fma(sv, q, s.add(sv, sv))
}

/// `sigmoid(z)` from `t = exp(-|z|)`, contract steps S1-S3.
#[inline(always)]
fn sigmoid_from<T: Params, S: Lanes<T>>(s: S, z: S::V, t: S::V) -> S::V {
    let one = s.splat(T::from_f64(1.0));
    let num = s.select_lt(z, s.zero(), t, one);
    s.div(num, s.add(one, t))
}

/// `sigmoid(z)` lane by lane.
#[inline(always)]
pub(crate) fn sigmoid<T: Params, S: Lanes<T>>(s: S, z: S::V) -> S::V {
    sigmoid_from(s, z, exp_neg(s, s.abs(z)))
}

/// Lanes of logits `z` and labels `y`: `(sigmoid(z) - y, loss term)`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn logistic<T: Params, S: Lanes<T>>(s: S, z: S::V, y: S::V) -> (S::V, S::V) {
    let t = exp_neg(s, s.abs(z));
    let e = s.sub(sigmoid_from(s, z, t), y);
    let li = s.add(s.fma(s.neg(z), y, s.max(z, s.zero())), log1p_unit(s, t));
    (e, li)
}

/// `x = sigmoid(x)`: `rw = [x]`.
#[derive(Clone, Copy)]
struct Sigmoid;

impl<T: Params, S: Lanes<T>> Update<T, S, 0, 1> for Sigmoid {
    #[inline(always)]
    fn apply(self, s: S, []: [S::V; 0], [x]: [S::V; 1]) -> [S::V; 1] {
        [sigmoid(s, x)]
    }
}

/// `x[j] = sigmoid(x[j])`.
#[inline(always)]
pub(crate) fn sigmoid_slice<T: Params, S: Lanes<T>>(s: S, x: &mut [T]) {
    update::<T, S, _, 0, 1>(s, Sigmoid, [], [x]);
}
