"""Functions that apply functions: vectorize, apply_along_axis, apply_over_axes, piecewise, fromfunction.

``vectorize`` and ``apply_along_axis`` map with ``vmap`` (as JAX does), so the function runs once,
batch-wide, and everything stays differentiable.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import batching
from . import _creation, _elementwise as el, _indexing, _shape
from ._indexing import _as_array, _as_array_like
from ._util import dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, DTypeLike, Shape

__all__ = ["vectorize", "apply_along_axis", "apply_over_axes", "piecewise", "fromfunction"]

_DIMS = r"\((\w+(?:,\s*\w+)*)?\)"
_SIGNATURE = re.compile(rf"^{_DIMS}(?:,\s*{_DIMS})*->{_DIMS}(?:,\s*{_DIMS})*$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = sig.split("->")

    def dims(side):
        return [tuple(d for d in group.split(",") if d) for group in re.findall(r"\(([^)]*)\)", side)]
    return dims(ins), dims(outs)


def vectorize(pyfunc: Callable[..., Any], *, excluded: frozenset[int | str] | set[int | str] = frozenset(),
              signature: str | None = None) -> Callable[..., Any]:
    """``pyfunc`` mapped over the broadcast leading axes of its arguments with ``vmap``; ``signature``
    (``'(n),(n)->()'``) names the core axes each argument keeps; ``excluded`` positions or keyword
    names are passed through unmapped.

    >>> dot = fnp.vectorize(lambda u, v: fnp.sum(u * v), signature="(n),(n)->()")
    >>> dot(fnp.ones((4, 3)), fnp.arange(3.0))
    array([3., 3., 3., 3.])
    >>> fnp.vectorize(lambda x, p: x ** p, excluded={1})(fnp.array([1.0, 2.0]), 3)
    array([1., 8.])
    """
    in_dims, out_dims = _parse_signature(signature) if signature is not None else (None, None)

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        fixed_kw = {k: v for k, v in kwargs.items() if k in excluded}
        mapped_kw = [k for k in kwargs if k not in excluded]
        positions = [i for i in range(len(args)) if i not in excluded]
        values = [_as_array(args[i]) for i in positions] + [_as_array(kwargs[k]) for k in mapped_kw]
        cores = in_dims if in_dims is not None else [()] * len(values)
        if len(cores) != len(values):
            raise TypeError(f"vectorize: the signature {signature!r} names {len(cores)} inputs, got {len(values)}")
        sizes: dict[str, int] = {}
        loops = []
        for v, core in zip(values, cores):
            s = shape(v)
            if len(s) < len(core):
                raise ValueError(f"vectorize: an input of shape {s} has fewer dimensions than its core {core}")
            for name, n in zip(core, s[len(s) - len(core):] if core else ()):
                if sizes.setdefault(name, n) != n:
                    raise ValueError(f"vectorize: inconsistent size for core dimension {name!r}: {sizes[name]} vs {n}")
            loops.append(s[:len(s) - len(core)])
        loop = np.broadcast_shapes(*loops) if loops else ()
        batch = int(np.prod(loop, dtype=np.int64))
        flat = [_shape.reshape(_shape.broadcast_to(v, loop + shape(v)[len(ls):]), (batch,) + shape(v)[len(ls):])
                for v, ls in zip(values, loops)]

        def one(*vals):
            call = list(args)
            for i, v in zip(positions, vals):
                call[i] = v
            kw = dict(fixed_kw, **dict(zip(mapped_kw, vals[len(positions):])))
            return pyfunc(*call, **kw)

        out = batching.vmap(one, axis_size=batch)(*flat) if flat else one()

        def unflatten(o):
            return _shape.reshape(o, loop + shape(o)[1:])
        if isinstance(out, tuple):
            return tuple(unflatten(o) for o in out)
        return unflatten(out) if flat else out

    return wrapped


def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: ArrayLike, *args: Any, **kwargs: Any) -> Array:
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis`` (with ``vmap``); its result's
    axes take the place of ``axis``.

    >>> fnp.apply_along_axis(lambda v: v[0] + v[-1], 1, fnp.array([[1, 2, 3], [4, 5, 6]]))
    array([ 4, 10])
    >>> fnp.apply_along_axis(fnp.diag, -1, fnp.array([[1, 2], [3, 4]])).shape
    (2, 2, 2)
    """
    arr = _as_array(arr)
    nd = len(shape(arr))
    axis = _shape._norm_axes(axis, nd, "apply_along_axis")[0]
    moved = _shape.moveaxis(arr, axis, -1)
    lead = shape(moved)[:-1]
    rows = _shape.reshape(moved, (int(np.prod(lead, dtype=np.int64)), shape(moved)[-1]))
    out = batching.vmap(lambda row: _as_array(func1d(row, *args, **kwargs)))(rows)
    r = len(shape(out)) - 1
    out = _shape.reshape(out, lead + shape(out)[1:])
    return _shape.moveaxis(out, tuple(range(nd - 1, nd - 1 + r)), tuple(range(axis, axis + r))) if r else out


