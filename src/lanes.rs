//! What a SIMD backend provides: a token that enters its `#[target_feature]`
//! context ([`Simd`]) and the register operations on one element type
//! ([`Lanes`]). The kernel bodies in [`crate::kernels`] are written once
//! against these traits, so every backend runs literally the same sequence
//! of operations; only the register width differs.
//!
//! Every method is `#[inline(always)]` in the implementations: the bodies are
//! compiled inside [`Simd::vectorize`], where the CPU features are enabled.

use crate::element::Float;

/// A backend token. A value of an implementing type exists only after
/// run-time detection confirmed the CPU features it stands for, so holding
/// one is the proof that discharges the `unsafe` of its memory intrinsics
/// (and pulp's safe wrappers, which take the token, for the rest).
pub(crate) trait Simd: Copy + Send + Sync {
    /// Runs `f` in a function compiled with this backend's target features,
    /// so that the kernel body inlined into `f` uses them.
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R;
}

/// Register operations of a backend on element type `T`. A register holds
/// [`Lanes::LANES`] elements; a stripe of the contract (256 bytes, `T::W`
/// lanes) is [`Lanes::Stripe`]: `T::W / LANES` registers, register `k`
/// holding lanes `k*LANES .. (k+1)*LANES`.
///
/// A backend implements only register operations: which schedule a kernel
/// runs (plain or address-aware loads, rows at once, register blocking) is
/// chosen in [`crate::kernels`] from the constants below.
pub(crate) trait Lanes<T: Float>: Simd {
    /// One register.
    type V: Copy;
    /// One stripe of lane partials.
    type Stripe: Copy + AsRef<[Self::V]> + AsMut<[Self::V]>;
    /// Elements per register.
    const LANES: usize;
    /// Vector registers the ISA has (16 ymm on AVX2, 32 zmm on AVX-512, 32
    /// q on NEON): what a register-blocked kernel may keep live.
    #[allow(dead_code)] // for the register-blocked matrix kernels
    const REGISTERS: usize;
    /// The boundary, in bytes, that a register load crossing costs extra
    /// (a 64-byte cache line for AVX-512's 64-byte loads, 32 bytes for AVX2
    /// on the CPUs measured), which the address-aware `dot` schedule avoids;
    /// 0 where the backend has no such schedule (NEON).
    const LOAD_ALIGN: usize;

