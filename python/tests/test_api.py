"""The package's surface: backends, the environment variable, docstrings,
the type stubs (which must say what the functions accept), the defaults."""

import ast
import inspect
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import dotgrad
from conftest import ALL_ISAS, BACKENDS, required_isas

PACKAGE = pathlib.Path(dotgrad.__file__).parent
FUNCTIONS = [n for n in dotgrad.__all__ if inspect.isroutine(getattr(dotgrad, n))]
METHODS = [n for n in dir(dotgrad.Kernels) if not n.startswith("_") and n != "isa"]


def test_required_backends_are_present():
    for name in required_isas():
        assert name in ALL_ISAS, f"DOTGRAD_REQUIRE_ISA names {name!r}, which is not a backend"
        assert name in BACKENDS, f"DOTGRAD_REQUIRE_ISA names {name}, which this CPU cannot run"


def test_backends():
    assert BACKENDS[0] == "scalar"
    assert all(isinstance(b, str) for b in BACKENDS)
    assert BACKENDS == [i for i in ALL_ISAS if i in BACKENDS]  # slowest first, no duplicates
    assert dotgrad.best_backend() in BACKENDS
    if os.environ.get("DOTGRAD_ISA", "") == "":
        assert dotgrad.best_backend() == BACKENDS[-1]


def run_python(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-W", "always", "-c", code], env=full,
                          capture_output=True, text=True, check=True)


def test_dotgrad_isa_caps_the_automatic_choice():
    code = "import dotgrad, numpy as np; print(dotgrad.best_backend(), dotgrad.Kernels().isa)"
    assert run_python(code, DOTGRAD_ISA="scalar").stdout.split() == ["scalar", "scalar"]
    assert run_python(code, DOTGRAD_ISA="").stdout.split() == [BACKENDS[-1]] * 2
    if "avx2" in BACKENDS:
        assert run_python(code, DOTGRAD_ISA="AVX2").stdout.split() == ["avx2", "avx2"]
    # An explicit isa= is not capped.
    code2 = "import dotgrad; print(dotgrad.Kernels(dotgrad.backends()[-1]).isa)"
    assert run_python(code2, DOTGRAD_ISA="scalar").stdout.split() == [BACKENDS[-1]]


def test_invalid_dotgrad_isa_warns_at_import():
    r = run_python("import dotgrad; print(dotgrad.best_backend())", DOTGRAD_ISA="turbo")
    assert r.stdout.split() == [BACKENDS[-1]]
    assert "RuntimeWarning: DOTGRAD_ISA is ignored: unknown backend \"turbo\"" in r.stderr


def test_module_docstring_states_the_guarantee():
    doc = dotgrad.__doc__
    assert "same bits on every backend" in doc
    assert "NaN" in doc and "signed zeros" in doc and "subnormals" in doc


@pytest.mark.parametrize("name", FUNCTIONS + ["Kernels"])
def test_everything_public_has_a_docstring(name):
    doc = getattr(dotgrad, name).__doc__
    assert doc and len(doc.strip()) > 40, name


@pytest.mark.parametrize("name", METHODS)
def test_every_method_has_a_docstring(name):
    assert getattr(dotgrad.Kernels, name).__doc__, name


def stub_tree():
    path = PACKAGE / "__init__.pyi"
    return ast.parse(path.read_text())


def stub_params(fn):
    """(name, kind, default) of a stub's def, kinds as inspect's names."""
    a = fn.args
    out = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for arg, d in zip(positional, defaults):
        out.append((arg.arg, "POSITIONAL_OR_KEYWORD", None if d is None else ast.literal_eval(d)))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, "KEYWORD_ONLY", None if d is None else ast.literal_eval(d)))
    return out


def runtime_params(obj, skip_self=False):
    ps = list(inspect.signature(obj).parameters.values())
    if skip_self:
        ps = ps[1:]
    return [(p.name, p.kind.name, None if p.default is inspect.Parameter.empty else p.default)
            for p in ps]


def stub_defs():
    tree = stub_tree()
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Kernels")
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
    return funcs, methods


def test_stubs_cover_everything():
    funcs, methods = stub_defs()
    assert set(FUNCTIONS) == set(funcs)
    assert set(METHODS) <= set(methods)
    assert (PACKAGE / "py.typed").exists()
    names = {n.targets[0].id for n in stub_tree().body if isinstance(n, ast.Assign)}
    assert {"F", "Isa"} <= names


@pytest.mark.parametrize("name", FUNCTIONS)
def test_stub_signatures_match(name):
    funcs, _ = stub_defs()
    assert stub_params(funcs[name]) == runtime_params(getattr(dotgrad, name))


@pytest.mark.parametrize("name", METHODS)
def test_stub_method_signatures_match(name):
    _, methods = stub_defs()
    want = [p for p in stub_params(methods[name]) if p[0] != "self"]
    assert want == runtime_params(getattr(dotgrad.Kernels, name), skip_self=True)
    # ... and each method is its function without `isa`.
    fn = [p for p in runtime_params(getattr(dotgrad, name)) if p[0] != "isa"]
    assert fn == want


def test_optimizer_defaults_are_the_crates():
    crate = dotgrad._dotgrad._defaults()
    for name in ("sgd_step", "momentum_step", "adam_step"):
        params = inspect.signature(getattr(dotgrad, name)).parameters
        for key, value in crate[name].items():
            default = params[key].default
            assert default == value, (name, key, default, value)
    adamw = crate["adamw"]
    assert adamw["weight_decay"] == 0.01 and adamw["decoupled_weight_decay"] is True
    assert "weight_decay=0.01" in dotgrad.adam_step.__doc__.replace("``", "")


def test_version():
    assert dotgrad.__version__ == "0.1.0"


def test_results_have_the_inputs_dtype(dtype):
    a = np.ones(5, dtype)
    assert type(dotgrad.dot(a, a)) is dtype
    assert dotgrad.gemv(np.ones((2, 5), dtype), a).dtype == dtype
    assert dotgrad.sigmoid(a).dtype == dtype


def test_readme_example_runs():
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})
