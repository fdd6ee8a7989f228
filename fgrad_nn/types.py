"""Names for annotations in the torch face, as ``torch.types`` has them.

Import them for annotations only (``if TYPE_CHECKING:`` beside ``from __future__ import annotations``).

>>> from fgrad_nn.types import DeviceLike
>>> def to_device(t: "torch.Tensor", device: DeviceLike) -> "torch.Tensor": ...
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from ._device import device
from ._dtypes import dtype as DType

__all__ = ["DType", "DeviceLike", "Number", "Size"]

DeviceLike = Union[device, str, int, None]  # torch.device("cuda:0"), "cuda:0", 0 (a CUDA index) or None
Number = Union[int, float, bool]
Size = Sequence[int]  # a torch.Size, a tuple or a list of ints
