"""``torch.func.vmap`` on ``fgrad.vmap``: torch's in_dims/out_dims rules, ``randomness`` and ``chunk_size``.

The Tensors to map hand their ``_data`` to ``fgrad.vmap``; inside, each is a Tensor over a
``BatchTracer`` (it reports one example's shape) and every op runs batch-wide through the
primitives' batching rules. Keyword arguments are not mapped (torch's rule), and anything
that is not a Tensor must have ``in_dim`` None.

Random ops inside see the running vmaps (``LEVELS``) through ``fgrad_nn.random``'s draw hook:
``randomness='error'`` raises torch's RuntimeError, ``'same'`` draws one example's worth shared
by the batch, ``'different'`` draws ``(batch, *shape)`` at once and hands it in as a batched
value, so each example gets its own numbers.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable

import numpy as np

import fgrad
import fgrad.numpy as fnp
import fgrad.random as fr
from fgrad.batching import BatchTracer

from .. import random as _random
from .._ops.shape import cat
from .._tensor import Tensor, wrap
from . import _pytree as pt

__all__ = ["vmap", "run_batched", "LEVELS"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


class _Level:
    """One running vmap: its randomness flag, fgrad's trace and the batch size."""

    __slots__ = ("randomness", "trace", "size")

    def __init__(self, randomness, trace, size):
        self.randomness = randomness
        self.trace = trace
        self.size = size


LEVELS: list[_Level] = []
"""The running vmaps, outermost first."""


def _draw_hook(gen):
    """What a random op inside vmap draws from (``fgrad_nn.random.rng`` hands every draw here)."""
    if any(lv.randomness == "error" for lv in LEVELS):
        raise RuntimeError(_RANDOM_ERROR)
    different = [lv for lv in LEVELS if lv.randomness == "different"]
    return _BatchedDraws(gen, different) if different else gen


@contextlib.contextmanager
def _level(randomness, trace, size):
    LEVELS.append(_Level(randomness, trace, size))
    _random.DRAW_HOOKS.append(_draw_hook)
    try:
        yield
    finally:
        _random.DRAW_HOOKS.pop()
        LEVELS.pop()


class _BatchedDraws:
    """A NumPy Generator inside ``vmap(randomness='different')``: a draw of ``shape`` is one draw of
    ``(*batch sizes, *shape)``, boxed as a batched value of each such vmap (outermost first)."""

    def __init__(self, gen, levels):
        self._gen = gen
        self._levels = levels
        self._prefix = tuple(lv.size for lv in levels)

    def _shape(self, size):
        if size is None:
            raise NotImplementedError("vmap(randomness='different'): a single random number can't be batched")
        return self._prefix + ((size,) if isinstance(size, (int, np.integer)) else tuple(size))

    def keys(self):
        """One fgrad.random key per example (``nn.init.next_key``: dropout and the other keyed ops)."""
        return self._box(fr.split(fr.key(int(self._gen.integers(0, 2 ** 63))), self._prefix))

    def _box(self, arr):
        for lv in self._levels:
            arr = BatchTracer(lv.trace, arr, 0)
        return arr

    def random(self, size=None, dtype=np.float64):
        return self._box(self._gen.random(self._shape(size), dtype))

    def standard_normal(self, size=None, dtype=np.float64):
        return self._box(self._gen.standard_normal(self._shape(size), dtype))

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._box(self._gen.integers(low, high, self._shape(size), dtype, endpoint))

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._box(self._gen.uniform(low, high, self._shape(size)))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._box(self._gen.normal(loc, scale, self._shape(size)))

    def permutation(self, x):
        if not isinstance(x, (int, np.integer)):
            raise NotImplementedError("vmap(randomness='different'): permutation of an array")
        shape = self._shape((int(x),))
        return self._box(self._gen.permuted(np.broadcast_to(np.arange(int(x)), shape), axis=-1))

    def __getattr__(self, name):
        raise NotImplementedError(f"vmap(randomness='different'): the random draw {name!r} is not batched")


# ---------------------------------------------------------------------- checks (torch's messages)

def _name(func):
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _check_randomness(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


def _check_out_dims(out_dims, func):
    if isinstance(out_dims, int):
        return
    for d in pt.flatten(out_dims)[0]:
        if d is not None and not isinstance(d, int):
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                             "python collection of ints representing where in the outputs the vmapped dimension "
                             "should appear.")


def _flat_in_dims(func, in_dims, args):
    """``(batch size, in_dim per leaf, leaves, spec)`` of ``args``, checked as torch checks them."""
    name = _name(func)
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying "
                         "to vmap over a function with no inputs. The latter is unsupported.")
    leaves, spec = pt.flatten(args)
    dims = pt.broadcast_prefix(in_dims, spec)
    if dims is None:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has structure {pt.flatten(in_dims)[1]} but inputs has "
                         f"structure {spec}.")
    for i, (a, d) in enumerate(zip(leaves, dims)):
        if d is not None and not isinstance(d, int):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but "
                             "in_dim must be either an integer dimension or None.")
        if d is None:
            continue
        if not isinstance(a, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the "
                             f"input is of type {type(a)}. We cannot vmap over non-Tensor arguments, please use None "
                             "as the respective in_dim")
        nd = a.dim()
        if not -nd <= d < nd:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but "
                             f"that input is a Tensor of dimensionality {nd} so expected in_dim to satisfy "
                             f"-{nd} <= in_dim < {nd}.")
        dims[i] = d % nd
    return _batch_size(leaves, dims), dims, leaves, spec


