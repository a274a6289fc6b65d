"""Argument handling, function by function: dtypes, layouts, aliasing,
read-only arrays, ``out=``, the crate's error messages, and that nothing is
written when a call raises. No call may crash or raise anything but the
documented exceptions."""

import pickle
import platform

import numpy as np
import pytest

import dotgrad
from conftest import ALL_ISAS, BACKENDS, DTYPES

# A backend of another architecture is refused with the build's target named.
ISA_ARCH = {"avx2": "x86_64", "avx512": "x86_64", "neon": "aarch64"}
MACHINE_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}.get(
    platform.machine().lower(), platform.machine().lower())

M, N = 5, 8


def specs(dtype, seed=0):
    """name -> (function, valid keyword arguments, names of the arrays it writes)."""
    rng = np.random.default_rng(seed)

    def v(k=N):
        return rng.standard_normal(k).astype(dtype)

    def x():
        return rng.standard_normal((M, N)).astype(dtype)

    labels = (rng.random(M) < 0.5).astype(dtype)
    return {
        "dot": (dotgrad.dot, dict(a=v(), b=v()), ()),
        "axpy": (dotgrad.axpy, dict(alpha=0.5, x=v(), y=v()), ("y",)),
        "scale": (dotgrad.scale, dict(alpha=0.5, x=v()), ("x",)),
        "gemv": (dotgrad.gemv, dict(x=x(), w=v(), b=0.1, out=v(M)), ("out",)),
        "gemv_t": (dotgrad.gemv_t, dict(x=x(), v=v(M), out=v()), ("out",)),
        "linear_gradient": (
            dotgrad.linear_gradient, dict(x=x(), y=v(M), w=v(), b=0.1, out=v()), ("out",)),
        "logistic_gradient": (
            dotgrad.logistic_gradient, dict(x=x(), y=labels, w=v(), b=0.1, out=v()), ("out",)),
        "sigmoid": (dotgrad.sigmoid, dict(x=v(), out=v()), ("out",)),
        "sgd_step": (dotgrad.sgd_step, dict(w=v(), grad=v()), ("w",)),
        "momentum_step": (
            dotgrad.momentum_step, dict(w=v(), velocity=v(), grad=v(), step=2),
            ("w", "velocity")),
        "adam_step": (
            dotgrad.adam_step,
            dict(w=v(), m=v(), v=v() ** 2, grad=v(), step=3, amsgrad=True, v_max=v() ** 2),
            ("w", "m", "v", "v_max")),
    }


NAMES = list(specs(np.float32))


def array_args(name):
    _, kw, _ = specs(np.float32)[name]
    return [k for k, a in kw.items() if isinstance(a, np.ndarray)]


ARRAY_ARGS = [(name, arg) for name in NAMES for arg in array_args(name)]
VECTOR_ARGS = [(n, a) for n, a in ARRAY_ARGS if specs(np.float32)[n][1][a].ndim == 1]
WRITTEN = [(n, a) for n in NAMES for a in specs(np.float32)[n][2]]


def snapshot(kw):
    return {k: a.tobytes() for k, a in kw.items() if isinstance(a, np.ndarray)}


def unchanged(kw, before):
    return all(kw[k].tobytes() == b for k, b in before.items())


@pytest.mark.parametrize("name", NAMES)
def test_valid_call(name, dtype, isa):
    fn, kw, _ = specs(dtype)[name]
    fn(**kw, isa=isa)


@pytest.mark.parametrize("name,arg", [(n, a) for n, a in ARRAY_ARGS if len(array_args(n)) > 1])
def test_mixed_dtypes_are_a_type_error(name, arg, dtype):
    fn, kw, _ = specs(dtype)[name]
    other = np.float64 if dtype == np.float32 else np.float32
    kw[arg] = kw[arg].astype(other)
    before = snapshot(kw)
    with pytest.raises(TypeError, match=rf"^{name}: mixed dtypes: `\w+` is float(32|64) but `\w+` is float(32|64)"):
        fn(**kw)
    assert unchanged(kw, before)


