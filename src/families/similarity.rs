//! The public similarity family: `sqeuclidean` (squared L2 distance) and
//! `cosine` (cosine distance), for every element type, in one pass over
//! the inputs ([contract: similarity](crate::contract#similarity)).

use half::{bf16, f16};

use crate::dispatch::{Backends, Kernel, Kernels, element_family};
use crate::element::{Element, Float};
use crate::error::{Error, same_len};
use crate::kernels::similarity as k;
use crate::lanes::Lanes;
use crate::scalar::{dot as sd, reduced as sr, similarity as ss};

/// One `sqeuclidean` call.
pub(crate) struct SqEuclidean<'a, T> {
    pub(crate) k: Kernels,
    pub(crate) a: &'a [T],
    pub(crate) b: &'a [T],
}

/// One `cosine` call.
pub(crate) struct Cosine<'a, T> {
    pub(crate) k: Kernels,
    pub(crate) a: &'a [T],
    pub(crate) b: &'a [T],
}

/// The cosine distance from the three sums (contract steps C2-C4), in f64:
/// `0` when both vectors are zero, `1` when exactly one is, else
/// `1 - ab / den` clamped to `[0, 2]` (a NaN stays NaN), `den =
/// sqrt(aa * bb)` where `aa * bb` is a finite normal f64, else
/// `sqrt(aa) * sqrt(bb)`.
#[inline]
pub(crate) fn distance(ab: f64, aa: f64, bb: f64) -> f64 {
    if aa == 0.0 && bb == 0.0 {
        return 0.0;
    }
    if aa == 0.0 || bb == 0.0 {
        return 1.0;
    }
    // `sqrt(aa * bb)` where the product is a normal f64: then `a == b`
    // gives exactly 0 (`sqrt(fl(x * x)) == x` for correctly rounded
    // operations). `sqrt(aa) * sqrt(bb)` only where the product would
    // overflow or lose bits to underflow (f64 inputs).
    let p = aa * bb;
    let den = if p.is_finite() && p >= f64::MIN_POSITIVE {
        libm::sqrt(p)
    } else {
        libm::sqrt(aa) * libm::sqrt(bb)
    };
    let d = 1.0 - ab / den;
    d.clamp(0.0, 2.0) // NaN stays NaN
}

impl<T: Float> Kernel for SqEuclidean<'_, T> {
    type T = T;
    type Output = T;
    #[inline(always)]
    fn scalar(self) -> T {
        ss::sq_float(self.a, self.b)
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) -> T {
        k::float::<T, S, false>(s, self.a, self.b)[0]
    }
}

impl<T: Float> Kernel for Cosine<'_, T> {
    type T = T;
    type Output = T;
    #[inline(always)]
    fn scalar(self) -> T {
        let (a, b) = (self.a, self.b);
        let s = [sd::dot(a, b), sd::dot(a, a), sd::dot(b, b)];
        T::from_f64(distance(s[0].to_f64(), s[1].to_f64(), s[2].to_f64()))
    }
    #[inline(always)]
    fn simd<S: Backends + Lanes<T>>(self, s: S) -> T {
        let s = k::float::<T, S, true>(s, self.a, self.b);
        T::from_f64(distance(s[0].to_f64(), s[1].to_f64(), s[2].to_f64()))
    }
}

/// The two kernels for reduced-precision type `$t` (sums in `$acc`,
/// distance in `$dist`): scalar sums `$sq` and `$dot`, kernel body `$body`.
macro_rules! reduced {
    ($t:ty, $acc:ty, $dist:ty, $sq:expr, $dot:expr, $body:ident) => {
        impl Kernel for SqEuclidean<'_, $t> {
            type T = f32;
            type Output = $acc;
            #[inline(always)]
            fn scalar(self) -> $acc {
                $sq(self.a, self.b)
            }
            #[inline(always)]
            fn simd<S: Backends + Lanes<f32>>(self, s: S) -> $acc {
                k::$body::<S, false>(s, self.a, self.b)[0]
            }
        }
        impl Kernel for Cosine<'_, $t> {
            type T = f32;
            type Output = $dist;
            #[inline(always)]
            fn scalar(self) -> $dist {
                let (a, b) = (self.a, self.b);
                let s: [$acc; 3] = [$dot(a, b), $dot(a, a), $dot(b, b)];
                distance(s[0] as f64, s[1] as f64, s[2] as f64) as $dist
            }
            #[inline(always)]
            fn simd<S: Backends + Lanes<f32>>(self, s: S) -> $dist {
                let s = k::$body::<S, true>(s, self.a, self.b);
                distance(s[0] as f64, s[1] as f64, s[2] as f64) as $dist
            }
        }
    };
}
reduced!(bf16, f32, f32, ss::sq_bf16, sr::dot_bf16, bf16s);
reduced!(f16, f32, f32, ss::sq_f16, sr::dot_f16, f16s);
reduced!(i8, i64, f64, ss::sq_int, sr::dot_i8, i8s);
reduced!(u8, i64, f64, ss::sq_int, sr::dot_u8, u8s);

