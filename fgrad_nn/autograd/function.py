"""``torch.autograd.Function`` on ``fgrad.custom_vjp``, and ``grad_fn`` objects."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

import fgrad
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES, Tracer, concrete

from .._tensor import Tensor, _refresh_view as refresh_view, on_tape, wrap
from .grad_mode import STATE, no_grad
from .graph import pack_saved, unpack_saved

__all__ = ["Function", "FunctionCtx", "GradFn", "node_name", "once_differentiable"]

_F = TypeVar("_F", bound=Callable[..., Any])

# fgrad primitive -> the name torch gives the backward of the same operation
_TORCH_NAMES = {
    "add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "negative": "Neg",
    "power": "Pow", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "sin": "Sin", "cos": "Cos",
    "tanh": "Tanh", "absolute": "Abs", "sum": "Sum", "matmul": "Mm", "reshape": "View",
    "transpose": "Transpose", "broadcast_to": "Expand", "getitem": "Index", "clip": "Clamp",
    "where": "Where", "astype": "ToCopy", "concatenate": "Cat", "stack": "Stack", "expit": "Sigmoid",
    "maximum": "Maximum", "minimum": "Minimum", "positive": "Clone", "square": "Pow",
}


def torch_convention(g: Any) -> Any:
    """A cotangent between fgrad's engine and torch's autograd: complex ones conjugated, others as they are.

    The engine follows JAX (a VJP is the transpose of the JVP); torch hands a complex function the conjugate
    of the incoming gradient and returns the conjugate of the result (conjugate Wirtinger calculus), so
    every cotangent that crosses between user code and the engine is conjugated (its own inverse).

    >>> torch_convention(np.array([1 + 2j]))
    array([1.-2.j])
    """
    dt = getattr(g, "dtype", None)
    return fnp.conj(g) if dt is not None and getattr(dt, "kind", "") == "c" else g


def node_name(node: Any, index: int = 0) -> str:
    prim = node.prim
    name = prim.name
    if PRIMITIVES.get(name) is not prim:  # an unregistered one: a custom rule's call (a Function)
        return f"{name}Backward"
    base = _TORCH_NAMES.get(name) or "".join(p.capitalize() for p in name.split("_"))
    return f"{base}Backward0"


class _AccumulateGrad:
    """The ``grad_fn``-graph node of a leaf (torch's AccumulateGrad)."""

    def __init__(self, node: Any) -> None:
        ref = getattr(node, "tensor", None)
        self.variable = ref() if ref is not None else None
        self.next_functions = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


_NAMED: dict[str, type] = {}  # GradFn's subclasses, one per node name


class GradFn:
    """What ``tensor.grad_fn`` returns: the recorded node under a torch name, an instance of a subclass of
    that name (``type(y.grad_fn).__name__`` is ``'AddBackward0'``, as in torch)."""

    __slots__ = ("_node", "_name", "_index")
    _node: Any
    _name: str
    _index: int

    def __new__(cls, node: Any, name: str | None = None, index: int = 0) -> GradFn:
        name = name or node_name(node, index)
        named = _NAMED.get(name)
        if named is None:
            named = _NAMED[name] = type(name, (GradFn,), {"__slots__": ()})
        self: GradFn = object.__new__(named)
        self._node = node
        self._name = name
        self._index = index
        return self

    def name(self) -> str:
        return self._name

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        out: list[tuple[Any, int]] = []
        for _, parent, index in self._node.parents:
            if parent.prim is None:
                out.append((_AccumulateGrad(parent), 0))
            else:
                out.append((GradFn(parent, None, index), index))
        return tuple(out)

    def __eq__(self, other):
        return isinstance(other, GradFn) and other._node is self._node

    def __hash__(self):
        return id(self._node)

    def __repr__(self):
        return f"<{self._name} object at {id(self._node):#x}>"


class FunctionCtx:
    """The ``ctx`` a Function's ``forward`` and ``backward`` share: saved tensors, ``needs_input_grad``, flags.

    >>> class Double(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, k):
    ...         ctx.k = k
    ...         return x * k
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         print(ctx.needs_input_grad)
    ...         return g * ctx.k, None
    >>> Double.apply(torch.ones(1, requires_grad=True), 2.0).sum().backward()
    (True, False)
    """

    def __init__(self) -> None:
        self._saved = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self._non_diff: set[int] = set()

    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = pack_saved(tensors)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        return unpack_saved(self._saved)

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors: Tensor) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        cls._backward_cls = cls


