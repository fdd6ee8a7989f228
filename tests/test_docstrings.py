"""Every public name documents itself: a docstring with a checked example, and annotations.

The API reference site is generated from these docstrings, so what this test checks is what
users read. The modules listed here are the public surface; a name counts when its object is
defined in fgrad or fgrad_nn (NumPy's dtypes and constants re-exported by fgrad.numpy keep
NumPy's own documentation).
"""
import doctest
import importlib
import inspect

import numpy as np
import pytest

PUBLIC_MODULES = [
    "fgrad", "fgrad.numpy", "fgrad.numpy.linalg", "fgrad.scipy.special", "fgrad.nn", "fgrad.nn.functional",
    "fgrad.scipy.linalg",
    "fgrad.optim", "fgrad.random", "fgrad.testing", "fgrad.tree_util", "fgrad.lax",
    "fgrad_nn", "fgrad_nn.nn", "fgrad_nn.nn.functional", "fgrad_nn.nn.init", "fgrad_nn.optim",
    "fgrad_nn.optim.lr_scheduler", "fgrad_nn.utils.data", "fgrad_nn.func", "fgrad_nn.autograd",
    "fgrad_nn.cuda",
    "fgrad.distributed", "fgrad_nn.distributed", "fgrad_nn.nn.parallel", "fgrad_nn.utils.dlpack",
    "fgrad_nn.serialization",
    "fgrad.scipy.signal", "fgrad.scipy.integrate", "fgrad.scipy.optimize", "fgrad.scipy.ndimage",
    "fgrad.numpy.fft",
    "fgrad.scipy.fft", "fgrad.scipy.sparse.linalg", "fgrad.scipy.interpolate", "fgrad.scipy.cluster.vq",
    "fgrad.scipy.stats", *(f"fgrad.scipy.stats.{m}" for m in (
        "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma", "gennorm",
        "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial", "multivariate_normal", "nbinom",
        "norm", "pareto", "poisson", "t", "truncnorm", "uniform", "vonmises", "wrapcauchy")),
    "fgrad_nn.accelerator", "fgrad_nn.backends", "fgrad_nn.backends.cudnn", "fgrad_nn.backends.mps",
    "fgrad_nn.backends.cuda", "fgrad_nn.onnx", "fgrad_nn.linalg", "fgrad_nn.amp", "fgrad_nn.cuda.amp",
    "fgrad_nn.autograd.graph",
    "fgrad_nn.distributions", "fgrad_nn.distributions.constraints",
]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _ours(obj):
    return (getattr(obj, "__module__", None) or "").split(".")[0] in ("fgrad", "fgrad_nn")


def public_objects(modname):
    """(name, object) for each public function and class a module offers, its own or re-exported."""
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    out = []
    for name in sorted(names):
        obj = getattr(mod, name, None)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and _ours(obj):
            out.append((name, obj))
    return out


def namespace():
    """What every example may use without importing it."""
    import fgrad
    import fgrad.numpy as fnp
    import fgrad_nn as torch
    import fgrad_nn.nn as nn
    import fgrad_nn.nn.functional as F
    return {"np": np, "fgrad": fgrad, "fnp": fnp, "torch": torch, "nn": nn, "F": F}


def _unannotated(fn):
    """Parameters (and 'return') of a function that carry no annotation."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    missing = [p.name for p in sig.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__":
        missing.append("return")
    return missing


def _methods(cls):
    """The public methods (and __init__) a class of ours defines in its own body."""
    for name, member in vars(cls).items():
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member) and (name == "__init__" or not name.startswith("_")):
            yield name, member


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_every_public_name_has_a_docstring_with_an_example(modname):
    lacking = [name for name, obj in public_objects(modname) if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not lacking, f"{modname}: {len(lacking)} public names without an example: {lacking}"


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_every_public_name_is_annotated(modname):
    lacking = []
    for name, obj in public_objects(modname):
        fns = [(name, obj)] if inspect.isfunction(obj) else [(f"{name}.{m}", f) for m, f in _methods(obj)]
        lacking += [f"{n}({', '.join(miss)})" for n, f in fns if (miss := _unannotated(f))]
    assert not lacking, f"{modname}: {len(lacking)} public functions lack annotations: {lacking}"


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_examples_in_docstrings_run(modname):
    finder, runner = doctest.DocTestFinder(recurse=False), doctest.DocTestRunner(optionflags=OPTIONS)
    seen = set()
    old = np.get_printoptions()
    np.set_printoptions(precision=4, suppress=True)
    try:
        for name, obj in public_objects(modname):
            # a class's own docstring, and those of its public methods (the API pages show them too)
            members = [(name, obj)] + ([(f"{name}.{m}", f) for m, f in _methods(obj)] if inspect.isclass(obj) else [])
            for qualname, member in members:
                if id(member) in seen:
                    continue
                seen.add(id(member))
                for test in finder.find(member, f"{modname}.{qualname}", globs=namespace()):
                    runner.run(test)
    finally:
        np.set_printoptions(**old)
    assert runner.failures == 0, f"{runner.failures} failing examples in {modname} (see the output above)"
