//! The numbers of the contract's sigmoid and log-loss sequences, one table
//! per floating-point type; the scalar reference and every SIMD backend
//! read these, so both evaluate the same sequence with the same numbers.

use crate::element::Float;

/// `exp(r) ~ 1 + r + r^2 * P(r)` on `|r| <= ln(2)/2`: the coefficients of
/// `P`, highest degree first. f32: Cephes `expf` (degree 5, as in the
/// SSE/AVX "mathfun" ports; decimals as published), each value an exact f32.
const EXP_P_F32: [f32; 6] = [
    f32::from_bits(0x39506967), // 1.98756915e-4
    f32::from_bits(0x3ab743ce), // 1.3981999507e-3
    f32::from_bits(0x3c088908), // 8.3334519073e-3
    f32::from_bits(0x3d2aa9c1), // 4.1665795894e-2
    f32::from_bits(0x3e2aaaaa), // 1.6666665459e-1
    f32::from_bits(0x3f000000), // 5.0000001201e-1
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
const LOG1P_Q_F32: [f32; 6] = [
    2.0 / 13.0,
    2.0 / 11.0,
    2.0 / 9.0,
    2.0 / 7.0,
    2.0 / 5.0,
    2.0 / 3.0,
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
pub(crate) struct Sigmoid<T: 'static> {
    /// Lower clamp of the `exp` argument: -104 (f32), -746 (f64); `exp` of
    /// anything below rounds to `+0.0`.
    pub lo: T,
    /// `log2(e)` rounded to `T`.
    pub log2e: T,
    /// `ln 2` rounded to `T`, and the rest `ln 2 - LN2_HI` rounded to `T`.
    pub ln2_hi: T,
    pub ln2_lo: T,
    /// `P`, highest degree first.
    pub exp_p: &'static [T],
    /// `Q`, highest degree first.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub log1p_q: &'static [T],
}

/// The per-type constants of the contract's fixed sequences.
pub(crate) trait Params: Float {
    /// The sigmoid/log-loss numbers.
    const SIGMOID: Sigmoid<Self>;
}

impl Params for f32 {
    const SIGMOID: Sigmoid<f32> = Sigmoid {
        lo: -104.0,
        log2e: core::f32::consts::LOG2_E,
        ln2_hi: f32::from_bits(0x3f31_7218),
        ln2_lo: f32::from_bits(0xb102_e308),
        exp_p: &EXP_P_F32,
        log1p_q: &LOG1P_Q_F32,
    };
}

impl Params for f64 {
    const SIGMOID: Sigmoid<f64> = Sigmoid {
        lo: -746.0,
        log2e: core::f64::consts::LOG2_E,
        ln2_hi: core::f64::consts::LN_2,
        ln2_lo: f64::from_bits(0x3c7a_bc9e_3b39_803f),
        exp_p: &EXP_P_F64,
        log1p_q: &LOG1P_Q_F64,
    };
}