@pytest.mark.parametrize("bad", ["int64", "float16", "complex64", ">f4", ">f8", "bool"])
@pytest.mark.parametrize("name,arg", ARRAY_ARGS)
def test_other_dtypes_are_a_type_error(name, arg, bad):
    fn, kw, _ = specs(np.float32)[name]
    kw[arg] = kw[arg].astype(bad)
    with pytest.raises(TypeError, match=rf"^{name}: `{arg}` (has dtype|is float32 but)"):
        fn(**kw)


@pytest.mark.parametrize("name,arg", ARRAY_ARGS)
def test_non_arrays_are_a_type_error(name, arg):
    fn, kw, _ = specs(np.float32)[name]
    kw[arg] = kw[arg].tolist()
    with pytest.raises(TypeError, match=rf"^{name}: `{arg}` must be a numpy.ndarray of float32 or float64, got list"):
        fn(**kw)


@pytest.mark.parametrize("name,arg", ARRAY_ARGS)
def test_wrong_dimensions_are_a_value_error(name, arg, dtype):
    fn, kw, _ = specs(dtype)[name]
    a = kw[arg]
    kw[arg] = a.reshape(1, -1) if a.ndim == 1 else a.reshape(-1)
    with pytest.raises(ValueError, match=rf"^{name}: `{arg}` must be a {a.ndim}-D array, got {kw[arg].ndim}-D"):
        fn(**kw)


@pytest.mark.parametrize("name,arg", VECTOR_ARGS)
def test_strided_vectors_are_refused_not_copied(name, arg, dtype):
    fn, kw, _ = specs(dtype)[name]
    kw[arg] = np.repeat(kw[arg], 2)[::2]
    before = snapshot(kw)
    with pytest.raises(ValueError, match=rf"^{name}: `{arg}` must be contiguous.*ascontiguousarray"):
        fn(**kw)
    assert unchanged(kw, before)


def unaligned(a):
    buf = bytearray(a.nbytes + 1)
    u = np.frombuffer(buf, dtype=a.dtype, offset=1, count=a.size).reshape(a.shape)
    u[...] = a
    assert not u.flags.aligned
    return u


@pytest.mark.parametrize("name,arg", ARRAY_ARGS)
def test_unaligned_arrays_are_refused(name, arg, dtype):
    fn, kw, _ = specs(dtype)[name]
    kw[arg] = unaligned(kw[arg])
    with pytest.raises(ValueError, match=rf"^{name}: `{arg}` is not aligned"):
        fn(**kw)


@pytest.mark.parametrize("name,arg", WRITTEN)
def test_read_only_outputs_are_refused(name, arg, dtype):
    fn, kw, _ = specs(dtype)[name]
    kw[arg].setflags(write=False)
    before = snapshot(kw)
    with pytest.raises(ValueError, match=rf"^{name}: `{arg}` is read-only"):
        fn(**kw)
    assert unchanged(kw, before)


@pytest.mark.parametrize("name", NAMES)
def test_read_only_inputs_are_fine(name, dtype):
    fn, kw, written = specs(dtype)[name]
    for k, a in kw.items():
        if isinstance(a, np.ndarray) and k not in written:
            a.setflags(write=False)
    fn(**kw)


ALIASES = [
    (n, w, o) for n, w in WRITTEN for o in array_args(n) if o != w
]


@pytest.mark.parametrize("name,written,other", ALIASES)
def test_written_arrays_must_not_share_memory(name, written, other, dtype):
    fn, kw, _ = specs(dtype)[name]
    # `other` and `written` as views of one buffer, overlapping by all but
    # one element.
    o, w = kw[other], kw[written]
    buf = np.concatenate([o.reshape(-1), w.reshape(-1), w.reshape(-1)])
    kw[other] = buf[: o.size].reshape(o.shape)
    kw[written] = buf[1 : 1 + w.size]
    assert np.shares_memory(kw[written], kw[other])
    before = snapshot(kw)
    with pytest.raises(ValueError, match=rf"^{name}: `({written}|{other})` shares memory"):
        fn(**kw)
    assert unchanged(kw, before)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "scale"])  # scale has one array
