"""``torch.Tensor``: a thin shell around an fgrad value.

``_data`` is a raw NumPy/CuPy array, an fgrad transform's tracer, or (when the
tensor requires grad) a ``VJPTracer`` of the global tape whose value is the
tensor's storage. Views share storage and a version counter with their base;
in-place ops write into the storage and re-point ``_data`` at the tracer of the
op's result (and rewrite the base's graph, torch's CopySlices idea).

Only this module writes a tensor's ``_data`` and version counter: the op wrapper
(``apply``), ``inplace`` and the views here, and ``Tensor._assign`` for everyone else.
"""
from __future__ import annotations

import math
import sys
import typing
import weakref
from collections import OrderedDict
from typing import Any

import numpy as np

import fgrad.numpy as fnp
from fgrad import backend
from fgrad.batching import BatchTracer
from fgrad.core import JVPTracer, Tracer, VJPTracer, concrete
from fgrad.nn.torch_rules import broadcast_shapes
from fgrad.staging.trace import StagingTracer
from fgrad.tree_util import register_pytree_node

from . import _dtypes
from ._device import of_raw
from ._repr import tensor_repr
from ._hooks import RemovableHandle
from .autograd._tape import TAPE, TapeNode
from .autograd.grad_mode import STATE

__all__ = ["Tensor", "Size", "wrap", "unwrap", "apply", "inplace", "on_tape", "transform_traced",
           "define_methods"]


class Size(tuple):
    """``torch.Size``: a tensor's shape, a tuple of ints.

    >>> s = torch.zeros(2, 3).shape
    >>> s
    torch.Size([2, 3])
    >>> s.numel(), s[1]
    (6, 3)
    """

    def __repr__(self):
        return f"torch.Size([{', '.join(str(n) for n in self)}])"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        return int(np.prod(self, dtype=np.int64))


def on_tape(d):
    """True for a value recorded on the autograd tape (what a Tensor that requires grad holds)."""
    return type(d) is VJPTracer and d._trace is TAPE


def no_python_value(d, convert):
    """A value being staged (``fgrad.jit``, ``fgrad_nn.compile``) has no Python value yet: ``convert``
    (``bool``, ``float``, ``np.asarray``) on its staging tracer raises JAX's error, which
    ``fgrad_nn.compile`` takes as a graph break."""
    while isinstance(d, Tracer):
        if type(d) is StagingTracer:
            convert(d)
        d = d._value


def transform_traced(d):
    """True for a value traced by an fgrad transform (not the facade's own tape)."""
    return isinstance(d, Tracer) and not on_tape(d)


def batched(d):
    """True for a value batched by a running vmap (at any level under its derivative tracers): a Tensor
    over it is one example, and its raw array is the whole batch."""
    while isinstance(d, Tracer):
        if isinstance(d, BatchTracer):
            return True
        d = d._value
    return False


FUNC_REVERSE: list = []
"""The traces of the running torch.func reverse-mode transforms (grad, vjp, jacrev), pushed while their
function runs: ``torch.no_grad()`` inside it stops their gradient, as it stops the tape's."""


def _no_grad_value(d, traces):
    """A traced ``d`` as an op under no_grad sees it: without the tape and the reverse-mode levels of
    ``traces`` (vmap's batch, forward mode and fgrad's own transforms stay)."""
    if not isinstance(d, Tracer):
        return d
    if on_tape(d):
        return d._value
    inner = _no_grad_value(d._value, traces)
    if type(d) is VJPTracer and any(d._trace is t for t in traces):
        return inner
    if type(d) is JVPTracer:
        tangent = _no_grad_value(d._tangent, traces)
        return d if inner is d._value and tangent is d._tangent else JVPTracer(d._trace, inner, tangent)
    if inner is d._value:
        return d
    if type(d) is BatchTracer:
        return BatchTracer(d._trace, inner, d._bdim)
    if type(d) is VJPTracer:
        return VJPTracer(d._trace, inner, d._node, d._index)
    return d


def _batch_traces(d):
    """The vmaps batching ``d`` (their traces)."""
    out = []
    while isinstance(d, Tracer):
        if type(d) is BatchTracer:
            out.append(d._trace)
        d = d._value
    return out


_VMAP_INPLACE = ("vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a Tensor `other` "
                 "in extra_args that has more elements than `self`. This happened due to `other` being vmapped over "
                 "but `self` not being vmapped over in a vmap. Please try to use out-of-place operators instead of "
                 "inplace arithmetic. If said operator is being called inside the PyTorch framework, please file a "
                 "bug report instead.")

_VMAP_ITEM = ("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling .item() on "
              "a Tensor, please try to rewrite what you're doing with other operations. If error is occurring "
              "somewhere inside PyTorch internals, please file a bug report.")
_VMAP_NO_STORAGE = "Cannot access data pointer of Tensor that doesn't have storage"


