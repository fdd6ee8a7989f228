"""``import fgrad`` and ``import fgrad_nn`` stay light: the heavier parts load on first use (PEP 562).

No timings here (bench/import_time.py measures them): each check runs in a fresh interpreter and
asserts which modules an import loads, and that every lazily exported name still works.
"""
import ast
import json
import os
import subprocess
import sys

import pytest

import fgrad
import fgrad_nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Modules `import fgrad` must not load: staged programs, control flow, the pure face, ...
FGRAD_LAZY_MODULES = ["fgrad.staging", "fgrad.lax", "fgrad.nn", "fgrad.optim", "fgrad.random", "fgrad.scipy",
                      "fgrad.convolution", "fgrad.testing", "fgrad.ad_checkpoint", "fgrad.custom"]
# ... and `import fgrad_nn`: torch.nn, torch.optim, torch.func, torch.compile, torch.utils, checkpoints.
FGRAD_NN_LAZY_MODULES = ["fgrad_nn.nn", "fgrad_nn.optim", "fgrad_nn.func", "fgrad_nn._dynamo", "fgrad_nn.utils",
                         "fgrad_nn.serialization", "fgrad.optim", "fgrad.lax", "fgrad.convolution", "fgrad.random",
                         "fgrad.nn.rnn", "fgrad.nn.functional"]


def run(code):
    """Run ``code`` in a fresh interpreter; return what it printed as JSON."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def loaded_after(statement, *then):
    """The modules loaded after ``statement``, and after each statement of ``then`` in turn."""
    steps = [statement, *then]
    code = "import json, sys\nseen = []\n" + "".join(
        f"{s}\nseen.append(sorted(sys.modules))\n" for s in steps) + "print(json.dumps(seen))"
    return [set(mods) for mods in run(code)]


@pytest.mark.parametrize("package, heavy", [("fgrad", FGRAD_LAZY_MODULES), ("fgrad_nn", FGRAD_NN_LAZY_MODULES)])
def test_import_leaves_the_heavy_parts_unloaded(package, heavy):
    (mods,) = loaded_after(f"import {package}")
    assert package in mods
    assert sorted(m for m in heavy if m in mods) == []


@pytest.mark.parametrize("package", [fgrad, fgrad_nn, fgrad.nn])
def test_each_lazy_name_loads_its_module_on_first_use(package):
    names = sorted(package._LAZY)
    seen = loaded_after(f"import {package.__name__}", *(f"{package.__name__}.{n}" for n in names))
    for name, after in zip(names, seen[1:]):
        module = package._LAZY[name]
        assert module not in seen[0], f"import {package.__name__} loaded {module}"
        assert module in after, f"{package.__name__}.{name} did not load {module}"


@pytest.mark.parametrize("package", [fgrad, fgrad_nn])
def test_lazy_names_are_the_real_objects_and_listed(package):
    import importlib
    for name, module in package._LAZY.items():
        real = importlib.import_module(module)
        if module != f"{package.__name__}.{name}":
            real = getattr(real, name)
        assert getattr(package, name) is real, name
        assert name in dir(package), name
        assert name in getattr(package, "__all__", [name]), name
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name


@pytest.mark.parametrize("package", [fgrad, fgrad_nn])
def test_star_import_includes_the_lazy_names(package):
    namespace = {}
    exec(f"from {package.__name__} import *", namespace)
    assert set(package._LAZY) <= set(namespace)


def test_every_way_of_reaching_a_lazy_name_works_in_a_fresh_process():
    out = run("""
import json, pickle
import fgrad
from fgrad import jit, lax
import fgrad.numpy as fnp
import fgrad_nn as torch
from fgrad_nn import nn
import fgrad_nn.nn as nn2
import fgrad_nn.nn.functional as F
from fgrad_nn.optim import SGD
f = fgrad.jit(lambda x: fnp.sin(x) * 2)
carry, _ = lax.scan(lambda c, x: (c + x, c), 0.0, fnp.arange(3.0))
layer = torch.nn.Linear(2, 3)
back = pickle.loads(pickle.dumps(layer))
state = pickle.loads(pickle.dumps(fgrad.checkpoint_policies.dots_saveable))
print(json.dumps([float(f(0.0)), float(carry), nn is nn2 is torch.nn, type(back).__name__,
                  bool((back.weight == layer.weight).all()), callable(state), jit is fgrad.jit,
                  F is torch.nn.functional, SGD is torch.optim.SGD]))
""")
    assert out == [0.0, 3.0, True, "Linear", True, True, True, True, True]


def test_registry_is_complete_after_register_all_primitives():
    """Every module that registers primitives is in the table the registry loader imports."""
    code = """
import importlib, json, pkgutil
import fgrad
n = sorted(fgrad._register_all_primitives())
for info in pkgutil.walk_packages(fgrad.__path__, "fgrad."):
    if info.name != "fgrad.testing.strategies":  # needs Hypothesis, registers nothing
        importlib.import_module(info.name)
print(json.dumps([n, sorted(fgrad.PRIMITIVES)]))
"""
    after_loader, after_everything = run(code)
    assert after_loader == after_everything


@pytest.mark.parametrize("package", [fgrad, fgrad_nn, fgrad.nn])
def test_type_checkers_see_every_lazy_name(package):
    """The ``if TYPE_CHECKING:`` imports mirror the lazy table, so mypy and the API reference see them."""
    tree = ast.parse(open(package.__file__, encoding="utf-8").read())
    seen = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                seen.update(a.asname or a.name for a in imp.names)
    assert seen == set(package._LAZY)
