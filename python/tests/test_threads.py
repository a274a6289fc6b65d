"""The GIL is released around every kernel, and calls from many threads
give the same bits as calls from one."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import dotgrad

# Sizes that keep the scalar reference (software FMA) busy for tens of
# milliseconds, long enough for another thread to be seen running. scale has
# no FMA and runs at memory speed (3M elements took 0.3 ms in CI, too short
# for a tick), so it gets a longer vector of its own.
N = 3_000_000
N_SCALE = 48_000_000
M, K = 3000, 1000


def long_calls():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(N).astype(np.float32), rng.standard_normal(N).astype(np.float32)
    x = rng.standard_normal((M, K)).astype(np.float32)
    y, w, v = rng.standard_normal(M).astype(np.float32), np.zeros(K, np.float32), np.ones(M, np.float32)
    s = np.zeros(N, np.float32)
    long_s = np.zeros(N_SCALE, np.float32)
    return {
        "dot": lambda: dotgrad.dot(a, b, isa="scalar"),
        "axpy": lambda: dotgrad.axpy(0.5, a, s, isa="scalar"),
        "scale": lambda: dotgrad.scale(0.5, long_s, isa="scalar"),
        "gemv": lambda: dotgrad.gemv(x, w, isa="scalar"),
        "gemv_t": lambda: dotgrad.gemv_t(x, v, isa="scalar"),
        "linear_gradient": lambda: dotgrad.linear_gradient(x, y, w, isa="scalar"),
        "logistic_gradient": lambda: dotgrad.logistic_gradient(x, y, w, isa="scalar"),
        "sigmoid": lambda: dotgrad.sigmoid(a, isa="scalar"),
        "sgd_step": lambda: dotgrad.sgd_step(s, a, weight_decay=0.1, isa="scalar"),
        "momentum_step": lambda: dotgrad.momentum_step(s, a.copy(), b, 2, momentum=0.9, isa="scalar"),
        "adam_step": lambda: dotgrad.adam_step(s, np.zeros(N, np.float32), np.zeros(N, np.float32),
                                               b, 2, isa="scalar"),
    }


CALLS = long_calls()


@pytest.mark.parametrize("name", list(CALLS))
def test_gil_is_released_during_the_kernel(name):
    """A thread that needs the GIL to run makes progress while the main
    thread is inside one dotgrad call: were the GIL held, it could not
    record a single tick between the call's start and end."""
    call = CALLS[name]
    ticks = []
    stop = threading.Event()
    started = threading.Event()

    def ticker():
        started.set()
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0001)

    t = threading.Thread(target=ticker)
    t.start()
    started.wait()
    for _ in range(5):  # a busy machine may starve the ticker once; not five times
        t0 = time.perf_counter()
        call()
        t1 = time.perf_counter()
        inside = [x for x in ticks if t0 < x < t1]
        if len(inside) >= 2:
            break
    stop.set()
    t.join()
    assert len(inside) >= 2, (name, f"{(t1 - t0) * 1e3:.1f} ms call, {len(inside)} ticks inside")


def test_threads_give_the_same_bits(isa):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((600, 257)).astype(np.float64)
    y = rng.standard_normal(600)
    w = rng.standard_normal(257) * 0.01
    want = dotgrad.linear_gradient(x, y, w, isa=isa)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: dotgrad.linear_gradient(x, y, w, isa=isa), range(32)))
    for r in results:
        assert all(np.asarray(a).tobytes() == np.asarray(b).tobytes() for a, b in zip(r, want))


def test_a_thread_writing_an_array_blocks_other_dotgrad_calls_on_it():
    """numpy's borrow tracking spans threads: while one call writes an array
    (GIL released), a dotgrad call in another thread that reads it is refused
    instead of racing."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal(N).astype(np.float32)
    s = np.zeros(N, np.float32)
    errors = []
    done = threading.Event()

    def writer():
        for _ in range(20):
            dotgrad.axpy(0.5, a, s, isa="scalar")
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    while not done.is_set():
        try:
            dotgrad.dot(s, a, isa="avx2" if "avx2" in dotgrad.backends() else "scalar")
        except ValueError as e:
            errors.append(str(e))
    t.join()
    assert errors, "no call overlapped the writer (machine too busy?)"
    assert all("dotgrad call in another thread" in e for e in errors)
