"""Batching: ``vmap``'s trace, and the generic batching rules the primitive families share.

A ``BatchTracer`` holds a value with one extra axis, ``bdim``, the batch axis; to the
function being mapped it looks like one example (its ``shape`` leaves ``bdim`` out).
``BatchTrace.process`` hands each primitive call to the primitive's batching rule,
``rule(prim, args, dims, params) -> (out, out_dim)``: ``dims`` holds each argument's
batch axis, or None for an argument that is not mapped, and the rule computes the
whole batch with whole-array operations (never a loop over the batch). Rules bind
primitives, so batching composes with every other transform in any order.

>>> rule = fgrad.batching.elementwise   # x + y: align the batch axes, broadcast, bind once
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from .core import PRIMITIVES, Trace, Tracer
from .errors import ConcretizationTypeError, NonConcreteBooleanIndexError
from .tree_util import tree_flatten, tree_unflatten

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from .core import Primitive

__all__ = ["vmap", "ConcretizationTypeError", "NonConcreteBooleanIndexError", "BatchTrace", "BatchTracer", "moveaxis", "to_front", "elementwise", "reduction",
           "not_batchable"]


class BatchTracer(Tracer):
    """One example of a batch: ``_value`` has the batch along ``_bdim`` (an int, never None)."""

    __slots__ = ("_bdim",)

    def __init__(self, trace, value, bdim):
        self._trace = trace
        self._value = value
        self._bdim = bdim

    @property
    def shape(self):
        s = _shape(self._value)
        return s[:self._bdim] + s[self._bdim + 1:]

    def _nondiff_value(self):
        return BatchTracer(self._trace, _nondiff_value(self._value), self._bdim)

    def _example(self):
        v = self._value
        v = v._example() if isinstance(v, Tracer) else v
        return v[(slice(None),) * self._bdim + (0,)]

    # One example has no single concrete value: Python control flow on it can't be batched.
    def _concrete_error(self, *_):
        raise ConcretizationTypeError(f"vmap: a batched value of per-example shape {self.shape} was used where a concrete "
                        "Python value is needed (bool(), int(), float(), an index or an `if`); use "
                        "fgrad.numpy.where (or compute it outside the mapped function) instead")

    __bool__ = __int__ = __float__ = __index__ = __complex__ = _concrete_error


def _nondiff_value(x):
    return x._nondiff_value() if isinstance(x, Tracer) else x


def _shape(x):
    s = getattr(x, "shape", None)
    return np.shape(x) if s is None else tuple(s)


class BatchTrace(Trace):
    """One running ``vmap``: ``size`` is the length of the mapped axis."""

    __slots__ = ("size",)

    def __init__(self, size):
        super().__init__()
        self.size = size

    def process(self, prim, args, params):
        vals, dims = [], []
        mapped = False
        for a in args:
            if isinstance(a, BatchTracer) and a._trace is self:
                vals.append(a._value)
                dims.append(a._bdim)
                mapped = True
            else:
                vals.append(a)
                dims.append(None)
        if not mapped:
            return prim.bind(*vals, **params)
        if prim.batch is None:
            raise NotImplementedError(f"vmap: primitive {prim.name!r} has no batching rule yet")
        out, out_dim = prim.batch(prim, vals, dims, params)
        if prim.multiple_results:
            return tuple(o if d is None else BatchTracer(self, o, d) for o, d in zip(out, out_dim))
        return out if out_dim is None else BatchTracer(self, out, out_dim)

    def box(self, value, bdim):
        return value if bdim is None else BatchTracer(self, value, bdim)

    def unbox(self, x):
        """(value, batch axis or None) of ``x`` at this trace."""
        if isinstance(x, BatchTracer) and x._trace is self:
            return x._value, x._bdim
        return x, None


# ------------------------------------------------------------------ helpers for rules

# The rules bind primitives from the registry by name: fgrad.numpy registers its primitives with
# these rules, so this module sits below it.

def reshape(x: Any, shape: Sequence[int]) -> Any:
    return x if _shape(x) == tuple(shape) else PRIMITIVES["reshape"].bind(x, shape=tuple(shape))


def moveaxis(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` at ``dst`` (no-op when they agree)."""
    if src == dst:
        return x
    perm = [i for i in range(len(_shape(x))) if i != src]
    perm.insert(dst, src)
    return PRIMITIVES["transpose"].bind(x, axes=tuple(perm))


