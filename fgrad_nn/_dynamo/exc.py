"""The errors of ``fgrad_nn.compile`` (torch's ``torch._dynamo.exc`` names, both RuntimeErrors as in torch).

>>> try:
...     torch.compile(fn, fullgraph=True)(x)       # fn branches on a Tensor's value
... except fgrad_nn._dynamo.exc.Unsupported as e:
...     print(e)
"""

__all__ = ["TorchDynamoException", "Unsupported", "InvalidBackend"]


class TorchDynamoException(RuntimeError):
    """Base of the errors a compiled call raises."""


class Unsupported(TorchDynamoException):
    """A call could not be staged as one program (a graph break) and ``fullgraph=True`` was asked for."""


class InvalidBackend(TorchDynamoException):
    """``backend=`` names no backend."""

    def __init__(self, name):
        super().__init__(f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for available backends.")
