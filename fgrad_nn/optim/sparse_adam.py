"""``torch.optim.SparseAdam``: Adam that updates only the rows a sparse gradient touches ("lazy" Adam).

fgrad has no sparse tensors: an ``nn.Embedding``/``nn.EmbeddingBag`` made with ``sparse=True`` produces a
dense gradient and marks its weight as having sparse gradients. SparseAdam takes such a gradient's nonzero
rows as the sparse gradient's rows, and refuses any other dense gradient with torch's error.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.modules.sparse import has_sparse_gradient
from .optimizer import Optimizer, Params, Rate

__all__ = ["SparseAdam"]

class SparseAdam(Optimizer):
    """Adam for embedding tables with sparse gradients: only the rows present in the gradient change, and
    only their moment estimates are updated (torch's rule, bias correction by the step count).

    >>> emb = nn.Embedding(4, 2, sparse=True)
    >>> opt = torch.optim.SparseAdam(emb.parameters(), lr=0.1)
    >>> before = emb.weight.detach().clone()
    >>> emb(torch.tensor([1, 3])).sum().backward(); opt.step()
    >>> (emb.weight != before).any(dim=1).tolist()
    [False, True, False, True]
    """

    def __init__(self, params: Params, lr: Rate = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        if not 0.0 < float(lr):
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One lazy Adam update of every parameter with a gradient; returns ``closure()``'s loss.

        >>> w = torch.zeros(2, 2, requires_grad=True)
        >>> w.sum().backward()
        >>> torch.optim.SparseAdam([w]).step()
        Traceback (most recent call last):
        RuntimeError: SparseAdam does not support dense gradients, please consider Adam instead
        """
        for hook in list(self._step_pre_hooks.values()):
            if hook(self, (), {}) is not None:
                raise RuntimeError("optimizer step pre-hooks must return None")
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update_rows(p, group)
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _update_rows(self, p: Tensor, group: dict[str, Any]) -> None:
        if not has_sparse_gradient(p):
            raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        grad = -p.grad if group["maximize"] else p.grad
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["exp_avg"] = p.detach().new_zeros(p.shape)
            state["exp_avg_sq"] = p.detach().new_zeros(p.shape)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        # the rows the sparse gradient has (the marked weights are embedding tables), found on p's device
        idx = (grad.reshape(grad.shape[0], -1) != 0).sum(dim=1).nonzero().reshape(-1)
        if not idx.numel():
            return
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        g = grad[idx]
        old_avg, old_sq = exp_avg[idx], exp_avg_sq[idx]
        avg_update = (g - old_avg) * (1 - beta1)
        sq_update = (g ** 2 - old_sq) * (1 - beta2)
        exp_avg[idx] = old_avg + avg_update
        exp_avg_sq[idx] = old_sq + sq_update
        numer = avg_update + old_avg
        denom = (sq_update + old_sq).sqrt() + group["eps"]
        step = state["step"]
        step_size = float(group["lr"]) * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        p[idx] = p[idx] + (-step_size) * (numer / denom)
