//! `dotgrad.Kernels`: a handle on one backend whose methods are the
//! module's functions without the `isa` keyword.

use dotgrad::{AdamParams, Kernels, MomentumParams, SgdParams};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::ops::{self, kernels};

/// A handle that runs every kernel on one backend: ``Kernels("avx2")``, or
/// ``Kernels()`` for the automatic choice (``dotgrad.best_backend()``). Its
/// methods are the module's functions (same arguments, same results, no
/// ``isa`` keyword). Every backend gives the same bits; they differ only in
/// speed.
///
/// Raises ValueError for a name that is not a backend, and
/// ``BackendUnavailableError`` for one this CPU cannot run: never a silent
/// fallback.
#[pyclass(name = "Kernels", module = "dotgrad", frozen)]
pub(crate) struct PyKernels {
    k: Kernels,
}

#[pymethods]
impl PyKernels {
    #[new]
    #[pyo3(signature = (isa = None))]
    fn new(isa: Option<&str>) -> PyResult<Self> {
        Ok(PyKernels { k: kernels(isa)? })
    }

    /// The backend's name, e.g. ``'avx512'``.
    #[getter]
    fn isa(&self) -> &'static str {
        self.k.isa().name()
    }

    fn __repr__(&self) -> String {
        format!("dotgrad.Kernels({:?})", self.k.isa().name())
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.k.isa() == other.k.isa()
    }

    fn __hash__(&self) -> u64 {
        self.k.isa() as u64
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let cls = slf.get_type().into_any();
        let args = PyTuple::new(slf.py(), [slf.get().isa()])?.into_any();
        PyTuple::new(slf.py(), [cls, args])
    }

    /// ``dotgrad.dot`` on this backend.
    fn dot<'py>(
        &self,
        py: Python<'py>,
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ops::dot(py, self.k, a, b)
    }

    /// ``dotgrad.axpy`` on this backend.
    fn axpy<'py>(
        &self,
        py: Python<'py>,
        alpha: f64,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        ops::axpy(py, self.k, alpha, x, y)
    }

    /// ``dotgrad.scale`` on this backend.
    fn scale<'py>(&self, py: Python<'py>, alpha: f64, x: &Bound<'py, PyAny>) -> PyResult<()> {
        ops::scale(py, self.k, alpha, x)
    }

    /// ``dotgrad.gemv`` on this backend.
    #[pyo3(signature = (x, w, b = 0.0, *, out = None))]
    fn gemv<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        w: &Bound<'py, PyAny>,
        b: f64,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ops::gemv(py, self.k, x, w, b, out)
    }

    /// ``dotgrad.gemv_t`` on this backend.
    #[pyo3(signature = (x, v, *, out = None))]
    fn gemv_t<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        v: &Bound<'py, PyAny>,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ops::gemv_transposed(py, self.k, x, v, out)
    }

    /// ``dotgrad.linear_gradient`` on this backend.
    #[pyo3(signature = (x, y, w, b = 0.0, *, out = None))]
    fn linear_gradient<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        w: &Bound<'py, PyAny>,
        b: f64,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        ops::gradient(py, self.k, false, x, y, w, b, out)
    }

    /// ``dotgrad.logistic_gradient`` on this backend.
    #[pyo3(signature = (x, y, w, b = 0.0, *, out = None))]
    fn logistic_gradient<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        w: &Bound<'py, PyAny>,
        b: f64,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        ops::gradient(py, self.k, true, x, y, w, b, out)
    }

    /// ``dotgrad.sigmoid`` on this backend.
    #[pyo3(signature = (x, *, out = None))]
    fn sigmoid<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ops::sigmoid(py, self.k, x, out)
    }

    /// ``dotgrad.sgd_step`` on this backend.
    #[pyo3(signature = (w, grad, *, lr = 0.001, weight_decay = 0.0))]
    fn sgd_step<'py>(
        &self,
        py: Python<'py>,
        w: &Bound<'py, PyAny>,
        grad: &Bound<'py, PyAny>,
        lr: f64,
        weight_decay: f64,
    ) -> PyResult<()> {
        ops::sgd_step(py, self.k, w, grad, SgdParams { lr, weight_decay })
    }

    /// ``dotgrad.momentum_step`` on this backend.
    #[pyo3(signature = (w, velocity, grad, step, *, lr = 0.001, momentum = 0.0, dampening = 0.0,
        weight_decay = 0.0, nesterov = false))]
    #[allow(clippy::too_many_arguments)] // the Python signature
    fn momentum_step<'py>(
        &self,
        py: Python<'py>,
        w: &Bound<'py, PyAny>,
        velocity: &Bound<'py, PyAny>,
        grad: &Bound<'py, PyAny>,
        step: i64,
        lr: f64,
        momentum: f64,
        dampening: f64,
        weight_decay: f64,
        nesterov: bool,
    ) -> PyResult<()> {
        let p = MomentumParams {
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
        };
        ops::momentum_step(py, self.k, w, velocity, grad, step, p)
    }

    /// ``dotgrad.adam_step`` on this backend.
    #[pyo3(signature = (w, m, v, grad, step, *, lr = 0.001, betas = (0.9, 0.999), eps = 1e-8,
        weight_decay = 0.0, amsgrad = false, decoupled_weight_decay = false, v_max = None),
        text_signature = "($self, w, m, v, grad, step, *, lr=0.001, betas=(0.9, 0.999), \
        eps=1e-08, weight_decay=0.0, amsgrad=False, decoupled_weight_decay=False, v_max=None)")]
    #[allow(clippy::too_many_arguments)] // the Python signature
    fn adam_step<'py>(
        &self,
        py: Python<'py>,
        w: &Bound<'py, PyAny>,
        m: &Bound<'py, PyAny>,
        v: &Bound<'py, PyAny>,
        grad: &Bound<'py, PyAny>,
        step: i64,
        lr: f64,
        betas: (f64, f64),
        eps: f64,
        weight_decay: f64,
        amsgrad: bool,
        decoupled_weight_decay: bool,
        v_max: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let p = AdamParams {
            lr,
            beta1: betas.0,
            beta2: betas.1,
            eps,
            weight_decay,
            amsgrad,
            decoupled_weight_decay,
        };
        ops::adam_step(py, self.k, w, m, v, grad, step, v_max, p)
    }
}
