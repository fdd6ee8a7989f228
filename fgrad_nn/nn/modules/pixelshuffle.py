"""``torch.nn.modules.pixelshuffle``: torch's module path for ``PixelShuffle`` and ``PixelUnshuffle`` (defined
with the other resampling Modules in ``upsampling``)."""
from .upsampling import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]
