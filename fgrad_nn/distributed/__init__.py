"""``torch.distributed`` on MPI: process groups, collectives and point-to-point messages.

Start one process per rank with ``mpiexec -n 4 python train.py`` and call
``init_process_group("gloo")`` (or ``"mpi"``) in each. Collectives change their tensors in
place, as torch's do; ``async_op=True`` returns a ``Work`` to ``wait()`` on. Without ``mpiexec``
the world is this one process. ``DistributedDataParallel`` is in ``fgrad_nn.nn.parallel``.

>>> import fgrad_nn.distributed as dist
>>> dist.init_process_group("gloo")
>>> t = torch.tensor([1.0, 2.0])
>>> dist.all_reduce(t)
>>> t
tensor([1., 2.])
>>> dist.destroy_process_group()
"""
from .c10d import *  # noqa: F401,F403
from .c10d import __all__  # noqa: F401
