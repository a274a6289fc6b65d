//! The element types the kernels accept: their type facts, and the one
//! method through which a kernel family reaches its per-type entry point.
//!
//! [`Element`] is every type a kernel reads; [`Float`] the floating-point
//! types that the arithmetic kernels (axpy, gemv, the gradients, the
//! optimizers) compute in. Each carries one hidden `run` method: a family
//! (see [`crate::dispatch`]) passes its op struct, and the type hands it to
//! the family's entry point for that type, a concrete function compiled in
//! dotgrad. That is all the dispatch this module knows of: it imports
//! nothing of the crate.

use core::fmt::Debug;
use core::ops::{Add, Div, Mul, Neg, Sub};

/// The sealed parts of the traits: the per-type hooks the crate's families
/// implement, and the bit-level helpers of the kernels, none of them
/// nameable outside the crate.
pub(crate) mod sealed {
    /// Only the crate implements [`super::Element`].
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::bf16 {}
    impl Sealed for half::f16 {}
    impl Sealed for i8 {}
    impl Sealed for u8 {}

    /// Only the crate's family markers implement [`super::Family`] and
    /// [`super::FloatFamily`].
    pub trait SealedFamily {}

    /// Bit-level operations the kernels' scalar twins need; every SIMD
    /// backend implements the same operation on registers.
    pub trait FloatOps: Copy {
        /// `|x|` (sign bit cleared).
        fn abs_bits(self) -> Self;
        /// Rounds to an integral value, ties to even.
        fn round_even(self) -> Self;
        /// `2^k` for integral `k` in the normal exponent range, from the bits.
        fn pow2i(k: Self) -> Self;
        /// `if a < b { a } else { b }` (x86 `minps`: `b` when either is NaN).
        fn min_x86(a: Self, b: Self) -> Self;
        /// `if a > b { a } else { b }` (x86 `maxps`: `b` when either is NaN).
        fn max_x86(a: Self, b: Self) -> Self;
        /// The bits, zero-extended to 64.
        fn to_bits64(self) -> u64;
        /// From the low bits of `b`.
        fn from_bits64(b: u64) -> Self;
    }
}

/// A type dotgrad's kernels read: `f32` and `f64`, and the reduced-precision
/// types `bf16`, `f16` ([`half`]), `i8` and `u8`.
///
/// The trait is sealed. Its constants are the contract's per-type facts;
/// [`Element::Acc`] is what a reduction over elements of the type returns
/// (`dot` returns `Acc`), so a narrower type can accumulate in a wider one:
/// `f32` for `bf16` and `f16`, an exact `i64` for `i8` and `u8`.
pub trait Element: sealed::Sealed + Copy + Debug + PartialEq + Send + Sync + 'static {
    /// The type's name, `"f32"`, `"f64"`, `"bf16"`, `"f16"`, `"i8"` or `"u8"`.
    const NAME: &'static str;
    /// Elements in a stripe: `256 / size_of::<Self>()` (64 for f32, 32 for
    /// f64, 128 for bf16 and f16, 256 for i8 and u8). For f32 and f64 these
    /// are the lanes; bf16 and f16 feed 64 f32 lanes, two elements each per
    /// stripe ([contract](crate::contract#reduced-precision-dot)).
    const W: usize;
    /// Elements in a block: `16384 / size_of::<Self>()` (4096 for f32, 2048
    /// for f64, 8192 for bf16 and f16, 16384 for i8 and u8).
    const E: usize;
    /// The result type of a reduction (`dot`) over elements of this type.
    type Acc: Copy + Debug + PartialEq + Send + Sync + 'static;
    /// The type of a distance that is not an exact integer (`cosine`):
    /// `f64` for `f64`, `i8` and `u8`, `f32` otherwise.
    type Dist: Copy + Debug + PartialEq + Send + Sync + 'static;

    /// Runs family `F`'s entry point for this type on `op`.
    #[doc(hidden)]
    fn run<F: Family>(op: F::Op<'_, Self>) -> F::Out<Self>;
}