element_family!(
    /// `sqeuclidean` over every element type.
    SqEuclideanF<T>: SqEuclidean => T::Acc
);
element_family!(
    /// `cosine` over every element type.
    CosineF<T>: Cosine => T::Dist
);

impl Kernels {
    /// The squared Euclidean distance `sum_j (a[j] - b[j])^2`
    /// ([contract: similarity](crate::contract#similarity)): `d = a[j] -
    /// b[j]` rounded once (after exact widening for bf16 and f16), then
    /// `fma(d, d, lane)` in the lanes, blocks, block tree and fold of the
    /// type's `dot`. Exact `i64` for i8 and u8. Bit-identical on every
    /// backend; `0` for empty input.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `a.len() != b.len()`.
    ///
    /// # Accuracy
    /// For the float types, with `k` and `u` of the type's `dot` bound,
    /// `|sq - exact| <= (gamma(k) + 2u + u^2) * (1 + gamma(k)) * exact`
    /// plus the underflow term `n * eta / 2` (every term is non-negative,
    /// so the bound is relative).
    #[inline]
    pub fn sqeuclidean<T: Element>(self, a: &[T], b: &[T]) -> Result<T::Acc, Error> {
        same_len("sqeuclidean", ("a", a.len()), ("b", b.len()))?;
        Ok(T::run::<SqEuclideanF>(SqEuclidean { k: self, a, b }))
    }

    /// The cosine distance `1 - a.b / (|a| |b|)`, clamped to `[0, 2]`
    /// ([contract: similarity](crate::contract#similarity)): the three sums
    /// `a.b`, `a.a`, `b.b` in one pass, each bit for bit the type's `dot`,
    /// then `1 - ab / sqrt(aa * bb)` in f64 with correctly rounded `sqrt`
    /// and division (`sqrt(aa) * sqrt(bb)` where `aa * bb` would overflow
    /// or underflow), rounded once to [`Element::Dist`]: exactly `0` for
    /// `a == b`. Zero vectors: `0` when both are zero, `1` when exactly one
    /// is (and `0` for empty inputs).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `a.len() != b.len()`.
    ///
    /// # Accuracy
    /// With `g` the relative bound `gamma(k)` of the type's `dot` (0 for
    /// i8 and u8) and `u` the unit roundoff of the result type, the
    /// distance is within `3g + 8 * 2^-53 + 2u` of the exact one, absolute,
    /// when no product underflows.
    #[inline]
    pub fn cosine<T: Element>(self, a: &[T], b: &[T]) -> Result<T::Dist, Error> {
        same_len("cosine", ("a", a.len()), ("b", b.len()))?;
        Ok(T::run::<CosineF>(Cosine { k: self, a, b }))
    }
}

/// [`Kernels::sqeuclidean`] on the automatically chosen backend.
///
/// ```
/// let a = [1.0f32, 2.0, 3.0];
/// let b = [1.0f32, 0.0, 7.0];
/// assert_eq!(dotgrad::sqeuclidean(&a, &b).unwrap(), 20.0);
/// assert_eq!(dotgrad::sqeuclidean(&[-128i8], &[127]).unwrap(), 65025);
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when `a.len() != b.len()`.
#[inline]
pub fn sqeuclidean<T: Element>(a: &[T], b: &[T]) -> Result<T::Acc, Error> {
    Kernels::best().sqeuclidean(a, b)
}

/// [`Kernels::cosine`] on the automatically chosen backend.
///
/// ```
/// let a = [1.0f64, 0.0];
/// assert_eq!(dotgrad::cosine(&a, &[0.0, 2.0]).unwrap(), 1.0);
/// assert_eq!(dotgrad::cosine(&a, &[-3.0, 0.0]).unwrap(), 2.0);
/// assert_eq!(dotgrad::cosine(&[0u8; 4], &[0u8; 4]).unwrap(), 0.0);
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when `a.len() != b.len()`.
#[inline]
pub fn cosine<T: Element>(a: &[T], b: &[T]) -> Result<T::Dist, Error> {
    Kernels::best().cosine(a, b)
}