def reset_grads(params, set_to_none=True):
    """Reset each tensor's ``.grad``: to None, or to zeros in place (detached), as torch does."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()


def _as_storage(d):
    """``d`` with a real ndarray (not a NumPy scalar) under it, so it can be written in place."""
    if on_tape(d):
        v = d._value
        if isinstance(v, np.generic) or not hasattr(v, "shape"):
            return VJPTracer(TAPE, np.asarray(v), d._node, d._index)
        return d
    if isinstance(d, Tracer):
        return d
    if isinstance(d, np.generic) or not hasattr(d, "shape"):
        return np.asarray(d)
    return d


class Tensor:
    """``torch.Tensor``: a multi-dimensional array that can record the operations on it for autograd.

    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    >>> x.shape, x.dtype
    (torch.Size([2, 2]), torch.float32)

    Where its methods come from: this class body defines everything about the tensor
    itself -- storage and metadata, autograd state (``requires_grad``, ``detach``,
    ``retain_grad`` ...), conversions, copying and NumPy's protocols. The operations are
    defined once, as functions, in the families of ``fgrad_nn._ops`` (``t.add`` is
    ``torch.add``), and the constructor ``Tensor(data)``, ``backward`` and ``grad_fn`` where
    they are implemented (``_ops.creation``, ``autograd.engine``, ``autograd.function``): each
    of those modules lists its Tensor methods in a ``TENSOR_METHODS`` table, and
    ``define_methods`` below adds them to this class, once, when ``fgrad_nn._ops`` is imported.
    """

    __slots__ = ("_data", "_version", "_base", "_view", "_gv", "_grad", "_fn", "_hooks", "_post_hooks",
                 "__weakref__")
    __array_priority__ = 2000

    if typing.TYPE_CHECKING:  # the operations define_methods adds (t.add, t.sum, ...), as type checkers see them
        def __getattr__(self, name: str) -> typing.Any: ...

        # the slots' types
        _data: Any
        _version: list[int]
        _base: Tensor | None
        _view: tuple[Any, ...] | None
        _gv: int
        _grad: Tensor | None
        _fn: str | None

        # operators are looked up on the type, not through __getattr__ (torch's own stubs override
        # object's __eq__/__ne__ the same way: they compare elementwise)
        def __add__(self, other: Any) -> Tensor: ...
        def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __add__
        __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __matmul__ = __add__
        __rmatmul__ = __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = __add__
        __lt__ = __le__ = __gt__ = __ge__ = __iadd__ = __isub__ = __imul__ = __itruediv__ = __add__

        def __neg__(self) -> Tensor: ...
        __pos__ = __abs__ = __invert__ = __neg__

        def __getitem__(self, index: Any) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        return object.__new__(cls)

    # ------------------------------------------------------------------ metadata
    def _raw(self):
        """The storage: the raw array under every tracer level."""
        return concrete(self._data)

    def _np_dtype(self):
        r = self._data
        while isinstance(r, Tracer):  # concrete(), inlined
            r = r._value
        try:
            return r.dtype
        except AttributeError:  # a Python scalar
            return np.result_type(r)

    @property
    def dtype(self):
        """The element type (``torch.float32``, ``torch.int64``, ...)."""
        return _dtypes.from_np(self._np_dtype())

    @property
    def device(self):
        """Where the storage lives: ``device('cpu')`` or a CUDA device (a CuPy array)."""
        return of_raw(concrete(self._data))

    @property
    def is_cuda(self):
        """Whether the tensor is on a CUDA device."""
        return self.device.type == "cuda"

    @property
    def shape(self):
        """The sizes of the dims, a ``torch.Size`` (``size()`` is the same)."""
        return Size(fnp.shape(self._data))

    def size(self, dim: int | None = None) -> Any:
        """The shape (a ``torch.Size``), or the size of dim ``dim``."""
        s = fnp.shape(self._data)
        if dim is None:
            return Size(s)
        return s[_dim(dim, len(s))]

    def dim(self) -> int:
        """The number of dims (``ndim`` is the same)."""
        return len(fnp.shape(self._data))

    ndim = property(dim)

    def numel(self) -> int:
        """The number of elements (``nelement`` is an alias)."""
        return math.prod(fnp.shape(self._data))

    nelement = numel

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self._np_dtype().itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating point type."""
        return backend.is_floating(self._np_dtype())

    def is_complex(self) -> bool:
        """Whether the dtype is a complex type."""
        return self._np_dtype().kind == "c"

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the storage is laid out in row-major order without gaps."""
        r = concrete(self._data)
        return bool(getattr(r, "flags", None) is None or r.flags.c_contiguous)

    def stride(self, dim: int | None = None) -> Any:
        """The step in elements from one index to the next along each dim (or dim ``dim``)."""
        r = concrete(self._data)
        if r.size or any(r.strides):
            st = tuple(s // r.itemsize for s in r.strides)
        else:  # NumPy gives a new empty array zero strides; torch the contiguous ones (a size-0 dim counts as 1)
            st = tuple(math.prod(max(n, 1) for n in r.shape[i + 1:]) for i in range(r.ndim))
        return st if dim is None else st[_dim(dim, r.ndim)]

    def data_ptr(self) -> int:
        """The address of the first element of the storage."""
        r = concrete(self._data)
        return r.__array_interface__["data"][0] if isinstance(r, np.ndarray) else r.data.ptr

    def __len__(self):
        s = fnp.shape(self._data)
        if not s:
            raise TypeError("len() of a 0-d tensor")
        return s[0]

    def __iter__(self):
        if not self.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __hash__(self):
        return id(self)

    # ------------------------------------------------------------------ writing the value
    def _assign(self, value, index=Ellipsis):
        """``self[index] = value`` without recording anything: the one way, besides the op wrapper's
        ``inplace``, that a tensor's value changes.

        An untraced value is written into the storage (views see it); inside an fgrad transform the
        storage cannot hold a tracer, so the tensor is re-pointed at the traced value instead. The
        version counter is bumped either way (saved values are checked against it).
        """
        d = self._data
        if transform_traced(value) or transform_traced(d):
            mine = _batch_traces(d)
            if any(all(t is not m for m in mine) for t in _batch_traces(value)):
                raise RuntimeError(_VMAP_INPLACE)  # a batch written into one example's worth of storage
            self._data = value if index is Ellipsis else fnp.at(d)[index].set(value)
        else:
            v = concrete(value)
            try:
                concrete(d)[index] = v
            except OverflowError:  # a Python inf or 1e30 into an integer tensor
                raise RuntimeError(f"value cannot be converted to type {concrete(d).dtype.name}_t without "
                                   "overflow") from None
            except (ValueError, TypeError):
                if not getattr(v, "ndim", 0) or v.shape[0] != 1:
                    raise
                # torch drops a value's leading size-1 dims before broadcasting it (a shape-(1,) value
                # into one element, a (1, 1) one into a mask's selection); NumPy refuses those
                concrete(d)[index] = v.reshape(v.shape[next(i for i, n in enumerate(v.shape + (0,)) if n != 1):])
        self._version[0] += 1
        self._gv = self._version[0]
        return self

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self):
        """Whether autograd records operations on this tensor (settable on leaves)."""
        if self._base is not None and self._gv != self._version[0]:
            _refresh_view(self)  # its base was written in place since: the view's graph follows it
        return on_tape(self._data)

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves of a floating or complex dtype only); returns ``self``."""
        d = self._data
        tracked = on_tape(d)
        if tracked and d._node.prim is not None:
            if requires_grad:
                return self
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                               "to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if requires_grad and not tracked:
            if not backend.is_inexact(self._np_dtype()):
                raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
            self._data = TAPE.leaf_of(_as_storage(d), self)
        elif not requires_grad and tracked:
            self._data = d._value
        return self

    @property
    def is_leaf(self):
        """Whether the tensor was made by the user rather than computed from tensors that require grad."""
        d = self._data
        return not on_tape(d) or d._node.prim is None

    @property
    def grad(self):
        """The gradient ``backward`` accumulated into this leaf (None before)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                                   "the same size")
            if value._np_dtype() != self._np_dtype():
                raise RuntimeError(f"attempting to assign a gradient with dtype '{_GRAD_DTYPE_NAMES.get(value._np_dtype().name, ('', value._np_dtype().name))[0]}' to a "
                                   f"tensor with grad_dtype '{_GRAD_DTYPE_NAMES.get(self._np_dtype().name, ('', self._np_dtype().name))[1]}'. The gradient must "
                                   "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                                   "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
                                   "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
                                   "break downstream systems that assume they match.")
        self._grad = value

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` at the next ``backward``."""
        d = self._data
        if not on_tape(d):
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = d._node
        if node.prim is None:
            return
        if not isinstance(node, TapeNode):
            raise RuntimeError("retain_grad() is not supported on the output of this function")
        node.retains = (node.retains or ()) + ((weakref.ref(self), d._index),)

    @property
    def retains_grad(self):
        """Whether ``retain_grad`` was called on this non-leaf tensor."""
        d = self._data
        return on_tape(d) and d._node.prim is not None and bool(getattr(d._node, "retains", None))

    def register_hook(self, hook: typing.Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` whenever a gradient for this tensor is computed; a Tensor it returns
        replaces the gradient (what flows on, and what a leaf accumulates into ``.grad``). Returns a
        handle whose ``remove()`` unregisters it.

        >>> x = torch.ones(2, requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 2)
        >>> (x * 3).sum().backward()
        >>> x.grad
        tensor([6., 6.])
        >>> h.remove()
        """
        d = self._data
        if not on_tape(d):
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = d._node
        if node.prim is None:
            hooks = self._hooks_dict("_hooks")
        else:
            if not isinstance(node, TapeNode):
                raise RuntimeError("register_hook() is not supported on the output of this function")
            if node.hooks is None:
                node.hooks = {}
            hooks = node.hooks.setdefault(d._index, OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook: typing.Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(tensor)`` on a leaf after ``backward`` has accumulated its ``.grad``; returns a
        handle whose ``remove()`` unregisters it.

        >>> w = torch.ones(2, requires_grad=True)
        >>> _ = w.register_post_accumulate_grad_hook(lambda t: print(t.grad))
        >>> (w * 2).sum().backward()
        tensor([2., 2.])
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not self.is_leaf:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = self._hooks_dict("_post_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _hooks_dict(self, slot: str) -> OrderedDict[int, Any]:
        hooks = getattr(self, slot, None)
        if hooks is None:
            hooks = OrderedDict()
            setattr(self, slot, hooks)
        return hooks

    def detach(self) -> Tensor:
        """A view of the same storage (and version counter) with no graph (inside an fgrad transform: no
        derivative through it at any level, and vmap's batch kept)."""
        d = self._data
        if on_tape(d):
            d = concrete(d)
        elif transform_traced(d):
            d = fnp.stop_gradient(d)
        return wrap_view_of(self, d)

    def detach_(self) -> Tensor:
        """Detach ``self`` from the graph in place; returns ``self``."""
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        d = self._data
        if on_tape(d):
            self._data = d._value
        elif transform_traced(d):
            self._data = fnp.stop_gradient(d)
        self._fn = None
        return self

    @property
    def data(self):
        """The storage as an untracked tensor (its changes are invisible to autograd); inside an fgrad
        transform, the value with no derivative (under vmap: still one example)."""
        d = self._data
        return wrap(fnp.stop_gradient(d) if transform_traced(d) else concrete(d))

    @data.setter
    def data(self, value):
        raw = concrete(value._data) if isinstance(value, Tensor) else np.asarray(value)
        if on_tape(self._data):
            self._data = TAPE.leaf_of(_as_storage(raw), self) if self.is_leaf else \
                VJPTracer(TAPE, raw, self._data._node, self._data._index)
        else:
            self._data = _as_storage(raw)

    # ------------------------------------------------------------------ conversion
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if batched(self._data):
            raise RuntimeError(_VMAP_ITEM)
        no_python_value(self._data, float)
        r = concrete(self._data)
        if np.size(r) != 1:
            raise RuntimeError(f"a Tensor with {np.size(r)} elements cannot be converted to Scalar")
        return r.item() if hasattr(r, "item") else r

    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers."""
        if batched(self._data):
            raise RuntimeError(_VMAP_NO_STORAGE)
        no_python_value(self._data, np.asarray)
        r = concrete(self._data)
        return r.tolist() if hasattr(r, "tolist") else r

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The storage as a NumPy array, sharing memory (``force=True`` copies off the GPU and ignores grad)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if batched(self._data):
            raise RuntimeError(_VMAP_NO_STORAGE)
        no_python_value(self._data, np.asarray)
        r = concrete(self._data)
        if backend.is_cupy_array(r):
            if not force:
                raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to "
                                "copy the tensor to host memory first.")
            return r.get()
        return r

    def __float__(self):
        return float(self._python_scalar())

    def __int__(self):
        return int(self._python_scalar())

    def _python_scalar(self):
        """``item()`` for Python's number conversions, which refuse other sizes with torch's ValueError."""
        if not batched(self._data) and self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self):
        if self._np_dtype().kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if batched(self._data):
            raise RuntimeError("vmap: It looks like you're attempting to use a Tensor in some data-dependent control "
                               "flow. We don't support that yet, please file an issue at "
                               "https://github.com/pytorch/pytorch/issues .")
        no_python_value(self._data, bool)
        r = concrete(self._data)
        if np.size(r) != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(r)

    def __complex__(self):
        return complex(self._python_scalar())

    def __format__(self, spec):
        if self.dim() == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __repr__(self):
        return tensor_repr(self)

    __str__ = __repr__

    # ------------------------------------------------------------------ copying and pickling
    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.asarray(backend.to_host(concrete(self._data))), self.requires_grad))

    def __deepcopy__(self, memo):
        t = wrap(concrete(self._data).copy())
        if self.requires_grad:
            t.requires_grad_(True)
        if self._grad is not None:
            t._grad = self._grad.clone()
        memo[id(self)] = t
        return t

    # ------------------------------------------------------------------ NumPy's protocols, answered by fgrad
    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if batched(self._data):
            raise RuntimeError(_VMAP_NO_STORAGE)
        no_python_value(self._data, np.asarray)
        r = np.asarray(backend.to_host(concrete(self._data)))
        return r if dtype is None else r.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = getattr(fnp, ufunc.__name__, None)
        if method != "__call__" or fn is None or kwargs:
            return NotImplemented
        return apply(fn, inputs)

    def __array_function__(self, func, types, args, kwargs):
        fn = getattr(fnp, func.__name__, None)
        if fn is None:
            return NotImplemented
        return apply(lambda *a: fn(*a, **kwargs), args)

    # ------------------------------------------------------------------ DLPack: the storage, shared without a copy
    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule over this tensor's storage, for ``np.from_dlpack``, ``torch.from_dlpack`` ...

        The consumer shares the memory: writes through either side are seen by the other.

        >>> t = torch.zeros(3)
        >>> a = np.from_dlpack(t)
        >>> _ = t.add_(2)
        >>> a
        array([2., 2., 2.], dtype=float32)
        """
        asked = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
        return _dlpack_storage(self).__dlpack__(**{k: v for k, v in asked.items() if v is not None})

    def __dlpack_device__(self) -> tuple[int, int]:
        """DLPack's ``(device type, index)`` of the storage: ``(1, 0)`` on the CPU, ``(2, n)`` on ``cuda:n``.

        >>> torch.ones(2).__dlpack_device__()
        (1, 0)
        """
        raw = concrete(self._data)
        kind, index = raw.__dlpack_device__() if hasattr(raw, "__dlpack_device__") else (1, 0)  # a host scalar
        return int(kind), int(index)


# torch's C++ and scalar-type names of the dtypes, as its messages about ``.grad`` spell them
_GRAD_DTYPE_NAMES = {"float64": ("double", "Double"), "float32": ("float", "Float"), "float16": ("c10::Half", "Half"),
                     "bfloat16": ("c10::BFloat16", "BFloat16"), "complex64": ("c10::complex<float>", "ComplexFloat"),
                     "complex128": ("c10::complex<double>", "ComplexDouble")}


def _dlpack_storage(t: Tensor) -> Any:
    """The raw array a DLPack consumer may share; torch's errors for what cannot be shared."""
    d = t._data
    if on_tape(d):
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if isinstance(d, Tracer):
        raise BufferError("Can't export a traced tensor through DLPack: inside fgrad.grad, vmap, jit or "
                          "fgrad_nn.compile its value is being traced and has no memory to share; export it "
                          "outside the transform")
    return np.asarray(d) if isinstance(d, (int, float, complex, np.generic)) else d


def define_methods(*tables):
    """Add the methods each table maps (name -> function or property) to Tensor.

    The one place Tensor gains attributes outside its class body (see the class docstring);
    a name may come from one place only.
    """
    for table in tables:
        for name, fn in table.items():
            if name in Tensor.__dict__:
                raise AssertionError(f"Tensor.{name} is defined twice")
            setattr(Tensor, name, fn)


def _rebuild(arr, requires_grad):
    t = wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def _dim(dim, nd):
    n = max(nd, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


_new, _ndarray, _MODULES = object.__new__, np.ndarray, sys.modules


def _init(t, data, fn=None, version=None):
    t._data = data
    t._version = [0] if version is None else version
    t._base = None
    t._view = None
    t._gv = 0
    t._grad = None
    t._fn = fn


def wrap(data, fn=None, version=None):
    """A new Tensor over ``data`` (raw array or tracer): ``_init``'s fields, inlined (every op's result)."""
    t = _new(Tensor)
    # _as_storage, skipped for what it would return unchanged: an ndarray, or the tape's tracer of one
    t._data = data if type(data) is _ndarray or type(data) is VJPTracer and type(data._value) is _ndarray \
        and data._trace is TAPE else _as_storage(data)
    t._version = [0] if version is None else version
    t._base = None
    t._view = None
    t._gv = 0
    t._grad = None
    t._fn = fn
    return t


# Tensors are fgrad pytrees: their data is the leaf.
register_pytree_node(Tensor, lambda t: ((t._data,), None), lambda aux, ch: wrap(*ch))


def wrap_view_of(base, data, steps=None, fn=None):
    """A Tensor sharing ``base``'s storage and version counter; ``steps`` rebuild it from the base."""
    t = wrap(data, fn, base._version)
    if steps is not None:
        root = base._base if base._base is not None else base
        t._base = root
        t._view = (base._view or ()) + tuple(steps)
        t._gv = base._version[0]
    return t


def unwrap(x):
    """``x._data`` for a Tensor, else ``x`` (no grad-mode handling)."""
    return x._data if isinstance(x, Tensor) else x


# ---------------------------------------------------------------------- the op wrapper

def _check_devices(tensors):
    first = None
    for t in tensors:
        r = concrete(t._data)
        if np.ndim(r) == 0 and not backend.is_cupy_array(r):
            continue  # torch lets CPU scalars (0-d tensors) meet CUDA tensors
        d = of_raw(r)
        if first is None:
            first = d
        elif d != first:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                               f"devices, {first} and {d}!")


def _tensors_in(args, out=None):
    """The Tensors among ``args`` (and in their lists and tuples), in order: those ``_take`` reads."""
    out = [] if out is None else out
    for a in args:
        if isinstance(a, Tensor):
            out.append(a)
        elif type(a) in (list, tuple) and a and isinstance(a[0], Tensor):
            _tensors_in(a, out)
    return out


def _take(a, saved, grad_on):
    if isinstance(a, Tensor):
        if a._base is not None and a._gv != a._version[0]:
            _refresh_view(a)
        d = a._data
        if on_tape(d):
            if grad_on:
                saved.append((a._version, a._version[0]))
            else:
                return d._value
        elif not grad_on:
            if isinstance(d, Tracer):
                return _no_grad_value(d, FUNC_REVERSE)
        else:
            saved.append((a._version, a._version[0], d))
        return d
    if type(a) in (list, tuple) and a and isinstance(a[0], Tensor):
        return type(a)(_take(v, saved, grad_on) for v in a)
    return a


_WIDE = (np.dtype(np.float32), np.dtype(np.float64))


def _has_bfloat16(vals):
    for v in vals:
        r = v._value if type(v) is VJPTracer else v
        if type(r) is _ndarray and r.dtype.kind == "V" and backend.is_bfloat16(r.dtype):
            return True
    return False


def apply(fn, args, kwargs=None, name=None, out_kind="one", numpy_errors=True):
    """Run the fgrad function ``fn`` on the Tensors in ``args`` and wrap the result.

    Records version counters for the backward check, honours grad mode and checks
    devices. ``out_kind``: "one" (a Tensor), "many" (a tuple of Tensors), "auto" (a Tensor
    for an array, a tuple of Tensors for a list or tuple of them), "raw".

    ``numpy_errors``: the ValueErrors of NumPy under a plain op (a broadcast mismatch) are
    raised as torch's RuntimeErrors. The pure layers raise torch's exception types
    themselves, so the bridge to them (``fgrad_nn.nn``) turns this off.
    """
    grad_on = STATE.enabled
    saved: list = []
    vals = []
    tracked = False
    for a in args:
        if isinstance(a, Tensor):  # _take, inlined for a Tensor argument
            if a._base is not None and a._gv != a._version[0]:
                _refresh_view(a)
            d = a._data
            if type(d) is VJPTracer and d._trace is TAPE:
                if grad_on:
                    v = a._version
                    saved.append((v, v[0]))
                    tracked = True
                else:
                    d = d._value
            elif not grad_on:
                if isinstance(d, Tracer):
                    d = _no_grad_value(d, FUNC_REVERSE)
            else:  # a constant to the graph: checked where a node reads it (see _modified_inputs in engine.py)
                v = a._version
                saved.append((v, v[0], d))
            vals.append(d)
        elif type(a) is list or type(a) is tuple:
            n = len(saved)
            vals.append(_take(a, saved, grad_on))
            tracked = tracked or any(len(e) == 2 for e in saved[n:])
        else:
            vals.append(a)  # (what _take returns for it)
    if "cupy" in _MODULES:  # backend.cupy_active(), inlined
        _check_devices(_tensors_in(args))
    if tracked:
        ver = [0]
        # the output's counter goes to the nodes that made the result (_mark_output), not to every node
        call = TAPE.saved = (tuple(saved), None, 0)
    else:
        ver = name = None  # nothing will be recorded: no grad_fn
    try:
        out = fn(*vals, **kwargs) if kwargs else fn(*vals)
        if "ml_dtypes" in _MODULES and fn is not fnp.astype and out_kind != "raw" and _has_bfloat16(vals) and \
                not isinstance(out, (list, tuple)) and fnp.result_type(out) in _WIDE:  # (no bfloat16 without it)
            # a float op on bfloat16 tensors whose pure function came back wider (NumPy's promotion, or
            # a computation in float32): torch's result is bfloat16, rounded once
            out = fnp.astype(out, backend.bfloat16())
        if out_kind == "one" and _is_an_input(out, vals):
            # the pure layer may hand an input back (roll by the size, cat([x]), tile(())); torch's result
            # is a new tensor with a node of its own, never the input (an alias would see in-place writes)
            if not isinstance(out, Tracer):
                out = backend.get_array_module(out).array(out)
            elif backend.is_inexact(fnp.result_type(out)):  # (a tracer of another dtype carries no gradient)
                out = fnp.positive(out)
    except ValueError as e:
        if not numpy_errors:
            raise
        raise _runtime(e, _tensors_in(args)) from None
    finally:
        if tracked:
            TAPE.saved = None
    if out_kind == "one":  # wrap(out, name, ver), inlined: every op's result
        if type(out) is VJPTracer and out._trace is TAPE:
            out = _fresh(out, vals)
            if tracked and getattr(out._node, "saved", None) is call:
                out = _mark_output(out, call, ver, 0)
        elif type(out) is not _ndarray or out.base is not None:
            out = _fresh(out, vals)
        t = _new(Tensor)
        t._data = out if type(out) is VJPTracer and type(out._value) is _ndarray and out._trace is TAPE \
            or type(out) is _ndarray else _as_storage(out)
        t._version = [0] if ver is None else ver
        t._base = None
        t._view = None
        t._gv = 0
        t._grad = None
        t._fn = name
        return t
    if out_kind == "auto":
        out_kind = "many" if isinstance(out, (list, tuple)) else "one"
    if out_kind == "one":
        if on_tape(out):
            out = _fresh(out, vals)
            if tracked and getattr(out._node, "saved", None) is call:
                out = _mark_output(out, call, ver, 0)
        else:
            out = _fresh(out, vals)
        return wrap(out, name, ver)
    if out_kind == "many":
        outs = []
        for o in out:
            o = _fresh(o, vals)
            t = wrap(o, name)
            if tracked and on_tape(o) and getattr(o._node, "saved", None) is call:
                t._data = _mark_output(o, call, t._version, 0)
            outs.append(t)
        return tuple(outs)
    return out


def _is_an_input(out, vals):
    """Whether ``out`` is one of the arrays or tracers in ``vals`` (or in their lists) itself."""
    for v in vals:
        if v is out or (type(v) is list or type(v) is tuple) and any(u is out for u in v):
            return True
    return False


def _raw_inputs(vals):
    for v in vals:
        if type(v) is list or type(v) is tuple:
            yield from _raw_inputs(v)
        else:
            while isinstance(v, Tracer):
                v = v._value
            if getattr(v, "ndim", None) is not None:  # 0-d arrays too: their views alias them as well
                yield v


def _fresh(out, vals):
    """``out``, copied where its storage overlaps an input's: an op's result is a new tensor (torch copies
    in ``flip``, ``repeat``, ``cat([x])``, ... where NumPy may give a view), so a later in-place write to
    either leaves the other alone. Views are made by the view ops (``wrap_view_of``), never here."""
    raw = out._value if on_tape(out) else out
    if isinstance(raw, Tracer) or getattr(raw, "base", None) is None:
        return out  # a fresh array (NumPy's ufuncs, reductions, copies) owns its memory
    xp = backend.get_array_module(raw)
    if not any(xp.may_share_memory(raw, r) for r in _raw_inputs(vals)) and getattr(raw.flags, "writeable", True):
        return out
    raw = xp.array(raw, copy=True, order="C")
    return VJPTracer(TAPE, raw, out._node, out._index) if on_tape(out) else raw


def _mark_output(out, call, counter, version):
    """Give the output's version check to the nodes of this call whose values its storage holds: the
    node that made it and, through views (a final reshape), the nodes before it. The other nodes of a
    composite call (a convolution before its bias add) hold values no in-place write can reach, so an
    in-place activation after them is fine, as in torch."""
    raw = out._value
    if out._node.prim.multiple_results:
        # one output of several, which share one version slot: the tensor gets a copy, so no in-place
        # write reaches the values the rules read (max pooling's indices, say); torch saves no values
        # output of those it returns alone
        xp = backend.get_array_module(raw)
        return VJPTracer(TAPE, xp.array(raw, copy=True), out._node, out._index) if getattr(raw, "ndim", 0) else out
    mine = (call[0], counter, version)
    todo = [out._node]
    while todo:
        node = todo.pop()
        node.saved = mine
        for _, parent, index in node.parents:
            if getattr(parent, "saved", None) is not call:
                continue
            ans = parent.ans[index] if parent.prim.multiple_results else parent.ans
            while isinstance(ans, Tracer):
                ans = ans._value
            if getattr(ans, "ndim", 0) and backend.get_array_module(ans).may_share_memory(ans, raw):
                todo.append(parent)
    return out


def _runtime(err, tensors):
    """torch's RuntimeError for NumPy's ValueError under a plain op (a broadcast mismatch above all)."""
    if len(tensors) == 2 and "broadcast" in str(err):
        try:
            broadcast_shapes(*(tuple(t.shape) for t in tensors))
        except RuntimeError as e:
            return e
    return RuntimeError(str(err))


# ---------------------------------------------------------------------- views and in-place

def _view_fwd(d, kind, p):
    """One view step on a (possibly traced) value."""
    if kind == "index":
        return fnp.getitem(d, p)
    if kind == "transpose":
        return fnp.transpose(d, p)
    if kind == "reshape":
        return fnp.reshape(d, p)
    if kind == "expand":
        return fnp.broadcast_to(d, p)
    if kind == "diagonal":
        return fnp.diagonal(d, *p)
    if kind == "real" or kind == "multi":
        return d
    raise AssertionError(kind)


def _view_inverse(base_d, kind, p, new):
    """The base's new value after its view (step ``kind, p``) became ``new``."""
    if kind == "index":
        return fnp.at(base_d)[p].set(new)
    if kind == "transpose":
        inv = [0] * len(p)
        for i, a in enumerate(p):
            inv[a] = i
        return fnp.transpose(new, tuple(inv))
    if kind == "reshape":
        return fnp.reshape(new, fnp.shape(base_d))
    if kind == "diagonal":  # p = (offset, dim1, dim2), dims non-negative
        offset, d1, d2 = p
        n = fnp.shape(new)[-1]
        index = [slice(None)] * len(fnp.shape(base_d))
        index[d1], index[d2] = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
        # NumPy puts the two index arrays' dimension where they stand if adjacent, else first
        at = min(d1, d2) if abs(d1 - d2) == 1 else 0
        return fnp.at(base_d)[tuple(index)].set(fnp.moveaxis(new, -1, at))
    if kind == "real" or kind == "multi":
        return new
    raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                       "single memory location. Please clone() the tensor before performing the operation.")


def _rebuild_base(base_d, steps, new):
    if not steps:
        return new
    kind, p = steps[0]
    inner = _view_fwd(base_d, kind, p)
    return _view_inverse(base_d, kind, p, _rebuild_base(inner, steps[1:], new))


def _refresh_view(v):
    """Regenerate a view's graph from its base after the base (or a sibling view) changed in place."""
    base = v._base
    v._gv = v._version[0]
    bd = base._data
    if not on_tape(bd) or not STATE.enabled:
        return
    d = bd
    for kind, p in v._view:
        d = _view_fwd(d, kind, p)
    if on_tape(d):
        v._data = VJPTracer(TAPE, concrete(v._data), d._node, d._index)
        v._fn = v._fn or "AsStridedBackward0"


def mark_multi_output(views, fn):
    """Mark ``views``, the outputs of one call that returns several views (``split``, ``unbind``), as
    torch does: writing into one of them (or a view of it) in place while autograd records raises, since
    one backward node cannot stand for all of them after the write."""
    for i, v in enumerate(views):
        if v._view is not None:
            v._view = v._view + (("multi", (fn, i)),)
    return views


def _check_multi_output(t, base_tracked):
    """torch's error for an in-place write into an output of a multi-view call (``mark_multi_output``)."""
    steps = t._view
    if not steps or not any(kind == "multi" for kind, _ in steps):
        return
    if not base_tracked:
        head = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
    elif steps[-1][0] == "multi":
        fn, i = steps[-1][1]
        head = f"Output {i} of {fn} is a view and is being modified inplace."
    else:
        fn = (t._fn or "AsStridedBackward0").removesuffix("Backward0")
        head = f"Output 0 of {fn} is a view and is being modified inplace."
    raise RuntimeError(head + " This view is the output of a function that returns multiple views. Such functions "
                       "do not allow the output views to be modified inplace. You should replace the inplace "
                       "operation by an out-of-place one.")


def check_inplace(t):
    """torch's errors for in-place ops on leaves that require grad (outside no_grad)."""
    if not STATE.enabled:
        return
    d = t._data
    if on_tape(d) and d._node.prim is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if t._base is not None and on_tape(t._base._data) and t._base._data._node.prim is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")


def check_no_overlap(raw):
    """torch's refusal to write into a region where several elements share one memory location (an
    expanded tensor's broadcast dims: stride 0, size above 1)."""
    shape = getattr(raw, "shape", ())
    if 0 not in shape and any(st == 0 and n > 1 for st, n in zip(getattr(raw, "strides", ()), shape)):
        raise RuntimeError(_OVERLAP)  # (an empty array's strides may be 0: it holds no element to share)


def _write(storage, value):
    check_no_overlap(storage)
    try:
        storage[...] = value
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(_OVERLAP) from None
        raise RuntimeError(str(e)) from None


def _cast_check(new_dtype, t_dtype):
    if new_dtype != t_dtype and not np.can_cast(new_dtype, t_dtype, "same_kind") and \
            not (backend.is_floating(t_dtype) and (new_dtype.kind in "fiub" or backend.is_floating(new_dtype))):
        raise RuntimeError(f"result type {_dtypes.from_np(new_dtype).name.capitalize()} can't be cast to the "
                           f"desired output type {_dtypes.from_np(t_dtype).name.capitalize()}")


def inplace(t, fn, others=(), name=None):
    """``t = fn(t, *others)`` in place: storage written, graph re-pointed, version bumped."""
    check_inplace(t)
    if t._base is not None and t._gv != t._version[0]:
        _refresh_view(t)
    grad_on = STATE.enabled
    d = t._data
    storage = concrete(d)
    saved = []
    ovals = [_take(o, saved, grad_on) for o in others]
    if backend.cupy_active():
        _check_devices([t] + _tensors_in(others))
    tdt = storage.dtype
    tracked = grad_on and (on_tape(d) or any(len(e) == 2 for e in saved))
    if tracked and t._base is not None:
        _check_multi_output(t, on_tape(t._base._data))
    if not tracked:
        # Inside an fgrad transform the value is a transform's tracer whose arrays the transform
        # has saved: compute on the tracer and re-point the tensor at the result (copy on write)
        # instead of overwriting arrays the transform's backward pass still reads.
        if transform_traced(d) or any(transform_traced(o) for o in ovals):
            new = fn(d, *ovals)
            _cast_check(fnp.result_type(new), tdt)
            return t._assign(new)
        new = fn(storage, *ovals)
        new_raw = concrete(new)
        _cast_check(fnp.result_type(new_raw), tdt)
        _write(storage, new_raw)
        t._version[0] += 1
        t._gv = t._version[0]
        return t
    # The op reads a copy of the old value: later writes to the storage must not reach its node.
    if on_tape(d):
        old = VJPTracer(TAPE, storage.copy(), d._node, d._index)
    else:
        old = storage.copy()
    call = TAPE.saved = (tuple(saved), None, 0)
    try:
        new = fn(old, *ovals)
        if fnp.result_type(new) != tdt:
            _cast_check(fnp.result_type(new), tdt)
            new = fnp.astype(new, tdt)
        if on_tape(new) and getattr(new._node, "saved", None) is call:
            new = _mark_output(new, call, t._version, t._version[0] + 1)
        if t._base is not None:
            base = t._base
            new_base = _rebuild_base(base._data, t._view, new)
        else:
            base = new_base = None
    finally:
        TAPE.saved = None
    _write(storage, concrete(new))
    t._version[0] += 1
    t._gv = t._version[0]
    if on_tape(new):
        t._data = VJPTracer(TAPE, storage, new._node, new._index)
        t._fn = name
    if base is not None and on_tape(new_base):
        base._data = VJPTracer(TAPE, concrete(base._data), new_base._node, new_base._index)
        base._fn = "CopySlices"
    return t
