//! [`Float`]: the two element types the bindings accept, each calling the
//! crate's kernels with a concrete type (so the bindings depend on no
//! generic bound of the crate, only on its public functions).

use dotgrad::{AdamParams, Error, Gradient, Kernels, Matrix, MomentumParams, SgdParams};

/// `f32` or `f64`: a numpy element type with the crate's kernels behind it.
pub(crate) trait Float: numpy::Element + Copy + Send + Sync + 'static {
    /// numpy's name of the dtype, for messages.
    const DTYPE: &'static str;
    /// Rounds a Python float to this type (round to nearest even), as numpy
    /// does with a Python scalar next to an array of this dtype.
    fn from_f64(x: f64) -> Self;
    fn dot(k: Kernels, a: &[Self], b: &[Self]) -> Result<Self, Error>;
    fn dot_error_bound(n: usize, sum_abs: f64) -> Result<f64, Error>;
    fn axpy(k: Kernels, alpha: Self, x: &[Self], y: &mut [Self]) -> Result<(), Error>;
    fn scale(k: Kernels, alpha: Self, x: &mut [Self]);
    fn gemv(
        k: Kernels,
        x: Matrix<'_, Self>,
        w: &[Self],
        b: Self,
        out: &mut [Self],
    ) -> Result<(), Error>;
    fn gemv_t(k: Kernels, x: Matrix<'_, Self>, v: &[Self], out: &mut [Self]) -> Result<(), Error>;
    fn gradient(
        k: Kernels,
        logistic: bool,
        x: Matrix<'_, Self>,
        y: &[Self],
        w: &[Self],
        b: Self,
        grad_w: &mut [Self],
    ) -> Result<Gradient<Self>, Error>;
    fn sigmoid(k: Kernels, x: &mut [Self]);
    fn sgd_step(k: Kernels, w: &mut [Self], grad: &[Self], p: SgdParams) -> Result<(), Error>;
    fn momentum_step(
        k: Kernels,
        w: &mut [Self],
        velocity: &mut [Self],
        grad: &[Self],
        p: MomentumParams,
        step: u64,
    ) -> Result<(), Error>;
    #[allow(clippy::too_many_arguments)] // the crate's `adam_step`, plus the handle
    fn adam_step(
        k: Kernels,
        w: &mut [Self],
        m: &mut [Self],
        v: &mut [Self],
        v_max: Option<&mut [Self]>,
        grad: &[Self],
        p: AdamParams,
        step: u64,
    ) -> Result<(), Error>;
}

macro_rules! impl_float {
    ($t:ty, $name:literal) => {
        impl Float for $t {
            const DTYPE: &'static str = $name;
            #[inline]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn dot(k: Kernels, a: &[Self], b: &[Self]) -> Result<Self, Error> {
                k.dot(a, b)
            }
            #[inline]
            fn dot_error_bound(n: usize, sum_abs: f64) -> Result<f64, Error> {
                dotgrad::dot_error_bound::<$t>(n, sum_abs)
            }
            #[inline]
            fn axpy(k: Kernels, alpha: Self, x: &[Self], y: &mut [Self]) -> Result<(), Error> {
                k.axpy(alpha, x, y)
            }
            #[inline]
            fn scale(k: Kernels, alpha: Self, x: &mut [Self]) {
                k.scale(alpha, x)
            }
            #[inline]
            fn gemv(
                k: Kernels,
                x: Matrix<'_, Self>,
                w: &[Self],
                b: Self,
                out: &mut [Self],
            ) -> Result<(), Error> {
                k.gemv(x, w, b, out)
            }
            #[inline]
            fn gemv_t(
                k: Kernels,
                x: Matrix<'_, Self>,
                v: &[Self],
                out: &mut [Self],
            ) -> Result<(), Error> {
                k.gemv_t(x, v, out)
            }
            #[inline]
            fn gradient(
                k: Kernels,
                logistic: bool,
                x: Matrix<'_, Self>,
                y: &[Self],
                w: &[Self],
                b: Self,
                grad_w: &mut [Self],
            ) -> Result<Gradient<Self>, Error> {
                if logistic {
                    k.logistic_gradient(x, y, w, b, grad_w)
                } else {
                    k.linear_gradient(x, y, w, b, grad_w)
                }
            }
            #[inline]
            fn sigmoid(k: Kernels, x: &mut [Self]) {
                k.sigmoid(x)
            }
            #[inline]
            fn sgd_step(
                k: Kernels,
                w: &mut [Self],
                grad: &[Self],
                p: SgdParams,
            ) -> Result<(), Error> {
                k.sgd_step(w, grad, p)
            }
            #[inline]
            fn momentum_step(
                k: Kernels,
                w: &mut [Self],
                velocity: &mut [Self],
                grad: &[Self],
                p: MomentumParams,
                step: u64,
            ) -> Result<(), Error> {
                k.momentum_step(w, velocity, grad, p, step)
            }
            #[inline]
            fn adam_step(
                k: Kernels,
                w: &mut [Self],
                m: &mut [Self],
                v: &mut [Self],
                v_max: Option<&mut [Self]>,
                grad: &[Self],
                p: AdamParams,
                step: u64,
            ) -> Result<(), Error> {
                k.adam_step(w, m, v, v_max, grad, p, step)
            }
        }
    };
}

impl_float!(f32, "float32");
impl_float!(f64, "float64");
