"""dotgrad: explicit-SIMD kernels for ML arithmetic on numpy arrays.

Dot products, axpy and scaling, matrix-vector products (``gemv``: ``X w +
b``; ``gemv_t``: ``X^T v``), one-pass batch gradients of linear and logistic
regression, the sigmoid, and optimizer steps (SGD, momentum, Adam, AdamW,
AMSGrad), on float32 and float64 arrays.

The guarantee
-------------
Every kernel has one canonical evaluation order (written down in the Rust
crate's ``contract`` module), and every backend -- the scalar reference,
AVX2+FMA, AVX-512 and NEON -- implements exactly that order. So, **for the
same inputs, every function returns the same bits on every backend and on
every CPU**: returned arrays and scalars, and arrays updated in place, byte
for byte (``a.tobytes() == b.tobytes()``), including tails of any length,
inputs at any element offset, signed zeros and subnormals. The only
exception is a NaN result, whose payload and sign are not promised. The
promise assumes the default floating-point environment (no flush-to-zero).
The test suite checks it on every backend the machine has.

The bits are dotgrad's own, not numpy's: numpy (and the BLAS under it) sums
in another order that depends on the CPU and thread count, so the two
agree to rounding error, not bit for bit. ``dot_error_bound`` states how
far ``dot`` can be from the exact value.

Backends
--------
``backends()`` lists the ones this CPU has; ``best_backend()`` is the one
used when a call does not choose. Every function takes ``isa="avx2"`` (or
any name from ``backends()``), and ``Kernels("avx2")`` is a handle whose
methods are the same functions on that backend. A backend this CPU lacks
raises ``BackendUnavailableError``; dotgrad never falls back silently. The
environment variable ``DOTGRAD_ISA`` caps the automatic choice (an invalid
value is ignored with a ``RuntimeWarning`` at import).

Arrays
------
Vectors are 1-D C-contiguous arrays; matrices are 2-D arrays whose rows are
contiguous, at any non-negative row stride of at least a row (a C-contiguous
matrix, ``big[:, :k]``, ``big[::2]``). All arrays of a call share one dtype,
float32 or float64 in native byte order (``TypeError`` otherwise). dotgrad
never copies an argument behind your back: another layout (a transposed
matrix, ``x[::2]``, an unaligned buffer) raises ``ValueError`` naming the
argument and the fix (``numpy.ascontiguousarray``). Python scalars
(``alpha``, ``b``) are rounded to the arrays' dtype.

In-place functions (``axpy``, ``scale``, the optimizer steps) write into
the arrays given, which must be writeable and must not share memory with
another argument of the call (``ValueError``). The others return new arrays
or write into ``out=`` (checked for dtype, length, layout and
writeability). Shape errors raise ``ValueError`` with the crate's message,
and nothing is written when a call raises. The GIL is released while a
kernel runs; do not modify its arrays from another thread meanwhile.
"""

import warnings as _warnings

from . import _dotgrad
from ._dotgrad import (
    BackendUnavailableError,
    Kernels,
    adam_step,
    axpy,
    backends,
    best_backend,
    dot,
    dot_error_bound,
    gemv,
    gemv_t,
    linear_gradient,
    logistic_gradient,
    momentum_step,
    scale,
    sgd_step,
    sigmoid,
)

__version__ = _dotgrad.__version__

__all__ = [
    "BackendUnavailableError",
    "Kernels",
    "adam_step",
    "axpy",
    "backends",
    "best_backend",
    "dot",
    "dot_error_bound",
    "gemv",
    "gemv_t",
    "linear_gradient",
    "logistic_gradient",
    "momentum_step",
    "scale",
    "sgd_step",
    "sigmoid",
]

_env_error = _dotgrad._env_isa_error()
if _env_error is not None:
    _warnings.warn(
        f"DOTGRAD_ISA is ignored: {_env_error}", RuntimeWarning, stacklevel=2
    )
del _env_error