def _batch_size(leaves, dims):
    sizes = [a.shape[d] for a, d in zip(leaves, dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _out_dims_per_leaf(func, out, spec, out_dims):
    def incompatible():
        raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
                         f"the structure of `outputs`. out_dims has structure {pt.flatten(out_dims)[1]} but outputs "
                         f"has structure {spec}.")
    if isinstance(out, Tensor):
        if isinstance(out_dims, int) or out_dims is None:
            return [out_dims]
        if isinstance(out_dims, tuple) and len(out_dims) == 1:
            return list(out_dims)
        incompatible()
    dims = pt.broadcast_prefix(out_dims, spec)
    if dims is None:
        incompatible()
    return dims


# ---------------------------------------------------------------------- the transform

def run_batched(fun, datas, axes, randomness):
    """``fgrad.vmap(fun, in_axes=axes)(*datas)`` with the vmap's ``randomness`` in force inside ``fun``
    (its outputs come back batched along 0). The one entry for every batched call of the torch face."""
    size = next(fnp.shape(d)[a] for d, a in zip(datas, axes) if a is not None)

    def inner(*ds):
        trace = next(d._trace for d, a in zip(ds, axes) if a is not None)
        with _level(randomness, trace, size):
            return fun(trace, *ds)

    return fgrad.vmap(inner, in_axes=tuple(axes))(*datas)


def _flat_vmap(func, flat_dims, leaves, spec, out_dims, randomness, kwargs):
    mapped = [i for i, d in enumerate(flat_dims) if d is not None]
    name = _name(func)
    held = {}

    def body(trace, *ds):
        args = list(leaves)
        for i, d in zip(mapped, ds):
            args[i] = wrap(d)
        out = func(*pt.unflatten(spec, args), **kwargs)
        o_leaves, o_spec = pt.flatten(out)
        o_dims = _out_dims_per_leaf(func, out, o_spec, out_dims)
        datas = []
        for o, d in zip(o_leaves, o_dims):
            if d is None:
                if isinstance(o, Tensor) and isinstance(o._data, BatchTracer) and o._data._trace is trace:
                    raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
                continue
            if not isinstance(o, Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(o)}. Did you "
                                 "mean to set out_dims= to None for output?")
            rank = o.dim() + 1
            if not -rank <= d < rank:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got "
                                 f"{d})")
            datas.append(o._data)
        held.update(leaves=o_leaves, spec=o_spec, dims=o_dims)
        return datas

    batched = iter(run_batched(body, [leaves[i]._data for i in mapped], [flat_dims[i] for i in mapped], randomness))
    outs = []
    for o, d in zip(held["leaves"], held["dims"]):
        if d is None:
            outs.append(o)
            continue
        y = next(batched)
        d %= len(fnp.shape(y))
        outs.append(wrap(y if d == 0 else fnp.moveaxis(y, 0, d)))
    return pt.unflatten(held["spec"], outs)


def _chunked_vmap(func, size, flat_dims, leaves, spec, out_dims, randomness, chunk_size, kwargs):
    """torch's ``chunk_size``: the batch in chunks of ``chunk_size`` examples, one vmap each, concatenated."""
    starts = range(0, size, chunk_size)
    state = _random.get_rng_state() if randomness == "same" else None
    results = []
    for s in starts:
        n = min(chunk_size, size - s)
        part = [a if d is None else a.narrow(d, s, n) for a, d in zip(leaves, flat_dims)]
        if state is not None:
            _random.set_rng_state(state)  # 'same': every chunk draws what the first did
        results.append(_flat_vmap(func, flat_dims, part, spec, out_dims, randomness, kwargs))
    per_chunk = [pt.flatten(r)[0] for r in results]
    o_spec = pt.flatten(results[0])[1]
    dims = _out_dims_per_leaf(func, results[0], o_spec, out_dims)
    outs = []
    for k, d in enumerate(dims):
        pieces = [leaf[k] for leaf in per_chunk]
        outs.append(pieces[0] if d is None or len(pieces) == 1 else cat(pieces, dim=d))
    return pt.unflatten(o_spec, outs)


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """``func`` mapped over a dimension of its Tensor arguments, computed batch-wide (``torch.func.vmap``).

    ``in_dims``: an int (every argument mapped along it), or a tuple with one entry per positional
    argument, each an int, None (not mapped) or a nest matching that argument (dicts by key).
    Keyword arguments are never mapped. ``out_dims``: the same for the outputs (None: an output that
    does not depend on the batch, returned as it is). ``randomness``: ``'error'`` (random ops raise),
    ``'different'`` (each example its own draws) or ``'same'`` (one draw shared by the batch).
    ``chunk_size``: evaluate the batch that many examples at a time (less memory) and concatenate.

    >>> torch.func.vmap(torch.dot)(torch.ones(3, 2), torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    tensor([ 3.,  7., 11.])
    >>> torch.func.vmap(torch.matmul, in_dims=(0, None))(torch.ones(4, 2), torch.ones(2, 3)).shape
    torch.Size([4, 3])
    """
    _check_randomness(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        _check_out_dims(out_dims, func)
        size, dims, leaves, spec = _flat_in_dims(func, in_dims, args)
        if chunk_size is not None and chunk_size < size:
            return _chunked_vmap(func, size, dims, leaves, spec, out_dims, randomness, chunk_size, kwargs)
        return _flat_vmap(func, dims, leaves, spec, out_dims, randomness, kwargs)

    return wrapped
