"""``torch.backends``: the switches of torch's native backends, as plain settable flags.

fgrad runs NumPy or CuPy and uses none of cuDNN, MPS or cuBLAS's reduced-precision modes, so the flags
change nothing; they exist, with torch's defaults, so that programs which set them run unchanged.

>>> import fgrad_nn.backends.cudnn as cudnn
>>> cudnn.benchmark = True
>>> torch.backends.cudnn.benchmark, torch.backends.mps.is_available()
(True, False)
>>> cudnn.benchmark = False
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
