//! `dotgrad._dotgrad`, the extension module behind the Python package
//! `dotgrad`: every kernel family of the crate on numpy float32/float64
//! arrays, as module functions (with an `isa=` keyword) and as methods of
//! `Kernels` (a handle on one backend).
//!
//! Every call checks its arguments (`arrays`), borrows the arrays through
//! numpy's borrow tracking (so aliasing an output is an error, not undefined
//! behaviour), releases the GIL, and runs the crate's safe public function,
//! which checks shapes before it writes anything. No path panics on user
//! input: every refusal is a Python exception.

use dotgrad::{AdamParams, Isa, MomentumParams, SgdParams};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

mod arrays;
mod errors;
mod float;
mod kernels;
mod ops;

use errors::BackendUnavailableError;
use kernels::PyKernels;
use ops::kernels;

/// The backends this CPU can run, slowest first, e.g.
/// ``['scalar', 'avx2', 'avx512']``. ``'scalar'`` (the contract written out
/// literally, the reference every other backend is tested against) is
/// always there.
#[pyfunction]
fn backends() -> Vec<&'static str> {
    Isa::available().map(Isa::name).collect()
}

/// The backend the functions use when ``isa`` is not given: the fastest
/// this CPU has, capped by the environment variable ``DOTGRAD_ISA``
/// (``scalar``, ``avx2``, ``avx512``, ``neon``) when it is set, read once per
/// process.
#[pyfunction]
fn best_backend() -> &'static str {
    Isa::best().name()
}

/// The crate's complaint about ``DOTGRAD_ISA``, or None when it is unset or
/// valid (the package warns at import; the crate ignores an invalid value).
#[pyfunction]
fn _env_isa_error() -> Option<String> {
    Isa::from_env().err().map(|e| e.to_string())
}

/// The crate's default hyper-parameters (``SgdParams``, ``MomentumParams``,
/// ``AdamParams::adam()`` and ``AdamParams::adamw()``), which the keyword
/// defaults of the optimizer functions repeat; the tests compare the two.
#[pyfunction]
fn _defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let s = SgdParams::default();
    let sgd = PyDict::new(py);
    sgd.set_item("lr", s.lr)?;
    sgd.set_item("weight_decay", s.weight_decay)?;
    d.set_item("sgd_step", sgd)?;
    let m = MomentumParams::default();
    let mom = PyDict::new(py);
    mom.set_item("lr", m.lr)?;
    mom.set_item("momentum", m.momentum)?;
    mom.set_item("dampening", m.dampening)?;
    mom.set_item("weight_decay", m.weight_decay)?;
    mom.set_item("nesterov", m.nesterov)?;
    d.set_item("momentum_step", mom)?;
    for (name, a) in [
        ("adam_step", AdamParams::adam()),
        ("adamw", AdamParams::adamw()),
    ] {
        let adam = PyDict::new(py);
        adam.set_item("lr", a.lr)?;
        adam.set_item("betas", (a.beta1, a.beta2))?;
        adam.set_item("eps", a.eps)?;
        adam.set_item("weight_decay", a.weight_decay)?;
        adam.set_item("amsgrad", a.amsgrad)?;
        adam.set_item("decoupled_weight_decay", a.decoupled_weight_decay)?;
        d.set_item(name, adam)?;
    }
    Ok(d)
}

/// The dot product ``sum(a[j] * b[j])`` in the crate's canonical order:
/// the same bits on every backend.
///
/// Parameters
/// ----------
/// a, b : 1-D C-contiguous numpy arrays, both float32 or both float64.
/// isa : backend name (``dotgrad.backends()``), default the best one.
///
/// Returns
/// -------
/// numpy.float32 or numpy.float64 (``+0.0`` for empty input).
///
/// Raises
/// ------
/// ValueError: the lengths differ (the crate's message), or a layout dotgrad
/// does not read. TypeError: not a float32/float64 ndarray, or mixed dtypes.
/// BackendUnavailableError: ``isa`` names a backend this CPU lacks.
///
/// The error against the exact dot is at most
/// ``dot_error_bound(len(a), sum(abs(a * b)), a.dtype)``.
#[pyfunction]
#[pyo3(signature = (a, b, *, isa = None))]
fn dot<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    isa: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    ops::dot(py, kernels(isa)?, a, b)
}