    /// All lanes `+0.0`.
    fn zero(self) -> Self::V;
    /// A stripe of `+0.0` lanes.
    fn zero_stripe(self) -> Self::Stripe;
    /// All lanes `x`.
    fn splat(self, x: T) -> Self::V;
    /// Loads `s[..LANES]` (unaligned). Callers pass at least `LANES` elements.
    fn load(self, s: &[T]) -> Self::V;
    /// Stores to `s[..LANES]` (unaligned). Callers pass at least `LANES` elements.
    fn store(self, s: &mut [T], v: Self::V);
    /// Loads `s` (shorter than `LANES`) into the low lanes; the other lanes
    /// are `+0.0`. Never touches memory past `s`.
    fn load_part(self, s: &[T]) -> Self::V;
    /// Stores the low `s.len()` (< `LANES`) lanes of `v` into `s`. Never
    /// touches memory past `s`.
    fn store_part(self, s: &mut [T], v: Self::V);
    /// `fma(a, b, c)` lane by lane, one rounding.
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `fma(a, b, c)` on one element, one rounding, in the vector unit (the
    /// library FMA [`Float::fma`] is a call that checks the CPU first).
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))] // the gradients'
    fn fma1(self, a: T, b: T, c: T) -> T;
    /// `fma(a, b, c)` in lanes `< len`; lanes `>= len` return `c` unchanged
    /// (not `fma(0, 0, c)`, which turns `-0.0` into `+0.0`).
    fn fma_part(self, a: Self::V, b: Self::V, c: Self::V, len: usize) -> Self::V;
    /// `a + b` lane by lane.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b` lane by lane.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b` lane by lane.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a / b` lane by lane, correctly rounded (never a reciprocal estimate).
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// Correctly rounded square root lane by lane.
    fn sqrt(self, a: Self::V) -> Self::V;
    /// `if a < b { a } else { b }` (x86 `minps` semantics: `b` when either is NaN).
    #[allow(dead_code)] // the counterpart of `max`, tested with the other operations
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `if a > b { a } else { b }` (x86 `maxps` semantics: `b` when either is NaN).
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// `if a < b { x } else { y }` lane by lane (`y` when `a` or `b` is NaN).
    fn select_lt(self, a: Self::V, b: Self::V, x: Self::V, y: Self::V) -> Self::V;
    /// `a` with its sign bit cleared.
    fn abs(self, a: Self::V) -> Self::V;
    /// `a` with its sign bit flipped.
    fn neg(self, a: Self::V) -> Self::V;
    /// Rounds to an integral value, ties to even (IEEE `roundToIntegralTiesToEven`).
    fn round_even(self, a: Self::V) -> Self::V;
    /// `2^k` for integral `k` in the normal exponent range
    /// (`-126..=127` for f32, `-1022..=1023` for f64), built exactly from the
    /// exponent bits. Other `k` give unspecified (but backend-identical only
    /// if the caller keeps `k` in range) results: callers clamp first.
    fn pow2i(self, k: Self::V) -> Self::V;
    /// The in-register part of the contract's `fold`: for `w = LANES/2, ..., 1`,
    /// lane `i` += lane `i + w`; returns lane 0.
    fn reduce(self, v: Self::V) -> T;
    /// [`Lanes::reduce`] of four registers: the same additions in the same
    /// order, so the same bits; a backend may share the lane moves of the
    /// four (AVX-512 halves them).
    #[inline(always)]
    fn reduce4(self, v: [Self::V; 4]) -> [T; 4] {
        [
            self.reduce(v[0]),
            self.reduce(v[1]),
            self.reduce(v[2]),
            self.reduce(v[3]),
        ]
    }

    /// Lane `l` is `s[l * stride]` for `l < len` (`len <= LANES`); the other
    /// lanes are `+0.0` and read nothing. Panics unless every element read
    /// lies in `s` (an internal invariant of the kernels, one compare per
    /// call). The default goes through memory; backends with a gather
    /// instruction replace it.
    #[inline(always)]
    fn gather(self, s: &[T], stride: usize, len: usize) -> Self::V {
        let mut buf = [T::ZERO; 16];
        for (l, b) in buf.iter_mut().enumerate().take(len.min(Self::LANES)) {
            *b = s[l * stride];
        }
        self.load(&buf)
    }

    // The lane moves of the address-aware `dot` schedule
    // (`kernels::dot::rotated_lanes`). The defaults go through memory and
    // are right for any backend; backends with `LOAD_ALIGN > 0` replace
    // them with permutes.

    /// `r[p] = v[p - off]` for `p >= off` (lanes `< off` unspecified),
    /// `off < LANES`.
    #[inline(always)]
    fn shift_up(self, v: Self::V, off: usize) -> Self::V {
        let mut buf = [T::ZERO; 32];
        self.store(&mut buf[off..], v);
        self.load(&buf)
    }
    /// `r[i] = lo[i + off]` if `i + off < LANES`, else `hi[i + off - LANES]`.
    #[inline(always)]
    fn unrotate(self, lo: Self::V, hi: Self::V, off: usize) -> Self::V {
        let mut buf = [T::ZERO; 32];
        self.store(&mut buf, lo);
        self.store(&mut buf[Self::LANES..], hi);
        self.load(&buf[off..])
    }
    /// `fma(a, b, c)` in lanes `>= off`; lanes `< off` keep `c` unchanged.
    #[inline(always)]
    fn fma_from(self, a: Self::V, b: Self::V, c: Self::V, off: usize) -> Self::V {
        let (mut f, mut k) = ([T::ZERO; 16], [T::ZERO; 16]);
        self.store(&mut f, self.fma(a, b, c));
        self.store(&mut k, c);
        f[..off].copy_from_slice(&k[..off]);
        self.load(&f)
    }
}

