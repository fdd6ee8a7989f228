"""``torch.utils``: data loading (``fgrad_nn.utils.data``), DLPack exchange (``fgrad_nn.utils.dlpack``)."""
from . import data, dlpack  # noqa: F401