/// The forward error bound of ``dot`` on ``n`` elements of ``dtype``
/// (float32 or float64): ``|dot(a, b) - exact| <= dot_error_bound(n,
/// sum(|a[j] * b[j]|), dtype)``, namely ``gamma(k) * sum_abs + (1 +
/// gamma(k)) * n * eta / 2`` with ``k = E/W + ceil(log2(blocks)) +
/// log2(W)``, ``gamma(k) = k u / (1 - k u)``, ``u`` the unit roundoff and
/// ``eta`` the smallest subnormal. Returns a Python float.
///
/// Raises ValueError for a negative or NaN ``sum_abs``, TypeError for
/// another dtype.
#[pyfunction]
fn dot_error_bound(n: usize, sum_abs: f64, dtype: &Bound<'_, PyAny>) -> PyResult<f64> {
    ops::dot_error_bound(n, sum_abs, dtype)
}

/// ``y[j] = fma(alpha, x[j], y[j])`` in place: one rounding per element, the
/// same bits on every backend. ``alpha`` is rounded to the arrays' dtype.
/// ``x`` and ``y`` are 1-D C-contiguous arrays of one dtype, ``y`` writeable
/// and not sharing memory with ``x``. Returns None.
///
/// Raises ValueError when the lengths differ (nothing is written), TypeError
/// for other dtypes or a mix.
#[pyfunction]
#[pyo3(signature = (alpha, x, y, *, isa = None))]
fn axpy<'py>(
    py: Python<'py>,
    alpha: f64,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    isa: Option<&str>,
) -> PyResult<()> {
    ops::axpy(py, kernels(isa)?, alpha, x, y)
}

/// ``x[j] = alpha * x[j]`` in place: one correctly rounded product per
/// element. ``alpha`` is rounded to ``x.dtype``. ``x`` is a writeable 1-D
/// C-contiguous float32/float64 array. Returns None.
#[pyfunction]
#[pyo3(signature = (alpha, x, *, isa = None))]
fn scale<'py>(
    py: Python<'py>,
    alpha: f64,
    x: &Bound<'py, PyAny>,
    isa: Option<&str>,
) -> PyResult<()> {
    ops::scale(py, kernels(isa)?, alpha, x)
}

/// ``out[i] = dot(x[i], w) + b`` for every row of the matrix ``x``: each
/// row's dot in the canonical ``dot`` order, then one rounded ``+ b``.
///
/// ``x`` is 2-D with contiguous rows at any row stride of at least a row
/// (C-contiguous, or a view such as ``big[:, :k]`` or ``big[::2]``); ``w``
/// has ``x.shape[1]`` elements. ``out`` (``x.shape[0]`` elements, writeable,
/// same dtype) receives the result; a new array is made when it is None.
/// Returns ``out``.
///
/// Raises ValueError for shapes that do not fit (the crate's message) or a
/// layout dotgrad does not read (a transposed ``x``: pass
/// ``numpy.ascontiguousarray(x)``), TypeError for other dtypes or a mix.
#[pyfunction]
#[pyo3(signature = (x, w, b = 0.0, *, out = None, isa = None))]
fn gemv<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
    isa: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    ops::gemv(py, kernels(isa)?, x, w, b, out)
}

/// ``out = x.T @ v``, i.e. ``out[j] = sum_i v[i] * x[i, j]``: row blocks of
/// 256 rows accumulated row by row with FMAs, blocks combined by the
/// crate's block tree. ``x`` as in ``gemv``; ``v`` has ``x.shape[0]``
/// elements; ``out`` has ``x.shape[1]`` (new when None). Returns ``out``.
#[pyfunction]
#[pyo3(signature = (x, v, *, out = None, isa = None))]
fn gemv_t<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
    isa: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    ops::gemv_transposed(py, kernels(isa)?, x, v, out)
}