def to_front(x: Any, d: int | None) -> Any:
    """A batched argument with its batch axis first; an unbatched one unchanged."""
    return x if d is None or d == 0 else moveaxis(x, d, 0)


def axis_size(args: Sequence[Any], dims: Sequence[int | None]) -> int:
    """The batch size, from the first mapped argument."""
    for a, d in zip(args, dims):
        if d is not None:
            return _shape(a)[d]
    raise ValueError("no mapped argument")


def elementwise(prim: Primitive, args: Sequence[Any], dims: Sequence[int | None],
                params: dict[str, Any]) -> tuple[Any, int]:
    """NumPy broadcasting: each batched argument gets its batch axis first and enough unit axes
    after it to line up with the widest example; unbatched ones broadcast against that."""
    ranks = [len(_shape(a)) - (d is not None) for a, d in zip(args, dims)]
    rank = max(ranks)
    moved = []
    for a, d, r in zip(args, dims, ranks):
        if d is not None:
            a = to_front(a, d)
            if r < rank:
                s = _shape(a)
                a = reshape(a, s[:1] + (1,) * (rank - r) + s[1:])
        moved.append(a)
    return prim.bind(*moved, **params), 0


def _shift_axis(axis, ndim):
    """A per-example ``axis`` (int, tuple or None) as an axis of the batch-first array."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, tuple):
        return tuple(a % ndim + 1 for a in axis)
    return axis % ndim + 1


def reduction(prim: Primitive, args: Sequence[Any], dims: Sequence[int | None],
              params: dict[str, Any]) -> tuple[Any, int]:
    """One array argument reduced over ``params['axis']``: batch first, shift the axes by one."""
    x, d = args[0], dims[0]
    x = to_front(x, d)
    ndim = len(_shape(x)) - 1
    params = dict(params, axis=_shift_axis(params.get("axis"), ndim)) if ndim else dict(params, axis=())
    return prim.bind(x, *args[1:], **params), 0


def not_batchable(why: str) -> Callable[..., Any]:
    """The rule of a primitive whose output shape depends on the values (as in JAX, vmap refuses it)."""
    def rule(prim, args, dims, params):
        raise ConcretizationTypeError(f"vmap: {prim.name} can't be batched: {why}")
    rule.batchable = False  # type: ignore[attr-defined]  # read by the batching tests, off a function
    return rule

# ------------------------------------------------------------------ vmap

def _axes_for_leaves(prefix, tree, what):
    """Broadcast an ``in_axes``/``out_axes`` prefix over ``tree``: one axis (or None) per leaf."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(tree_flatten(tree)[0])
    p_leaves, p_def = tree_flatten(prefix, is_leaf=lambda x: x is None)
    try:
        subtrees = p_def.flatten_up_to(tree)
    except ValueError as e:
        raise ValueError(f"vmap {what} specification must be a tree prefix of the corresponding value, got "
                         f"specification {prefix!r}: {e}") from None
    out = []
    for ax, sub in zip(p_leaves, subtrees):
        if ax is not None and not isinstance(ax, int):
            raise TypeError(f"vmap {what} must be an int, None, or a (nested) tuple/list/dict of them, got {ax!r}")
        out += [ax] * len(tree_flatten(sub)[0])
    return out


def _normalize_axis(ax, ndim, where):
    if not -ndim <= ax < ndim:
        raise ValueError(f"vmap was requested to map its argument along axis {ax}, which implies that its rank "
                         f"should be at least {ax + 1 if ax >= 0 else -ax}, but is only {ndim} ({where})")
    return ax % ndim


