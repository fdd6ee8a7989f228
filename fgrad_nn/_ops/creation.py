"""Creation functions: tensor, zeros, arange, randn, ... and dtype/device conversion methods."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import Tracer, concrete

from .. import _dtypes, random as _random
from .._device import as_device, put, device as _device_cls
from .._tensor import Tensor, _init, apply, check_inplace, inplace, wrap
from ..autograd.grad_mode import no_grad
from ._common import cast, no_out, nondiff, shape_args

if TYPE_CHECKING:
    from .._dtypes import dtype as DType
    from ..random import Generator
    DeviceLike = Union[_device_cls, str, int, None]

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "arange", "linspace",
           "logspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "empty_like",
           "full_like", "rand_like", "randn_like", "randint_like", "scalar_tensor", "tril", "triu",
           "normal", "bernoulli", "multinomial", "diag", "meshgrid", "is_tensor", "numel"]


def _infer_dtype(data):
    """torch's dtype for Python data: bool, int64, default float (or complex)."""
    kinds = set()

    def walk(v):
        if isinstance(v, Tensor):
            kinds.add(v._np_dtype().kind)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, bool) or isinstance(v, np.bool_):
            kinds.add("b")
        elif isinstance(v, (int, np.integer)):
            kinds.add("i")
        elif isinstance(v, (float, np.floating)):
            kinds.add("f")
        elif isinstance(v, complex):
            kinds.add("c")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")
    walk(data)
    if "c" in kinds:
        return np.dtype(np.complex64 if _dtypes.get_default_dtype() is _dtypes.float32 else np.complex128)
    if "f" in kinds:
        return _dtypes.get_default_dtype().np
    if "i" in kinds or "u" in kinds:
        return np.dtype(np.int64)
    if "b" in kinds:
        return np.dtype(np.bool_)
    return _dtypes.get_default_dtype().np


def _place(arr, device):
    d = as_device(device)
    if d is None:
        return arr
    return put(arr, d)


def _finish(arr, requires_grad, device=None):
    arr = _place(arr, device)
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _tracers_in(data):
    if isinstance(data, Tracer):
        return True
    if isinstance(data, (list, tuple)):
        return any(_tracers_in(v) for v in data)
    return False


def tensor(data: Any, *, dtype: DType | None = None, device: DeviceLike = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, scalars, arrays, tensors).

    The dtype is inferred as torch does: bools, int64 for integers, the default float dtype otherwise.

    >>> torch.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> torch.tensor([1, 2]).dtype, torch.tensor([1., 2.]).dtype
    (torch.int64, torch.float32)
    """
    npd = _dtypes.to_np(dtype)
    if isinstance(data, Tensor):
        arr = data._raw().copy()
        if npd is not None:
            arr = arr.astype(npd)
        return _finish(arr, requires_grad, device)
    if _tracers_in(data):  # an fgrad transform's values: keep them traced
        d = fnp.asarray(data)
        if npd is not None:
            d = fnp.astype(d, npd)
        return wrap(d)
    if backend.is_cupy_array(data):
        arr = data.astype(npd) if npd is not None else data.copy()
        return _finish(arr, requires_grad, device)
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        arr = np.array(data, dtype=npd if npd is not None else (
            data.dtype if data.dtype.kind in "biufc" else None))
        if arr.dtype == np.uint64 or arr.dtype == np.uint32 or arr.dtype == np.uint16:
            arr = arr.astype(np.int64)
        return _finish(arr, requires_grad, device)
    data = _sequences_as_lists(data)
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in _flat(data)):
        data = _to_py(data)
    if npd is None:
        npd = _infer_dtype(data)
    try:
        arr = np.array(data, dtype=npd)
    except (ValueError, OverflowError) as e:
        raise ValueError(str(e)) from None
    return _finish(arr, requires_grad, device)


def _sequences_as_lists(v):
    """``v`` with every nested sequence torch reads (deque, range, array.array, any object with
    ``__len__`` and ``__getitem__``) as a list; lists of scalars come back unchanged."""
    if isinstance(v, (bool, int, float, complex, np.generic, Tensor)):
        return v
    if isinstance(v, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        items = [_sequences_as_lists(x) for x in v]
        return v if all(a is b for a, b in zip(items, v)) else items
    if isinstance(v, dict) or not (hasattr(type(v), "__len__") and hasattr(type(v), "__getitem__")):
        raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")
    return [_sequences_as_lists(x) for x in v]


def _flat(v):
    if isinstance(v, (list, tuple)):
        for x in v:
            yield from _flat(x)
    else:
        yield v


def _to_py(v):
    if isinstance(v, Tensor):
        if v.ndim:
            return _to_py(list(v._raw()))
        return v._raw().item()
    if isinstance(v, (list, tuple)):
        return [_to_py(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def as_tensor(data: Any, dtype: DType | None = None, device: DeviceLike = None) -> Tensor:
    """``data`` as a tensor without copying where possible (NumPy arrays share memory; ``asarray`` is an alias).

    >>> a = np.array([1.0, 2.0])
    >>> t = torch.as_tensor(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 2.], dtype=torch.float64)
    """
    npd = _dtypes.to_np(dtype)
    if isinstance(data, Tensor):
        t = data
        if npd is not None and t._np_dtype() != npd:
            t = cast(t, npd)
        if device is not None and t.device != as_device(device):
            t = t.to(device)
        return t
    if isinstance(data, Tracer):  # an fgrad tracer: the facade computes on it, fgrad differentiates
        return wrap(fnp.astype(data, npd) if npd is not None else data)
    if isinstance(data, np.ndarray) and (npd is None or data.dtype == npd) and device is None:
        return wrap(data)
    if backend.is_cupy_array(data) and (npd is None or data.dtype == npd):
        return _finish(data, False, device)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array ``ndarray``.

    >>> a = np.array([1, 2, 3])
    >>> t = torch.from_numpy(a)
    >>> t[0] = -1
    >>> a
    array([-1,  2,  3])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return wrap(ndarray)


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a Tensor.

    >>> torch.is_tensor(torch.tensor(1.0)), torch.is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``.

    >>> torch.numel(torch.zeros(2, 3))
    6
    """
    return input.numel()


