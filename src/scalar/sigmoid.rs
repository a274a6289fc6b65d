//! The logistic function and the log-loss of the contract, operation by
//! operation (contract: "Sigmoid and log-loss"), on the numbers of
//! [`crate::params::sigmoid`], which the SIMD kernel reads too.

use crate::params::Params;

/// `exp(-a)` for `a >= 0` (or NaN), contract steps E1-E6.
#[inline(always)]
pub(crate) fn exp_neg<T: Params>(a: T) -> T {
    let c = T::SIGMOID;
    let one = T::from_f64(1.0);
    let x = T::max_x86(c.lo, -a);
    let k = (x * c.log2e).round_even();
    let r = T::fma(k, -c.ln2_hi, x);
    let r = T::fma(k, -c.ln2_lo, r);
    let mut y = c.exp_p[0];
    for &p in &c.exp_p[1..] {
        y = T::fma(y, r, p);
    }
    let y = T::fma(y, r * r, r) + one;
    let k1 = (k * T::from_f64(0.5)).round_even();
    let k2 = k - k1;
    (y * T::pow2i(k1)) * T::pow2i(k2)
}

/// `log1p(t)` for `t` in `[0, 1]`, contract steps L1-L4.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn log1p_unit<T: Params>(t: T) -> T {
    let c = T::SIGMOID;
    let s = t / (T::from_f64(2.0) + t);
    let s2 = s * s;
    let mut q = c.log1p_q[0];
    for &ck in &c.log1p_q[1..] {
        q = T::fma(q, s2, ck);
    }
    let q = q * s2;
    T::fma(s, q, s + s)
}

/// `sigmoid(z) = 1 / (1 + exp(-z))`, contract steps S1-S3, from `t = exp(-|z|)`.
#[inline(always)]
fn sigmoid_from<T: Params>(z: T, t: T) -> T {
    let one = T::from_f64(1.0);
    let num = if z < T::ZERO { t } else { one };
    num / (one + t)
}

/// `sigmoid(z)`.
#[inline(always)]
pub(crate) fn sigmoid<T: Params>(z: T) -> T {
    sigmoid_from(z, exp_neg(z.abs_bits()))
}

/// For a logit `z` and a label `y`: the residual `e = sigmoid(z) - y` and the
/// loss term `max(z, 0) - z*y + log1p(exp(-|z|))`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn logistic<T: Params>(z: T, y: T) -> (T, T) {
    let t = exp_neg(z.abs_bits());
    let e = sigmoid_from(z, t) - y;
    let li = T::fma(-z, y, T::max_x86(z, T::ZERO)) + log1p_unit(t);
    (e, li)
}

/// `x[j] = sigmoid(x[j])`.
pub(crate) fn sigmoid_slice<T: Params>(x: &mut [T]) {
    for v in x.iter_mut() {
        *v = sigmoid(*v);
    }
}
