//! The element types the kernels accept, behind one sealed trait.

use core::fmt::Debug;
use core::ops::{Add, Div, Mul, Neg, Sub};

use crate::isa::Kernels;
use crate::matrix::Matrix;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type the kernels are defined for: `f32` and `f64`.
///
/// The trait is sealed: its hidden methods are the per-type entry points the
/// public functions dispatch through, so that later element types (bf16, f16,
/// i8) can be added without changing any public signature.
pub trait Element:
    sealed::Sealed
    + Copy
    + Default
    + Debug
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + bytemuck::Pod
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + 'static
{
    /// The type's name, `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Lanes in a stripe: `256 / size_of::<Self>()` (64 for f32, 32 for f64).
    const W: usize;
    /// Elements in a block: `16384 / size_of::<Self>()` (4096 for f32, 2048 for f64).
    const E: usize;
    /// Unit roundoff `u` (2^-24 for f32, 2^-53 for f64).
    const UNIT_ROUNDOFF: f64;
    /// `+0.0`.
    const ZERO: Self;

    /// `fma(a, b, c) = a * b + c` with one rounding.
    fn fma(a: Self, b: Self, c: Self) -> Self;
    /// Correctly rounded square root.
    fn sqrt(self) -> Self;
    /// The scalar twin of [`Lanes::min`](crate::lanes): `if a < b { a } else { b }`.
    #[doc(hidden)]
    fn min_x86(a: Self, b: Self) -> Self {
        if a < b { a } else { b }
    }
    /// `if a > b { a } else { b }`.
    #[doc(hidden)]
    fn max_x86(a: Self, b: Self) -> Self {
        if a > b { a } else { b }
    }
    /// `|x|` (sign bit cleared).
    #[doc(hidden)]
    fn abs_bits(self) -> Self;
    /// Rounds to an integral value, ties to even.
    #[doc(hidden)]
    fn round_even(self) -> Self;
    /// `2^k` for integral `k` in the normal exponent range, from the bits.
    #[doc(hidden)]
    fn pow2i(k: Self) -> Self;
    /// Widens (f32) or copies (f64) to `f64`; exact.
    fn to_f64(self) -> f64;
    /// Rounds an `f64` to this type (round to nearest even).
    fn from_f64(x: f64) -> Self;
    /// Converts a count to this type with round-to-nearest, as the contract's
    /// `m` and `2m`.
    fn from_usize(n: usize) -> Self;

    #[doc(hidden)]
    fn dot_kernel(k: Kernels, a: &[Self], b: &[Self]) -> Self;
    #[doc(hidden)]
    fn axpy_kernel(k: Kernels, alpha: Self, x: &[Self], y: &mut [Self]);
    #[doc(hidden)]
    fn scale_kernel(k: Kernels, alpha: Self, x: &mut [Self]);
    #[doc(hidden)]
    fn sgd_kernel(k: Kernels, p: &crate::optim::SgdParams, w: &mut [Self], grad: &[Self]);
    #[doc(hidden)]
    fn momentum_kernel(
        k: Kernels,
        p: &crate::optim::MomentumParams,
        step: u64,
        w: &mut [Self],
        velocity: &mut [Self],
        grad: &[Self],
    );
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    fn adam_kernel(
        k: Kernels,
        p: &crate::optim::AdamParams,
        step: u64,
        w: &mut [Self],
        m: &mut [Self],
        v: &mut [Self],
        v_max: Option<&mut [Self]>,
        grad: &[Self],
    );
    #[doc(hidden)]
    fn gemv_kernel(k: Kernels, x: Matrix<'_, Self>, w: &[Self], b: Self, out: &mut [Self]);
    #[cfg(feature = "alloc")]
    #[doc(hidden)]
    fn gemv_t_kernel(k: Kernels, x: Matrix<'_, Self>, v: &[Self], out: &mut [Self]);
    /// Returns `(grad_b, loss)`.
    #[cfg(feature = "alloc")]
    #[doc(hidden)]
    fn linear_gradient_kernel(
        k: Kernels,
        x: Matrix<'_, Self>,
        y: &[Self],
        w: &[Self],
        b: Self,
        grad_w: &mut [Self],
    ) -> (Self, Self);
    /// Returns `(grad_b, loss)`.
    #[cfg(feature = "alloc")]
    #[doc(hidden)]
    fn logistic_gradient_kernel(
        k: Kernels,
        x: Matrix<'_, Self>,
        y: &[Self],
        w: &[Self],
        b: Self,
        grad_w: &mut [Self],
    ) -> (Self, Self);
    #[doc(hidden)]
    fn sigmoid_kernel(k: Kernels, x: &mut [Self]);
}

macro_rules! impl_element {
    ($t:ident, $fma:path, $sqrt:path, $rint:path, $bits:ty, $int:ty, $mant:expr, $bias:expr, $u:expr) => {
        impl Element for $t {
            const NAME: &'static str = stringify!($t);
            const W: usize = 256 / core::mem::size_of::<$t>();
            const E: usize = 16384 / core::mem::size_of::<$t>();
            const UNIT_ROUNDOFF: f64 = $u;
            const ZERO: Self = 0.0;

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

            #[inline]
            fn dot_kernel(k: Kernels, a: &[Self], b: &[Self]) -> Self {
                crate::isa::dispatch!(k, s => crate::kernels::dot::dot::<$t, _>(s, a, b),
                    scalar => crate::scalar::dot::dot(a, b))
            }
            #[inline]
            fn axpy_kernel(k: Kernels, alpha: Self, x: &[Self], y: &mut [Self]) {
                crate::isa::dispatch!(k, s => crate::kernels::axpy::axpy::<$t, _>(s, alpha, x, y),
                    scalar => crate::scalar::axpy::axpy(alpha, x, y))
            }
            #[inline]
            fn scale_kernel(k: Kernels, alpha: Self, x: &mut [Self]) {
                crate::isa::dispatch!(k, s => crate::kernels::axpy::scale::<$t, _>(s, alpha, x),
                    scalar => crate::scalar::axpy::scale(alpha, x))
            }
            #[inline]
            fn sgd_kernel(k: Kernels, p: &crate::optim::SgdParams, w: &mut [Self], grad: &[Self]) {
                let c = crate::scalar::optim::SgdConsts::<$t>::new(p);
                crate::isa::dispatch!(k, s => crate::kernels::optim::sgd::<$t, _>(s, &c, w, grad),
                    scalar => crate::scalar::optim::sgd(&c, w, grad))
            }
            #[inline]
            fn momentum_kernel(
                k: Kernels,
                p: &crate::optim::MomentumParams,
                step: u64,
                w: &mut [Self],
                velocity: &mut [Self],
                grad: &[Self],
            ) {
                let c = crate::scalar::optim::MomentumConsts::<$t>::new(p, step);
                crate::isa::dispatch!(k,
                    s => crate::kernels::optim::momentum::<$t, _>(s, &c, w, velocity, grad),
                    scalar => crate::scalar::optim::momentum(&c, w, velocity, grad))
            }
            #[inline]
            fn adam_kernel(
                k: Kernels,
                p: &crate::optim::AdamParams,
                step: u64,
                w: &mut [Self],
                m: &mut [Self],
                v: &mut [Self],
                v_max: Option<&mut [Self]>,
                grad: &[Self],
            ) {
                let c = crate::scalar::optim::AdamConsts::<$t>::new(p, step);
                crate::isa::dispatch!(k,
                    s => crate::kernels::optim::adam::<$t, _>(s, &c, w, m, v, v_max, grad),
                    scalar => crate::scalar::optim::adam(&c, w, m, v, v_max, grad))
            }
            #[inline]
            fn gemv_kernel(k: Kernels, x: Matrix<'_, Self>, w: &[Self], b: Self, out: &mut [Self]) {
                crate::isa::dispatch!(k, s => crate::kernels::gemv::gemv::<$t, _>(s, x, w, b, out),
                    scalar => crate::scalar::gemv::gemv(x, w, b, out))
            }
            #[cfg(feature = "alloc")]
            #[inline]
            fn gemv_t_kernel(k: Kernels, x: Matrix<'_, Self>, v: &[Self], out: &mut [Self]) {
                crate::isa::dispatch!(k, s => crate::kernels::gemv::gemv_t::<$t, _>(s, x, v, out),
                    scalar => crate::scalar::gemv::gemv_t(x, v, out))
            }
            #[cfg(feature = "alloc")]
            #[inline]
            fn linear_gradient_kernel(
                k: Kernels,
                x: Matrix<'_, Self>,
                y: &[Self],
                w: &[Self],
                b: Self,
                grad_w: &mut [Self],
            ) -> (Self, Self) {
                use crate::scalar::gradient::Loss::Squared as L;
                crate::isa::dispatch!(k,
                    s => crate::kernels::gradient::gradient::<$t, _, false>(s, x, y, w, b, grad_w),
                    scalar => crate::scalar::gradient::gradient(L, x, y, w, b, grad_w))
            }
            #[cfg(feature = "alloc")]
            #[inline]
            fn logistic_gradient_kernel(
                k: Kernels,
                x: Matrix<'_, Self>,
                y: &[Self],
                w: &[Self],
                b: Self,
                grad_w: &mut [Self],
            ) -> (Self, Self) {
                use crate::scalar::gradient::Loss::Log as L;
                crate::isa::dispatch!(k,
                    s => crate::kernels::gradient::gradient::<$t, _, true>(s, x, y, w, b, grad_w),
                    scalar => crate::scalar::gradient::gradient(L, x, y, w, b, grad_w))
            }
            #[inline]
            fn sigmoid_kernel(k: Kernels, x: &mut [Self]) {
                crate::isa::dispatch!(k, s => crate::kernels::sigmoid::sigmoid_slice::<$t, _>(s, x),
                    scalar => crate::scalar::sigmoid::sigmoid_slice(x))
            }
        }
    };
}

impl_element!(
    f32,
    libm::fmaf,
    libm::sqrtf,
    libm::rintf,
    u32,
    i32,
    23,
    127,
    1.0 / 16_777_216.0
);
impl_element!(
    f64,
    libm::fma,
    libm::sqrt,
    libm::rint,
    u64,
    i64,
    52,
    1023,
    1.0 / 9_007_199_254_740_992.0
);