def _alloc(fill, shape, dtype, device, requires_grad, default=None):
    shape = shape_args(shape)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    npd = _dtypes.to_np(dtype) or default or _dtypes.get_default_dtype().np
    d = as_device(device)
    if d is not None and d.type == "cuda":
        xp = backend.require_cupy()
        with xp.cuda.Device(d.index or 0):
            arr = xp.full(shape, fill, dtype=npd)
        return _finish(arr, requires_grad)
    return _finish(np.full(shape, fill, dtype=npd), requires_grad, d if d is not None and d.type == "meta" else None)


def zeros(*size: Any, out: Tensor | None = None, dtype: DType | None = None, layout: Any = None,
          device: DeviceLike = None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """A tensor of zeros of the given shape (``zeros(2, 3)`` or ``zeros((2, 3))``).

    >>> torch.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    """
    no_out(out)
    return _alloc(0, size, dtype, device, requires_grad)


def ones(*size: Any, out: Tensor | None = None, dtype: DType | None = None, layout: Any = None,
         device: DeviceLike = None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """A tensor of ones of the given shape.

    >>> torch.ones(2, dtype=torch.int64)
    tensor([1, 1])
    """
    no_out(out)
    return _alloc(1, size, dtype, device, requires_grad)


def empty(*size: Any, out: Tensor | None = None, dtype: DType | None = None, layout: Any = None,
          device: DeviceLike = None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor of the given shape whose values are not to be relied on.

    torch leaves the memory uninitialised; fgrad_nn fills it with zeros, so results never depend on luck.

    >>> torch.empty(2, 3).shape
    torch.Size([2, 3])
    """
    no_out(out)
    return _alloc(0, size, dtype, device, requires_grad)


def full(size: int | Sequence[int], fill_value: complex, *, out: Tensor | None = None, dtype: DType | None = None,
         layout: Any = None,
         device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (its dtype inferred from the value).

    >>> torch.full((2, 2), 7)
    tensor([[7, 7],
            [7, 7]])
    """
    no_out(out)
    if dtype is None:
        default = np.dtype(np.bool_) if isinstance(fill_value, bool) else np.dtype(np.int64) if \
            isinstance(fill_value, int) else None
    else:
        default = None
    return _alloc(fill_value, (tuple(size),) if not isinstance(size, int) else (size,), dtype, device,
                  requires_grad, default)


def _like(fn: Callable[..., Tensor], input: Tensor, dtype: Any, device: Any, requires_grad: bool,
          *args: Any) -> Tensor:
    return fn(*args, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
              requires_grad=requires_grad)


def zeros_like(input: Tensor, *, dtype: DType | None = None, layout: Any = None, device: DeviceLike = None,
               requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype and device) of ``input``.

    ``empty_like`` is an alias (torch leaves the values uninitialised; fgrad_nn gives zeros).

    >>> torch.zeros_like(torch.tensor([[1, 2, 3]]))
    tensor([[0, 0, 0]])
    """
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype: DType | None = None, layout: Any = None, device: DeviceLike = None,
              requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype and device) of ``input``.

    >>> torch.ones_like(torch.tensor([1.5, 2.5]))
    tensor([1., 1.])
    """
    return _like(ones, input, dtype, device, requires_grad)


empty_like = zeros_like


def full_like(input: Tensor, fill_value: complex, *, dtype: DType | None = None, layout: Any = None,
              device: DeviceLike = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``fill_value`` with the shape (and, unless given, the dtype and device) of ``input``.

    >>> torch.full_like(torch.tensor([1.0, 2.0]), 3)
    tensor([3., 3.])
    """
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def scalar_tensor(s: complex, *, dtype: DType | None = None, device: DeviceLike = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding ``s``, of the default float dtype unless told otherwise.

    >>> torch.scalar_tensor(3)
    tensor(3.)
    """
    return tensor(s, dtype=dtype or _dtypes.get_default_dtype(), device=device, requires_grad=requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, *, out: Tensor | None = None,
           dtype: DType | None = None,
           layout: Any = None, device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """The values ``start, start + step, ...`` below ``end`` (``arange(n)``: ``0 .. n - 1``).

    >>> torch.arange(4)
    tensor([0, 1, 2, 3])
    >>> torch.arange(1, 2, 0.25)
    tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    no_out(out)
    if end is None:
        start, end = 0, start
    vals = [_to_py(v) for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    npd = _dtypes.to_np(dtype)
    if npd is None:
        npd = np.dtype(np.int64) if all(isinstance(v, int) for v in vals) else _dtypes.get_default_dtype().np
    s, e, st = vals
    n = max(0, int(np.ceil((e - s) / st)))
    arr = (s + st * np.arange(n, dtype=np.float64 if npd.kind == "f" else np.int64)).astype(npd)
    return _finish(arr, requires_grad, device)


def linspace(start: float, end: float, steps: int, *, out: Tensor | None = None, dtype: DType | None = None,
             layout: Any = None,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    >>> torch.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    no_out(out)
    npd = _dtypes.to_np(dtype) or _dtypes.get_default_dtype().np
    start, end = _to_py(start), _to_py(end)
    # torch computes the second half backwards from ``end`` (symmetric rounding)
    i = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    half = steps // 2
    arr = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    return _finish(arr.astype(npd), requires_grad, device)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: DType | None = None,
             device: DeviceLike = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    >>> torch.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    npd = _dtypes.to_np(dtype) or _dtypes.get_default_dtype().np
    arr = np.power(base, np.linspace(start, end, steps)).astype(npd)
    return _finish(arr, requires_grad, device)


def eye(n: int, m: int | None = None, *, out: Tensor | None = None, dtype: DType | None = None, layout: Any = None,
        device: DeviceLike = None,
        requires_grad: bool = False) -> Tensor:
    """The ``n`` by ``m`` (default ``n``) identity matrix.

    >>> torch.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    no_out(out)
    npd = _dtypes.to_np(dtype) or _dtypes.get_default_dtype().np
    return _finish(np.eye(n, n if m is None else m, dtype=npd), requires_grad, device)


def _rand_shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def rand(*size: Any, generator: Generator | None = None, out: Tensor | None = None, dtype: DType | None = None,
         layout: Any = None,
         device: DeviceLike = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform random numbers in ``[0, 1)`` of the given shape.

    Draws come from NumPy's PCG64, so the values differ from torch's for the same seed.

    >>> x = torch.rand(2, 3)
    >>> x.shape, bool(((0 <= x) & (x < 1)).all())
    (torch.Size([2, 3]), True)
    """
    no_out(out)
    npd = _dtypes.to_np(dtype) or _dtypes.get_default_dtype().np
    arr = _random.rng(generator).random(_rand_shape(size)).astype(npd)
    return _finish(arr, requires_grad, device)


def randn(*size: Any, generator: Generator | None = None, out: Tensor | None = None, dtype: DType | None = None,
          layout: Any = None,
          device: DeviceLike = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal random numbers of the given shape.

    Draws come from NumPy's PCG64, so the values differ from torch's for the same seed.

    >>> torch.randn(3, dtype=torch.float64).dtype
    torch.float64
    """
    no_out(out)
    npd = _dtypes.to_np(dtype) or _dtypes.get_default_dtype().np
    arr = _random.rng(generator).standard_normal(_rand_shape(size)).astype(npd)
    return _finish(arr, requires_grad, device)


def randint(low: int = 0, high: int | Sequence[int] | None = None, size: Sequence[int] | None = None, *,
            generator: Generator | None = None, out: Tensor | None = None, dtype: DType | None = None,
            layout: Any = None, device: DeviceLike = None,
            requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)`` of shape ``size`` (``randint(high, size)`` starts at 0).

    Draws come from NumPy's PCG64, so the values differ from torch's for the same seed.

    >>> x = torch.randint(3, 5, (4,))
    >>> x.dtype, bool(((3 <= x) & (x < 5)).all())
    (torch.int64, True)
    """
    no_out(out)
    if size is None:  # randint(high, size): the arguments shift
        if not isinstance(high, Sequence):
            raise TypeError("randint() missing required argument 'size'")
        size = high
        low, high = 0, low
    npd = _dtypes.to_np(dtype) or np.dtype(np.int64)
    arr = _random.rng(generator).integers(low, high, size=tuple(size)).astype(npd)
    return _finish(arr, requires_grad, device)


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None, dtype: DType | None = None,
             layout: Any = None,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n - 1``.

    Draws come from NumPy's PCG64, so the values differ from torch's for the same seed.

    >>> torch.randperm(5).sort().values
    tensor([0, 1, 2, 3, 4])
    """
    no_out(out)
    npd = _dtypes.to_np(dtype) or np.dtype(np.int64)
    return _finish(_random.rng(generator).permutation(n).astype(npd), requires_grad, device)


def rand_like(input: Tensor, *, dtype: DType | None = None, device: DeviceLike = None, requires_grad: bool = False,
              generator: Generator | None = None) -> Tensor:
    """Uniform random numbers in ``[0, 1)`` with the shape, dtype and device of ``input``.

    >>> torch.rand_like(torch.zeros(2, 2, dtype=torch.float64)).dtype
    torch.float64
    """
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input: Tensor, *, dtype: DType | None = None, device: DeviceLike = None, requires_grad: bool = False,
               generator: Generator | None = None) -> Tensor:
    """Standard normal random numbers with the shape, dtype and device of ``input``.

    >>> torch.randn_like(torch.zeros(2, 3)).shape
    torch.Size([2, 3])
    """
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: DType | None = None,
                 device: DeviceLike = None,
                 requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)`` with the shape, dtype and device of ``input``.

    >>> x = torch.randint_like(torch.zeros(3), 10)
    >>> x.dtype, bool((x < 10).all())
    (torch.float32, True)
    """
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


def normal(mean: Tensor | float = 0.0, std: Tensor | float = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, dtype: DType | None = None, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    """Normal random numbers: with tensor ``mean``/``std``, one draw per element; with numbers, of shape ``size``.

    >>> torch.normal(torch.tensor([1.0, 5.0]), torch.tensor([0.0, 0.0]))
    tensor([1., 5.])
    >>> torch.normal(0.0, 1.0, size=(2, 3)).shape
    torch.Size([2, 3])
    """
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = nondiff(mean) if isinstance(mean, Tensor) else mean
        s = nondiff(std) if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(fnp.shape(m), fnp.shape(s))
        like = mean if isinstance(mean, Tensor) else std
        dt = like._np_dtype() if isinstance(like, Tensor) else None
        z = _random.rng(generator).standard_normal(shape)
        raw = [concrete(v._data) for v in (mean, std) if isinstance(v, Tensor)]
        if backend.is_cupy_array(raw[0]):
            z = backend.transfer(z, backend.device_of(raw[0]))
        arr = (m + s * z).astype(dt)
        return _finish(arr, False)
    if size is None:
        raise TypeError("normal() missing required argument 'size' (with float mean and std)")
    npd = _dtypes.to_np(dtype) or _dtypes.get_default_dtype().np
    arr = (mean + std * _random.rng(generator).standard_normal(tuple(size))).astype(npd)
    return _finish(arr, requires_grad, device)


def _uniform_on(shape: tuple[int, ...], generator: Generator | None, like: Any) -> Any:
    """Uniform draws in ``[0, 1)`` from ``generator``, placed on the device of the raw array ``like``."""
    u = _random.rng(generator).random(shape)
    return backend.transfer(u, backend.device_of(like)) if backend.is_cupy_array(like) else u


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (or ``p``) for each element, else 0.

    >>> torch.bernoulli(torch.tensor([0.0, 1.0, 1.0]))
    tensor([0., 1., 1.])
    """
    probs = nondiff(input) if p is None else p
    u = _uniform_on(tuple(input.shape), generator, concrete(input._data))
    return wrap((u < probs).astype(input._np_dtype()))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """``num_samples`` indices drawn from each row of ``input`` read as (unnormalised) probabilities.

    With replacement each draw inverts the row's cumulative distribution; without, the rows' categories
    are ranked by ``log(u) / p`` (exponential races), so a row never repeats an index.

    >>> torch.multinomial(torch.tensor([0.0, 2.0, 0.0]), 3, replacement=True)
    tensor([1, 1, 1])
    """
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    p = nondiff(input)
    xp = backend.get_array_module(p)
    n = int(p.shape[-1])
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = p.reshape(-1, n).astype(np.float64)
    if bool(xp.any(~xp.isfinite(rows) | (rows < 0))):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bool(xp.any(rows.sum(axis=1) <= 0)):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    m = rows.shape[0]
    if replacement:
        cdf = xp.cumsum(rows, axis=1)
        cdf = cdf / cdf[:, -1:]
        # one sorted array for all rows, row r's cdf in [2r, 2r + 1]: a draw of row r, u + 2r, stays in it
        # however it rounds; one rounded up to the row's top is its last category of positive probability
        offset = 2.0 * xp.arange(m, dtype=np.float64)[:, None]
        u = _uniform_on((m, num_samples), generator, p)
        flat = xp.searchsorted((cdf + offset).ravel(), (u + offset).ravel(), side="right")
        last = n - 1 - xp.argmax(rows[:, ::-1] > 0, axis=1)[:, None]
        idx = xp.minimum(flat.reshape(m, num_samples) - n * xp.arange(m)[:, None], last)
    else:
        # (a row with fewer positive entries than num_samples ends with its zero-probability indices, as torch's)
        with np.errstate(divide="ignore"):
            keys = xp.log(_uniform_on((m, n), generator, p)) / rows
        idx = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return wrap(idx.reshape(tuple(input.shape[:-1]) + (num_samples,)).astype(np.int64))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the matrices of ``input`` (on and below the ``diagonal``-th diagonal); zeros above.

    >>> torch.tril(torch.ones(3, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.],
            [1., 1., 1.]])
    """
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    n, m = input.shape[-2:]
    mask = np.tri(n, m, k=diagonal, dtype=bool)
    return apply(lambda x: fnp.where(mask, x, np.zeros((), fnp.result_type(x))), (input,), None, "TrilBackward0")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the matrices of ``input`` (on and above the ``diagonal``-th diagonal); zeros below.

    >>> torch.triu(torch.ones(3, 3), diagonal=1)
    tensor([[0., 1., 1.],
            [0., 0., 1.],
            [0., 0., 0.]])
    """
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    n, m = input.shape[-2:]
    mask = ~np.tri(n, m, k=diagonal - 1, dtype=bool)
    return apply(lambda x: fnp.where(mask, x, np.zeros((), fnp.result_type(x))), (input,), None, "TriuBackward0")


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's ``diagonal``-th diagonal as a vector.

    >>> torch.diag(torch.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    >>> torch.diag(torch.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    if input.ndim == 1:
        m = input.shape[0]
        n = m + abs(diagonal)
        i = np.arange(m)
        p_row = np.zeros((n, m), input._np_dtype())
        p_row[i + max(-diagonal, 0), i] = 1
        p_col = np.zeros((n, m), input._np_dtype())
        p_col[i + max(diagonal, 0), i] = 1
        # out[r, c] = sum_i p_row[r, i] v[i] p_col[c, i]: linear in v, exact
        return apply(lambda v: fnp.matmul(p_row * fnp.reshape(v, (1, m)), p_col.T), (input,), None,
                     "DiagEmbedBackward0")
    r = input.shape
    idx_r = np.arange(max(0, min(r[0], r[1] - diagonal) if diagonal >= 0 else min(r[0] + diagonal, r[1])))
    rows = idx_r + max(-diagonal, 0)
    cols = idx_r + max(diagonal, 0)
    return apply(lambda x: fnp.getitem(x, (rows, cols)), (input,), None, "DiagonalBackward0")


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: ``'ij'`` (matrix) or ``'xy'`` (Cartesian) indexing.

    >>> xs, ys = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), indexing="ij")
    >>> xs
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> ys
    tensor([[3, 4, 5],
            [3, 4, 5]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = tuple(t.numel() for t in tensors)
    if indexing == "xy" and len(shape) >= 2:
        shape = (shape[1], shape[0]) + shape[2:]
    out = []
    for i, t in enumerate(tensors):
        pos = i
        if indexing == "xy" and len(shape) >= 2 and i < 2:
            pos = 1 - i
        s = [1] * len(shape)
        s[pos] = -1
        out.append(t.reshape(s).expand(shape))
    return tuple(out)


# ------------------------------------------------------------------ conversion methods

def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``t.to(dtype)``, ``t.to(device)``, ``t.to(other)``, ``t.to(device, dtype)``."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    for a in args:
        if isinstance(a, _dtypes.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, _device_cls)):
            device = a
        elif a is not None and not isinstance(a, bool):
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    t = self
    if device is not None:
        dev = device if isinstance(device, _device_cls) else _device_cls(device)
        if dev.type == "cuda" and dev.index is None:
            dev = _device_cls("cuda", 0)
        if t.device != dev:
            t = wrap(put(t._raw(), dev)) if dev.type == "meta" else \
                apply(lambda x: _device_put(x, dev), (t,), None, "ToCopyBackward0")
    if dtype is not None:
        t = cast(t, _dtypes.to_np(dtype))
    if copy and t is self:
        t = t.clone()
    return t


def _device_put(x: Any, dev: _device_cls) -> Any:
    return fgrad.device_put(x, dev._fgrad())


def cpu(self: Tensor) -> Tensor:
    """``self`` on the CPU (``self`` itself when it is there)."""
    return to(self, "cpu")


def cuda(self: Tensor, device: DeviceLike = None, non_blocking: bool = False) -> Tensor:
    """``self`` on a CUDA device (default: GPU 0), through CuPy."""
    d = "cuda" if device is None else (device if isinstance(device, (str, _device_cls)) else f"cuda:{device}")
    return to(self, d)


def _caster(d: DType) -> Callable[..., Tensor]:
    def method(self: Tensor, memory_format: Any = None) -> Tensor:
        """``self`` cast to this method's dtype (``t.float()``, ``t.long()``, ...)."""
        return to(self, d)
    return method


def new_tensor(self: Tensor, data: Any, dtype: DType | None = None, device: DeviceLike = None,
               requires_grad: bool = False) -> Tensor:
    """A new tensor from ``data``, with ``self``'s dtype and device unless given."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: Tensor, *size: Any, dtype: DType | None = None, device: DeviceLike = None,
               requires_grad: bool = False) -> Tensor:
        """A new tensor of ``size``, with ``self``'s dtype and device unless given."""
        return fn(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)
    return method


def new_full(self: Tensor, size: Sequence[int], fill_value: complex, *, dtype: DType | None = None,
             device: DeviceLike = None,
             requires_grad: bool = False) -> Tensor:
    """A new tensor of ``size`` filled with ``fill_value``, with ``self``'s dtype and device unless given."""
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.uniform_``: fill ``self`` with uniform random numbers in ``[a, b)`` (not recorded by autograd)."""
    v = _random.rng(generator).uniform(a, b, tuple(self.shape)).astype(self._np_dtype())
    check_inplace(self)  # (a leaf that requires grad refuses, as torch's)
    with no_grad():
        return inplace(self, lambda s: _put_like(v, s), ())


def _normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.normal_``: fill ``self`` with normal random numbers (not recorded by autograd)."""
    v = (mean + std * _random.rng(generator).standard_normal(tuple(self.shape))).astype(self._np_dtype())
    check_inplace(self)  # (a leaf that requires grad refuses, as torch's)
    with no_grad():
        return inplace(self, lambda s: _put_like(v, s), ())


def _bernoulli_(self: Tensor, p: Tensor | float = 0.5, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.bernoulli_``: fill ``self`` with 1 where a draw falls below ``p`` (a number or a tensor
    broadcast to ``self``), else 0 (not recorded by autograd)."""
    probs = nondiff(p) if isinstance(p, Tensor) else p
    u = _uniform_on(tuple(self.shape), generator, concrete(self._data))
    check_inplace(self)  # (a leaf that requires grad refuses, as torch's)
    with no_grad():
        return inplace(self, lambda s: (u < probs).astype(s.dtype), ())


def _exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.exponential_``: fill ``self`` with exponential random numbers of rate ``lambd``."""
    v = (_random.rng(generator).standard_exponential(tuple(self.shape)) / lambd).astype(self._np_dtype())
    check_inplace(self)  # (a leaf that requires grad refuses, as torch's)
    with no_grad():
        return inplace(self, lambda s: _put_like(v, s), ())


def _random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.random_(from, to)`` / ``random_(to)``: fill ``self`` with integers drawn uniformly from
    ``[from, to)`` (``random_()``: from ``[0, 2**mantissa]`` for floats, ``[0, max]`` for integers)."""
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is None:
        dt = self._np_dtype()
        to = (2 ** (np.finfo(dt).nmant + 1) + 1 if dt.kind == "f" else
              2 if dt.kind == "b" else int(np.iinfo(dt).max) + 1)
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    v = _random.rng(generator).integers(from_, to, tuple(self.shape)).astype(self._np_dtype())
    check_inplace(self)  # (a leaf that requires grad refuses, as torch's)
    with no_grad():
        return inplace(self, lambda s: _put_like(v, s), ())


def _put_like(v, s):
    """The host array ``v`` on the device of ``s`` (a batched draw of vmap's randomness='different' as it is)."""
    return v if isinstance(v, Tracer) else fnp.get_array_module(s).asarray(v)


def _init_tensor(self: Tensor, *args: Any, dtype: DType | None = None, device: DeviceLike = None) -> None:
    """``torch.Tensor(data)`` (default float dtype) or ``torch.Tensor(2, 3)`` (uninitialised: zeros)."""
    if len(args) == 1 and not isinstance(args[0], int):
        t = tensor(args[0], dtype=dtype or _dtypes.get_default_dtype(), device=device)
    else:
        t = zeros(*args, dtype=dtype, device=device)
    _init(self, t._data)


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """``Tensor.type_as``: ``self`` cast to ``other``'s dtype."""
    return to(self, other.dtype)


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "__init__": _init_tensor, "to": to, "cpu": cpu, "cuda": cuda,
    "float": _caster(_dtypes.float32), "double": _caster(_dtypes.float64), "half": _caster(_dtypes.float16),
    "bfloat16": _caster(_dtypes.bfloat16),
    "long": _caster(_dtypes.int64), "int": _caster(_dtypes.int32), "bool": _caster(_dtypes.bool),
    "short": _caster(_dtypes.int16), "byte": _caster(_dtypes.uint8), "char": _caster(_dtypes.int8),
    "new_tensor": new_tensor, "new_zeros": _new(zeros), "new_ones": _new(ones), "new_empty": _new(empty),
    "new_full": new_full, "uniform_": _uniform_, "normal_": _normal_, "tril": tril, "triu": triu, "diag": diag,
    "bernoulli": bernoulli, "bernoulli_": _bernoulli_, "exponential_": _exponential_, "random_": _random_,
    "type_as": _type_as,
}
