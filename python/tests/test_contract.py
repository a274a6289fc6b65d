"""The contract's orders, checked bit for bit from Python.

Two kinds of oracle, neither of them the crate:
- ``contract_ref``: dot, gemv_t, axpy and the gradients' bias sum
  transcribed from the contract text in exact rational arithmetic with one
  rounding per operation;
- identities the contract implies between kernels (a ``gemv`` row is a
  ``dot`` plus ``b``; the linear gradient is ``gemv_t`` of the residuals
  divided by ``m``; an optimizer step is a fixed sequence of FMAs, each an
  ``axpy``), evaluated with numpy's correctly rounded element-wise
  arithmetic.
"""

import math

import numpy as np
import pytest

import contract_ref as ref
import dotgrad
from conftest import BACKENDS
from inputs import at_offset, bits, same_bits, special, strided


def lengths(dtype):
    w, e = ref.lanes(dtype)
    return [0, 1, 2, 3, w // 2, w - 1, w, w + 1, 2 * w + 3, 3 * w + 1, e - 1, e, e + 1, 2 * e + w + 5]


@pytest.mark.parametrize("n_index", range(14))
def test_dot_is_the_contracts_dot(dtype, n_index):
    n = lengths(dtype)[n_index]
    rng = np.random.default_rng(1000 + n)
    a = at_offset(special(rng, n, dtype), 1)
    b = at_offset(special(rng, n, dtype), 3)
    want = ref.dot(a, b, dtype)
    for isa in BACKENDS:
        got = dotgrad.dot(a, b, isa=isa)
        assert type(got) is dtype
        assert same_bits(got, want), (isa, n, bits(got), bits(want))


def test_dot_signed_zero_lanes(isa, dtype):
    # Products that round to -0.0: a lane that no element touches stays
    # +0.0, and -0.0 + +0.0 = +0.0, so only a call that writes -0.0 into
    # every one of the W lanes returns -0.0.
    w, _ = ref.lanes(dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    for n, negative in [(1, False), (w - 1, False), (w, True), (3 * w, True), (3 * w + 1, True)]:
        a = np.full(n, -tiny, dtype=dtype)
        b = np.full(n, 0.25, dtype=dtype)
        d = dotgrad.dot(a, b, isa=isa)
        assert d == 0 and math.copysign(1, d) == (-1 if negative else 1), (n, d)
        assert same_bits(d, ref.dot(a, b, dtype))


def test_axpy_is_one_fma_per_element(isa, dtype):
    rng = np.random.default_rng(7)
    n = 3 * ref.lanes(dtype)[0] + 1
    x = at_offset(special(rng, n, dtype), 1)
    for alpha in (0.7, -1e-30, 3.0, 0.0):
        y0 = special(rng, n, dtype)
        y = at_offset(y0, 2)
        dotgrad.axpy(alpha, x, y, isa=isa)
        a = dtype(alpha)
        want = np.array([ref.fma(a, xi, yi, dtype) for xi, yi in zip(x, y0)], dtype=dtype)
        assert same_bits(y, want), (isa, alpha)


def test_scale_is_one_product_per_element(isa, dtype):
    rng = np.random.default_rng(8)
    x0 = special(rng, 517, dtype)
    for alpha in (0.3, -2.0, 1e-30):
        x = at_offset(x0, 1)
        dotgrad.scale(alpha, x, isa=isa)
        assert same_bits(x, dtype(alpha) * x0)


SHAPES = [(1, 1), (3, 5), (2, 64), (257, 3), (513, 7), (300, 33)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gemv_t_is_the_contracts(dtype, shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    x = strided(special(rng, shape[0] * shape[1], dtype).reshape(shape), col_offset=1, pad=2)
    v = special(rng, shape[0], dtype)
    want = ref.gemv_t(x, v, dtype)
    for isa in BACKENDS:
        got = dotgrad.gemv_t(x, v, isa=isa)
        assert same_bits(got, want), (isa, shape, bits(got), bits(want))


@pytest.mark.parametrize("shape", [(1, 0), (4, 1), (5, 63), (7, 64), (3, 200), (2, 5000)], ids=str)
def test_gemv_rows_are_dots_plus_b(isa, dtype, shape):
    rng = np.random.default_rng(11)
    x = strided(special(rng, shape[0] * shape[1], dtype).reshape(shape), col_offset=3, pad=1)
    w = special(rng, shape[1], dtype)
    for b in (0.0, -0.0, 0.1, -3.5):
        out = dotgrad.gemv(x, w, b, isa=isa)
        want = np.array(
            [dotgrad.dot(np.ascontiguousarray(row), w, isa=isa) + dtype(b) for row in x],
            dtype=dtype,
        ).reshape(shape[0])
        assert same_bits(out, want), (isa, shape, b)


def test_gemv_t_combines_row_blocks_by_the_tree(isa, dtype):
    rng = np.random.default_rng(12)
    m, n = 2000, 37  # 8 row blocks: the tree ((01)(23))((45)(67)) ... with a short last block
    x = strided(special(rng, m * n, dtype).reshape(m, n), col_offset=2, pad=5)
    v = special(rng, m, dtype)
    parts = [dotgrad.gemv_t(x[lo : lo + 256], v[lo : lo + 256], isa=isa) for lo in range(0, m, 256)]
    want = ref.tree(parts, lambda l, r: l + r)
    assert same_bits(dotgrad.gemv_t(x, v, isa=isa), want)


GRAD_SHAPES = [(1, 1), (5, 3), (256, 65), (257, 2), (1000, 33), (700, 0)]


@pytest.mark.parametrize("shape", GRAD_SHAPES, ids=str)
def test_linear_gradient_is_gemv_t_of_the_residuals(isa, dtype, shape):
    m, n = shape
    rng = np.random.default_rng(13 + m)
    x = strided(rng.standard_normal((m, n)).astype(dtype), col_offset=1, pad=3)
    y = rng.standard_normal(m).astype(dtype)
    w = rng.standard_normal(n).astype(dtype)
    b = 0.25
    grad_w, grad_b, loss = dotgrad.linear_gradient(x, y, w, b, isa=isa)
    e = dotgrad.gemv(x, w, b, isa=isa) - y
    assert same_bits(grad_w, dotgrad.gemv_t(x, e, isa=isa) / dtype(m))
    assert same_bits(grad_b, ref.row_block_sum(e, dtype) / dtype(m))
    # l = fma(e_i, e_i, l) per row block, then the tree: gemv_t of the m x 1 matrix e.
    l = dotgrad.gemv_t(e.reshape(m, 1), e, isa=isa)[0]
    assert same_bits(loss, l / dtype(2 * m))
    assert type(grad_b) is dtype and type(loss) is dtype


@pytest.mark.parametrize("shape", GRAD_SHAPES, ids=str)
def test_logistic_gradient_is_gemv_t_of_sigmoid_residuals(isa, dtype, shape):
    m, n = shape
    rng = np.random.default_rng(17 + m)
    x = strided(rng.standard_normal((m, n)).astype(dtype), col_offset=2)
    y = (rng.random(m) < 0.5).astype(dtype)
    w = rng.standard_normal(n).astype(dtype)
    grad_w, grad_b, _ = dotgrad.logistic_gradient(x, y, w, -0.5, isa=isa)
    e = dotgrad.sigmoid(dotgrad.gemv(x, w, -0.5, isa=isa), isa=isa) - y
    assert same_bits(grad_w, dotgrad.gemv_t(x, e, isa=isa) / dtype(m))
    assert same_bits(grad_b, ref.row_block_sum(e, dtype) / dtype(m))


# The optimizer steps, transcribed from the contract: each `fma(a, x, y)` with
# a per-call constant `a` is `axpy(a, x, y)` (checked against exact FMAs above),
# the rest numpy's correctly rounded element-wise arithmetic.


def fma_const(a, x, y, isa):
    out = np.array(y, copy=True)
    dotgrad.axpy(a, np.ascontiguousarray(x), out, isa=isa)
    return out


def sgd_ref(w, grad, lr, wd, isa):
    g = fma_const(wd, w, grad, isa) if wd != 0 else grad
    return fma_const(-lr, g, w, isa)


def momentum_ref(w, b, grad, step, lr, mu, tau, wd, nesterov, isa):
    dtype = w.dtype.type
    g = fma_const(wd, w, grad, isa) if wd != 0 else grad.copy()
    b = g.copy() if step == 1 else fma_const(mu, b, dtype(1 - tau) * g, isa)
    d = fma_const(mu, b, g, isa) if nesterov else b
    return fma_const(-lr, d, w, isa), b


def pow_sm(base, t):
    r, p = 1.0, base
    while t:
        if t & 1:
            r = r * p
        p = p * p
        t >>= 1
    return r


def adam_ref(w, m, v, vmax, grad, step, lr, b1, b2, eps, wd, amsgrad, decoupled, isa):
    dtype = w.dtype.type
    ns = -(lr / (1 - pow_sm(b1, step)))
    r = 1 / math.sqrt(1 - pow_sm(b2, step))
    g, x = grad.copy(), w.copy()
    if wd != 0:
        if decoupled:
            x = x * dtype(1 - lr * wd)
        else:
            g = fma_const(wd, x, g, isa)
    m = fma_const(b1, m, dtype(1 - b1) * g, isa)
    v = fma_const(b2, v, dtype(1 - b2) * (g * g), isa)
    if amsgrad:
        vmax = np.where(vmax > v, vmax, v)
        s = vmax
    else:
        s = v
    den = fma_const(r, np.sqrt(s), np.full_like(s, dtype(eps)), isa)
    return fma_const(ns, m / den, x, isa), m, v, vmax


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_sgd_step_is_the_contracts(isa, dtype, wd):
    rng = np.random.default_rng(21)
    w0, grad = special(rng, 333, dtype), special(rng, 333, dtype)
    w = at_offset(w0, 1)
    dotgrad.sgd_step(w, grad, lr=0.05, weight_decay=wd, isa=isa)
    assert same_bits(w, sgd_ref(w0, grad, 0.05, wd, isa))


@pytest.mark.parametrize(
    "mu,tau,wd,nesterov",
    [(0.0, 0.0, 0.0, False), (0.9, 0.0, 0.0, False), (0.9, 0.1, 1e-3, False), (0.8, 0.0, 0.02, True)],
)
def test_momentum_steps_are_the_contracts(isa, dtype, mu, tau, wd, nesterov):
    rng = np.random.default_rng(22)
    n = 129
    w, vel = special(rng, n, dtype), special(rng, n, dtype)
    rw, rv = w.copy(), vel.copy()
    for step in (1, 2, 3, 10):
        grad = special(rng, n, dtype)
        dotgrad.momentum_step(
            w, vel, grad, step, lr=0.01, momentum=mu, dampening=tau, weight_decay=wd,
            nesterov=nesterov, isa=isa,
        )
        rw, rv = momentum_ref(rw, rv, grad, step, 0.01, mu, tau, wd, nesterov, isa)
        assert same_bits(vel, rv), step
        assert same_bits(w, rw), step


@pytest.mark.parametrize(
    "wd,amsgrad,decoupled",
    [(0.0, False, False), (0.01, False, False), (0.01, False, True), (0.0, True, False), (0.1, True, True)],
    ids=["adam", "adam-l2", "adamw", "amsgrad", "adamw-amsgrad"],
)
def test_adam_steps_are_the_contracts(isa, dtype, wd, amsgrad, decoupled):
    rng = np.random.default_rng(23)
    n = 2 * ref.lanes(dtype)[0] + 7
    w = rng.standard_normal(n).astype(dtype)
    m, v = np.zeros(n, dtype), np.zeros(n, dtype)
    vmax = np.zeros(n, dtype) if amsgrad else None
    rw, rm, rv, rvmax = w.copy(), m.copy(), v.copy(), None if vmax is None else vmax.copy()
    for step in (1, 2, 3, 4, 5, 1000):
        grad = special(rng, n, dtype)
        dotgrad.adam_step(
            w, m, v, grad, step, lr=0.01, betas=(0.9, 0.99), eps=1e-6, weight_decay=wd,
            amsgrad=amsgrad, decoupled_weight_decay=decoupled, v_max=vmax, isa=isa,
        )
        rw, rm, rv, rvmax = adam_ref(
            rw, rm, rv, rvmax, grad, step, 0.01, 0.9, 0.99, 1e-6, wd, amsgrad, decoupled, isa
        )
        assert same_bits(m, rm), step
        assert same_bits(v, rv), step
        if amsgrad:
            assert same_bits(vmax, rvmax), step
        assert same_bits(w, rw), (step, bits(w), bits(rw))
