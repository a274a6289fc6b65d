"""The promise, from Python: every SIMD backend gives the scalar reference's
bytes for every function, on every tail length (0..=3W+1 and past several
16 KiB blocks), at element offsets that misalign the data, with signed
zeros, subnormals, values whose products round to zero, and large values.

Each test runs one SIMD backend (``simd``) against ``scalar``; the
header of the run says which backends this machine has.
"""

import numpy as np
import pytest

import dotgrad
from contract_ref import lanes
from inputs import at_offset, bits, same_bits, special, strided

OFFSETS = (0, 1, 3)


def tail_lengths(dtype):
    w, e = lanes(dtype)
    return list(range(0, 3 * w + 2)) + [e - 1, e, e + 1, 2 * e + 3, 5 * e + w + 7]


def vectors(dtype, count, seed):
    """(n, offset, arrays) for every tail length and offset."""
    rng = np.random.default_rng(seed)
    for n in tail_lengths(dtype):
        for off in OFFSETS:
            yield n, off, [at_offset(special(rng, n, dtype), (off + 2 * k) % 5) for k in range(count)]


def check(got, want, *where):
    assert same_bits(got, want), (where, bits(got), bits(want))


def test_dot(simd, dtype):
    for n, off, (a, b) in vectors(dtype, 2, 1):
        check(dotgrad.dot(a, b, isa=simd), dotgrad.dot(a, b, isa="scalar"), n, off)


