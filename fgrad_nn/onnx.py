"""``torch.onnx``: importable so that programs which import it run; exporting is not supported.

>>> torch.onnx.is_in_onnx_export()
False
"""
from __future__ import annotations

from typing import Any

__all__ = ["export", "dynamo_export", "is_in_onnx_export", "OnnxExporterError"]

_WHY = ("torch.onnx.export is not supported by fgrad_nn: fgrad has no ONNX exporter. Save the weights with "
        "torch.save(model.state_dict(), path) and export the model from PyTorch.")


class OnnxExporterError(RuntimeError):
    """The error torch's ONNX exporter raises (raised by nothing here; defined for ``except`` clauses).

    >>> issubclass(torch.onnx.OnnxExporterError, RuntimeError)
    True
    """


def export(model: Any, args: Any = (), f: Any = None, *pargs: Any, **kwargs: Any) -> Any:
    """Always a NotImplementedError: fgrad cannot write ONNX files.

    >>> torch.onnx.export(torch.nn.Linear(2, 2), (torch.zeros(1, 2),), "m.onnx")
    Traceback (most recent call last):
    NotImplementedError: torch.onnx.export is not supported by fgrad_nn: ...
    """
    raise NotImplementedError(_WHY)


def dynamo_export(model: Any, *args: Any, **kwargs: Any) -> Any:
    """Always a NotImplementedError, like :func:`export`.

    >>> torch.onnx.dynamo_export(torch.nn.Linear(2, 2), torch.zeros(1, 2))
    Traceback (most recent call last):
    NotImplementedError: torch.onnx.export is not supported by fgrad_nn: ...
    """
    raise NotImplementedError(_WHY)


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is running: never.

    >>> torch.onnx.is_in_onnx_export()
    False
    """
    return False