def _batch_size(flat, axes, names, axis_size):
    sizes = {}
    for x, ax, name in zip(flat, axes, names):
        if ax is not None:
            sizes.setdefault(_shape(x)[ax], []).append(f"{name} of shape {_shape(x)} mapped along axis {ax}")
    if len(sizes) > 1:
        lines = "; ".join(d for ds in sizes.values() for d in ds)
        raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped: {lines}")
    if sizes:
        size = next(iter(sizes))
        if axis_size is not None and axis_size != size:
            raise ValueError(f"vmap got axis_size={axis_size} but the mapped axes have size {size}")
        return size
    if axis_size is None:
        raise ValueError("vmap must have at least one non-None value in in_axes, or be given axis_size")
    return axis_size


def _leaf_names(args, kwargs):
    names = []
    for i, a in enumerate(args):
        n = len(tree_flatten(a)[0])
        names += [f"argument {i}" if n == 1 else f"argument {i} (leaf {k})" for k in range(n)]
    for key in sorted(kwargs):
        n = len(tree_flatten(kwargs[key])[0])
        names += [f"keyword argument {key!r}"] * n
    return names


def _out_leaf(trace, y, ax, size):
    """One output leaf with its batch axis at ``ax`` (an unmapped value is broadcast along it)."""
    value, bdim = trace.unbox(y)
    if ax is None:
        if bdim is not None:
            raise ValueError("vmap has mapped output but out_axes is None")
        return value
    if bdim is None:
        s = _shape(value)
        value = PRIMITIVES["broadcast_to"].bind(reshape(value, (1,) + s), shape=(size,) + s)
        bdim = 0
    return moveaxis(value, bdim, _normalize_axis(ax, len(_shape(value)), "out_axes"))


def vmap(fun: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0,
         axis_size: int | None = None) -> Callable[..., Any]:
    """``fun`` mapped over an axis of its arguments, computed batch-wide (JAX's ``vmap``).

    ``in_axes``: an int, None (not mapped), or a tuple with one entry per positional argument, each
    an int/None or a pytree prefix of that argument; keyword arguments are mapped along axis 0.
    ``out_axes``: the same for the outputs. ``axis_size``: the batch size when nothing is mapped.

    >>> fgrad.vmap(fnp.dot)(fnp.ones((2, 3)), fnp.arange(6.0).reshape(2, 3))
    array([ 3., 12.])
    >>> loss = lambda w, x, y: (fnp.dot(x, w) - y) ** 2
    >>> w, ys = fnp.array([1.0, 2.0]), fnp.array([0.0, 1.0, 2.0])
    >>> xs = fnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> fgrad.vmap(fgrad.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)   # per-example gradients
    array([[2., 0.],
           [0., 2.],
           [2., 2.]])
    """
    if not callable(fun):
        raise TypeError(f"vmap requires a callable, got {fun!r}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)  # JAX reads a top-level list as a tuple

    @functools.wraps(fun)
    def mapped(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
                             f"positional arguments passed to the function, but got len(in_axes)={len(in_axes)}, "
                             f"len(args)={len(args)}")
        axes = _axes_for_leaves(in_axes, args, "in_axes") + [0] * len(tree_flatten(kwargs)[0])
        flat, tree = tree_flatten((args, kwargs))
        names = _leaf_names(args, kwargs)
        axes = [None if ax is None else _normalize_axis(ax, len(_shape(x)), name)
                for x, ax, name in zip(flat, axes, names)]
        size = _batch_size(flat, axes, names, axis_size)
        trace = BatchTrace(size)
        boxed = [trace.box(x, ax) for x, ax in zip(flat, axes)]
        b_args, b_kwargs = tree_unflatten(tree, boxed)
        out = fun(*b_args, **b_kwargs)
        o_flat, o_tree = tree_flatten(out)
        o_axes = _axes_for_leaves(out_axes, out, "out_axes")
        return tree_unflatten(o_tree, [_out_leaf(trace, y, ax, size) for y, ax in zip(o_flat, o_axes)])

    return mapped
