"""``torch.cuda.amp``: the deprecated CUDA spellings of :mod:`fgrad_nn.amp`'s ``autocast`` and ``GradScaler``.

As torch's they warn (FutureWarning) and then behave as ``torch.amp.autocast('cuda', ...)`` and
``torch.amp.GradScaler('cuda', ...)``: without a GPU both warn again and are disabled.

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter('ignore')
...     torch.cuda.amp.GradScaler().is_enabled() == torch.cuda.is_available()
True
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable

from .. import amp as _amp
from .. import _dtypes

if TYPE_CHECKING:
    from ..types import DType

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


class autocast(_amp.autocast):
    """``torch.cuda.amp.autocast(enabled=True, dtype=torch.float16, cache_enabled=True)``: deprecated for
    ``torch.autocast('cuda', ...)``, which it is.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter('ignore')
    ...     with torch.cuda.amp.autocast():
    ...         print((torch.ones(1) * 2).dtype)
    torch.float32
    """

    def __init__(self, enabled: bool = True, dtype: DType = _dtypes.float16, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)``: deprecated for ``torch.amp.GradScaler('cuda', ...)``, which it is.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter('ignore')
    ...     torch.cuda.amp.GradScaler(enabled=False).get_scale()
    1.0
    """

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def custom_fwd(fwd: Callable[..., Any] | None = None, *, cast_inputs: DType | None = None) -> Callable[..., Any]:
    """``torch.cuda.amp.custom_fwd``: :func:`fgrad_nn.amp.custom_fwd` on CUDA (``fwd`` itself here).

    >>> torch.cuda.amp.custom_fwd(abs)(-3)
    3
    """
    return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """``torch.cuda.amp.custom_bwd``: :func:`fgrad_nn.amp.custom_bwd` on CUDA (``bwd`` itself here).

    >>> torch.cuda.amp.custom_bwd(abs)(-3)
    3
    """
    return _amp.custom_bwd(bwd, device_type="cuda")
