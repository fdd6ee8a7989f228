"""``ufunc`` objects from Python functions (JAX's ``jnp.ufunc`` / ``frompyfunc``): a call broadcasts
with ``vectorize``; ``outer``, ``reduce``, ``accumulate``, ``reduceat`` and ``at`` apply the binary
function step by step along an axis (each step batch-wide over the other axes), so everything stays
differentiable."""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any


from . import _creation, _shape
from ._functional import vectorize
from ._indexing import _as_array, _as_array_like, at
from ._util import host_value, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, DTypeLike

__all__ = ["ufunc", "frompyfunc"]


class ufunc:
    """A universal function made of ``func`` (``nin`` inputs, ``nout`` outputs): called elementwise with
    broadcasting; a binary one also has ``outer``, ``reduce``, ``accumulate``, ``reduceat`` and ``at``.

    >>> hypot = fnp.ufunc(lambda a, b: fnp.sqrt(a * a + b * b), 2, 1, identity=0.0)
    >>> hypot(fnp.array([3.0, 5.0]), fnp.array([4.0, 12.0]))
    array([ 5., 13.])
    >>> print(hypot.reduce(fnp.array([2.0, 3.0, 6.0])))
    7.0
    """

    def __init__(self, func: Callable[..., Any], /, nin: int, nout: int, *, name: str | None = None,
                 nargs: int | None = None, identity: Any = None) -> None:
        self.func, self.nin, self.nout = func, operator.index(nin), operator.index(nout)
        self.nargs = self.nin if nargs is None else nargs
        self.identity = identity
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self._call = vectorize(func)

    def __repr__(self) -> str:
        return f"<fgrad.numpy.ufunc '{self.__name__}'>"

    def __call__(self, *args: ArrayLike, out: None = None, where: None = None) -> Any:
        if out is not None or where is not None:
            raise NotImplementedError(f"{self.__name__}: out= and where= are not supported")
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes {self.nin} positional arguments, got {len(args)}")
        return self._call(*args)

    def _binary(self, method: str) -> None:
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"{method} only supported for binary ufuncs with one output "
                             f"({self.__name__} has nin={self.nin}, nout={self.nout})")

    def outer(self, A: ArrayLike, B: ArrayLike, /) -> Array:
        """``func(a, b)`` for every pair of an element of ``A`` and one of ``B``: shape ``A.shape + B.shape``.

        >>> fnp.ufunc(lambda a, b: a - b, 2, 1).outer(fnp.array([10, 20]), fnp.array([1, 2, 3]))
        array([[ 9,  8,  7],
               [19, 18, 17]])
        """
        self._binary("outer")
        a, b = _as_array(A), _as_array(B)
        return self(_shape.reshape(a, shape(a) + (1,) * len(shape(b))), b)

    def _steps(self, a: Array, axis: int | None) -> tuple[Array, int]:
        a = _as_array(a)
        if axis is None:
            return _shape.ravel(a), 0
        return a, _shape._norm_axes(axis, len(shape(a)), self.__name__)[0]

    def reduce(self, a: ArrayLike, axis: int | None = 0, dtype: DTypeLike | None = None, out: None = None,
               keepdims: bool = False, initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
        """``func`` folded over ``axis`` from the left, starting from ``initial`` (default: the identity,
        if the ufunc has one).

        >>> fnp.ufunc(lambda a, b: a * b + 1, 2, 1).reduce(fnp.array([[1, 2], [3, 4]]), axis=1)
        array([ 3, 13])
        """
        self._binary("reduce")
        if out is not None or where is not None:
            raise NotImplementedError(f"{self.__name__}.reduce: out= and where= are not supported")
        x, ax = self._steps(a, axis)
        if dtype is not None:
            x = _creation.astype(x, dtype)
        x = _shape.moveaxis(x, ax, 0)
        n = shape(x)[0]
        start = initial if initial is not None else self.identity  # (NumPy's: the identity starts the fold)
        if n == 0 and start is None:
            raise ValueError(f"zero-size array to reduction operation {self.__name__} which has no identity")
        acc = _shape.broadcast_to(_as_array_like(start, x), shape(x)[1:]) if start is not None else x[0]
        for i in range(0 if start is not None else 1, n):
            acc = self(acc, x[i])
        if keepdims:
            acc = _shape.expand_dims(acc, ax) if axis is not None else _shape.reshape(acc, (1,) * len(shape(a)))
        return acc

    def accumulate(self, a: ArrayLike, axis: int = 0, dtype: DTypeLike | None = None, out: None = None) -> Array:
        """The running ``reduce`` along ``axis``: each prefix's fold.

        >>> fnp.ufunc(lambda a, b: 2 * a + b, 2, 1).accumulate(fnp.array([1, 1, 1]))
        array([1, 3, 7])
        """
        self._binary("accumulate")
        if out is not None:
            raise NotImplementedError(f"{self.__name__}.accumulate: out= is not supported")
        x, ax = self._steps(a, axis)
        if dtype is not None:
            x = _creation.astype(x, dtype)
        x = _shape.moveaxis(x, ax, 0)
        if shape(x)[0] == 0:
            return _shape.moveaxis(x, 0, ax)
        acc, parts = x[0], [x[0]]
        for i in range(1, shape(x)[0]):
            acc = self(acc, x[i])
            parts.append(acc)
        return _shape.moveaxis(_shape.stack(parts), 0, ax)

    def reduceat(self, a: ArrayLike, indices: Any, axis: int = 0, dtype: DTypeLike | None = None,
                 out: None = None) -> Array:
        """``reduce`` over each slice ``indices[i]:indices[i + 1]`` along ``axis`` (just ``a[indices[i]]``
        where the next index is not larger; the last slice runs to the end). The indices must be concrete.

        >>> fnp.ufunc(lambda a, b: a + b, 2, 1).reduceat(fnp.arange(6), [0, 2, 5])
        array([1, 9, 5])
        """
        self._binary("reduceat")
        if out is not None:
            raise NotImplementedError(f"{self.__name__}.reduceat: out= is not supported")
        x, ax = self._steps(a, axis)
        idx = host_value(_as_array(indices), f"{self.__name__}.reduceat: the indices")
        n = shape(x)[ax]
        x = _shape.moveaxis(x, ax, 0)
        parts = []
        if dtype is not None:
            x = _creation.astype(x, dtype)
        for i, start in enumerate(idx.tolist()):
            stop = int(idx[i + 1]) if i + 1 < len(idx) else n
            acc = x[start]  # (reduceat starts from the slice's first element, never the identity)
            for j in range(start + 1, stop):
                acc = self(acc, x[j])
            parts.append(acc)
        return _shape.moveaxis(_shape.stack(parts), 0, ax)

    def at(self, a: ArrayLike, indices: Any, b: ArrayLike | None = None, /, *, inplace: bool = True) -> Array:
        """``a`` with ``a[i] = func(a[i], b)`` applied for each index in turn (repeats apply repeatedly);
        ``inplace=False`` is required, as in JAX.

        >>> fnp.ufunc(lambda a, b: a * b, 2, 1).at(fnp.ones(3), fnp.array([0, 0, 2]), 3.0, inplace=False)
        array([9., 1., 3.])
        """
        if inplace:
            raise NotImplementedError(f"{self.__name__}.at: fgrad arrays are immutable, so pass inplace=False "
                                      "and use the returned array")
        x = _as_array(a)
        idx = _as_array_like(indices, x)
        steps = shape(idx)[0] if shape(idx) else 1
        idx = _shape.reshape(idx, (steps,))
        if self.nin == 1:
            vals = None
        else:
            vals = _shape.broadcast_to(_as_array_like(b, x), (steps,) + shape(x)[1:]) if b is not None else None
        for k in range(steps):
            i = idx[k]
            new = self(x[i]) if vals is None else self(x[i], vals[k])
            x = at(x)[i].set(new)
        return x


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """A ``ufunc`` made of the Python function ``func`` with ``nin`` inputs and ``nout`` outputs.

    >>> add = fnp.frompyfunc(lambda a, b: a + b, 2, 1, identity=0)
    >>> add.outer(fnp.array([1, 2]), fnp.array([10, 20]))
    array([[11, 21],
           [12, 22]])
    """
    return ufunc(func, nin, nout, identity=identity)
