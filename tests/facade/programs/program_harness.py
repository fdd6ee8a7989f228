"""Run a miniature of a well-known PyTorch program with ``torch`` and with ``fgrad_nn``; compare.

A program is a function written once, ``def program(torch): ...``, that builds its model, trains
it for a few steps on synthetic data and returns a dict of results (losses, outputs, parameters,
Python numbers, strings). It runs in float64 (the default dtype is set for the call) with the
same seeds; weights and data come from a NumPy generator (``reinit``, ``rng``), never from the
library's own random streams, which differ. Draws the program makes with the library's generator
(``torch.multinomial``, ``Categorical.sample``, ``RandomSampler``) are reduced to what both must
agree on (shape, dtype, range) before they are returned.
"""
import math
import random
import re
import warnings

import numpy as np
import torch

import fgrad_nn
from oracle import assert_same

RTOL = 1e-10


def rng(seed=0):
    """The shared NumPy generator a program draws its data from."""
    return np.random.default_rng(seed)


def reinit(lib, module, seed=0, scale=1.0, norms=False):
    """Overwrite every parameter of ``module`` with uniform draws of a NumPy generator.

    The bound is torch's default ``1/sqrt(fan_in)`` (for vectors ``1/sqrt(len)``), so
    activations keep torch's scale; both libraries get the same values. Normalization layers keep
    their deterministic initial affine parameters (ones and zeros), as in torch, unless ``norms``.
    """
    g = np.random.default_rng(seed)
    with lib.no_grad():
        for _, p in ((n, p) for m in module.modules() if norms or "Norm" not in type(m).__name__
                     for n, p in m.named_parameters(recurse=False)):
            shape = tuple(p.shape)
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else max(shape[0], 1) if shape else 1
            bound = scale / math.sqrt(fan_in)
            p.copy_(lib.tensor(g.uniform(-bound, bound, shape), dtype=p.dtype))
    return module


def _host(x):
    """Tensors of either library stay tensors (assert_same compares them); containers recurse."""
    if isinstance(x, dict):
        return {k: _host(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_host(v) for v in x)
    return x


def run(program, lib):
    """``program(lib)`` in float64 with the seeds set; returns its results."""
    old = lib.get_default_dtype()
    threads = torch.get_num_threads()
    lib.set_default_dtype(lib.float64)
    lib.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(1)  # tiny ops: torch's thread pool only costs time (seconds on a busy machine)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _host(program(lib))
    finally:
        lib.set_default_dtype(old)
        torch.set_num_threads(threads)


def compare(program, rtol=RTOL):
    """Run ``program`` with both libraries; every result must agree (values to ``rtol``)."""
    expected = run(program, torch)
    got = run(program, fgrad_nn)
    assert isinstance(expected, dict) and set(expected) == set(got), (sorted(expected), sorted(got))
    for key in expected:
        _same(expected[key], got[key], key, rtol)


def _same(a, b, what, rtol):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{what}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            _same(a[k], b[k], f"{what}[{k!r}]", rtol)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{what}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{what}[{i}]", rtol)
    elif isinstance(a, float):
        assert isinstance(b, float), f"{what}: {a!r} vs {b!r}"
        assert math.isclose(a, b, rel_tol=rtol, abs_tol=rtol) or (math.isnan(a) and math.isnan(b)), \
            f"{what}: {a!r} vs {b!r}"
    elif isinstance(a, str):
        # printed numbers may differ in their last digit: compare the text exactly, the numbers to rtol
        pa, pb = _NUMBER.split(a), _NUMBER.split(b)
        assert pa[::2] == pb[::2], f"{what}: {a!r} vs {b!r}"
        _same([float(x) for x in pa[1::2]], [float(x) for x in pb[1::2]], what, max(rtol, 1e-15))
    else:
        assert_same(a, b, what, rtol)


_NUMBER = re.compile(r"([-+]?\d+\.\d*(?:e[-+]?\d+)?)")


def state(module):
    """A module's state_dict as a plain dict of detached tensors (the comparable end state)."""
    return {k: v.detach() for k, v in module.state_dict().items()}
