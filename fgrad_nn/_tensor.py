"""``torch.Tensor``: a thin shell around an fgrad value.

``_data`` is a raw NumPy/CuPy array, an fgrad transform's tracer, or (when the
tensor requires grad) a ``VJPTracer`` of the global tape whose value is the
tensor's storage. Views share storage and a version counter with their base;
in-place ops write into the storage and re-point ``_data`` at the tracer of the
op's result (and rewrite the base's graph, torch's CopySlices idea).
"""
import math

import numpy as np

from fgrad import backend
from fgrad.core import Tracer, VJPTracer, concrete
import fgrad.numpy as fnp

from . import _dtypes
from ._device import of_raw, as_device, put
from .autograd._tape import TAPE, TapeNode, LINEAR, NO_ANS  # noqa: F401
from .autograd.grad_mode import STATE

__all__ = ["Tensor", "wrap", "unwrap", "apply", "raw_of", "Size"]


class Size(tuple):
    """``torch.Size``: a tuple of ints."""

    def __repr__(self):
        return f"torch.Size([{', '.join(str(n) for n in self)}])"

    def numel(self):
        return int(np.prod(self, dtype=np.int64))


def _is_tape(d):
    return type(d) is VJPTracer and d._trace is TAPE


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


def transform_traced(d):
    """True for a value traced by an fgrad transform (not the facade's own tape)."""
    return isinstance(d, Tracer) and not _is_tape(d)


def raw_of(d):
    """The array under any value (the tensor's storage for a tape tracer)."""
    while isinstance(d, Tracer):
        d = d._value
    return d


def _as_storage(d):
    """``d`` with a real ndarray (not a NumPy scalar) under it, so it can be written in place."""
    if _is_tape(d):
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
    """A torch-style tensor over fgrad (see the module docstring)."""

    __slots__ = ("_data", "_version", "_base", "_view", "_gv", "_grad", "_fn", "__weakref__")
    __array_priority__ = 2000

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, dtype=None, device=None):
        """``torch.Tensor(data)`` (default float dtype) or ``torch.Tensor(2, 3)`` (uninitialised: zeros)."""
        if len(args) == 1 and not isinstance(args[0], int):
            from ._ops.creation import tensor
            t = tensor(args[0], dtype=dtype or _dtypes.get_default_dtype(), device=device)
        else:
            from ._ops.creation import zeros
            t = zeros(*args, dtype=dtype, device=device)
        _init(self, t._data)

    # ------------------------------------------------------------------ metadata
    def _raw(self):
        return raw_of(self._data)

    def _np_dtype(self):
        r = raw_of(self._data)
        return r.dtype if hasattr(r, "dtype") else np.result_type(r)

    @property
    def dtype(self):
        return _dtypes.from_np(self._np_dtype())

    @property
    def device(self):
        return of_raw(raw_of(self._data))

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def shape(self):
        return Size(np.shape(raw_of(self._data)))

    def size(self, dim=None):
        s = np.shape(raw_of(self._data))
        if dim is None:
            return Size(s)
        return s[_dim(dim, len(s))]

    def dim(self):
        return np.ndim(raw_of(self._data))

    ndim = property(dim)

    def numel(self):
        return math.prod(np.shape(raw_of(self._data)))

    nelement = numel

    def element_size(self):
        return self._np_dtype().itemsize

    def is_floating_point(self):
        return self._np_dtype().kind == "f"

    def is_complex(self):
        return self._np_dtype().kind == "c"

    def is_contiguous(self, memory_format=None):
        r = raw_of(self._data)
        return bool(getattr(r, "flags", None) is None or r.flags.c_contiguous)

    def stride(self, dim=None):
        r = raw_of(self._data)
        st = tuple(s // r.itemsize for s in r.strides)
        return st if dim is None else st[_dim(dim, r.ndim)]

    def data_ptr(self):
        r = raw_of(self._data)
        return r.__array_interface__["data"][0] if isinstance(r, np.ndarray) else r.data.ptr

    def __len__(self):
        s = np.shape(raw_of(self._data))
        if not s:
            raise TypeError("len() of a 0-d tensor")
        return s[0]

    def __iter__(self):
        if not self.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __hash__(self):
        return id(self)

    @property
    def _version_count(self):
        return self._version[0]

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self):
        d = self._data
        return type(d) is VJPTracer and d._trace is TAPE

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        d = self._data
        tracked = _is_tape(d)
        if tracked and d._node.prim is not None:
            if requires_grad:
                return self
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                               "to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if requires_grad and not tracked:
            if self._np_dtype().kind not in "fc":
                raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
            self._data = TAPE.leaf_of(_as_storage(d), self)
        elif not requires_grad and tracked:
            self._data = d._value
        return self

    @property
    def is_leaf(self):
        d = self._data
        return not (type(d) is VJPTracer and d._trace is TAPE) or d._node.prim is None

    @property
    def grad_fn(self):
        d = self._data
        if not _is_tape(d) or d._node.prim is None:
            return None
        from .autograd.function import GradFn
        return GradFn(d._node, self._fn, d._index)

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
        self._grad = value

    def retain_grad(self):
        d = self._data
        if not _is_tape(d):
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = d._node
        if node.prim is None:
            return
        import weakref
        if not isinstance(node, TapeNode):
            raise RuntimeError("retain_grad() is not supported on the output of this function")
        node.retains = (node.retains or ()) + ((weakref.ref(self), d._index),)

    @property
    def retains_grad(self):
        d = self._data
        return _is_tape(d) and d._node.prim is not None and bool(getattr(d._node, "retains", None))

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad`` (see torch.Tensor.backward)."""
        from .autograd.engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A view of the same storage (and version counter) with no graph."""
        return wrap_view_of(self, raw_of(self._data) if isinstance(self._data, VJPTracer) and
                            self._data._trace is TAPE else self._data)

    def detach_(self):
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        d = self._data
        if _is_tape(d):
            self._data = d._value
        self._fn = None
        return self

    @property
    def data(self):
        """The storage as an untracked tensor (its changes are invisible to autograd)."""
        t = wrap(raw_of(self._data))
        return t

    @data.setter
    def data(self, value):
        raw = raw_of(value._data) if isinstance(value, Tensor) else np.asarray(value)
        if _is_tape(self._data):
            self._data = TAPE.leaf_of(_as_storage(raw), self) if self.is_leaf else \
                VJPTracer(TAPE, raw, self._data._node, self._data._index)
        else:
            self._data = _as_storage(raw)

    # ------------------------------------------------------------------ conversion
    def item(self):
        r = raw_of(self._data)
        if np.size(r) != 1:
            raise RuntimeError(f"a Tensor with {np.size(r)} elements cannot be converted to Scalar")
        return r.item() if hasattr(r, "item") else r

    def tolist(self):
        r = raw_of(self._data)
        return r.tolist() if hasattr(r, "tolist") else r

    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        r = raw_of(self._data)
        if backend.is_cupy_array(r):
            if not force:
                raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to "
                                "copy the tensor to host memory first.")
            return r.get()
        return r

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        r = np.asarray(backend.to_host(raw_of(self._data)))
        return r if dtype is None else r.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._np_dtype().kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        r = raw_of(self._data)
        if np.size(r) != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(r)

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self.dim() == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __repr__(self):
        from ._repr import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.asarray(backend.to_host(raw_of(self._data))), self.requires_grad))

    def __deepcopy__(self, memo):
        t = wrap(raw_of(self._data).copy())
        if self.requires_grad:
            t.requires_grad_(True)
        if self._grad is not None:
            t._grad = self._grad.clone()
        memo[id(self)] = t
        return t


