"""Names torch has beside its op families that ported programs use: ``broadcast_tensors``, ``is_complex``,
``nan_to_num``, and the Tensor flags for layouts and devices fgrad does not have (``is_sparse``, ``is_xpu``...)."""
from __future__ import annotations

from typing import Any

import fgrad.numpy as fnp
from fgrad.nn.torch_rules import broadcast_shapes

from .._tensor import Tensor, apply, inplace
from .shape import expand

__all__ = ["broadcast_tensors", "is_complex", "nan_to_num", "nan_to_num_"]


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views, as ``expand`` makes).

    >>> a, b = torch.broadcast_tensors(torch.tensor([[1], [2]]), torch.tensor([10, 20, 30]))
    >>> a.shape, b.tolist()
    (torch.Size([2, 3]), [[10, 20, 30], [10, 20, 30]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def is_complex(input: Tensor) -> bool:
    """Whether ``input``'s dtype is complex.

    >>> torch.is_complex(torch.zeros(2, dtype=torch.complex64)), torch.is_complex(torch.zeros(2))
    (True, False)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"is_complex(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.is_complex()


def _limits(dt: Any, posinf: float | None, neginf: float | None) -> tuple[Any, Any]:
    if fnp.issubdtype(dt, fnp.floating):
        info = fnp.finfo(dt)
        return (info.max if posinf is None else posinf), (info.min if neginf is None else neginf)
    return posinf, neginf


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *,
               out: Tensor | None = None) -> Tensor:
    """``input`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (default: the dtype's
    largest and smallest finite values); the gradient is zero where a value was replaced.

    >>> torch.nan_to_num(torch.tensor([1.0, float('nan'), float('inf')]), posinf=9.0)
    tensor([1., 0., 9.])
    """
    dt = input._np_dtype()
    if dt.kind in "biu":  # integers have no NaN or infinity: torch returns a copy
        r = input.clone()
    else:
        hi, lo = _limits(dt, posinf, neginf)
        r = apply(lambda x: fnp.nan_to_num(x, nan=nan, posinf=hi, neginf=lo), (input,), None, "NanToNumBackward0")
    if out is not None:
        return out.copy_(r)
    return r


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """``nan_to_num`` in place.

    >>> x = torch.tensor([float('-inf'), 2.0])
    >>> torch.nan_to_num_(x, neginf=-1.0) is x, x
    (True, tensor([-1.,  2.]))
    """
    dt = input._np_dtype()
    if dt.kind in "biu":
        return input
    hi, lo = _limits(dt, posinf, neginf)
    return inplace(input, lambda s: fnp.nan_to_num(s, nan=nan, posinf=hi, neginf=lo), (), "NanToNumBackward0")


def _false(self: Tensor) -> bool:
    return False


def _is_meta(self: Tensor) -> bool:
    return self.device.type == "meta"


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "nan_to_num": nan_to_num, "nan_to_num_": nan_to_num_,
    # layouts and devices fgrad has no tensors of: always False, as torch's flags for a dense CPU/CUDA tensor
    "is_sparse": property(_false, doc="Whether the tensor is sparse: never (fgrad tensors are dense)."),
    "is_sparse_csr": property(_false, doc="Whether the tensor is a CSR sparse tensor: never."),
    "is_quantized": property(_false, doc="Whether the tensor is quantized: never."),
    "is_xpu": property(_false, doc="Whether the tensor is on an Intel XPU: never."),
    "is_mps": property(_false, doc="Whether the tensor is on Apple's MPS: never."),
    "is_mkldnn": property(_false, doc="Whether the tensor has oneDNN's layout: never."),
    "is_vulkan": property(_false, doc="Whether the tensor is on Vulkan: never."),
    "is_ipu": property(_false, doc="Whether the tensor is on a Graphcore IPU: never."),
    "is_meta": property(_is_meta, doc="Whether the tensor is a ``meta`` tensor (a shape and dtype, no data)."),
}
