//! The logistic function and the log-loss of the contract, operation by
//! operation (contract: "Sigmoid and log-loss"). The constants live here,
//! once, and the SIMD kernel ([`crate::kernels::sigmoid`]) reads the same
//! ones, so both evaluate the same sequence with the same numbers.

use crate::element::Element;

/// `exp(r) ~ 1 + r + r^2 * P(r)` on `|r| <= ln(2)/2`: the coefficients of
/// `P`, highest degree first. f32: Cephes `expf` (degree 5, as in the
/// SSE/AVX "mathfun" ports; decimals as published), each value an exact f32.
const EXP_P_F32: [f64; 6] = [
    f32::from_bits(0x39506967) as f64, // 1.98756915e-4
    f32::from_bits(0x3ab743ce) as f64, // 1.3981999507e-3
    f32::from_bits(0x3c088908) as f64, // 8.3334519073e-3
    f32::from_bits(0x3d2aa9c1) as f64, // 4.1665795894e-2
    f32::from_bits(0x3e2aaaaa) as f64, // 1.6666665459e-1
    f32::from_bits(0x3f000000) as f64, // 5.0000001201e-1
];

/// f64: Taylor coefficients `1/k!` for `k = 13, 12, ..., 2`, rounded to
/// f64 (truncation error below 2^-57 relative on the reduced range).
const EXP_P_F64: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
];

/// `log1p(t) = 2 atanh(s)`, `s = t / (2 + t)`: `2s + s * s^2 * Q(s^2)` with
/// `Q(u) = sum_k 2/(2k+3) u^k`. Coefficients `2/(2k+1)`, highest first.
/// f32: `k = 6 .. 1` (truncation below 2^-26 for `t <= 1`, i.e. `s <= 1/3`).
const LOG1P_Q_F32: [f64; 6] = [
    (2.0 / 13.0_f32) as f64,
    (2.0 / 11.0_f32) as f64,
    (2.0 / 9.0_f32) as f64,
    (2.0 / 7.0_f32) as f64,
    (2.0 / 5.0_f32) as f64,
    (2.0 / 3.0_f32) as f64,
];

/// f64: `k = 15 .. 1` (truncation below 2^-55).
const LOG1P_Q_F64: [f64; 15] = [
    2.0 / 31.0,
    2.0 / 29.0,
    2.0 / 27.0,
    2.0 / 25.0,
    2.0 / 23.0,
    2.0 / 21.0,
    2.0 / 19.0,
    2.0 / 17.0,
    2.0 / 15.0,
    2.0 / 13.0,
    2.0 / 11.0,
    2.0 / 9.0,
    2.0 / 7.0,
    2.0 / 5.0,
    2.0 / 3.0,
];

/// The numbers of the sigmoid/log-loss sequence for one element type.
#[derive(Clone, Copy)]
pub(crate) struct Consts<T> {
    /// Lower clamp of the `exp` argument: -104 (f32), -746 (f64); `exp` of
    /// anything below rounds to `+0.0`.
    pub lo: T,
    /// `log2(e)` rounded to `T`.
    pub log2e: T,
    /// `ln 2` rounded to `T`, and the rest `ln 2 - LN2_HI` rounded to `T`.
    pub ln2_hi: T,
    pub ln2_lo: T,
    pub exp_p: &'static [f64],
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub log1p_q: &'static [f64],
}

impl<T: Element> Consts<T> {
    /// The constants for `T` (f32 when `T::W == 64`).
    #[inline(always)]
    pub(crate) fn get() -> Self {
        if T::W == 64 {
            Consts {
                lo: T::from_f64(-104.0),
                log2e: T::from_f64(core::f32::consts::LOG2_E as f64),
                ln2_hi: T::from_f64(f32::from_bits(0x3f31_7218) as f64),
                ln2_lo: T::from_f64(f32::from_bits(0xb102_e308) as f64),
                exp_p: &EXP_P_F32,
                log1p_q: &LOG1P_Q_F32,
            }
        } else {
            Consts {
                lo: T::from_f64(-746.0),
                log2e: T::from_f64(core::f64::consts::LOG2_E),
                ln2_hi: T::from_f64(core::f64::consts::LN_2),
                ln2_lo: T::from_f64(f64::from_bits(0x3c7a_bc9e_3b39_803f)),
                exp_p: &EXP_P_F64,
                log1p_q: &LOG1P_Q_F64,
            }
        }
    }
}

/// `exp(-a)` for `a >= 0` (or NaN), contract steps E1-E6.
#[inline(always)]
pub(crate) fn exp_neg<T: Element>(a: T) -> T {
    let c = Consts::<T>::get();
    let one = T::from_f64(1.0);
    let x = T::max_x86(c.lo, -a);
    let k = (x * c.log2e).round_even();
    let r = T::fma(k, -c.ln2_hi, x);
    let r = T::fma(k, -c.ln2_lo, r);
    let mut y = T::from_f64(c.exp_p[0]);
    for &p in &c.exp_p[1..] {
        y = T::fma(y, r, T::from_f64(p));
    }
    let y = T::fma(y, r * r, r) + one;
    let k1 = (k * T::from_f64(0.5)).round_even();
    let k2 = k - k1;
    (y * T::pow2i(k1)) * T::pow2i(k2)
}

/// `log1p(t)` for `t` in `[0, 1]`, contract steps L1-L4.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn log1p_unit<T: Element>(t: T) -> T {
    let c = Consts::<T>::get();
    let s = t / (T::from_f64(2.0) + t);
    let s2 = s * s;
    let mut q = T::from_f64(c.log1p_q[0]);
    for &ck in &c.log1p_q[1..] {
        q = T::fma(q, s2, T::from_f64(ck));
    }
    let q = q * s2;
    T::fma(s, q, s + s)
}

/// `sigmoid(z) = 1 / (1 + exp(-z))`, contract steps S1-S3, from `t = exp(-|z|)`.
#[inline(always)]
fn sigmoid_from<T: Element>(z: T, t: T) -> T {
    let one = T::from_f64(1.0);
    let num = if z < T::ZERO { t } else { one };
    num / (one + t)
}

/// `sigmoid(z)`.
#[inline(always)]
pub(crate) fn sigmoid<T: Element>(z: T) -> T {
    sigmoid_from(z, exp_neg(z.abs_bits()))
}

/// For a logit `z` and a label `y`: the residual `e = sigmoid(z) - y` and the
/// loss term `max(z, 0) - z*y + log1p(exp(-|z|))`.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn logistic<T: Element>(z: T, y: T) -> (T, T) {
    let t = exp_neg(z.abs_bits());
    let e = sigmoid_from(z, t) - y;
    let li = T::fma(-z, y, T::max_x86(z, T::ZERO)) + log1p_unit(t);
    (e, li)
}

/// `x[j] = sigmoid(x[j])`.
pub(crate) fn sigmoid_slice<T: Element>(x: &mut [T]) {
    for v in x.iter_mut() {
        *v = sigmoid(*v);
    }
}