def apply_over_axes(func: Callable[[Array, int], Array], a: ArrayLike, axes: int | Sequence[int]) -> Array:
    """``func(a, axis)`` applied for each of ``axes`` in turn, keeping the number of dimensions
    (a reduced axis comes back with length 1).

    >>> fnp.apply_over_axes(fnp.sum, fnp.arange(24).reshape(2, 3, 4), [0, 2])
    array([[[ 60],
            [ 92],
            [124]]])
    """
    val = _as_array(a)
    nd = len(shape(val))
    for axis in ([axes] if isinstance(axes, int) else axes):
        axis = axis + nd if axis < 0 else axis
        res = _as_array(func(val, axis))
        if len(shape(res)) == nd - 1:
            res = _shape.expand_dims(res, axis)
        if len(shape(res)) != nd:
            raise ValueError("apply_over_axes: function is not returning an array of the correct shape")
        val = res
    return val


def piecewise(x: ArrayLike, condlist: ArrayLike | Sequence[ArrayLike],
              funclist: Sequence[ArrayLike | Callable[..., Any]], *args: Any, **kw: Any) -> Array:
    """``funclist[i](x)`` where ``condlist[i]`` holds (later conditions win); one extra function or
    value covers the elements no condition selects (otherwise they are 0). Every function sees all
    of ``x``; the derivative of each reaches only the elements it is chosen for.

    >>> fnp.piecewise(fnp.array([-2.0, 0.5, 3.0]), [fnp.array([-2.0, 0.5, 3.0]) < 0], [lambda v: -v, lambda v: v ** 2])
    array([2.  , 0.25, 9.  ])
    """
    x = _as_array(x)
    if not isinstance(condlist, (list, tuple)):  # one mask shaped like x, or masks stacked on axis 0
        condlist = [condlist] if len(shape(condlist)) == len(shape(x)) else [condlist[i] for i in range(shape(condlist)[0])]
    conds = [_as_array(c) for c in condlist]
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"piecewise: with {n} condition(s), funclist must have {n} or {n + 1} entries, "
                         f"got {len(funclist)}")

    def value(f):
        v = f(x, *args, **kw) if callable(f) else f
        return _creation.astype(_as_array_like(v, x), dtype_of(x))

    out = value(funclist[n]) if len(funclist) == n + 1 else _creation.zeros_like(x)
    out = _shape.broadcast_to(out, shape(x))
    for cond, f in zip(conds, funclist):
        out = el.where(cond, value(f), out)
    return out


def fromfunction(function: Callable[..., Any], shape: Shape, *, dtype: DTypeLike = float, **kwargs: Any) -> Any:
    """``function(i0, i1, ...)`` called once with the index grids of ``shape`` (in ``dtype``).

    >>> fnp.fromfunction(lambda i, j: i + 2 * j, (2, 3), dtype=int)
    array([[0, 2, 4],
           [1, 3, 5]])
    """
    return function(*_indexing.indices(tuple(shape), dtype=dtype), **kwargs)
