"""``torch.backends.cuda``: cuBLAS's precision switches (``matmul.allow_tf32`` ...), settable and inert here.

>>> torch.backends.cuda.matmul.allow_tf32
False
>>> torch.backends.cuda.matmul.allow_tf32 = True
>>> torch.backends.cuda.matmul.allow_tf32
True
>>> torch.backends.cuda.matmul.allow_tf32 = False
"""
from __future__ import annotations

from typing import Any

from fgrad import backend

__all__ = ["is_built", "cuBLASModule", "matmul", "flash_sdp_enabled", "mem_efficient_sdp_enabled",
           "math_sdp_enabled", "enable_flash_sdp", "enable_mem_efficient_sdp", "enable_math_sdp"]


class cuBLASModule:
    """cuBLAS's flags, torch's names and defaults; an unknown name is an AttributeError, as in torch.

    >>> m = torch.backends.cuda.cuBLASModule()
    >>> m.allow_fp16_reduced_precision_reduction
    True
    """

    _FLAGS = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
              "allow_bf16_reduced_precision_reduction": True, "allow_fp16_accumulation": False}

    def __init__(self) -> None:
        object.__setattr__(self, "_values", dict(self._FLAGS))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute {name}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._FLAGS:
            raise AttributeError(f"Unknown attribute {name}")
        self._values[name] = value


matmul = cuBLASModule()

_SDP = {"flash": True, "mem_efficient": True, "math": True}


def is_built() -> bool:
    """Whether CUDA can be used: here, whether CuPy sees a GPU.

    >>> torch.backends.cuda.is_built() == torch.cuda.is_available()
    True
    """
    return bool(backend.devices("cuda"))


def flash_sdp_enabled() -> bool:
    """Whether the flash kernel of scaled_dot_product_attention is enabled (a flag; fgrad has one kernel).

    >>> torch.backends.cuda.flash_sdp_enabled()
    True
    """
    return _SDP["flash"]


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention kernel is enabled (a flag).

    >>> torch.backends.cuda.mem_efficient_sdp_enabled()
    True
    """
    return _SDP["mem_efficient"]


def math_sdp_enabled() -> bool:
    """Whether the math attention kernel is enabled (a flag).

    >>> torch.backends.cuda.math_sdp_enabled()
    True
    """
    return _SDP["math"]


def enable_flash_sdp(enabled: bool) -> None:
    """Set the flash attention flag.

    >>> torch.backends.cuda.enable_flash_sdp(True)
    """
    _SDP["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Set the memory-efficient attention flag.

    >>> torch.backends.cuda.enable_mem_efficient_sdp(True)
    """
    _SDP["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled: bool) -> None:
    """Set the math attention flag.

    >>> torch.backends.cuda.enable_math_sdp(True)
    """
    _SDP["math"] = bool(enabled)