def test_dot_ill_conditioned(simd, dtype):
    # Large terms that cancel, leaving the small ones: every rounding shows.
    rng = np.random.default_rng(2)
    for n in (100, 4097, 20000):
        a = rng.standard_normal(n).astype(dtype)
        a[: n // 2] *= 1e6
        b = np.concatenate([a[: n // 2][::-1], rng.standard_normal(n - n // 2)]).astype(dtype)
        b[: n // 2 : 2] *= -1
        check(dotgrad.dot(a, b, isa=simd), dotgrad.dot(a, b, isa="scalar"), n)


def test_axpy(simd, dtype):
    for n, off, (x, y) in vectors(dtype, 2, 3):
        for alpha in (0.75, -1e-3, 0.0):
            ys, yv = y.copy(), at_offset(y, off)
            dotgrad.axpy(alpha, x, ys, isa="scalar")
            dotgrad.axpy(alpha, x, yv, isa=simd)
            check(yv, ys, n, off, alpha)


def test_scale(simd, dtype):
    for n, off, (x,) in vectors(dtype, 1, 4):
        xs, xv = x.copy(), at_offset(x, off + 1)
        dotgrad.scale(-1.25, xs, isa="scalar")
        dotgrad.scale(-1.25, xv, isa=simd)
        check(xv, xs, n, off)


def test_sigmoid(simd, dtype):
    for n, off, (x,) in vectors(dtype, 1, 5):
        x = x * dtype(30)  # logits from deep negative (subnormal results) to saturation
        want = dotgrad.sigmoid(x, isa="scalar")
        check(dotgrad.sigmoid(x, isa=simd), want, n, off)
        inplace = at_offset(x, off)
        dotgrad.sigmoid(inplace, out=inplace, isa=simd)
        check(inplace, want, n, off, "in place")


def test_sigmoid_extremes(simd, dtype):
    fi = np.finfo(dtype)
    x = np.array(
        [0.0, -0.0, fi.tiny, -fi.tiny, fi.smallest_subnormal, 1e-3, -1e-3, 20, -20, 88, -88,
         -103, -104, -105, -745, -746, -800, 709, 710, fi.max, -fi.max, np.inf, -np.inf, np.nan],
        dtype=dtype,
    )
    check(dotgrad.sigmoid(x, isa=simd), dotgrad.sigmoid(x, isa="scalar"))


def matrix_shapes(dtype):
    w, e = lanes(dtype)
    cols = [0, 1, 2, 3, w // 2 + 1, w - 1, w, w + 1, 2 * w + 5, 3 * w + 1]
    rows = [0, 1, 2, 3, 5, 17, 255, 256, 257, 600]
    for m in rows:
        for n in cols:
            yield m, n
    for m, n in [(3, e + 3), (2, 2 * e + w + 1), (1100, 9), (40, 300)]:
        yield m, n


def matrices(dtype, seed, min_rows=0):
    rng = np.random.default_rng(seed)
    for k, (m, n) in enumerate(matrix_shapes(dtype)):
        if m < min_rows:
            continue
        x = special(rng, m * n, dtype).reshape(m, n)
        yield m, n, strided(x, col_offset=k % 3, pad=(k % 4) * 3), rng


def test_gemv(simd, dtype):
    for m, n, x, rng in matrices(dtype, 6):
        w = at_offset(special(rng, n, dtype), 1)
        want = dotgrad.gemv(x, w, -0.5, isa="scalar")
        check(dotgrad.gemv(x, w, -0.5, isa=simd), want, m, n)
        check(dotgrad.gemv(np.ascontiguousarray(x), w, -0.5, isa=simd), want, m, n, "contiguous")


def test_gemv_t(simd, dtype):
    for m, n, x, rng in matrices(dtype, 7):
        v = at_offset(special(rng, m, dtype), 2)
        want = dotgrad.gemv_t(x, v, isa="scalar")
        check(dotgrad.gemv_t(x, v, isa=simd), want, m, n)
        check(dotgrad.gemv_t(np.ascontiguousarray(x), v, isa=simd), want, m, n, "contiguous")


@pytest.mark.parametrize("kind", ["linear", "logistic"])
def test_gradients(simd, dtype, kind):
    grad = dotgrad.linear_gradient if kind == "linear" else dotgrad.logistic_gradient
    for m, n, x, rng in matrices(dtype, 8, min_rows=1):
        if kind == "linear":
            y = special(rng, m, dtype)
        else:
            y = (rng.random(m) < 0.4).astype(dtype)
            x = x / dtype(1e6)  # keep the logits finite: the loss of an infinite one is NaN
        w = at_offset((rng.standard_normal(n) * 0.1).astype(dtype), 1)
        gs, bs, ls = grad(x, y, w, 0.1, isa="scalar")
        gv, bv, lv = grad(x, y, w, 0.1, isa=simd)
        check(gv, gs, m, n)
        check(bv, bs, m, n, "grad_b")
        check(lv, ls, m, n, "loss")


def optimizer_runs(dtype, seed):
    rng = np.random.default_rng(seed)
    for n in tail_lengths(dtype):
        yield n, rng


def test_sgd_step(simd, dtype):
    for n, rng in optimizer_runs(dtype, 9):
        w = special(rng, n, dtype)
        for wd in (0.0, 0.01):
            ws, wv = w.copy(), at_offset(w, 1)
            for _ in range(3):
                g = special(rng, n, dtype)
                dotgrad.sgd_step(ws, g, lr=0.1, weight_decay=wd, isa="scalar")
                dotgrad.sgd_step(wv, g, lr=0.1, weight_decay=wd, isa=simd)
            check(wv, ws, n, wd)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_step(simd, dtype, nesterov):
    for n, rng in optimizer_runs(dtype, 10):
        state = [special(rng, n, dtype), special(rng, n, dtype)]
        s, v = [a.copy() for a in state], [at_offset(a, 3) for a in state]
        for step in (1, 2, 3, 50):
            g = special(rng, n, dtype)
            kw = dict(lr=0.05, momentum=0.9, dampening=0.0 if nesterov else 0.1,
                      weight_decay=1e-3, nesterov=nesterov)
            dotgrad.momentum_step(s[0], s[1], g, step, isa="scalar", **kw)
            dotgrad.momentum_step(v[0], v[1], g, step, isa=simd, **kw)
        check(v[0], s[0], n, "w")
        check(v[1], s[1], n, "velocity")


@pytest.mark.parametrize(
    "wd,amsgrad,decoupled", [(0.0, False, False), (0.01, False, False), (0.01, True, True)],
    ids=["adam", "adam-l2", "adamw-amsgrad"],
)
def test_adam_step(simd, dtype, wd, amsgrad, decoupled):
    for n, rng in optimizer_runs(dtype, 11):
        w = special(rng, n, dtype)
        zeros = [np.zeros(n, dtype) for _ in range(3)]
        s = [w.copy()] + [z.copy() for z in zeros]
        v = [at_offset(w, 1)] + [at_offset(z, k + 2) for k, z in enumerate(zeros)]
        for step in (1, 2, 3, 1000):
            g = special(rng, n, dtype)
            kw = dict(lr=1e-2, weight_decay=wd, amsgrad=amsgrad, decoupled_weight_decay=decoupled)
            dotgrad.adam_step(s[0], s[1], s[2], g, step, v_max=s[3] if amsgrad else None,
                              isa="scalar", **kw)
            dotgrad.adam_step(v[0], v[1], v[2], g, step, v_max=v[3] if amsgrad else None,
                              isa=simd, **kw)
        for name, a, b in zip(("w", "m", "v", "v_max"), v, s):
            check(a, b, n, name)


def test_kernels_handle_matches_isa_keyword(simd, dtype):
    rng = np.random.default_rng(12)
    a, b = special(rng, 1000, dtype), special(rng, 1000, dtype)
    k = dotgrad.Kernels(simd)
    check(k.dot(a, b), dotgrad.dot(a, b, isa="scalar"))
    x = special(rng, 300, dtype).reshape(20, 15)
    check(k.gemv_t(x, a[:20]), dotgrad.gemv_t(x, a[:20], isa="scalar"))