/// The gradient of the mean squared error of the linear model
/// ``f(x) = x @ w + b``, ``J = 1/(2m) * sum_i (f(x[i]) - y[i])**2``, in one
/// pass over ``x`` (each row's dot gives its residual ``e_i``, and the row,
/// still in cache, is folded into the gradient).
///
/// Returns ``(grad_w, grad_b, loss)``: ``grad_w = x.T @ e / m`` (written into
/// ``out`` when given, which must have ``x.shape[1]`` elements; the crate
/// calls it ``grad_w``), ``grad_b = mean(e)`` and the loss ``J`` at
/// ``(w, b)``, both numpy scalars of the dtype.
///
/// ``x`` as in ``gemv``, with at least one row; ``y`` has ``x.shape[0]``
/// elements, ``w`` ``x.shape[1]``. Raises ValueError for shapes that do not
/// fit (the crate's message), TypeError for other dtypes or a mix.
#[pyfunction]
#[pyo3(signature = (x, y, w, b = 0.0, *, out = None, isa = None))]
fn linear_gradient<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
    isa: Option<&str>,
) -> PyResult<Bound<'py, PyTuple>> {
    ops::gradient(py, kernels(isa)?, false, x, y, w, b, out)
}

/// The gradient of the mean log-loss of logistic regression,
/// ``p_i = sigmoid(x[i] @ w + b)``,
/// ``J = 1/m * sum_i (max(z_i, 0) - z_i y_i + log1p(exp(-|z_i|)))``, in one
/// pass over ``x``. Returns ``(grad_w, grad_b, loss)`` with
/// ``grad_w = x.T @ (p - y) / m`` (into ``out`` when given) and
/// ``grad_b = mean(p - y)``.
///
/// Labels are probabilities and are not checked: ``y`` in {0, 1} gives the
/// usual log-loss, in [0, 1] the cross-entropy against soft labels. The
/// sigmoid, exp and log1p are the crate's fixed FMA sequences, so the
/// result is the same on every backend. Shapes and errors as
/// ``linear_gradient``.
#[pyfunction]
#[pyo3(signature = (x, y, w, b = 0.0, *, out = None, isa = None))]
fn logistic_gradient<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    b: f64,
    out: Option<&Bound<'py, PyAny>>,
    isa: Option<&str>,
) -> PyResult<Bound<'py, PyTuple>> {
    ops::gradient(py, kernels(isa)?, true, x, y, w, b, out)
}

/// ``1 / (1 + exp(-x))`` element-wise by the crate's fixed sequence (at most
/// 2.5 ulp from the exact value; never overflows; NaN stays NaN). Returns a
/// new array, or writes into ``out`` (same shape and dtype; ``out=x`` works
/// in place) and returns it. ``x`` is 1-D C-contiguous float32/float64.
#[pyfunction]
#[pyo3(signature = (x, *, out = None, isa = None))]
fn sigmoid<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
    isa: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    ops::sigmoid(py, kernels(isa)?, x, out)
}

/// One step of plain SGD in place, as ``torch.optim.SGD`` without momentum:
/// ``w -= lr * (grad + weight_decay * w)`` (two FMAs per element). Defaults
/// are the crate's (PyTorch's). Returns None.
///
/// Raises ValueError for lengths that differ or a negative or non-finite
/// ``lr``/``weight_decay`` (the crate's message; nothing is written).
#[pyfunction]
#[pyo3(signature = (w, grad, *, lr = 0.001, weight_decay = 0.0, isa = None))]
fn sgd_step<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    grad: &Bound<'py, PyAny>,
    lr: f64,
    weight_decay: f64,
    isa: Option<&str>,
) -> PyResult<()> {
    let p = SgdParams { lr, weight_decay };
    ops::sgd_step(py, kernels(isa)?, w, grad, p)
}

