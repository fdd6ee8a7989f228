"""Collectives on pytrees of arrays, JAX's names (``psum``, ``pmean``, ``all_gather``), across processes.

A pytree's leaves are packed into one flat buffer per dtype, so a whole set of gradients travels in
one MPI call per dtype, and unpacked into arrays of the leaves' shapes. Ranks must pass trees of the
same structure, shapes and dtypes; where they do not, every rank raises a ValueError saying what each
one passed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..tree_util import tree_flatten, tree_unflatten, treedef_is_leaf
from .communicator import _host, world

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..typing import PyTree
    from .communicator import Communicator, Request

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "broadcast", "process_index", "process_count",
           "shard", "data_parallel"]


class _Packed:
    """A pytree's leaves as one contiguous buffer per dtype (in order of first appearance)."""

    def __init__(self, tree: PyTree, what: str) -> None:
        leaves, self.treedef = tree_flatten(tree)
        self.leaves = [_host(x, what) for x in leaves]
        self.groups: dict[np.dtype, list[int]] = {}
        for i, x in enumerate(self.leaves):
            self.groups.setdefault(x.dtype, []).append(i)
        # what the ranks must agree on beyond the packed buffer's shape (nothing more for one bare array)
        self.structure = "" if treedef_is_leaf(self.treedef) else \
            f"{self.treedef} of " + ", ".join(f"{x.dtype} {x.shape}" for x in self.leaves)

    def buffers(self) -> list[np.ndarray]:
        out = []
        for dtype, idx in self.groups.items():
            if len(idx) == 1:
                out.append(self.leaves[idx[0]].reshape(-1))
            else:
                out.append(np.concatenate([self.leaves[i].reshape(-1) for i in idx]))
        return out

    def unpack(self, buffers: list[np.ndarray], lead: tuple[int, ...] = ()) -> PyTree:
        """The tree again from ``buffers`` shaped ``lead + (n,)`` (a leading rank axis for gathers)."""
        out: list[Any] = [None] * len(self.leaves)
        for buf, idx in zip(buffers, self.groups.values()):
            start = 0
            for i in idx:
                x = self.leaves[i]
                out[i] = buf[..., start:start + x.size].reshape(lead + x.shape)
                start += x.size
        return tree_unflatten(self.treedef, out)


def _reduce(tree: PyTree, op: str, comm: Communicator | None) -> PyTree:
    comm = world() if comm is None else comm
    packed = _Packed(tree, f"p{op}")
    bufs = packed.buffers()
    if not bufs:
        return tree
    comm._agree("allreduce", bufs[0], op=op, structure=packed.structure)
    reqs: list[Request] = [comm.iallreduce(b, op, check=False) for b in bufs]
    return packed.unpack([r.wait() for r in reqs])


def psum(tree: PyTree, comm: Communicator | None = None) -> PyTree:
    """The sum over all processes of each leaf of ``tree`` (every process passes the same structure).

    ``comm``: the communicator (default: every process of the job, ``world()``).

    >>> from fgrad.distributed import psum
    >>> psum({"w": np.array([1.0, 2.0]), "b": np.array(3.0)})   # one process: the tree itself
    {'b': array(3.), 'w': array([1., 2.])}
    """
    return _reduce(tree, "sum", comm)


def pmean(tree: PyTree, comm: Communicator | None = None) -> PyTree:
    """The mean over all processes of each leaf of ``tree``: what averages gradients across replicas.

    >>> from fgrad.distributed import pmean
    >>> pmean([np.array([2.0, 4.0])])
    [array([2., 4.])]
    """
    return _reduce(tree, "mean", comm)


def pmax(tree: PyTree, comm: Communicator | None = None) -> PyTree:
    """The elementwise maximum over all processes of each leaf of ``tree``.

    >>> from fgrad.distributed import pmax
    >>> pmax(np.array([1, 5]))
    array([1, 5])
    """
    return _reduce(tree, "max", comm)


def pmin(tree: PyTree, comm: Communicator | None = None) -> PyTree:
    """The elementwise minimum over all processes of each leaf of ``tree``.

    >>> from fgrad.distributed import pmin
    >>> pmin(np.array([1, 5]))
    array([1, 5])
    """
    return _reduce(tree, "min", comm)


