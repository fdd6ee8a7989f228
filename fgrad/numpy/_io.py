"""Reading, writing and printing arrays, bit packing, and NumPy's shape helpers: what JAX offers as
thin wrappers of NumPy. Arrays on a device are copied to the host only where a file or a string
is the point (save, array_repr)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from ..core import concrete
from . import _creation, _elementwise as el, _reductions as red, _shape
from ._indexing import _as_array
from ._numeric import left_shift, right_shift
from ._util import array_module, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, DTypeLike

__all__ = ["save", "savez", "load", "frombuffer", "fromfile", "fromiter", "fromstring", "array_repr", "array_str",
           "get_printoptions", "set_printoptions", "printoptions", "broadcast_shapes", "einsum_path", "packbits",
           "unpackbits"]

get_printoptions, set_printoptions, printoptions = np.get_printoptions, np.set_printoptions, np.printoptions
broadcast_shapes = np.broadcast_shapes


def _host(a: Any) -> np.ndarray:
    return backend.to_host(concrete(_as_array(a)))


def save(file: Any, arr: ArrayLike, allow_pickle: bool = True) -> None:
    """``arr`` written to ``file`` in NumPy's ``.npy`` format.

    >>> import io; f = io.BytesIO(); fnp.save(f, fnp.arange(3)); _ = f.seek(0); fnp.load(f)
    array([0, 1, 2])
    """
    np.save(file, _host(arr), allow_pickle=allow_pickle)


def savez(file: Any, *args: ArrayLike, **kwds: ArrayLike) -> None:
    """Several arrays written to ``file`` in NumPy's uncompressed ``.npz`` format.

    >>> import io; f = io.BytesIO(); fnp.savez(f, x=fnp.ones(2)); _ = f.seek(0); fnp.load(f)["x"]
    array([1., 1.])
    """
    named = {k: _host(v) for k, v in kwds.items()}
    np.savez(file, *[_host(a) for a in args], **named)  # type: ignore[arg-type]  # (stubs type **kwds as allow_pickle)


def load(file: Any, *args: Any, **kwargs: Any) -> Any:
    """Arrays read from a ``.npy``/``.npz``/pickle file (``numpy.load``'s arguments).

    >>> import io; f = io.BytesIO(); fnp.save(f, fnp.eye(2)); _ = f.seek(0); fnp.load(f)
    array([[1., 0.],
           [0., 1.]])
    """
    return np.load(file, *args, **kwargs)


def frombuffer(buffer: Any, dtype: DTypeLike = float, count: int = -1, offset: int = 0) -> Array:
    """A 1-D array of the values in a bytes-like ``buffer`` (a copy, so it is writable by NumPy).

    >>> fnp.frombuffer(b"\\x01\\x02", dtype=fnp.uint8)
    array([1, 2], dtype=uint8)
    """
    return np.frombuffer(buffer, dtype=dtype, count=count, offset=offset).copy()


def fromfile(*args: Any, **kwargs: Any) -> Array:
    """An array read from a text or binary file (``numpy.fromfile``'s arguments).

    >>> import os, tempfile; p = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> fnp.arange(3, dtype=fnp.int32).tofile(p); fnp.fromfile(p, dtype=fnp.int32)
    array([0, 1, 2], dtype=int32)
    """
    return np.fromfile(*args, **kwargs)


def fromiter(iterable: Iterable[Any], dtype: DTypeLike, count: int = -1) -> Array:
    """A 1-D array of the values an iterable yields.

    >>> fnp.fromiter((i * i for i in range(4)), dtype=int)
    array([0, 1, 4, 9])
    """
    return np.fromiter(iterable, dtype=dtype, count=count)


def fromstring(string: str, dtype: DTypeLike = float, count: int = -1, *, sep: str) -> Array:
    """A 1-D array of the numbers in a text ``string`` separated by ``sep``.

    >>> fnp.fromstring("1 2 3", sep=" ")
    array([1., 2., 3.])
    """
    return np.fromstring(string, dtype=dtype, count=count, sep=sep)


def array_repr(arr: ArrayLike, max_line_width: int | None = None, precision: int | None = None,
               suppress_small: bool | None = None) -> str:
    """The ``repr`` NumPy gives the array's values.

    >>> fnp.array_repr(fnp.array([1, 2]))
    'array([1, 2])'
    """
    return np.array_repr(_host(arr), max_line_width, precision, suppress_small)


def array_str(a: ArrayLike, max_line_width: int | None = None, precision: int | None = None,
              suppress_small: bool | None = None) -> str:
    """The ``str`` NumPy gives the array's values.

    >>> fnp.array_str(fnp.array([1, 2]))
    '[1 2]'
    """
    return np.array_str(_host(a), max_line_width, precision, suppress_small)


def einsum_path(subscripts: str, /, *operands: ArrayLike, optimize: bool | str | list[Any] = "auto"
                ) -> tuple[list[Any], str]:
    """NumPy's contraction order for ``einsum(subscripts, *operands)`` and its report (only the
    operands' shapes are read).

    >>> path, report = fnp.einsum_path("ij,jk,kl->il", fnp.ones((2, 8)), fnp.ones((8, 8)), fnp.ones((8, 1)))
    >>> path
    ['einsum_path', (1, 2), (0, 1)]
    """
    stand_ins = [np.broadcast_to(np.zeros((), dtype_of(o)), shape(o)) for o in operands]
    if optimize == "auto":  # (JAX's default; NumPy's search for it is the greedy one)
        optimize = "greedy"
    return np.einsum_path(subscripts, *stand_ins, optimize=optimize)


def packbits(a: ArrayLike, axis: int | None = None, bitorder: str = "big") -> Array:
    """The nonzero-ness of ``a``'s elements packed into uint8 bytes, 8 per byte along ``axis`` (of
    the flattened array when None), zero-padded at the end.

    >>> fnp.packbits(fnp.array([1, 0, 1, 1, 0, 0, 0, 1, 1]))
    array([177, 128], dtype=uint8)
    """
    if bitorder not in ("big", "little"):
        raise ValueError(f"packbits: bitorder must be 'big' or 'little', got {bitorder!r}")
    a = _as_array(a)
    if not (np.issubdtype(dtype_of(a), np.integer) or np.issubdtype(dtype_of(a), np.bool_)):
        raise TypeError(f"packbits: expected an integer or boolean array, got dtype {dtype_of(a)}")
    if axis is None:
        a, axis = _shape.ravel(a), 0
    a = _shape.moveaxis(el.not_equal(a, 0), axis, -1)
    n = shape(a)[-1]
    pad = -n % 8
    bits = _creation.astype(a, np.uint8)
    if pad:
        bits = _shape.concatenate([bits, _creation.zeros_like(bits, shape=shape(bits)[:-1] + (pad,))], axis=-1)
    bits = _shape.reshape(bits, shape(bits)[:-1] + ((n + pad) // 8, 8))
    powers = np.arange(7, -1, -1) if bitorder == "big" else np.arange(8)
    packed = red.sum(left_shift(bits, array_module(bits).asarray(powers, dtype=np.uint8)), axis=-1, dtype=np.uint8)
    return _shape.moveaxis(packed, -1, axis)


def unpackbits(a: ArrayLike, axis: int | None = None, count: int | None = None, bitorder: str = "big") -> Array:
    """The bits of uint8 ``a`` as 0/1 uint8 values, 8 per byte along ``axis`` (of the flattened
    array when None); ``count`` keeps the first ``count`` (or drops the last ``-count``).

    >>> fnp.unpackbits(fnp.array([177], dtype=fnp.uint8))
    array([1, 0, 1, 1, 0, 0, 0, 1], dtype=uint8)
    """
    if bitorder not in ("big", "little"):
        raise ValueError(f"unpackbits: bitorder must be 'big' or 'little', got {bitorder!r}")
    a = _as_array(a)
    if dtype_of(a) != np.uint8:
        raise TypeError(f"unpackbits: expected an input array of unsigned byte data type, got {dtype_of(a)}")
    if axis is None:
        a, axis = _shape.ravel(a), 0
    a = _shape.moveaxis(a, axis, -1)
    powers = np.arange(7, -1, -1) if bitorder == "big" else np.arange(8)
    bits = el.bitwise_and(right_shift(a[..., None], array_module(a).asarray(powers, dtype=np.uint8)),
                          np.uint8(1))
    bits = _shape.reshape(bits, shape(bits)[:-2] + (shape(bits)[-2] * 8,))
    if count is not None:
        extra = count - shape(bits)[-1]
        bits = bits[..., :count] if extra <= 0 else _shape.concatenate(
            [bits, _creation.zeros_like(bits, shape=shape(bits)[:-1] + (extra,))], axis=-1)
    return _shape.moveaxis(bits, -1, axis)
