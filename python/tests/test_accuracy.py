"""Bit-identity says nothing about being right: the results against exact
or high-precision references, within the bounds the crate documents."""

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest

import dotgrad
from contract_ref import lanes

U = {np.float32: 2.0**-24, np.float64: 2.0**-53}
ETA = {np.float32: float(np.finfo(np.float32).smallest_subnormal),
       np.float64: float(np.finfo(np.float64).smallest_subnormal)}


def exact_dot(a, b):
    return sum((Fraction(float(x)) * Fraction(float(y)) for x, y in zip(a, b)), Fraction(0))


def gamma(k, dtype):
    return k * U[dtype] / (1 - k * U[dtype])


def test_dot_error_bound_is_the_documented_formula(dtype):
    w, e = lanes(dtype)
    for n in (0, 1, 100, e, e + 1, 10 * e, 10**9):
        blocks = max(-(-n // e), 1)
        k = e // w + math.ceil(math.log2(blocks)) + int(math.log2(w))
        for s in (0.0, 1.0, 1e10):
            want = gamma(k, dtype) * s + (1 + gamma(k, dtype)) * n * ETA[dtype] / 2
            assert dotgrad.dot_error_bound(n, s, dtype) == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("case", ["random", "cancelling", "positive", "subnormal-products"])
def test_dot_within_its_bound(isa, dtype, case):
    rng = np.random.default_rng(hash(case) % 2**32)
    n = 3 * lanes(dtype)[1] + 17
    if case == "random":
        a, b = rng.standard_normal(n), rng.standard_normal(n)
    elif case == "cancelling":  # condition number ~1e8: the bound, not the result, is small
        a = rng.standard_normal(n) * np.exp(rng.uniform(-8, 8, n))
        b = rng.standard_normal(n)
        b[-1] = -float(sum(Fraction(float(dtype(x))) * Fraction(float(dtype(y)))
                           for x, y in zip(a[:-1], b[:-1]))) / float(dtype(a[-1]))
    elif case == "positive":
        a, b = rng.random(n), rng.random(n)
    else:  # every product is below the smallest normal: the n * eta / 2 term
        a = np.full(n, 0.375 * ETA[dtype] * 2**20)
        b = np.full(n, 2.0**-20)
    a, b = a.astype(dtype), b.astype(dtype)
    exact = exact_dot(a, b)
    sum_abs = float(sum(abs(Fraction(float(x)) * Fraction(float(y))) for x, y in zip(a, b)))
    got = dotgrad.dot(a, b, isa=isa)
    err = abs(Fraction(float(got)) - exact)
    bound = dotgrad.dot_error_bound(n, sum_abs, dtype)
    assert err <= Fraction(bound), (float(err), bound)
    if case == "random":  # the bound is not vacuous
        assert bound < 1e-3 * sum_abs


def test_gemv_and_gemv_t_within_their_bounds(isa):
    dtype = np.float32  # float64 references are exact enough for float32 results
    rng = np.random.default_rng(5)
    m, n = 700, 300
    x = rng.standard_normal((m, n)).astype(dtype)
    w, v = rng.standard_normal(n).astype(dtype), rng.standard_normal(m).astype(dtype)
    x64, w64, v64 = x.astype(np.float64), w.astype(np.float64), v.astype(np.float64)
    out = dotgrad.gemv(x, w, 0.5, isa=isa).astype(np.float64)
    sum_abs = np.abs(x64) @ np.abs(w64)
    bound = np.array([dotgrad.dot_error_bound(n, s, dtype) for s in sum_abs]) + U[dtype] * np.abs(out)
    assert np.all(np.abs(out - (x64 @ w64 + 0.5)) <= bound)
    blocks = -(-m // 256)
    k = 256 + math.ceil(math.log2(blocks))
    out_t = dotgrad.gemv_t(x, v, isa=isa).astype(np.float64)
    bound_t = gamma(k, dtype) * (np.abs(v64) @ np.abs(x64)) + k * ETA[dtype]
    assert np.all(np.abs(out_t - v64 @ x64) <= bound_t)


def test_linear_gradient_agrees_with_numpy(isa, dtype):
    rng = np.random.default_rng(6)
    m, n = 1000, 50
    x = rng.standard_normal((m, n)).astype(dtype)
    y = rng.standard_normal(m).astype(dtype)
    w = (rng.standard_normal(n) * 0.1).astype(dtype)
    gw, gb, loss = dotgrad.linear_gradient(x, y, w, 0.3, isa=isa)
    ld = np.longdouble
    e = x.astype(ld) @ w.astype(ld) + ld(0.3) - y.astype(ld)
    scale = np.abs(x.astype(ld)).T @ np.abs(e) / m
    tol = 4 * gamma(300 + n, dtype)
    assert np.all(np.abs(gw - x.astype(ld).T @ e / m) <= tol * scale + ETA[dtype])
    assert abs(gb - e.mean()) <= tol * np.abs(e).mean()
    assert abs(loss - (e * e).mean() / 2) <= tol * (e * e).mean()


def test_logistic_gradient_agrees_with_numpy(isa, dtype):
    rng = np.random.default_rng(7)
    m, n = 800, 20
    x = rng.standard_normal((m, n)).astype(dtype)
    y = (rng.random(m) < 0.3).astype(dtype)
    w = rng.standard_normal(n).astype(dtype)
    gw, gb, loss = dotgrad.logistic_gradient(x, y, w, -0.2, isa=isa)
    z = x.astype(np.float64) @ w.astype(np.float64) - 0.2
    p = 1 / (1 + np.exp(-z))
    want_loss = np.mean(np.logaddexp(0, z) - z * y)
    rtol = 1e-4 if dtype == np.float32 else 1e-11
    assert gw == pytest.approx(x.astype(np.float64).T @ (p - y) / m, rel=rtol, abs=rtol)
    assert gb == pytest.approx(np.mean(p - y), rel=rtol, abs=rtol)
    assert loss == pytest.approx(want_loss, rel=rtol)


def ulps(got, exact, dtype):
    """|got - exact| in units of the spacing at ``got`` (subnormal results:
    the smallest subnormal)."""
    fi = np.finfo(dtype)
    g = float(got)
    step = max(float(np.spacing(np.abs(dtype(g)))), float(fi.smallest_subnormal))
    if g == 0:
        step = float(fi.smallest_subnormal)
    return float(abs(Decimal(g) - exact) / Decimal(step))


def test_sigmoid_within_2_5_ulp(isa, dtype):
    getcontext().prec = 60
    rng = np.random.default_rng(8)
    hi = 100 if dtype == np.float32 else 740
    x = np.concatenate([rng.uniform(-hi, hi, 1500), rng.uniform(-6, 6, 1500),
                        [-4.157294, 0.0, -0.0, 1e-30, -1e-30]]).astype(dtype)
    got = dotgrad.sigmoid(x, isa=isa)
    worst = 0.0
    for xi, gi in zip(x, got):
        exact = 1 / (1 + (-Decimal(float(xi))).exp())
        worst = max(worst, ulps(gi, exact, dtype))
    assert worst <= 2.5, worst


def close(got, want, scale, rtol):
    """|got - want| <= rtol * scale, element-wise: the contract's bounds are
    absolute, in terms of the magnitudes of the terms (cancellation in a
    sum of terms is allowed to lose relative accuracy)."""
    err = np.abs(got.astype(np.float64) - want)
    assert np.all(err <= rtol * scale), float(np.max(err / scale))


def test_optimizers_agree_with_pytorchs_formulas(isa, dtype):
    """One step of each, against the documented formulas in float64."""
    rng = np.random.default_rng(9)
    n = 1000
    w0 = rng.standard_normal(n).astype(dtype)
    m0 = (rng.standard_normal(n) * 0.1).astype(dtype)
    v0 = (rng.random(n) * 0.01).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    W, M, V, G = (a.astype(np.float64) for a in (w0, m0, v0, g))
    rtol = 20 * U[dtype]
    for decoupled, wd in [(False, 0.0), (False, 0.01), (True, 0.01)]:
        w, m, v = w0.copy(), m0.copy(), v0.copy()
        t, lr, b1, b2, eps = 7, 1e-2, 0.9, 0.999, 1e-8
        dotgrad.adam_step(w, m, v, g, t, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                          decoupled_weight_decay=decoupled, isa=isa)
        gg = G + wd * W if not decoupled else G
        Wd = W * (1 - lr * wd) if decoupled else W
        Mn, Vn = b1 * M + (1 - b1) * gg, b2 * V + (1 - b2) * gg * gg
        den = np.sqrt(Vn / (1 - b2**t)) + eps
        Wn = Wd - lr * (Mn / (1 - b1**t)) / den
        m_scale = b1 * np.abs(M) + (1 - b1) * (np.abs(G) + wd * np.abs(W))
        close(m, Mn, m_scale, rtol)
        close(v, Vn, b2 * V + (1 - b2) * gg * gg, rtol)
        close(w, Wn, np.abs(W) + lr / (1 - b1**t) * m_scale / den, 4 * rtol)
    w, vel = w0.copy(), m0.copy()
    dotgrad.momentum_step(w, vel, g, 2, lr=0.1, momentum=0.9, nesterov=True, isa=isa)
    Vn = 0.9 * M + G
    v_scale = 0.9 * np.abs(M) + np.abs(G)
    close(vel, Vn, v_scale, rtol)
    close(w, W - 0.1 * (G + 0.9 * Vn), np.abs(W) + 0.1 * (np.abs(G) + 0.9 * v_scale), rtol)
    w = w0.copy()
    dotgrad.sgd_step(w, g, lr=0.1, weight_decay=0.01, isa=isa)
    close(w, W - 0.1 * (G + 0.01 * W), np.abs(W) + 0.1 * (np.abs(G) + 0.01 * np.abs(W)), rtol)