/// A kernel family over every [`Element`]: one concrete entry point per
/// element type. Implemented only by the crate's families.
#[doc(hidden)]
pub trait Family: sealed::SealedFamily {
    /// The family's op struct: the call's arguments for element type `T`.
    type Op<'a, T: Element>;
    /// What a call returns for element type `T`.
    type Out<T: Element>;
    /// The `f32` entry point.
    fn f32(op: Self::Op<'_, f32>) -> Self::Out<f32>;
    /// The `f64` entry point.
    fn f64(op: Self::Op<'_, f64>) -> Self::Out<f64>;
    /// The `bf16` entry point.
    fn bf16(op: Self::Op<'_, half::bf16>) -> Self::Out<half::bf16>;
    /// The `f16` entry point.
    fn f16(op: Self::Op<'_, half::f16>) -> Self::Out<half::f16>;
    /// The `i8` entry point.
    fn i8(op: Self::Op<'_, i8>) -> Self::Out<i8>;
    /// The `u8` entry point.
    fn u8(op: Self::Op<'_, u8>) -> Self::Out<u8>;
}

/// A floating-point [`Element`] the arithmetic kernels compute in: `f32` and
/// `f64`. Sealed.
pub trait Float:
    Element<Acc = Self>
    + sealed::FloatOps
    + Default
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Unit roundoff `u` (2^-24 for f32, 2^-53 for f64).
    const UNIT_ROUNDOFF: f64;
    /// The smallest positive subnormal, `eta` of the contract's bounds
    /// (2^-149 for f32, 2^-1074 for f64), as an `f64`.
    const ETA: f64;
    /// `+0.0`.
    const ZERO: Self;
    /// `1.0`.
    const ONE: Self;

    /// `fma(a, b, c) = a * b + c` with one rounding.
    fn fma(a: Self, b: Self, c: Self) -> Self;
    /// Correctly rounded square root.
    fn sqrt(self) -> Self;
    /// Widens (f32) or copies (f64) to `f64`; exact.
    fn to_f64(self) -> f64;
    /// Rounds an `f64` to this type (round to nearest even).
    fn from_f64(x: f64) -> Self;
    /// Converts a count to this type with round-to-nearest, as the
    /// contract's `m` and `2m`.
    fn from_usize(n: usize) -> Self;

    /// Runs floating-point family `F`'s entry point for this type on `op`.
    #[doc(hidden)]
    fn run_float<F: FloatFamily>(op: F::Op<'_, Self>) -> F::Out<Self>;
}

/// A kernel family over the [`Float`] types: one concrete entry point per
/// type. Implemented only by the crate's families.
#[doc(hidden)]
pub trait FloatFamily: sealed::SealedFamily {
    /// The family's op struct for element type `T`.
    type Op<'a, T: Float>;
    /// What a call returns for element type `T`.
    type Out<T: Float>;
    /// The `f32` entry point.
    fn f32(op: Self::Op<'_, f32>) -> Self::Out<f32>;
    /// The `f64` entry point.
    fn f64(op: Self::Op<'_, f64>) -> Self::Out<f64>;
}

macro_rules! impl_float {
    ($t:ident, $fma:path, $sqrt:path, $rint:path, $bits:ty, $int:ty, $mant:expr, $bias:expr, $u:expr, $eta:expr) => {
        impl Element for $t {
            const NAME: &'static str = stringify!($t);
            const W: usize = 256 / core::mem::size_of::<$t>();
            const E: usize = 16384 / core::mem::size_of::<$t>();
            type Acc = $t;
            type Dist = $t;

            #[inline(always)]
            fn run<F: Family>(op: F::Op<'_, Self>) -> F::Out<Self> {
                F::$t(op)
            }
        }

        impl sealed::FloatOps for $t {
            #[inline(always)]
            fn abs_bits(self) -> Self {
                $t::from_bits(self.to_bits() & (<$bits>::MAX >> 1))
            }
            #[inline(always)]
            fn round_even(self) -> Self {
                $rint(self)
            }
            #[inline(always)]
            fn pow2i(k: Self) -> Self {
                $t::from_bits((((k as $int) + $bias) as $bits) << $mant)
            }
            #[inline(always)]
            fn min_x86(a: Self, b: Self) -> Self {
                if a < b { a } else { b }
            }
            #[inline(always)]
            fn max_x86(a: Self, b: Self) -> Self {
                if a > b { a } else { b }
            }
            #[inline(always)]
            fn to_bits64(self) -> u64 {
                self.to_bits() as u64
            }
            #[inline(always)]
            fn from_bits64(b: u64) -> Self {
                $t::from_bits(b as $bits)
            }
        }

        impl Float for $t {
            const UNIT_ROUNDOFF: f64 = $u;
            const ETA: f64 = $eta;
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;

            /// Always the `libm` crate's correctly rounded software FMA (or
            /// its hardware path where the build enables one), never the C
            /// library's: musl's `fma(a, b, +0.0)` returns `+0.0` where an
            /// underflowing negative product must give `-0.0`, which broke
            /// bit-identity of the reference on musl targets.
            #[inline(always)]
            fn fma(a: Self, b: Self, c: Self) -> Self {
                $fma(a, b, c)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn run_float<F: FloatFamily>(op: F::Op<'_, Self>) -> F::Out<Self> {
                F::$t(op)
            }
        }
    };
}

impl_float!(
    f32,
    libm::fmaf,
    libm::sqrtf,
    libm::rintf,
    u32,
    i32,
    23,
    127,
    1.0 / 16_777_216.0,
    f32::from_bits(1) as f64
);
impl_float!(
    f64,
    libm::fma,
    libm::sqrt,
    libm::rint,
    u64,
    i64,
    52,
    1023,
    1.0 / 9_007_199_254_740_992.0,
    f64::from_bits(1)
);

/// `Element` for a reduced-precision type: name, size facts, accumulator,
/// and the entry point `F::$t`.
macro_rules! impl_reduced {
    ($t:ident, $name:literal, $acc:ty, $dist:ty) => {
        impl Element for $t {
            const NAME: &'static str = $name;
            const W: usize = 256 / core::mem::size_of::<$t>();
            const E: usize = 16384 / core::mem::size_of::<$t>();
            type Acc = $acc;
            type Dist = $dist;

            #[inline(always)]
            fn run<F: Family>(op: F::Op<'_, Self>) -> F::Out<Self> {
                F::$t(op)
            }
        }
    };
}

use half::{bf16, f16};
impl_reduced!(bf16, "bf16", f32, f32);
impl_reduced!(f16, "f16", f32, f32);
impl_reduced!(i8, "i8", i64, f64);
impl_reduced!(u8, "u8", i64, f64);

// The contract's facts, checked where the compiler can.
const _: () = {
    assert!(<f32 as Element>::W == 64 && <f64 as Element>::W == 32);
    assert!(<f32 as Element>::E == 4096 && <f64 as Element>::E == 2048);
    assert!(<half::bf16 as Element>::W == 128 && <half::f16 as Element>::E == 8192);
    assert!(<i8 as Element>::W == 256 && <u8 as Element>::E == 16384);
    assert!(<f32 as Float>::ETA == f32::from_bits(1) as f64);
    assert!(<f64 as Float>::ETA == f64::from_bits(1));
};