def test_shape_errors_carry_the_crates_message_and_write_nothing(name, dtype):
    fn, kw, written = specs(dtype)[name]
    # Shorten the last read-only vector (or the first written one) by one.
    inputs = [k for k in array_args(name) if k not in written and kw[k].ndim == 1]
    victim = inputs[-1] if inputs else written[0]
    kw[victim] = kw[victim][:-1].copy()
    before = snapshot(kw)
    with pytest.raises(ValueError, match=rf"^{name}: (length of `\w+` \(\d+\) does not match length of `\w+` \(\d+\)|length of `\w+` vs \w+ of `x`: expected \d+, found \d+)$"):
        fn(**kw)
    assert unchanged(kw, before)


def test_exact_crate_messages():
    a = np.ones(3, np.float32)
    with pytest.raises(ValueError) as e:
        dotgrad.dot(a, a[:2])
    assert str(e.value) == "dot: length of `a` (3) does not match length of `b` (2)"
    with pytest.raises(ValueError) as e:
        dotgrad.gemv(np.ones((2, 3)), np.ones(4))
    assert str(e.value) == "gemv: length of `w` vs columns of `x`: expected 3, found 4"
    with pytest.raises(ValueError) as e:
        dotgrad.linear_gradient(np.ones((0, 3)), np.ones(0), np.ones(3))
    assert str(e.value) == (
        "linear_gradient: rows of `x` (the mean needs at least one): expected 1, found 0")
    with pytest.raises(ValueError) as e:
        dotgrad.adam_step(a, a.copy(), a.copy(), a.copy(), 1, betas=(1.0, 0.999))
    assert str(e.value) == "adam_step: parameter `beta1` = 1 is invalid: must be in [0, 1)"


@pytest.mark.parametrize("name", NAMES)
def test_unknown_and_unavailable_backends(name):
    fn, kw, _ = specs(np.float32)[name]
    before = snapshot(kw)
    with pytest.raises(ValueError) as e:
        fn(**kw, isa="sse9")
    assert str(e.value) == 'unknown backend "sse9": expected one of scalar, avx2, avx512, neon'
    for missing in [i for i in ALL_ISAS if i not in BACKENDS]:
        with pytest.raises(dotgrad.BackendUnavailableError) as e:
            fn(**kw, isa=missing)
        assert str(e.value) in (
            f"the {missing} backend is not available on this CPU",
            f"the {missing} backend is for {ISA_ARCH[missing]}; this build targets {MACHINE_ARCH}",
        ), str(e.value)
    assert unchanged(kw, before)


def test_unavailable_backend_is_a_runtime_error():
    assert issubclass(dotgrad.BackendUnavailableError, RuntimeError)
    missing = [i for i in ALL_ISAS if i not in BACKENDS]
    assert missing, "no CPU has every backend (NEON and AVX are exclusive)"
    with pytest.raises(dotgrad.BackendUnavailableError, match="not available on this CPU|this build targets"):
        dotgrad.Kernels(missing[0])


# --- out= -------------------------------------------------------------------

OUT_FUNCS = [n for n in NAMES if "out" in specs(np.float32)[n][1]]


@pytest.mark.parametrize("name", OUT_FUNCS)
def test_out_is_filled_and_returned(name, dtype, isa):
    fn, kw, _ = specs(dtype)[name]
    out = kw.pop("out")
    fresh = fn(**kw, isa=isa)
    got = fn(**kw, out=out, isa=isa)
    if isinstance(fresh, tuple):
        assert got[0] is out
        assert fresh[0].dtype == dtype and fresh[0].flags.c_contiguous
        assert all(a.tobytes() == b.tobytes() for a, b in zip(fresh, got))
        assert all(type(s) is dtype for s in fresh[1:])
    else:
        assert got is out
        assert fresh.dtype == dtype and fresh.tobytes() == out.tobytes()


