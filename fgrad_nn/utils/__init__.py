"""``torch.utils``: data loading (``fgrad_nn.utils.data``)."""
from . import data  # noqa: F401