/// Registers per stripe, `T::W / LANES`, with the invariants every kernel
/// relies on checked when it is compiled for a backend: whole registers
/// per stripe, a power of two of them (the fold's register tree halves),
/// at least two (a short `dot` folds a prefix of at most half of them),
/// at most 16 (`per_register!`), and at most 16 lanes per register (the
/// memory defaults above).
#[inline(always)]
pub(crate) const fn stripe_regs<T: Float, S: Lanes<T>>() -> usize {
    const {
        assert!(T::W % S::LANES == 0);
        assert!((T::W / S::LANES).is_power_of_two());
        assert!(T::W / S::LANES >= 2);
        assert!(T::W / S::LANES <= 16);
        assert!(S::LANES <= 16 && S::LANES.is_power_of_two());
    }
    T::W / S::LANES
}

/// Register `v` of a row of `w` elements (`x` holds at least the row's
/// elements from `v * LANES` on): full, partial (lanes past `w` are
/// `+0.0`), or `+0.0` past the row. Never reads past element `w`.
#[inline(always)]
pub(crate) fn load_row<T: Float, S: Lanes<T>>(s: S, x: &[T], w: usize, v: usize) -> S::V {
    let (l, lo) = (S::LANES, v * S::LANES);
    if w >= lo + l {
        s.load(&x[lo..])
    } else if w > lo {
        s.load_part(&x[lo..w])
    } else {
        s.zero()
    }
}

/// Stores `r` as register `v` of a row of `w` elements: nothing past
/// element `w` is written.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn store_row<T: Float, S: Lanes<T>>(s: S, x: &mut [T], w: usize, v: usize, r: S::V) {
    let (l, lo) = (S::LANES, v * S::LANES);
    if w >= lo + l {
        s.store(&mut x[lo..], r);
    } else if w > lo {
        s.store_part(&mut x[lo..w], r);
    }
}

/// Lane-wise `x + y` of two stripes (the `(+)` of the block tree).
#[inline(always)]
pub(crate) fn add_stripes<T: Float, S: Lanes<T>>(
    s: S,
    mut x: S::Stripe,
    y: S::Stripe,
) -> S::Stripe {
    for (a, b) in x.as_mut().iter_mut().zip(y.as_ref()) {
        *a = s.add(*a, *b);
    }
    x
}

/// The register part of the contract's `fold`: add the upper half of the
/// registers onto the lower half until one register is left.
#[inline(always)]
fn tree<T: Float, S: Lanes<T>>(s: S, mut stripe: S::Stripe) -> S::V {
    tree_regs(s, stripe.as_mut())
}

/// [`tree`] over any power-of-two number of registers `r` (overwritten).
#[inline(always)]
pub(crate) fn tree_regs<T: Float, S: Lanes<T>>(s: S, r: &mut [S::V]) -> S::V {
    let mut k = r.len();
    while k > 1 {
        k /= 2;
        for i in 0..k {
            r[i] = s.add(r[i], r[i + k]);
        }
    }
    r[0]
}

/// The contract's `fold` of a stripe: the register tree, then the reduction
/// inside the last register.
#[inline(always)]
pub(crate) fn fold<T: Float, S: Lanes<T>>(s: S, stripe: S::Stripe) -> T {
    s.reduce(tree(s, stripe))
}

