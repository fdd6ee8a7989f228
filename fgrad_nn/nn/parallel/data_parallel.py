"""``torch.nn.DataParallel``: on one device (all fgrad_nn runs on) it calls the module as it is."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..modules.module import Module

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DataParallel"]


class DataParallel(Module):
    """torch's single-process multi-GPU wrapper; with one device it runs ``module`` unchanged (use
    ``DistributedDataParallel`` across processes). ``state_dict()`` keys start with ``module.``, as torch's.

    >>> dp = nn.DataParallel(nn.Linear(2, 1, bias=False))
    >>> _ = dp.module.weight.data.fill_(1.0)
    >>> dp(torch.ones(1, 2))
    tensor([[2.]], grad_fn=<MmBackward0>)
    >>> list(dp.state_dict())
    ['module.weight']
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The wrapped module's forward.

        >>> nn.DataParallel(nn.Identity())(torch.ones(2))
        tensor([1., 1.])
        """
        return self.module(*inputs, **kwargs)
