"""Shared fixtures: the backends this machine has, and which run.

A backend that did not run is never a pass in silence: the report header
says which ran and which were skipped, and ``DOTGRAD_REQUIRE_ISA``
(comma- or space-separated names, e.g. ``avx2,avx512``) makes a missing one
fail the run (``test_api.py::test_required_backends_are_present``).
"""

import os
import re

import numpy as np
import pytest

import dotgrad

ALL_ISAS = ("scalar", "avx2", "avx512", "neon")
BACKENDS = dotgrad.backends()
#: The SIMD backends, each compared bit for bit with the scalar reference.
SIMD = [b for b in BACKENDS if b != "scalar"]
DTYPES = (np.float32, np.float64)


def required_isas():
    value = os.environ.get("DOTGRAD_REQUIRE_ISA", "")
    return [s for s in re.split(r"[,\s]+", value) if s]


def pytest_report_header(config):
    skipped = [i for i in ALL_ISAS if i not in BACKENDS]
    return [
        f"dotgrad {dotgrad.__version__} from {os.path.dirname(dotgrad.__file__)}",
        f"dotgrad backends: ran {', '.join(BACKENDS)}; "
        f"skipped (not on this CPU) {', '.join(skipped) or 'none'}; "
        f"best {dotgrad.best_backend()}; numpy {np.__version__}",
    ]


@pytest.fixture(params=BACKENDS)
def isa(request):
    """Every backend this CPU has, the scalar reference included."""
    return request.param


@pytest.fixture(params=DTYPES, ids=["f32", "f64"])
def dtype(request):
    return request.param


def pytest_collection_modifyitems(config, items):
    # A machine with no SIMD backend runs no bit-identity comparison: say so
    # in the summary instead of passing nothing.
    if not SIMD:
        mark = pytest.mark.skip(reason="no SIMD backend on this CPU (only scalar)")
        for item in items:
            if "simd" in getattr(item, "fixturenames", ()):
                item.add_marker(mark)


def pytest_generate_tests(metafunc):
    if "simd" in metafunc.fixturenames:
        metafunc.parametrize("simd", SIMD or ["none"])
