"""``torch.autograd.graph``: hooks on the tensors backward saves.

``saved_tensors_hooks(pack_hook, unpack_hook)``: while it is active, every value a new node of the tape
keeps for its backward rules -- the inputs of an op whose rules read them (every op but the linear ones)
and the output where the rules read it -- is handed to ``pack_hook`` as a Tensor when the node is
recorded, and what the hook returned to ``unpack_hook`` when backward runs the node's rules (which then
compute with the Tensor it gives); a custom Function's ``ctx.save_for_backward`` tensors likewise, unpacked
by ``ctx.saved_tensors``. Hooks nest: the innermost applies. ``save_on_cpu`` is such a pair
(saved values kept on the host); ``disable_saved_tensors_hooks`` forbids registering any.

>>> with torch.autograd.graph.save_on_cpu():
...     y = (torch.ones(2, requires_grad=True) * 3).sum()
>>> y.backward()
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor, wrap
from ._tape import TAPE

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

_DISABLED: list[str] = []  # the messages of the active disable_saved_tensors_hooks


class Saved:
    """A value a node keeps, packed: ``unpack()`` gives the raw value its rules compute with."""

    __slots__ = ("packed", "unpack_hook")

    def __init__(self, packed: Any, unpack_hook: Callable[[Any], Any]) -> None:
        self.packed = packed
        self.unpack_hook = unpack_hook

    def tensor(self) -> Tensor:
        t = self.unpack_hook(self.packed)
        if not isinstance(t, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(t).__name__}")
        return t

    def unpack(self) -> Any:
        return self.tensor()._raw()


class PackedArgs(tuple):
    """A node's arguments (or outputs) with the arrays among them packed (``Saved``); ``unpack()``
    restores them."""

    def unpack(self) -> tuple[Any, ...]:
        return tuple(v.unpack() if type(v) is Saved else v for v in self)


def pack_saved(tensors: tuple[Any, ...]) -> tuple[Any, ...]:
    """``ctx.save_for_backward``'s tensors, each packed by the innermost active hooks (none: as given)."""
    if not TAPE.saved_hooks:
        return tensors
    hooks = TAPE.saved_hooks[-1].__self__
    return tuple(Saved(hooks.pack_hook(t), hooks.unpack_hook) if isinstance(t, Tensor) else t for t in tensors)


def unpack_saved(saved: tuple[Any, ...]) -> tuple[Any, ...]:
    """``ctx.saved_tensors``: what ``pack_saved`` packed, unpacked."""
    return tuple(v.tensor() if type(v) is Saved else v for v in saved)


class saved_tensors_hooks:
    """Pack and unpack hooks for the values backward saves (see the module).

    >>> packed = []
    >>> def pack(t):
    ...     packed.append(tuple(t.shape))
    ...     return t * 1  # a copy
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    ...     y = (x * x).sum()
    >>> y.backward()
    >>> packed, x.grad
    ([(2,), (2,)], tensor([2., 4.]))
    """

    def __init__(self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def _pack(self, value: Any) -> Any:
        if not hasattr(value, "ndim"):  # a Python number: no tensor is saved
            return value
        hooks, TAPE.saved_hooks = TAPE.saved_hooks, []  # what the pack hook computes saves nothing
        try:
            return Saved(self.pack_hook(wrap(value)), self.unpack_hook)
        finally:
            TAPE.saved_hooks = hooks

    def _pack_node(self, node: Any) -> None:
        prim = node.prim
        if not prim.linear and node.args:
            node.args = PackedArgs(self._pack(v) for v in node.args)
        if prim.reads_output and node.ans is not None:
            ans = node.ans
            node.ans = PackedArgs(self._pack(a) for a in ans) if prim.multiple_results else self._pack(ans)

    def __enter__(self) -> saved_tensors_hooks:
        if _DISABLED:
            raise RuntimeError(_DISABLED[-1])
        TAPE.saved_hooks.append(self._pack_node)
        return self

    def __exit__(self, *exc: object) -> None:
        TAPE.saved_hooks.remove(self._pack_node)


class save_on_cpu(saved_tensors_hooks):
    """Keep the tensors backward saves on the host (torch's GPU-memory saver); backward moves each back
    to its device.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> with torch.autograd.graph.save_on_cpu(pin_memory=True):
    ...     y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4.])
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory = pin_memory
        self.device_type = device_type
        super().__init__(lambda t: (t.device, t.cpu()), lambda packed: packed[1].to(packed[0]))


class disable_saved_tensors_hooks:
    """A region in which registering saved-tensor hooks raises a RuntimeError with ``error_message``.

    >>> with torch.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
    ...     torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
    Traceback (most recent call last):
    RuntimeError: no hooks here
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        _DISABLED.append(self.error_message)

    def __exit__(self, *exc: object) -> None:
        _DISABLED.pop()
