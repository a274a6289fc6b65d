//! The operations, once, for both the module's functions and the methods of
//! `Kernels`: argument checks (`arrays`), numpy borrows, then the crate's
//! kernel with the GIL released. Each `pub(crate) fn` picks the element type
//! from its first array argument; its `_t` twin does the work for that type.

use dotgrad::{AdamParams, Isa, Kernels, MomentumParams, SgdParams};
use numpy::prelude::*;
use numpy::{PY_ARRAY_API, PyArrayDescr, PyReadonlyArray1, PyReadwriteArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::arrays::{Call, Dtype, dtype_of};
use crate::errors::crate_error;
use crate::float::Float;

/// Runs `$f::<T>(Call::new($op, $first), args...)` with `T` the dtype of
/// `$obj` (the argument named `$first`).
macro_rules! by_dtype {
    ($op:literal, $first:literal, $obj:expr, $f:ident($($arg:expr),*)) => {
        match dtype_of($op, $first, $obj)? {
            Dtype::F32 => $f::<f32>(Call::new($op, $first), $($arg),*),
            Dtype::F64 => $f::<f64>(Call::new($op, $first), $($arg),*),
        }
    };
}

/// The handle for a backend name, `None` meaning the automatic choice
/// (`Isa::best`, which honours `DOTGRAD_ISA`). An unknown name is a
/// `ValueError`, a backend this CPU lacks a `BackendUnavailableError`: never a
/// silent fallback.
pub(crate) fn kernels(isa: Option<&str>) -> PyResult<Kernels> {
    match isa {
        None => Ok(Kernels::best()),
        Some(name) => {
            let isa: Isa = name.parse().map_err(crate_error)?;
            Kernels::new(isa).map_err(crate_error)
        }
    }
}

fn slice<'a, T: Float>(ro: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    ro.as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

fn slice_mut<'a, T: Float>(rw: &'a mut PyReadwriteArray1<'_, T>) -> PyResult<&'a mut [T]> {
    rw.as_slice_mut()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A numpy scalar of dtype `T` (`numpy.float32` / `numpy.float64`), as
/// `numpy.dot` returns.
fn scalar<T: Float>(py: Python<'_>, value: T) -> PyResult<Bound<'_, PyAny>> {
    let descr = numpy::dtype::<T>(py);
    let mut value = value;
    // SAFETY: `PyArray_Scalar` copies one element of the dtype `descr`
    // describes from `data`, which points to a live `T` of that dtype; a
    // plain float dtype needs no `base`. It returns a new reference or NULL
    // with an exception set, which `from_owned_ptr_or_err` turns into an
    // error. `descr` is borrowed, not stolen.
    unsafe {
        let ptr = PY_ARRAY_API.PyArray_Scalar(
            py,
            (&raw mut value).cast(),
            descr.as_dtype_ptr(),
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)
    }
}

/// A step counter from Python: negative values get the crate's message for
/// `step == 0`'s domain; `0` goes to the crate, which refuses it itself.
fn step_arg(op: &'static str, step: i64) -> PyResult<u64> {
    u64::try_from(step).map_err(|_| {
        crate_error(dotgrad::Error::InvalidParameter {
            op,
            name: "step",
            value: step as f64,
            expected: ">= 1 (the first step is 1)",
        })
    })
}

pub(crate) fn dot<'py>(
    py: Python<'py>,
    k: Kernels,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    by_dtype!("dot", "a", a, dot_t(py, k, a, b))
}

fn dot_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (a, b) = (c.vector("a", a)?, c.vector("b", b)?);
    let (ra, rb) = (c.read("a", &a)?, c.read("b", &b)?);
    let (sa, sb) = (slice(&ra)?, slice(&rb)?);
    let d = py.detach(|| T::dot(k, sa, sb)).map_err(crate_error)?;
    scalar(py, d)
}

pub(crate) fn dot_error_bound(n: usize, sum_abs: f64, dtype: &Bound<'_, PyAny>) -> PyResult<f64> {
    let py = dtype.py();
    let dt = PyArrayDescr::new(py, dtype)?;
    if dt.is_equiv_to(&numpy::dtype::<f32>(py)) {
        f32::dot_error_bound(n, sum_abs).map_err(crate_error)
    } else if dt.is_equiv_to(&numpy::dtype::<f64>(py)) {
        f64::dot_error_bound(n, sum_abs).map_err(crate_error)
    } else {
        Err(PyTypeError::new_err(format!(
            "dot_error_bound: `dtype` is {dt}; dotgrad works on float32 and float64"
        )))
    }
}

pub(crate) fn axpy<'py>(
    py: Python<'py>,
    k: Kernels,
    alpha: f64,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
) -> PyResult<()> {
    by_dtype!("axpy", "x", x, axpy_t(py, k, alpha, x, y))
}