def _rebuild(arr, requires_grad):
    t = wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def _dim(dim, nd):
    n = max(nd, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _init(t, data, fn=None, version=None):
    t._data = data
    t._version = [0] if version is None else version
    t._base = None
    t._view = None
    t._gv = 0
    t._grad = None
    t._fn = fn


def wrap(data, fn=None, version=None):
    """A new Tensor over ``data`` (raw array or tracer)."""
    t = object.__new__(Tensor)
    t._data = _as_storage(data)
    t._version = [0] if version is None else version
    t._base = None
    t._view = None
    t._gv = 0
    t._grad = None
    t._fn = fn
    return t


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
        r = raw_of(t._data)
        if np.ndim(r) == 0 and not backend.is_cupy_array(r):
            continue  # torch lets CPU scalars (0-d tensors) meet CUDA tensors
        d = of_raw(r)
        if first is None:
            first = d
        elif d != first:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                               f"devices, {first} and {d}!")


def _take(a, saved, grad_on, tensors):
    if isinstance(a, Tensor):
        if a._base is not None and a._gv != a._version[0]:
            _refresh_view(a)
        tensors.append(a)
        d = a._data
        if type(d) is VJPTracer and d._trace is TAPE:
            if grad_on:
                saved.append((a._version, a._version[0]))
            else:
                return d._value
        return d
    if type(a) in (list, tuple) and a and isinstance(a[0], Tensor):
        return type(a)(_take(v, saved, grad_on, tensors) for v in a)
    return a


def apply(fn, args, kwargs=None, name=None, out_kind="one"):
    """Run the fgrad function ``fn`` on the Tensors in ``args`` and wrap the result.

    Records version counters for the backward check, honours grad mode and checks
    devices. ``out_kind``: "one" (a Tensor), "many" (a tuple of Tensors), "raw".
    """
    grad_on = STATE.enabled
    saved = []
    tensors = []
    vals = [_take(a, saved, grad_on, tensors) for a in args]
    if backend.cupy_active() and len(tensors) > 1:
        _check_devices(tensors)
    if not saved:
        try:
            out = fn(*vals, **kwargs) if kwargs else fn(*vals)
        except ValueError as e:
            raise _runtime(e, tensors) from None
        if out_kind == "one":
            return wrap(out)
        if out_kind == "many":
            return tuple(wrap(o) for o in out)
        return out
    ver = [0]
    TAPE.saved = (tuple(saved), ver, 0)
    try:
        out = fn(*vals, **kwargs) if kwargs else fn(*vals)
    except ValueError as e:
        raise _runtime(e, tensors) from None
    finally:
        TAPE.saved = None
    if out_kind == "one":
        return wrap(out, name, ver)
    if out_kind == "many":
        return tuple(wrap(o, name) for o in out)
    return out