/// [`fold`] of each of `D` stripes, four at a time through
/// [`Lanes::reduce4`] (the same bits as one at a time).
#[inline(always)]
pub(crate) fn fold_each<T: Float, S: Lanes<T>, const D: usize>(
    s: S,
    stripes: &[S::Stripe; D],
) -> [T; D] {
    let mut out = [T::ZERO; D];
    let mut d = 0;
    while d + 4 <= D {
        let top = [
            tree(s, stripes[d]),
            tree(s, stripes[d + 1]),
            tree(s, stripes[d + 2]),
            tree(s, stripes[d + 3]),
        ];
        out[d..d + 4].copy_from_slice(&s.reduce4(top));
        d += 4;
    }
    while d < D {
        out[d] = fold(s, stripes[d]);
        d += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    //! Every backend's register operations against their scalar twins, on
    //! special values: the building blocks must agree bit for bit before
    //! any kernel built from them can.
    use super::*;
    use crate::dispatch::{Kernels, with_backend};
    use crate::element::Float;
    use crate::isa::Isa;
    use alloc::vec::Vec;

    /// Raw bits and NaN-ness, for exact comparisons.
    trait Bits: Copy {
        fn bits(self) -> u64;
        fn nan(self) -> bool;
    }
    impl Bits for f32 {
        fn bits(self) -> u64 {
            u64::from(self.to_bits())
        }
        fn nan(self) -> bool {
            self.is_nan()
        }
    }
    impl Bits for f64 {
        fn bits(self) -> u64 {
            self.to_bits()
        }
        fn nan(self) -> bool {
            self.is_nan()
        }
    }

    #[derive(Clone, Copy, Debug)]
    enum Op {
        Sub,
        Div,
        Sqrt,
        Min,
        Max,
        SelectLt,
        Abs,
        Neg,
        RoundEven,
        Pow2i,
        Fma1,
    }

    const OPS: [Op; 11] = [
        Op::Sub,
        Op::Div,
        Op::Sqrt,
        Op::Min,
        Op::Max,
        Op::SelectLt,
        Op::Abs,
        Op::Neg,
        Op::RoundEven,
        Op::Pow2i,
        Op::Fma1,
    ];

    fn scalar_op<T: Float>(op: Op, a: T, b: T) -> T {
        match op {
            Op::Sub => a - b,
            Op::Div => a / b,
            Op::Sqrt => a.sqrt(),
            Op::Min => T::min_x86(a, b),
            Op::Max => T::max_x86(a, b),
            Op::SelectLt => {
                if a < b {
                    a * b
                } else {
                    a + b
                }
            }
            Op::Abs => a.abs_bits(),
            Op::Neg => -a,
            Op::RoundEven => a.round_even(),
            Op::Pow2i => T::pow2i(a),
            Op::Fma1 => T::fma(a, b, a),
        }
    }

    #[inline(always)]
    fn simd_op<T: Float, S: Lanes<T>>(s: S, op: Op, a: &[T], b: &[T], out: &mut [T]) {
        for ((a, b), o) in a
            .chunks(S::LANES)
            .zip(b.chunks(S::LANES))
            .zip(out.chunks_mut(S::LANES))
        {
            if let Op::Fma1 = op {
                for ((o, &x), &y) in o.iter_mut().zip(a).zip(b) {
                    *o = s.fma1(x, y, x);
                }
                continue;
            }
            let (va, vb) = (s.load_part_or_full(a), s.load_part_or_full(b));
            let r = match op {
                Op::Sub => s.sub(va, vb),
                Op::Div => s.div(va, vb),
                Op::Sqrt => s.sqrt(va),
                Op::Min => s.min(va, vb),
                Op::Max => s.max(va, vb),
                Op::SelectLt => s.select_lt(va, vb, s.mul(va, vb), s.add(va, vb)),
                Op::Abs => s.abs(va),
                Op::Neg => s.neg(va),
                Op::RoundEven => s.round_even(va),
                Op::Pow2i => s.pow2i(va),
                Op::Fma1 => unreachable!("handled above"),
            };
            if o.len() == S::LANES {
                s.store(o, r);
            } else {
                s.store_part(o, r);
            }
        }
    }

    trait LoadAny<T: Float>: Lanes<T> {
        fn load_part_or_full(self, x: &[T]) -> Self::V {
            if x.len() == Self::LANES {
                self.load(x)
            } else {
                self.load_part(x)
            }
        }
    }
    impl<T: Float, S: Lanes<T>> LoadAny<T> for S {}

    macro_rules! runner {
        ($name:ident, $t:ty) => {
            fn $name(k: Kernels, op: Op, a: &[$t], b: &[$t], out: &mut [$t]) {
                with_backend!(k, s => simd_op::<$t, _>(s, op, a, b, out), scalar => {
                    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                        *o = scalar_op(op, x, y);
                    }
                })
            }
        };
    }
    runner!(run_f32, f32);
    runner!(run_f64, f64);

    type Runner<T> = fn(Kernels, Op, &[T], &[T], &mut [T]);

    fn check<T: Float + Bits>(vals: &[T], pow2_range: (i32, i32), run: Runner<T>) {
        let mut a = Vec::new();
        let mut b = Vec::new();
        for &x in vals {
            for &y in vals {
                a.push(x);
                b.push(y);
            }
        }
        for isa in Isa::available() {
            let k = Kernels::new(isa).unwrap();
            for op in OPS {
                let (a, b): (Vec<T>, Vec<T>) = if let Op::Pow2i = op {
                    let ks: Vec<T> = (pow2_range.0..=pow2_range.1)
                        .map(|i| T::from_f64(f64::from(i)))
                        .collect();
                    (ks.clone(), ks)
                } else {
                    (a.clone(), b.clone())
                };
                let mut out = alloc::vec![T::ZERO; a.len()];
                run(k, op, &a, &b, &mut out);
                for i in 0..a.len() {
                    let want = scalar_op(op, a[i], b[i]);
                    let got = out[i];
                    assert!(
                        got.bits() == want.bits() || (got.nan() && want.nan()),
                        "{isa} {op:?} {:?} {:?}: got {got:?} want {want:?}",
                        a[i],
                        b[i]
                    );
                }
            }
        }
    }

    #[test]
    fn lane_ops_f32_match_scalar() {
        let v = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            3.7,
            -1e-40,
            1e-40,
            3e38,
            -3e38,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            8388609.0,
            0.49999997,
        ];
        check(&v, (-126, 127), run_f32);
    }

    #[test]
    fn lane_ops_f64_match_scalar() {
        let v = [
            0.0f64,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            3.7,
            -1e-310,
            1e-310,
            1e308,
            -1e308,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            4503599627370497.0,
            0.49999999999999994,
        ];
        check(&v, (-1022, 1023), run_f64);
    }

    /// `reduce4` against four `reduce`s (and the stripe fold of four rows at
    /// once against one at a time), on values whose sums round differently
    /// in every pairing, and on infinities and NaNs.
    #[inline(always)]
    fn reduce4_case<T: Float + Bits, S: Lanes<T>>(s: S, x: &[T]) {
        let l = S::LANES;
        let v = [
            s.load(x),
            s.load(&x[l..]),
            s.load(&x[2 * l..]),
            s.load(&x[3 * l..]),
        ];
        let four = s.reduce4(v);
        for (q, &got) in four.iter().enumerate() {
            let want = s.reduce(v[q]);
            assert!(
                got.bits() == want.bits() || (got.nan() && want.nan()),
                "row {q}: {got:?} vs {want:?}"
            );
        }
    }

    macro_rules! reduce4_test {
        ($name:ident, $t:ty) => {
            #[test]
            fn $name() {
                let specials = [<$t>::INFINITY, <$t>::NEG_INFINITY, <$t>::NAN, -0.0, 0.0];
                let mut x = alloc::vec::Vec::new();
                let mut seed = 0x9E37_79B9_7F4A_7C15u64;
                for case in 0..200 {
                    x.clear();
                    for i in 0..64 {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let mag = ((seed >> 58) as i32) - 32;
                        let v = ((seed >> 11) as $t / (1u64 << 53) as $t - 0.5) * (2.0 as $t).powi(mag);
                        x.push(if case % 10 == 0 && i % 13 == 5 { specials[i % 5] } else { v });
                    }
                    for isa in Isa::available() {
                        let k = Kernels::new(isa).unwrap();
                        with_backend!(k, s => reduce4_case::<$t, _>(s, &x), scalar => ());
                    }
                }
            }
        };
    }
    reduce4_test!(reduce4_f32_matches_reduce, f32);
    reduce4_test!(reduce4_f64_matches_reduce, f64);
}
