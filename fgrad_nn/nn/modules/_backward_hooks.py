"""Module full backward hooks (``register_full_backward_hook``/``_pre_hook``) on the tape, as torch makes
them: the module's tensor inputs and outputs pass through identity Functions whose backward calls the hooks
-- the outputs' with the gradients w.r.t. the outputs (pre-hooks, which may replace them), the inputs'
with the gradients w.r.t. the inputs (full hooks, which may replace those)."""
from __future__ import annotations

import warnings
from typing import Any, Callable

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled

__all__ = ["BackwardHook"]


def _identity(name: str, on_backward: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> type[Function]:
    """A Function passing its tensors through, whose backward hands their gradients to ``on_backward``."""

    def forward(ctx: Any, *tensors: Tensor) -> Any:
        ctx.set_materialize_grads(False)
        # copies: an in-place op on a passed tensor must not write into the original behind the tape's back
        # (torch's are views, and such a write raises there)
        out = tuple(t.clone() for t in tensors)
        ctx.mark_non_differentiable(*[o for o, t in zip(out, tensors) if not t.requires_grad])
        return out if len(out) > 1 else out[0]

    def backward(ctx: Any, *grads: Any) -> Any:
        out = on_backward(grads)
        return out if len(out) > 1 else out[0]

    return type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


class BackwardHook:
    """One call's hooks: made by ``Module.__call__`` when the module has backward hooks."""

    def __init__(self, module: Any,  # the Module (module.py imports this file)
                 hooks: list[Callable[..., Any]], pre_hooks: list[Callable[..., Any]]) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.n_inputs = 0
        self.input_index: list[int] | None = None
        self.grad_outputs: tuple[Any, ...] | None = None

    def _pack(self, index: list[int], values: tuple[Any, ...], size: int) -> tuple[Any, ...]:
        out: list[Any] = [None] * size
        for i, v in zip(index, values):
            out[i] = v
        return tuple(out)

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """``args`` with their tensors passed through the identity whose backward calls the full hooks."""
        self.n_inputs = len(args)
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not self.hooks or not is_grad_enabled() or not any(args[i].requires_grad for i in index):
            return args
        self.input_index = index

        def on_backward(grads: tuple[Any, ...]) -> tuple[Any, ...]:
            grad_input = self._pack(index, grads, self.n_inputs)
            for hook in self.hooks:
                res = hook(self.module, grad_input, self.grad_outputs)
                if res is None:
                    continue
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(res)}, "
                                       f"but expected {len(grad_input)}")
                grad_input = res
            return tuple(grad_input[i] for i in index)

        ident = _identity("BackwardHookFunction", on_backward)
        passed = ident.apply(*(args[i] for i in index))
        passed = passed if isinstance(passed, tuple) else (passed,)
        new = list(args)
        for i, t in zip(index, passed):
            new[i] = t
        return tuple(new)

    def setup_output_hook(self, result: Any) -> Any:
        """``result`` (a tensor or a tuple) with its tensors passed through the identity whose backward calls
        the pre-hooks (and the full hooks, when no input requires grad)."""
        single = isinstance(result, Tensor)
        outs = (result,) if single else tuple(result) if isinstance(result, tuple) else None
        if outs is None or not is_grad_enabled():
            return result
        index = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        if not any(outs[i].requires_grad for i in index):
            return result
        n = len(outs)

        def on_backward(grads: tuple[Any, ...]) -> tuple[Any, ...]:
            grad_output = self._pack(index, grads, n)
            for hook in self.pre_hooks:
                res = hook(self.module, grad_output)
                if res is None:
                    continue
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_output):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                       f"{len(res)}, but expected {len(grad_output)}")
                grad_output = res
            self.grad_outputs = grad_output
            if self.input_index is None and self.hooks:  # no input needs a gradient: call them now
                warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                              "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
                              "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more "
                              "details.", stacklevel=2)
                grad_input = (None,) * self.n_inputs
                for hook in self.hooks:
                    res = hook(self.module, grad_input, grad_output)
                    if res is not None and not all(r is None for r in res):
                        raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                           "always return None or None for all gradients.")
            return tuple(grad_output[i] for i in index)

        ident = _identity("BackwardHookFunction", on_backward)
        passed = ident.apply(*(outs[i] for i in index))
        passed = passed if isinstance(passed, tuple) else (passed,)
        new = list(outs)
        for i, t in zip(index, passed):
            new[i] = t
        return new[0] if single else type(result)(new)