class Function(metaclass=_FunctionMeta):
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call ``.apply``.

    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         x, = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = torch.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).backward()
    >>> x.grad
    tensor([6.])
    """

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        ctx = FunctionCtx()
        # a Tensor over an fgrad transform's tracer is being differentiated too (gradcheck, fgrad.grad)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and (a.requires_grad or isinstance(a._data, Tracer))
                                     for a in args)
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        nondiff = tuple(i for i in range(len(args)) if i not in tensor_pos)
        out_info = {}

        def run_forward():
            with no_grad():
                out = cls.forward(ctx, *args, **kwargs)
            single = not isinstance(out, tuple)
            outs = (out,) if single else out
            out_info["single"] = single
            out_info["outs"] = outs
            return tuple(o._raw() if isinstance(o, Tensor) else o for o in outs)

        def fun(*vals):
            return run_forward()

        def fwd(*vals):
            return run_forward(), None

        def bwd(*rest):
            g = rest[-1]
            grads = []
            for gi, o in zip(g, out_info["outs"]):
                if gi is None and ctx.materialize_grads and isinstance(o, Tensor):
                    gi = fnp.zeros_like(o._raw())
                grads.append(None if gi is None else wrap(torch_convention(gi)))
            res = cls.backward(ctx, *grads)
            res = res if isinstance(res, tuple) else (res,)
            if len(res) < len(args):
                raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of gradients "
                                   f"(expected {len(args)}, got {len(res)})")
            cts = []
            for i in tensor_pos:
                r = res[i]
                if r is None or not ctx.needs_input_grad[i]:
                    cts.append(None)
                    continue
                if not isinstance(r, Tensor):
                    raise TypeError(f"{cls.__name__}.backward must return Tensors or None")
                if tuple(r.shape) != tuple(args[i].shape):
                    raise RuntimeError(f"Function {cls.__name__}Backward returned an invalid gradient at index "
                                       f"{i} - got {list(r.shape)} but expected shape compatible with "
                                       f"{list(args[i].shape)}")
                cts.append(torch_convention(r._data if STATE.enabled else r._raw()))
            return tuple(cts)

        fun.__name__ = cls.__name__
        cv = fgrad.custom_vjp(fun, nondiff_argnums=nondiff)
        cv.defvjp(fwd, bwd)
        cv.__name__ = cls.__name__  # type: ignore[attr-defined]  # named like the function it wraps
        if STATE.enabled:
            call_args = [a._data if isinstance(a, Tensor) else a for a in args]
        else:
            call_args = [a._raw() if isinstance(a, Tensor) else a for a in args]
        res = cv(*call_args)
        outs = out_info["outs"]
        wrapped = []
        for r, o in zip(res, outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
            elif id(o) in ctx._non_diff:
                wrapped.append(wrap(concrete(r)))
            else:
                wrapped.append(wrap(r, f"{cls.__name__}Backward"))
        return wrapped[0] if out_info["single"] else tuple(wrapped)


def once_differentiable(fn: _F) -> _F:
    """Mark a Function's ``backward`` as not differentiable again (fgrad_nn returns it unchanged).

    >>> class Exp(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     @torch.autograd.function.once_differentiable
    ...     def backward(ctx, g):
    ...         y, = ctx.saved_tensors
    ...         return g * y
    >>> x = torch.tensor([0.0], requires_grad=True)
    >>> Exp.apply(x).backward()
    >>> x.grad
    tensor([1.])
    """
    return fn


def _grad_fn(self: Tensor) -> GradFn | None:
    """``Tensor.grad_fn``: the node that computed the tensor (None for leaves and untracked tensors)."""
    if self._base is not None and self._gv != self._version[0]:
        refresh_view(self)  # its base was written in place since: the view's graph follows it
    d = self._data
    if not on_tape(d) or d._node.prim is None:
        return None
    return GradFn(d._node, self._fn, d._index)


TENSOR_METHODS = {"grad_fn": property(_grad_fn)}  # added to Tensor by fgrad_nn._ops
