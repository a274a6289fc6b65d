"""An independent transcription of the crate's contract, in exact arithmetic.

Every operation is computed exactly with ``fractions.Fraction`` and rounded
once, to nearest even, into float32 or float64 (subnormals and overflow
included), so ``fma`` here is a true fused multiply-add. The orders (lanes
of 256-byte stripes, 16 KiB blocks, the block tree, the halving fold,
256-row blocks) are those of the contract text, not of the crate's code:
agreement is evidence that the crate's scalar reference, every backend, and
the bindings' handling of the arrays all do what the contract says.
"""

import math
from fractions import Fraction

import numpy as np

#: (precision p with the hidden bit, minimum normal exponent, maximum exponent)
FORMATS = {np.float32: (24, -126, 127), np.float64: (53, -1022, 1023)}


def _round(q, dtype, negative_zero):
    """``q`` (a nonzero Fraction, or 0) rounded to ``dtype``; an exact zero is
    ``-0.0`` when ``negative_zero``."""
    p, emin, emax = FORMATS[dtype]
    if q == 0:
        return dtype(-0.0 if negative_zero else 0.0)
    sign = -1 if q < 0 else 1
    a = abs(q)
    # e with 2^e <= a < 2^(e+1)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    quantum_exp = max(e, emin) - (p - 1)
    scaled = a / Fraction(2) ** quantum_exp
    n = scaled.numerator // scaled.denominator
    rem = scaled - n
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and n % 2 == 1):
        n += 1
    if n == 0:
        return dtype(sign * 0.0)  # underflow keeps the sign of the exact value
    if n.bit_length() + quantum_exp > emax + 1:
        value = math.inf  # rounded past the largest finite value
    else:
        value = math.ldexp(n, quantum_exp)
    return dtype(sign * value)


def _signbit(x):
    return math.copysign(1.0, float(x)) < 0


def fma(a, b, c, dtype):
    """``a * b + c`` with one rounding (finite inputs)."""
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    # An exact zero sum is -0.0 only when both addends are -0.0.
    product_negative = (_signbit(a) != _signbit(b)) and (a == 0 or b == 0)
    negative_zero = (a == 0 or b == 0) and product_negative and c == 0 and _signbit(c)
    return _round(exact, dtype, negative_zero)


def add(a, b, dtype):
    """``a + b`` rounded once (finite inputs)."""
    exact = Fraction(float(a)) + Fraction(float(b))
    negative_zero = a == 0 and b == 0 and _signbit(a) and _signbit(b)
    return _round(exact, dtype, negative_zero)


def tree(parts, combine):
    """The block tree: ``T(lo..hi) = T(lo..lo+P) (+) T(lo+P..hi)``, ``P`` the
    largest power of two strictly below ``hi - lo``."""
    if len(parts) == 1:
        return parts[0]
    p = 1
    while p * 2 < len(parts):
        p *= 2
    return combine(tree(parts[:p], combine), tree(parts[p:], combine))


def lanes(dtype):
    """(W, E): lanes in a 256-byte stripe, elements in a 16 KiB block."""
    size = np.dtype(dtype).itemsize
    return 256 // size, 16384 // size


def dot(a, b, dtype):
    """The contract's dot, operation by operation."""
    w, e = lanes(dtype)
    zero = dtype(0.0)
    n = len(a)
    blocks = []
    for lo in range(0, max(n, 1), e):
        s = [zero] * w
        for j in range(lo, min(lo + e, n)):
            s[j % w] = fma(a[j], b[j], s[j % w], dtype)
        blocks.append(s)
    s = tree(blocks, lambda l, r: [add(x, y, dtype) for x, y in zip(l, r)])
    half = w // 2
    while half >= 1:
        s = [add(s[i], s[i + half], dtype) for i in range(half)]
        half //= 2
    return s[0]


def gemv_t(x, v, dtype, rows_per_block=256):
    """The contract's ``x.T @ v``: 256-row blocks of sequential FMAs, block tree."""
    m, n = x.shape
    zero = dtype(0.0)
    blocks = []
    for lo in range(0, max(m, 1), rows_per_block):
        g = [zero] * n
        for i in range(lo, min(lo + rows_per_block, m)):
            for j in range(n):
                g[j] = fma(v[i], x[i, j], g[j], dtype)
        blocks.append(g)
    g = tree(blocks, lambda l, r: [add(p, q, dtype) for p, q in zip(l, r)])
    return np.array(g, dtype=dtype)


def row_block_sum(e, dtype, rows_per_block=256):
    """``gb`` of the gradients: a sequential sum per 256-row block, then the tree."""
    zero = dtype(0.0)
    blocks = []
    for lo in range(0, max(len(e), 1), rows_per_block):
        s = zero
        for x in e[lo : lo + rows_per_block]:
            s = add(s, x, dtype)
        blocks.append(s)
    return tree(blocks, lambda l, r: add(l, r, dtype))