def _runtime(err, tensors):
    """torch raises RuntimeError where NumPy raises ValueError (shape mismatches above all)."""
    shapes = [tuple(t.shape) for t in tensors]
    if len(shapes) == 2 and "broadcast" in str(err):
        a, b = shapes
        for k in range(1, max(len(a), len(b)) + 1):
            x = a[-k] if k <= len(a) else 1
            y = b[-k] if k <= len(b) else 1
            if x != y and x != 1 and y != 1:
                return RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                    f"non-singleton dimension {max(len(a), len(b)) - k}")
    return RuntimeError(str(err))


# ---------------------------------------------------------------------- views and in-place

def _view_fwd(d, kind, p):
    """One view step on a (possibly traced) value."""
    if kind == "index":
        return _getitem(d, p)
    if kind == "transpose":
        return fnp.transpose(d, p)
    if kind == "reshape":
        return fnp.reshape(d, p)
    if kind == "expand":
        return fnp.broadcast_to(d, p)
    if kind == "real":
        return d
    raise AssertionError(kind)


def _getitem(d, idx):
    g = getattr(fnp, "getitem", None)
    if g is not None:
        return g(d, idx)
    return d[idx]


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
        return fnp.reshape(new, np.shape(raw_of(base_d)))
    if kind == "real":
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
    if not _is_tape(bd) or not STATE.enabled:
        return
    d = bd
    for kind, p in v._view:
        d = _view_fwd(d, kind, p)
    if _is_tape(d):
        v._data = VJPTracer(TAPE, raw_of(v._data), d._node, d._index)
        v._fn = v._fn or "AsStridedBackward0"


def check_inplace(t):
    """torch's errors for in-place ops on leaves that require grad (outside no_grad)."""
    if not STATE.enabled:
        return
    d = t._data
    if _is_tape(d) and d._node.prim is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if t._base is not None and _is_tape(t._base._data) and t._base._data._node.prim is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _write(storage, value, t):
    try:
        storage[...] = value
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                               "to a single memory location. Please clone() the tensor before performing "
                               "the operation.") from None
        raise RuntimeError(str(e)) from None


def _cast_check(new_dtype, t_dtype):
    if new_dtype != t_dtype and not np.can_cast(new_dtype, t_dtype, "same_kind") and \
            not (t_dtype.kind == "f" and new_dtype.kind in "fiub"):
        raise RuntimeError(f"result type {_dtypes.from_np(new_dtype).name.capitalize()} can't be cast to the "
                           f"desired output type {_dtypes.from_np(t_dtype).name.capitalize()}")


def inplace(t, fn, others=(), name=None):
    """``t = fn(t, *others)`` in place: storage written, graph re-pointed, version bumped."""
    check_inplace(t)
    if t._base is not None and t._gv != t._version[0]:
        _refresh_view(t)
    grad_on = STATE.enabled
    d = t._data
    storage = raw_of(d)
    saved = []
    tensors = [t]
    ovals = [_take(o, saved, grad_on, tensors) for o in others]
    if backend.cupy_active():
        _check_devices(tensors)
    tdt = storage.dtype
    tracked = grad_on and (_is_tape(d) or saved)
    if not tracked:
        # Inside an fgrad transform the value is a transform's tracer whose arrays the transform
        # has saved: compute on the tracer and re-point the tensor at the result (copy on write)
        # instead of overwriting arrays the transform's backward pass still reads.
        if transform_traced(d) or any(transform_traced(o) for o in ovals):
            new = fn(d, *ovals)
            _cast_check(np.result_type(raw_of(new)), tdt)
            t._data = new
            t._version[0] += 1
            t._gv = t._version[0]
            return t
        new = fn(storage, *ovals)
        new_raw = raw_of(new)
        _cast_check(np.result_type(new_raw), tdt)
        _write(storage, new_raw, t)
        t._version[0] += 1
        t._gv = t._version[0]
        return t
    # The op reads a copy of the old value: later writes to the storage must not reach its node.
    if _is_tape(d):
        old = VJPTracer(TAPE, storage.copy(), d._node, d._index)
    else:
        old = storage.copy()
    TAPE.saved = (tuple(saved), t._version, t._version[0] + 1)
    try:
        new = fn(old, *ovals)
        if np.result_type(raw_of(new)) != tdt:
            _cast_check(np.result_type(raw_of(new)), tdt)
            new = fnp.astype(new, tdt)
        if t._base is not None:
            base = t._base
            new_base = _rebuild_base(base._data, t._view, new)
        else:
            base = new_base = None
    finally:
        TAPE.saved = None
    _write(storage, raw_of(new), t)
    t._version[0] += 1
    t._gv = t._version[0]
    if _is_tape(new):
        t._data = VJPTracer(TAPE, storage, new._node, new._index)
        t._fn = name
    if base is not None and _is_tape(new_base):
        base._data = VJPTracer(TAPE, raw_of(base._data), new_base._node, new_base._index)
        base._fn = "CopySlices"
    return t
