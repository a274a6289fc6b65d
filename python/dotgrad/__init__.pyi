"""Type stubs of dotgrad (see the package docstring for the guarantee)."""

from typing import Literal, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

__version__: str
__all__: list[str]

#: float32 or float64: every array argument of a call has the same one.
F = TypeVar("F", np.float32, np.float64)

#: A backend name; ``backends()`` says which this CPU has.
Isa = Literal["scalar", "avx2", "avx512", "neon"]

class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run on this CPU (no silent fallback)."""

def backends() -> list[str]:
    """The backends this CPU can run, slowest first (always ``'scalar'``)."""

def best_backend() -> str:
    """The backend used when ``isa`` is not given (``DOTGRAD_ISA`` caps it)."""

def dot(a: NDArray[F], b: NDArray[F], *, isa: Isa | str | None = None) -> F:
    """``sum(a * b)`` in the canonical order; the same bits on every backend."""

def dot_error_bound(n: int, sum_abs: float, dtype: DTypeLike) -> float:
    """Bound on ``|dot(a, b) - exact|`` for ``n`` elements, ``sum_abs = sum(|a * b|)``."""

def axpy(alpha: float, x: NDArray[F], y: NDArray[F], *, isa: Isa | str | None = None) -> None:
    """``y = fma(alpha, x, y)`` in place."""

def scale(alpha: float, x: NDArray[F], *, isa: Isa | str | None = None) -> None:
    """``x = alpha * x`` in place."""

def gemv(
    x: NDArray[F],
    w: NDArray[F],
    b: float = 0.0,
    *,
    out: NDArray[F] | None = None,
    isa: Isa | str | None = None,
) -> NDArray[F]:
    """``out[i] = dot(x[i], w) + b``; ``x`` 2-D with contiguous rows at any row stride."""

def gemv_t(
    x: NDArray[F],
    v: NDArray[F],
    *,
    out: NDArray[F] | None = None,
    isa: Isa | str | None = None,
) -> NDArray[F]:
    """``out = x.T @ v`` (256-row blocks, block tree)."""

def linear_gradient(
    x: NDArray[F],
    y: NDArray[F],
    w: NDArray[F],
    b: float = 0.0,
    *,
    out: NDArray[F] | None = None,
    isa: Isa | str | None = None,
) -> tuple[NDArray[F], F, F]:
    """``(grad_w, grad_b, loss)`` of the mean squared error (1/2 convention), one pass."""

def logistic_gradient(
    x: NDArray[F],
    y: NDArray[F],
    w: NDArray[F],
    b: float = 0.0,
    *,
    out: NDArray[F] | None = None,
    isa: Isa | str | None = None,
) -> tuple[NDArray[F], F, F]:
    """``(grad_w, grad_b, loss)`` of the mean log-loss, one pass."""

def sigmoid(
    x: NDArray[F], *, out: NDArray[F] | None = None, isa: Isa | str | None = None
) -> NDArray[F]:
    """``1 / (1 + exp(-x))``: a new array, or written into ``out`` (``out=x``: in place)."""

def sgd_step(
    w: NDArray[F],
    grad: NDArray[F],
    *,
    lr: float = 0.001,
    weight_decay: float = 0.0,
    isa: Isa | str | None = None,
) -> None:
    """``w -= lr * (grad + weight_decay * w)`` in place."""

def momentum_step(
    w: NDArray[F],
    velocity: NDArray[F],
    grad: NDArray[F],
    step: int,
    *,
    lr: float = 0.001,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    isa: Isa | str | None = None,
) -> None:
    """SGD with momentum in place (``torch.optim.SGD`` conventions); ``step`` starts at 1."""

def adam_step(
    w: NDArray[F],
    m: NDArray[F],
    v: NDArray[F],
    grad: NDArray[F],
    step: int,
    *,
    lr: float = 0.001,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-08,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    decoupled_weight_decay: bool = False,
    v_max: NDArray[F] | None = None,
    isa: Isa | str | None = None,
) -> None:
    """Adam / AdamW / AMSGrad in place (``torch.optim.Adam``); ``step`` starts at 1."""

class Kernels:
    """A handle on one backend; its methods are the functions without ``isa``."""

    def __init__(self, isa: Isa | str | None = None) -> None: ...
    @property
    def isa(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
    def dot(self, a: NDArray[F], b: NDArray[F]) -> F: ...
    def axpy(self, alpha: float, x: NDArray[F], y: NDArray[F]) -> None: ...
    def scale(self, alpha: float, x: NDArray[F]) -> None: ...
    def gemv(
        self, x: NDArray[F], w: NDArray[F], b: float = 0.0, *, out: NDArray[F] | None = None
    ) -> NDArray[F]: ...
    def gemv_t(
        self, x: NDArray[F], v: NDArray[F], *, out: NDArray[F] | None = None
    ) -> NDArray[F]: ...
    def linear_gradient(
        self,
        x: NDArray[F],
        y: NDArray[F],
        w: NDArray[F],
        b: float = 0.0,
        *,
        out: NDArray[F] | None = None,
    ) -> tuple[NDArray[F], F, F]: ...
    def logistic_gradient(
        self,
        x: NDArray[F],
        y: NDArray[F],
        w: NDArray[F],
        b: float = 0.0,
        *,
        out: NDArray[F] | None = None,
    ) -> tuple[NDArray[F], F, F]: ...
    def sigmoid(self, x: NDArray[F], *, out: NDArray[F] | None = None) -> NDArray[F]: ...
    def sgd_step(
        self, w: NDArray[F], grad: NDArray[F], *, lr: float = 0.001, weight_decay: float = 0.0
    ) -> None: ...
    def momentum_step(
        self,
        w: NDArray[F],
        velocity: NDArray[F],
        grad: NDArray[F],
        step: int,
        *,
        lr: float = 0.001,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None: ...
    def adam_step(
        self,
        w: NDArray[F],
        m: NDArray[F],
        v: NDArray[F],
        grad: NDArray[F],
        step: int,
        *,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        decoupled_weight_decay: bool = False,
        v_max: NDArray[F] | None = None,
    ) -> None: ...
