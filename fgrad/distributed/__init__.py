"""Data-parallel training across processes on MPI: collectives on pytrees and a communicator.

Launch one process per replica with ``mpiexec -n 4 python train.py``; each process computes the
gradients of its shard of the batch and ``pmean`` (or ``data_parallel``) averages them, so every
replica applies the same update. Without ``mpiexec`` the job is this one process and every
collective returns its input. ``mpi4py`` is loaded on the first collective, not on import.

>>> import fgrad.distributed as dist
>>> dist.psum({"g": np.array([1.0, 2.0])})
{'g': array([1., 2.])}
"""
from .collectives import (all_gather, broadcast, data_parallel, pmax, pmean, pmin, process_count,  # noqa: F401
                          process_index, psum, shard)
from .communicator import DEFAULT_TIMEOUT, CollectiveTimeoutError, Communicator, Request, world  # noqa: F401

__all__ = ["Communicator", "Request", "CollectiveTimeoutError", "DEFAULT_TIMEOUT", "world", "psum", "pmean",
           "pmax", "pmin", "all_gather", "broadcast", "process_index", "process_count", "shard", "data_parallel"]
