"""A Python loop, numpy and dotgrad, side by side, on the two computations
dotgrad starts from: the dot product of a linear model with 1,000 features,
and a gradient-descent step of linear regression (numpy: ``X.T @ (X @ w - y)
/ m``), from 10^3 to 10^7 elements of float32.

numpy is measured twice, each time in a subprocess of its own: with its
BLAS threads as configured by default, and pinned to one thread
(``OPENBLAS_NUM_THREADS=1``, checked with threadpoolctl). Both subprocesses
run with ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` removed from the
environment (some machines set them to work around old OpenBLAS builds; they
slow a current one down), and report which BLAS kernel numpy ran. dotgrad
runs on one thread in both.

Every figure is the median over repeats of the time per call, each repeat a
batch of calls lasting at least ``--batch`` seconds; in each repeat numpy
and dotgrad run back to back, so their ratio is taken under the same load.

    pip install ./python threadpoolctl
    python python/bench/bench.py              # the full run (about two minutes)
    python python/bench/bench.py --quick      # sizes up to 10^5, fewer repeats
    python python/bench/bench.py --markdown   # also print the tables as Markdown
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

FEATURES = 1000
SIZES = [10**3, 10**4, 10**5, 10**6, 10**7]
LR = 0.1


def measure(fns, repeats, batch):
    """Median seconds per call of each function in ``fns`` (a dict), the
    functions interleaved within each repeat."""
    loops = {}
    for name, fn in fns.items():
        fn()  # warm up: page in the data, first-call dispatch
        n, t = 1, 0.0
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            t = time.perf_counter() - t0
            if t >= batch or n >= 1 << 20:
                break
            n = max(n * 2, int(n * batch / max(t, 1e-9) * 1.2))
        loops[name] = n
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            n = loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            times[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(ts) for name, ts in times.items()}


def python_dot(a, b):
    s = 0.0
    for x, y in zip(a, b):
        s += x * y
    return s


def python_step(rows, y, w, lr):
    """One gradient-descent step on lists: residuals, then X^T r / m, then the update."""
    m, n = len(rows), len(w)
    g = [0.0] * n
    for row, yi in zip(rows, y):
        r = python_dot(row, w) - yi
        for j in range(n):
            g[j] += r * row[j]
    for j in range(n):
        w[j] -= lr * g[j] / m


def worker(mode, quick, with_loop):
    import numpy as np
    import threadpoolctl

    import dotgrad

    if mode == "1 BLAS thread":
        threadpoolctl.threadpool_limits(1)  # a second guard besides the env vars
    info = [
        {k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads",
                               "threading_layer")}
        for d in threadpoolctl.threadpool_info()
        if d.get("user_api") == "blas"
    ]
    if mode == "1 BLAS thread":
        assert all(d["num_threads"] == 1 for d in info), info
    sizes = [s for s in SIZES if not quick or s <= 10**5]
    rng = np.random.default_rng(0)
    out = {"mode": mode, "blas": info, "numpy": np.__version__,
           "dotgrad": dotgrad.__version__, "backend": dotgrad.best_backend(),
           "dot": [], "step": []}
    repeats = 3 if quick else 7
    batch = 0.05 if quick else 0.2

    for n in sizes:
        a = rng.standard_normal(n).astype(np.float32)
        b = rng.standard_normal(n).astype(np.float32)
        r = measure({"numpy": lambda: np.dot(a, b), "dotgrad": lambda: dotgrad.dot(a, b)},
                    repeats, batch)
        if with_loop:
            la, lb = a.tolist(), b.tolist()
            r.update(measure({"loop": lambda: python_dot(la, lb)}, 1 if n >= 10**6 else 3, batch))
        out["dot"].append({"n": n, **r})

    for size in sizes:
        m = size // FEATURES
        x = (rng.standard_normal((m, FEATURES)) / np.sqrt(FEATURES)).astype(np.float32)
        y = (x @ rng.standard_normal(FEATURES).astype(np.float32)).astype(np.float32)
        w_np = np.zeros(FEATURES, np.float32)
        w_dg = np.zeros(FEATURES, np.float32)

        def numpy_step():
            g = x.T @ (x @ w_np - y) / m
            w_np[...] -= LR * g

        def dotgrad_step():
            g, _, _ = dotgrad.linear_gradient(x, y, w_dg)
            dotgrad.axpy(-LR, g, w_dg)

        r = measure({"numpy": numpy_step, "dotgrad": dotgrad_step}, repeats, batch)
        # The same step: after the same number of steps from zero, the weights agree.
        w_np[...] = 0
        w_dg[...] = 0
        for _ in range(3):
            numpy_step()
            dotgrad_step()
        assert np.allclose(w_np, w_dg, rtol=1e-4, atol=1e-6), "numpy and dotgrad disagree"
        if with_loop:
            rows, ly, lw = x.tolist(), y.tolist(), [0.0] * FEATURES
            r.update(measure({"loop": lambda: python_step(rows, ly, lw, LR)},
                             1 if size >= 10**6 else 3, batch))
        out["step"].append({"n": size, "m": m, **r})
    print(json.dumps(out))


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor() or "?"
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "rustc not on PATH"
    l1 = "?"
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index0/size") as f:
            l1 = f.read().strip()
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "l1d": l1, "rustc": rustc,
            "python": platform.python_version(),
            "date": datetime.date.today().isoformat()}


def fmt_time(t):
    if t is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def table(rows, kind, modes, markdown):
    head = ["elements"] + (["rows x features"] if kind == "step" else []) + ["Python loop"]
    for mode in modes:
        head += [f"numpy, {mode}", "dotgrad", "speed-up"]
    head += ["dotgrad vs loop"]
    lines = []
    for i, r in enumerate(rows[modes[0]]):
        cells = [f"{r['n']:,}"]
        if kind == "step":
            cells.append(f"{r['m']:,} x {FEATURES:,}")
        cells.append(fmt_time(r.get("loop")))
        for mode in modes:
            rm = rows[mode][i]
            cells += [fmt_time(rm["numpy"]), fmt_time(rm["dotgrad"]),
                      f"{rm['numpy'] / rm['dotgrad']:.2f}x"]
        r0 = rows[modes[0]][i]
        cells.append(f"{r0['loop'] / r0['dotgrad']:,.0f}x" if r0.get("loop") else "-")
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c) + " |" for c in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[k]) for c in lines)) for k, h in enumerate(head)]
    out = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    out += ["  ".join(c.rjust(w) for c, w in zip(cells, widths)) for cells in lines]
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="sizes up to 10^5, fewer repeats")
    p.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--loop", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.quick, args.loop)
        return

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    removed = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    one = dict(env, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    info = machine()
    load0 = os.getloadavg()
    results = {}
    for mode, e, loop in (("default BLAS threads", env, True), ("1 BLAS thread", one, False)):
        cmd = [sys.executable, __file__, "--worker", mode] + (["--quick"] if args.quick else [])
        cmd += ["--loop"] if loop else []
        r = subprocess.run(cmd, env=e, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"the {mode} worker failed:\n{r.stderr}")
        results[mode] = json.loads(r.stdout.strip().splitlines()[-1])
    load1 = os.getloadavg()
    # The Python loop ran in the first worker only; it does not use BLAS.
    for kind in ("dot", "step"):
        for r0, r1 in zip(results["default BLAS threads"][kind], results["1 BLAS thread"][kind]):
            r1["loop"] = r0.get("loop")
    modes = list(results)
    first = results[modes[0]]
    lines = [
        f"machine: {info['cpu']}, {info['cores']} cores, L1d {info['l1d']}; {info['date']}",
        f"python {info['python']}, numpy {first['numpy']}, dotgrad {first['dotgrad']} "
        f"(backend {first['backend']}), {info['rustc']}",
        f"load average {load0[0]:.2f} at the start, {load1[0]:.2f} at the end",
        f"removed from numpy's environment: {', '.join(removed) or 'none (neither was set)'}",
    ]
    for mode in modes:
        blas = "; ".join(
            f"{d['internal_api']} {d['version']} kernel {d['architecture']}, "
            f"{d['num_threads']} thread(s), {d['threading_layer']}"
            for d in results[mode]["blas"]) or "no BLAS found by threadpoolctl"
        lines.append(f"numpy BLAS ({mode}): {blas}")
    print("\n".join(lines))
    rows = {m: results[m]["dot"] for m in modes}
    print(f"\n(1) dot of n float32 elements (n = 1,000: a linear model's prediction)\n")
    print(table(rows, "dot", modes, False))
    rows_s = {m: results[m]["step"] for m in modes}
    print(f"\n(2) one gradient-descent step of linear regression, {FEATURES:,} features, float32\n"
          f"    numpy: g = X.T @ (X @ w - y) / m; w -= lr * g\n"
          f"    dotgrad: g, grad_b, loss = linear_gradient(X, y, w); axpy(-lr, g, w)\n")
    print(table(rows_s, "step", modes, False))
    if args.markdown:
        print("\n" + "\n".join(f"- {l}" for l in lines))
        print("\n(1) dot\n")
        print(table(rows, "dot", modes, True))
        print("\n(2) gradient step\n")
        print(table(rows_s, "step", modes, True))


if __name__ == "__main__":
    main()