@pytest.mark.parametrize("name", OUT_FUNCS)
def test_out_of_the_wrong_length_is_refused(name, dtype):
    fn, kw, _ = specs(dtype)[name]
    kw["out"] = np.full(kw["out"].size + 1, 7, dtype)
    # The gradients' `out` is the crate's `grad_w`, and its message says so.
    with pytest.raises(ValueError, match=rf"^{name}: length of `(out|x|grad_w)`"):
        fn(**kw)
    assert np.all(kw["out"] == 7)


def test_sigmoid_in_place_and_into_out():
    x = np.linspace(-5, 5, 11, dtype=np.float32)
    want = dotgrad.sigmoid(x)
    assert want is not x and want.dtype == np.float32
    y = x.copy()
    assert dotgrad.sigmoid(y, out=y) is y
    assert y.tobytes() == want.tobytes()
    y = x.copy()
    assert dotgrad.sigmoid(y, out=y[:]).base is y  # a view of exactly x's elements: in place
    assert y.tobytes() == want.tobytes()
    z = np.concatenate([x, x])
    with pytest.raises(ValueError, match="^sigmoid: `out` shares memory"):
        dotgrad.sigmoid(z[:11], out=z[1:12])


# --- matrices ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda big: big[:, :5],
        lambda big: big[::2, :5],
        lambda big: big[1:, 3:8],
        lambda big: big[2:3, 1:6],
        lambda big: big[:, 4:9][::3],
    ],
    ids=["leading-columns", "every-other-row", "inner-block", "one-row", "strided-rows"],
)
def test_row_strided_matrices_are_read_in_place(make, dtype, isa):
    big = np.random.default_rng(3).standard_normal((9, 13)).astype(dtype)
    x = make(big)
    assert not x.flags.c_contiguous or x.shape[0] == 1
    c = np.ascontiguousarray(x)
    w, v = np.arange(5, dtype=dtype), np.arange(x.shape[0], dtype=dtype)
    assert dotgrad.gemv(x, w, 1.0, isa=isa).tobytes() == dotgrad.gemv(c, w, 1.0, isa=isa).tobytes()
    assert dotgrad.gemv_t(x, v, isa=isa).tobytes() == dotgrad.gemv_t(c, v, isa=isa).tobytes()
    g1 = dotgrad.linear_gradient(x, v, w, isa=isa)
    g2 = dotgrad.linear_gradient(c, v, w, isa=isa)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(g1, g2))


def test_one_column_fortran_matrix_is_fine(dtype):
    x = np.asfortranarray(np.arange(6, dtype=dtype).reshape(6, 1))
    assert dotgrad.gemv(x, np.ones(1, dtype)).tolist() == list(range(6))


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda a: a.T, r"rows of `x` must be contiguous"),
        (lambda a: a[:, ::2], r"rows of `x` must be contiguous"),
        (lambda a: a[::-1], r"negative row stride"),
        (lambda a: np.broadcast_to(a[0], a.shape),
         r"^gemv: Matrix::new: row stride shorter than a row: expected \d+, found 0$"),
        (lambda a: np.lib.stride_tricks.as_strided(a, (4, 6), (2 * a.itemsize, a.itemsize)),
         r"^gemv: Matrix::new: row stride shorter than a row: expected 6, found 2$"),
        (lambda a: a.view(np.uint8)[:, 1:-a.itemsize + 1].view(a.dtype),
         r"not aligned"),
    ],
    ids=["transposed", "column-strided", "reversed", "broadcast", "overlapping-rows", "byte-offset"],
)
def test_other_matrix_layouts_are_refused(make, match, dtype):
    a = np.arange(36, dtype=dtype).reshape(6, 6)
    x = make(a)
    with pytest.raises(ValueError, match=match.replace("^gemv: Matrix::new", "^Matrix::new")
                       if "Matrix::new" in match else match):
        dotgrad.gemv(x, np.ones(x.shape[1], dtype))


