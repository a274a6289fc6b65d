"""Input generators: values that stress bit-identity, and layouts that
stress the bindings (offsets, row strides with poisoned gaps)."""

import numpy as np


def special(rng, n, dtype, scale=1.0):
    """``n`` values of ``dtype``: mostly normal, with signed zeros,
    subnormals, tiny normals (whose products round to zero or into the
    subnormal range, keeping their sign) and large values."""
    fi = np.finfo(dtype)
    x = (rng.standard_normal(n) * scale).astype(dtype)
    kind = rng.integers(0, 12, n)
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    x[kind == 0] = 0.0
    x[kind == 1] = -0.0
    sub = kind == 2
    x[sub] = (sign[sub] * rng.random(sub.sum()) * float(fi.tiny)).astype(dtype)
    small = kind == 3
    x[small] = (sign[small] * np.sqrt(float(fi.tiny)) * rng.random(small.sum())).astype(dtype)
    big = kind == 4
    x[big] = (sign[big] * 1e6 * (1 + rng.random(big.sum()))).astype(dtype)
    return x


def at_offset(x, offset):
    """A copy of the 1-D ``x`` that starts ``offset`` elements into a fresh
    buffer (so it is misaligned relative to 16/32/64 bytes when the offset
    is not a multiple of the lane count), with poison around it."""
    buf = np.full(len(x) + offset + 3, np.nan, dtype=x.dtype)
    view = buf[offset : offset + len(x)]
    view[...] = x
    return view


def strided(x, col_offset=0, pad=0):
    """The 2-D ``x`` as a view ``big[:, col_offset:col_offset + n]`` of a
    wider matrix whose other columns are NaN: a row stride of ``n + pad +
    col_offset`` elements, rows starting at an element offset, and a gap
    that any read would turn into NaN."""
    m, n = x.shape
    big = np.full((m, col_offset + n + pad), np.nan, dtype=x.dtype)
    view = big[:, col_offset : col_offset + n]
    view[...] = x
    return view


def same_bits(a, b):
    """Byte equality of two arrays or scalars, except that any NaN equals any
    NaN (the contract does not promise NaN payloads or signs)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    nan = np.isnan(a) & np.isnan(b)
    ua = a.view(np.uint32 if a.dtype == np.float32 else np.uint64)
    ub = b.view(np.uint32 if b.dtype == np.float32 else np.uint64)
    return bool(np.all((ua == ub) | nan))


def bits(x):
    """Hex of a float array's or scalar's bits, for failure messages."""
    a = np.atleast_1d(np.asarray(x))
    u = a.view(np.uint32 if a.dtype == np.float32 else np.uint64)
    return [hex(int(v)) for v in u[:8]]