def all_gather(tree: PyTree, comm: Communicator | None = None, *, tiled: bool = False) -> PyTree:
    """Each leaf of every process stacked along a new leading axis (process order), on every process.

    ``tiled=True`` concatenates along the leaves' first axis instead, as ``jax.lax.all_gather`` does.

    >>> from fgrad.distributed import all_gather
    >>> all_gather({"x": np.array([1.0, 2.0])})
    {'x': array([[1., 2.]])}
    >>> all_gather(np.array([1.0, 2.0]), tiled=True)
    array([1., 2.])
    """
    comm = world() if comm is None else comm
    packed = _Packed(tree, "all_gather")
    bufs = packed.buffers()
    if not bufs:
        return tree
    comm._agree("allgather", bufs[0], structure=packed.structure)
    out = packed.unpack([comm.allgather(b, check=False) for b in bufs], lead=(comm.size,))
    if tiled:
        leaves, treedef = tree_flatten(out)
        out = tree_unflatten(treedef, [x.reshape((-1,) + x.shape[2:]) for x in leaves])
    return out


def broadcast(tree: PyTree, root: int = 0, comm: Communicator | None = None) -> PyTree:
    """Process ``root``'s ``tree`` on every process (the others pass a tree of the same shapes): how
    replicas start from the same parameters.

    >>> from fgrad.distributed import broadcast
    >>> broadcast((np.zeros(2), np.ones(1)))
    (array([0., 0.]), array([1.]))
    """
    comm = world() if comm is None else comm
    packed = _Packed(tree, "broadcast")
    bufs = packed.buffers()
    if not bufs:
        return tree
    comm._agree("broadcast", bufs[0], root, structure=packed.structure)
    reqs = [comm.ibroadcast(b, root, check=False) for b in bufs]
    return packed.unpack([r.wait() for r in reqs])


def process_index(comm: Communicator | None = None) -> int:
    """This process's rank in ``comm`` (default: the whole job), as ``jax.process_index``.

    >>> from fgrad.distributed import process_index
    >>> process_index()
    0
    """
    return (world() if comm is None else comm).rank


def process_count(comm: Communicator | None = None) -> int:
    """The number of processes in ``comm`` (default: the whole job), as ``jax.process_count``.

    >>> from fgrad.distributed import process_count
    >>> process_count()
    1
    """
    return (world() if comm is None else comm).size


def shard(tree: PyTree, comm: Communicator | None = None) -> PyTree:
    """This process's share of a global batch: each leaf's rows split into ``size`` contiguous parts
    (as ``np.array_split``: the first ``n % size`` parts one row longer), part ``rank``.

    >>> from fgrad.distributed import shard
    >>> shard({"x": np.arange(6).reshape(3, 2)})["x"]   # one process: all rows
    array([[0, 1],
           [2, 3],
           [4, 5]])
    """
    comm = world() if comm is None else comm
    leaves, treedef = tree_flatten(tree)
    out = []
    for x in leaves:
        n = np.shape(x)[0]
        base, extra = divmod(n, comm.size)
        start = comm.rank * base + min(comm.rank, extra)
        out.append(x[start:start + base + (comm.rank < extra)])
    return tree_unflatten(treedef, out)


def data_parallel(fun: Callable[..., PyTree], comm: Communicator | None = None, *,
                  reduce: str = "mean") -> Callable[..., PyTree]:
    """``fun`` with its results averaged over processes: data-parallel gradients.

    ``fun`` computes gradients (or ``(loss, gradients)``, anything pytree-shaped) on this process's
    shard of the batch, e.g. ``fgrad.value_and_grad(loss)``; the returned function runs it and
    returns the mean over all processes of everything it returned (``reduce="sum"``: the sum),
    packed into one all-reduce per dtype. With equal shards that mean is the gradient of the
    global batch's mean loss, so every process applies the same update and the replicas stay equal
    (start them equal with ``broadcast(params)``).

    >>> import fgrad
    >>> from fgrad.distributed import data_parallel
    >>> loss = lambda w, x: ((x @ w) ** 2).mean()
    >>> step = data_parallel(fgrad.value_and_grad(loss))
    >>> value, g = step(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> print(value, g)
    2.5 [1. 2.]
    """
    if reduce not in ("mean", "sum"):
        raise ValueError(f"reduce must be 'mean' or 'sum', got {reduce!r}")

    def wrapped(*args: Any, **kwargs: Any) -> PyTree:
        return _reduce(fun(*args, **kwargs), reduce, comm)

    wrapped.__wrapped__ = fun  # type: ignore[attr-defined]
    wrapped.__doc__ = fun.__doc__
    return wrapped