def test_empty_inputs(dtype, isa):
    e = np.zeros(0, dtype)
    d = dotgrad.dot(e, e, isa=isa)
    assert type(d) is dtype and d.tobytes() == dtype(0.0).tobytes()
    assert dotgrad.gemv(np.zeros((0, 4), dtype), np.ones(4, dtype), isa=isa).shape == (0,)
    assert dotgrad.gemv(np.zeros((3, 0), dtype), e, 2.0, isa=isa).tolist() == [2.0] * 3
    assert dotgrad.gemv_t(np.zeros((0, 3), dtype), e, isa=isa).tobytes() == bytes(3 * e.itemsize)
    assert dotgrad.gemv_t(np.zeros((4, 0), dtype), np.ones(4, dtype), isa=isa).shape == (0,)
    gw, gb, loss = dotgrad.linear_gradient(np.zeros((2, 0), dtype), np.ones(2, dtype), e, isa=isa)
    assert gw.shape == (0,) and gb == -1 and loss == 0.5
    assert dotgrad.sigmoid(e, isa=isa).shape == (0,)
    dotgrad.axpy(1.0, e, e.copy(), isa=isa)
    dotgrad.adam_step(e.copy(), e.copy(), e.copy(), e, 1, isa=isa)


# --- scalars and parameters ---------------------------------------------------


def test_step_counter_is_checked():
    a = np.ones(4, np.float32)
    for step, text in [(0, "0"), (-2, "-2")]:
        with pytest.raises(ValueError) as e:
            dotgrad.momentum_step(a, a.copy(), a.copy(), step)
        assert str(e.value) == (
            f"momentum_step: parameter `step` = {text} is invalid: must be >= 1 (the first step is 1)")
    with pytest.raises(TypeError):
        dotgrad.adam_step(a, a.copy(), a.copy(), a.copy(), 1.5)


def test_amsgrad_and_v_max_go_together():
    a = [np.ones(4, np.float32) for _ in range(5)]
    with pytest.raises(ValueError, match=r"^adam_step: length of `w` \(4\) does not match length of `v_max` \(0\)$"):
        dotgrad.adam_step(a[0], a[1], a[2], a[3], 1, amsgrad=True)
    with pytest.raises(ValueError, match=r"^adam_step: parameter `amsgrad`"):
        dotgrad.adam_step(a[0], a[1], a[2], a[3], 1, v_max=a[4])


def test_dot_error_bound_arguments():
    assert dotgrad.dot_error_bound(0, 0.0, np.float32) == 0.0
    for dt in (np.float32, "float32", np.dtype("f4"), "f4"):
        assert dotgrad.dot_error_bound(10, 1.0, dt) == dotgrad.dot_error_bound(10, 1.0, np.float32)
    assert dotgrad.dot_error_bound(10, 1.0, np.float64) < dotgrad.dot_error_bound(10, 1.0, np.float32)
    assert dotgrad.dot_error_bound(10, np.inf, "f8") == np.inf
    for bad in (-1.0, np.nan):
        with pytest.raises(ValueError, match="sum_abs"):
            dotgrad.dot_error_bound(10, bad, np.float32)
    with pytest.raises(TypeError, match="dtype"):
        dotgrad.dot_error_bound(10, 1.0, np.int32)
    with pytest.raises(OverflowError):
        dotgrad.dot_error_bound(-1, 1.0, np.float32)


def test_python_scalars_are_rounded_to_the_dtype(isa):
    x = np.ones(3, np.float32)
    y = np.zeros(3, np.float32)
    dotgrad.axpy(0.1, x, y, isa=isa)  # 0.1 rounds to float32 first
    assert y.tobytes() == np.full(3, np.float32(0.1)).tobytes()
    out = dotgrad.gemv(np.zeros((2, 2), np.float32), np.zeros(2, np.float32), 1e-50, isa=isa)
    assert out.tobytes() == np.zeros(2, np.float32).tobytes()  # 1e-50 rounds to +0.0 in float32