fn axpy_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    alpha: f64,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
) -> PyResult<()> {
    let (x, y) = (c.vector("x", x)?, c.vector("y", y)?);
    let (rx, mut wy) = (c.read("x", &x)?, c.write("y", &y)?);
    let (sx, sy) = (slice(&rx)?, slice_mut(&mut wy)?);
    let alpha = T::from_f64(alpha);
    py.detach(|| T::axpy(k, alpha, sx, sy)).map_err(crate_error)
}

pub(crate) fn scale<'py>(
    py: Python<'py>,
    k: Kernels,
    alpha: f64,
    x: &Bound<'py, PyAny>,
) -> PyResult<()> {
    by_dtype!("scale", "x", x, scale_t(py, k, alpha, x))
}

fn scale_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    alpha: f64,
    x: &Bound<'py, PyAny>,
) -> PyResult<()> {
    let x = c.vector("x", x)?;
    let mut wx = c.write("x", &x)?;
    let sx = slice_mut(&mut wx)?;
    let alpha = T::from_f64(alpha);
    py.detach(|| T::scale(k, alpha, sx));
    Ok(())
}

pub(crate) fn sigmoid<'py>(
    py: Python<'py>,
    k: Kernels,
    x: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    by_dtype!("sigmoid", "x", x, sigmoid_t(py, k, x, out))
}

fn sigmoid_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    x: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let xa = c.vector("x", x)?;
    let out = c.out_vector(py, out, xa.len())?;
    if out.data() == xa.data() && out.len() == xa.len() {
        // In place: `out` is `x` (or a view of exactly its elements).
        let mut wo = c.write("out", &out)?;
        let so = slice_mut(&mut wo)?;
        py.detach(|| T::sigmoid(k, so));
        drop(wo);
        return Ok(out.into_any());
    }
    let rx = c.read("x", &xa)?;
    let mut wo = c.write("out", &out)?;
    let (sx, so) = (slice(&rx)?, slice_mut(&mut wo)?);
    if sx.len() != so.len() {
        return Err(crate_error(dotgrad::Error::LengthMismatch {
            op: "sigmoid",
            left: ("x", sx.len()),
            right: ("out", so.len()),
        }));
    }
    py.detach(|| {
        so.copy_from_slice(sx);
        T::sigmoid(k, so)
    });
    drop(wo);
    Ok(out.into_any())
}

pub(crate) fn gemv<'py>(
    py: Python<'py>,
    k: Kernels,
    x: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    by_dtype!("gemv", "x", x, gemv_t(py, k, x, w, b, out))
}

fn gemv_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    x: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let xm = c.matrix("x", x)?;
    let w = c.vector("w", w)?;
    let out = c.out_vector(py, out, xm.rows())?;
    let rx = c.read_matrix("x", &xm)?;
    let rw = c.read("w", &w)?;
    let mut wo = c.write("out", &out)?;
    let (view, sw, so) = (rx.view()?, slice(&rw)?, slice_mut(&mut wo)?);
    let b = T::from_f64(b);
    py.detach(|| T::gemv(k, view, sw, b, so))
        .map_err(crate_error)?;
    drop(wo);
    Ok(out.into_any())
}

pub(crate) fn gemv_transposed<'py>(
    py: Python<'py>,
    k: Kernels,
    x: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    by_dtype!("gemv_t", "x", x, gemv_transposed_t(py, k, x, v, out))
}

fn gemv_transposed_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    x: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let xm = c.matrix("x", x)?;
    let v = c.vector("v", v)?;
    let out = c.out_vector(py, out, xm.cols())?;
    let rx = c.read_matrix("x", &xm)?;
    let rv = c.read("v", &v)?;
    let mut wo = c.write("out", &out)?;
    let (view, sv, so) = (rx.view()?, slice(&rv)?, slice_mut(&mut wo)?);
    py.detach(|| T::gemv_t(k, view, sv, so))
        .map_err(crate_error)?;
    drop(wo);
    Ok(out.into_any())
}

