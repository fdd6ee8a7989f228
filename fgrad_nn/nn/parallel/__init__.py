"""``torch.nn.parallel``: ``DistributedDataParallel`` (across processes, on MPI) and ``DataParallel``.

>>> nn.parallel.DataParallel(nn.Identity())(torch.zeros(1))
tensor([0.])
"""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