# --- the Kernels handle -------------------------------------------------------


def test_kernels_handle():
    best = dotgrad.Kernels()
    assert best.isa == dotgrad.best_backend()
    assert best == dotgrad.Kernels(dotgrad.best_backend())
    for name in BACKENDS:
        k = dotgrad.Kernels(name)
        assert k.isa == name
        assert repr(k) == f'dotgrad.Kernels("{name}")'
        assert pickle.loads(pickle.dumps(k)) == k
        assert hash(k) == hash(dotgrad.Kernels(name.upper()))
    assert len({dotgrad.Kernels(n) for n in BACKENDS}) == len(BACKENDS)
    assert dotgrad.Kernels("scalar") != "scalar"
    with pytest.raises(ValueError, match="unknown backend"):
        dotgrad.Kernels("fast")


@pytest.mark.parametrize("name", NAMES)
def test_kernels_methods_match_functions(name, dtype):
    fn, kw, written = specs(dtype, seed=5)[name]
    _, kw2, _ = specs(dtype, seed=5)[name]
    for isa in BACKENDS:
        r1 = fn(**kw, isa=isa)
        r2 = getattr(dotgrad.Kernels(isa), name)(**kw2)
        for k in written:
            assert kw[k].tobytes() == kw2[k].tobytes()
        if r1 is not None:
            r1 = r1 if isinstance(r1, tuple) else (r1,)
            r2 = r2 if isinstance(r2, tuple) else (r2,)
            assert all(np.asarray(a).tobytes() == np.asarray(b).tobytes() for a, b in zip(r1, r2))


def test_dtypes_listed():
    assert DTYPES == (np.float32, np.float64)


def test_failed_allocations_are_memory_errors_not_panics():
    # Matrices of no element may have any number of rows or columns; the
    # output for them does not fit in memory, and numpy says so.
    with pytest.raises(MemoryError):
        dotgrad.gemv(np.zeros((2**40, 0), np.float32), np.zeros(0, np.float32))
    with pytest.raises(MemoryError):
        dotgrad.gemv_t(np.zeros((0, 2**40), np.float32), np.zeros(0, np.float32))
    with pytest.raises(MemoryError):
        dotgrad.linear_gradient(np.zeros((0, 2**40), np.float32), np.zeros(0, np.float32),
                                np.zeros(0, np.float32))


def junk(rng):
    """A random argument: arrays of any dtype, shape and layout, and non-arrays."""
    kind = rng.integers(0, 12)
    n = int(rng.integers(0, 7))
    dt = [np.float32, np.float64, np.int32, np.float16][int(rng.integers(0, 4))]
    if kind == 0:
        return None
    if kind == 1:
        return float(rng.standard_normal())
    if kind == 2:
        return "avx2"
    if kind == 3:
        return [1.0] * n
    if kind == 4:
        return np.zeros((n, int(rng.integers(0, 4))), dt)[:, ::2]
    if kind == 5:
        return np.zeros((n, 3), dt)[::-1]
    if kind == 6:
        return np.zeros(n, dt)[::2]
    if kind == 7:
        return np.broadcast_to(np.ones(3, dt), (n, 3))
    if kind == 8:
        return np.zeros((), dt)
    if kind == 9:
        return np.zeros((n, n, 2), dt)
    return np.ones(n if kind == 10 else (n, int(rng.integers(0, 4))), dt)


@pytest.mark.parametrize("name", NAMES)
def test_random_arguments_raise_documented_exceptions_only(name):
    fn, kw, _ = specs(np.float32)[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    allowed = (TypeError, ValueError, OverflowError, MemoryError, dotgrad.BackendUnavailableError)
    for _ in range(300):
        args = dict(kw)
        for k in rng.choice(list(kw), size=int(rng.integers(1, 3)), replace=False):
            args[k] = junk(rng)
        try:
            fn(**args)
        except allowed:
            pass
        # Anything else, a pyo3 PanicException (a BaseException) included, fails the test.