#[allow(clippy::too_many_arguments)] // the Python signature, plus the handle
pub(crate) fn gradient<'py>(
    py: Python<'py>,
    k: Kernels,
    logistic: bool,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    if logistic {
        by_dtype!(
            "logistic_gradient",
            "x",
            x,
            gradient_t(py, k, true, x, y, w, b, out)
        )
    } else {
        by_dtype!(
            "linear_gradient",
            "x",
            x,
            gradient_t(py, k, false, x, y, w, b, out)
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn gradient_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    logistic: bool,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let xm = c.matrix("x", x)?;
    let (y, w) = (c.vector("y", y)?, c.vector("w", w)?);
    let out = c.out_vector(py, out, xm.cols())?;
    let rx = c.read_matrix("x", &xm)?;
    let (ry, rw) = (c.read("y", &y)?, c.read("w", &w)?);
    let mut wo = c.write("out", &out)?;
    let (view, sy, sw, so) = (rx.view()?, slice(&ry)?, slice(&rw)?, slice_mut(&mut wo)?);
    let b = T::from_f64(b);
    let g = py
        .detach(|| T::gradient(k, logistic, view, sy, sw, b, so))
        .map_err(crate_error)?;
    drop(wo);
    let (grad_b, loss) = (scalar(py, g.grad_b)?, scalar(py, g.loss)?);
    PyTuple::new(py, [out.into_any(), grad_b, loss])
}

pub(crate) fn sgd_step<'py>(
    py: Python<'py>,
    k: Kernels,
    w: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    p: SgdParams,
) -> PyResult<()> {
    by_dtype!("sgd_step", "w", w, sgd_step_t(py, k, w, grad, p))
}

fn sgd_step_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    w: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    p: SgdParams,
) -> PyResult<()> {
    let (w, grad) = (c.vector("w", w)?, c.vector("grad", grad)?);
    let (mut ww, rg) = (c.write("w", &w)?, c.read("grad", &grad)?);
    let (sw, sg) = (slice_mut(&mut ww)?, slice(&rg)?);
    py.detach(|| T::sgd_step(k, sw, sg, p)).map_err(crate_error)
}

#[allow(clippy::too_many_arguments)] // the Python signature, plus the handle
pub(crate) fn momentum_step<'py>(
    py: Python<'py>,
    k: Kernels,
    w: &Bound<'py, PyAny>,
    velocity: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    step: i64,
    p: MomentumParams,
) -> PyResult<()> {
    by_dtype!(
        "momentum_step",
        "w",
        w,
        momentum_step_t(py, k, w, velocity, grad, step, p)
    )
}

#[allow(clippy::too_many_arguments)]
fn momentum_step_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    w: &Bound<'py, PyAny>,
    velocity: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    step: i64,
    p: MomentumParams,
) -> PyResult<()> {
    let step = step_arg(c.op, step)?;
    let w = c.vector("w", w)?;
    let velocity = c.vector("velocity", velocity)?;
    let grad = c.vector("grad", grad)?;
    let mut ww = c.write("w", &w)?;
    let mut wv = c.write("velocity", &velocity)?;
    let rg = c.read("grad", &grad)?;
    let (sw, sv, sg) = (slice_mut(&mut ww)?, slice_mut(&mut wv)?, slice(&rg)?);
    py.detach(|| T::momentum_step(k, sw, sv, sg, p, step))
        .map_err(crate_error)
}

#[allow(clippy::too_many_arguments)] // the Python signature, plus the handle
pub(crate) fn adam_step<'py>(
    py: Python<'py>,
    k: Kernels,
    w: &Bound<'py, PyAny>,
    m: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    step: i64,
    v_max: Option<&Bound<'py, PyAny>>,
    p: AdamParams,
) -> PyResult<()> {
    by_dtype!(
        "adam_step",
        "w",
        w,
        adam_step_t(py, k, w, m, v, grad, step, v_max, p)
    )
}

#[allow(clippy::too_many_arguments)]
fn adam_step_t<'py, T: Float>(
    c: Call<T>,
    py: Python<'py>,
    k: Kernels,
    w: &Bound<'py, PyAny>,
    m: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    step: i64,
    v_max: Option<&Bound<'py, PyAny>>,
    p: AdamParams,
) -> PyResult<()> {
    let step = step_arg(c.op, step)?;
    let (w, m, v) = (c.vector("w", w)?, c.vector("m", m)?, c.vector("v", v)?);
    let grad = c.vector("grad", grad)?;
    let v_max = v_max.map(|a| c.vector("v_max", a)).transpose()?;
    let mut ww = c.write("w", &w)?;
    let mut wm = c.write("m", &m)?;
    let mut wv = c.write("v", &v)?;
    let mut wvm = v_max.as_ref().map(|a| c.write("v_max", a)).transpose()?;
    let rg = c.read("grad", &grad)?;
    let (sw, sm, sv) = (
        slice_mut(&mut ww)?,
        slice_mut(&mut wm)?,
        slice_mut(&mut wv)?,
    );
    let svm = wvm.as_mut().map(slice_mut).transpose()?;
    let sg = slice(&rg)?;
    py.detach(|| T::adam_step(k, sw, sm, sv, svm, sg, p, step))
        .map_err(crate_error)
}