/// One step of SGD with momentum in place, with ``torch.optim.SGD``'s
/// conventions: ``g = grad + weight_decay * w``; at ``step == 1``
/// ``velocity = g`` (its old contents are not read), later
/// ``velocity = momentum * velocity + (1 - dampening) * g``; then
/// ``w -= lr * (g + momentum * velocity)`` with ``nesterov``, else
/// ``w -= lr * velocity``. ``step`` is 1 on the first call and grows by one
/// per call. Returns None.
///
/// Raises ValueError for lengths that differ, ``step < 1`` or parameters
/// outside their domain (the crate's message; nothing is written).
#[pyfunction]
#[pyo3(signature = (w, velocity, grad, step, *, lr = 0.001, momentum = 0.0, dampening = 0.0,
    weight_decay = 0.0, nesterov = false, isa = None))]
#[allow(clippy::too_many_arguments)] // the Python signature
fn momentum_step<'py>(
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
    isa: Option<&str>,
) -> PyResult<()> {
    let p = MomentumParams {
        lr,
        momentum,
        dampening,
        weight_decay,
        nesterov,
    };
    ops::momentum_step(py, kernels(isa)?, w, velocity, grad, step, p)
}

/// One step of Adam in place, following ``torch.optim.Adam``:
/// ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g*g``,
/// ``w -= lr * m_hat / (sqrt(v_hat) + eps)`` with the bias corrections
/// ``m_hat = m / (1 - b1**step)``, ``v_hat = v / (1 - b2**step)``.
/// ``decoupled_weight_decay=True`` is AdamW (``w *= 1 - lr * weight_decay``;
/// ``torch.optim.AdamW``'s defaults are ``weight_decay=0.01`` with it);
/// ``amsgrad=True`` divides by the running maximum of ``v``, kept in
/// ``v_max`` (required then, refused otherwise). ``m``, ``v``, ``v_max``
/// start at zero; ``step`` is 1 on the first call. Returns None.
///
/// Raises ValueError for lengths that differ, ``step < 1``, parameters
/// outside their domain, or ``v_max`` without ``amsgrad`` (the crate's
/// message; nothing is written).
#[pyfunction]
#[pyo3(signature = (w, m, v, grad, step, *, lr = 0.001, betas = (0.9, 0.999), eps = 1e-8,
    weight_decay = 0.0, amsgrad = false, decoupled_weight_decay = false, v_max = None,
    isa = None),
    text_signature = "(w, m, v, grad, step, *, lr=0.001, betas=(0.9, 0.999), eps=1e-08, \
    weight_decay=0.0, amsgrad=False, decoupled_weight_decay=False, v_max=None, isa=None)")]
#[allow(clippy::too_many_arguments)] // the Python signature
fn adam_step<'py>(
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
    isa: Option<&str>,
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
    ops::adam_step(py, kernels(isa)?, w, m, v, grad, step, v_max, p)
}

/// The native half of the ``dotgrad`` package (see its docstring).
#[pymodule]
fn _dotgrad(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "BackendUnavailableError",
        py.get_type::<BackendUnavailableError>(),
    )?;
    m.add_class::<PyKernels>()?;
    m.add_function(wrap_pyfunction!(backends, m)?)?;
    m.add_function(wrap_pyfunction!(best_backend, m)?)?;
    m.add_function(wrap_pyfunction!(_env_isa_error, m)?)?;
    m.add_function(wrap_pyfunction!(_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(dot, m)?)?;
    m.add_function(wrap_pyfunction!(dot_error_bound, m)?)?;
    m.add_function(wrap_pyfunction!(axpy, m)?)?;
    m.add_function(wrap_pyfunction!(scale, m)?)?;
    m.add_function(wrap_pyfunction!(gemv, m)?)?;
    m.add_function(wrap_pyfunction!(gemv_t, m)?)?;
    m.add_function(wrap_pyfunction!(linear_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(logistic_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(sigmoid, m)?)?;
    m.add_function(wrap_pyfunction!(sgd_step, m)?)?;
    m.add_function(wrap_pyfunction!(momentum_step, m)?)?;
    m.add_function(wrap_pyfunction!(adam_step, m)?)?;
    Ok(())
}
