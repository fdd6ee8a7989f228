"""``torch.distributed``'s process groups and collectives on ``fgrad.distributed``'s communicator.

Tensors are read as their raw arrays, reduced by the pure face's collectives (the one
implementation: timeouts, shape checks, abort on an uncaught exception) and written back in
place, as torch's collectives do. Launch with ``mpiexec -n N python script.py``; ``backend="gloo"``
is an alias of ``"mpi"`` so torch scripts run unchanged.
"""
from __future__ import annotations

import datetime
import enum
import importlib.util
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from fgrad import backend as fbackend
from fgrad import distributed as fdist

from .._tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Backend", "ReduceOp", "ProcessGroup", "GroupMember", "group", "Work", "init_process_group",
           "is_initialized", "is_available", "is_mpi_available", "is_gloo_available", "is_nccl_available",
           "is_torchelastic_launched", "get_rank", "get_world_size", "get_backend", "destroy_process_group",
           "new_group", "barrier", "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "reduce_scatter_tensor", "gather", "scatter", "reduce", "send", "recv", "isend", "irecv",
           "DistError", "DistBackendError"]

DistError = RuntimeError
DistBackendError = fdist.CollectiveTimeoutError


class Backend(str):
    """Backend names: ``Backend.MPI``, ``Backend.GLOO`` (runs on MPI here) and ``Backend.NCCL``.

    >>> import fgrad_nn.distributed as dist
    >>> dist.Backend("GLOO"), dist.Backend.MPI
    ('gloo', 'mpi')
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    MPI = "mpi"
    NCCL = "nccl"

    def __new__(cls, name: str) -> Backend:
        value = str(name).lower()
        if value not in ("gloo", "mpi", "nccl"):
            raise ValueError(f"Invalid backend: '{name}'")
        return str.__new__(cls, value)


class ReduceOp(enum.Enum):
    """How ``all_reduce``/``reduce``/``reduce_scatter_tensor`` combine the ranks' tensors.

    >>> import fgrad_nn.distributed as dist
    >>> dist.ReduceOp.SUM, dist.ReduceOp.AVG.name
    (<ReduceOp.SUM: 'sum'>, 'AVG')
    """

    SUM = "sum"
    AVG = "mean"
    PRODUCT = "prod"
    MIN = "min"
    MAX = "max"


class ProcessGroup:
    """A set of ranks and their communicator (what ``new_group`` returns; ``group=None`` is the world).

    ``ranks``: the global ranks of the members, in group-rank order.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> pg = dist.new_group([0])
    >>> pg.rank(), pg.size()
    (0, 1)
    >>> dist.destroy_process_group()
    """

    def __init__(self, comm: fdist.Communicator, ranks: Sequence[int], backend: str) -> None:
        self.comm = comm
        self.ranks = list(ranks)
        self.backend = backend

    def rank(self) -> int:
        """This process's rank in the group.

        >>> import fgrad_nn.distributed as dist
        >>> dist.init_process_group("mpi"); dist.new_group().rank(); dist.destroy_process_group()
        0
        """
        return self.comm.rank

    def size(self) -> int:
        """The number of ranks in the group.

        >>> import fgrad_nn.distributed as dist
        >>> dist.init_process_group("mpi"); dist.new_group().size(); dist.destroy_process_group()
        1
        """
        return self.comm.size

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    """``GroupMember.WORLD`` (the default group once initialised) and ``NON_GROUP_MEMBER`` (what
    ``new_group`` returns on ranks outside the new group).

    >>> import fgrad_nn.distributed as dist
    >>> dist.GroupMember.WORLD is None   # before init_process_group
    True
    """

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # torch.distributed.group.WORLD


class Work:
    """What a collective called with ``async_op=True`` returns: ``wait()`` blocks until it is done.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = torch.tensor([1.0, 2.0])
    >>> work = dist.all_reduce(t, async_op=True)
    >>> work.wait()
    True
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """

    def __init__(self, request: fdist.Request | None = None, then: Any = None) -> None:
        self._request = request
        self._then = then  # writes the result into the tensors once it has arrived

    def wait(self, timeout: datetime.timedelta | None = None) -> bool:
        """Block until the collective has completed (raises if it timed out); True.

        >>> torch.distributed.Work().wait()
        True
        """
        if self._request is not None:
            result = self._request.wait()
            self._request = None
            if self._then is not None:
                self._then(result)
                self._then = None
        return True

    def is_completed(self) -> bool:
        """Whether the collective has completed (without blocking).

        >>> torch.distributed.Work().is_completed()
        True
        """
        if self._request is not None and self._request.test():
            self.wait()
        return self._request is None


_DONE = Work()

_LAUNCH_HINT = ("fgrad_nn.distributed runs on MPI: launch the script with `mpiexec -n N python script.py` "
                "(pip install 'fgrad[mpi]'), not with torchrun")


def _seconds(timeout: datetime.timedelta | float | None) -> float:
    if timeout is None:
        return fdist.DEFAULT_TIMEOUT
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _check_launch(comm: fdist.Communicator, world_size: int, rank: int) -> None:
    """torch's launch parameters (arguments or torchrun's environment) must agree with MPI's."""
    for what, given, actual in (("world_size", world_size, comm.size), ("rank", rank, comm.rank)):
        if given not in (-1, None) and int(given) != actual:
            raise RuntimeError(f"init_process_group({what}={given}) but MPI started this process as {what} "
                               f"{actual}; {_LAUNCH_HINT}")
    for var, actual in (("WORLD_SIZE", comm.size), ("RANK", comm.rank)):
        value = os.environ.get(var)
        if value is not None and value.strip() and int(value) != actual:
            raise RuntimeError(f"the environment says {var}={value} (set by torchrun?) but MPI started this process "
                               f"with {var.lower()} {actual}; {_LAUNCH_HINT}")


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None) -> None:
    """Join the job's default process group: every rank started by ``mpiexec``.

    ``backend``: ``"mpi"`` (the default), ``"gloo"`` (an alias of ``"mpi"``) or ``"nccl"``; rank and
    world size come from MPI, and ``world_size``/``rank`` (or torchrun's ``WORLD_SIZE``/``RANK``) must
    agree with them; ``init_method``, ``MASTER_ADDR`` and ``MASTER_PORT`` are accepted and unused (MPI
    does the rendezvous). ``timeout``: how long a collective may take before it raises on every rank.
    Without ``mpiexec`` the world is this one process.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> dist.destroy_process_group()
    """
    if GroupMember.WORLD is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    # "cpu:gloo,cuda:nccl" names one backend per device type: the CPU's is the one that runs here
    names = [part.split(":")[-1] for part in str("mpi" if backend is None else backend).split(",")]
    name = Backend(next((n for n in names if n.lower() in ("gloo", "mpi")), names[0]))
    if name == Backend.NCCL:
        if not fbackend.cupy_active() and importlib.util.find_spec("cupy") is None:
            raise RuntimeError("backend='nccl' needs CuPy and a CUDA GPU; use backend='gloo' (MPI) on the CPU")
        raise NotImplementedError("backend='nccl' is not implemented yet in fgrad_nn.distributed; use "
                                  "backend='gloo' (MPI)")
    if store is not None:
        raise NotImplementedError("init_process_group(store=...): fgrad_nn.distributed rendezvous through MPI")
    comm = fdist.world(_seconds(timeout))
    _check_launch(comm, world_size, rank)
    GroupMember.WORLD = ProcessGroup(comm, range(comm.size), str(name))


def is_available() -> bool:
    """True: fgrad_nn.distributed is built in (it needs mpi4py, part of the ``mpi`` extra, at init).

    >>> import fgrad_nn.distributed as dist
    >>> dist.is_available()
    True
    """
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py can be imported.

    >>> import fgrad_nn.distributed as dist
    >>> dist.is_mpi_available()
    True
    """
    return importlib.util.find_spec("mpi4py") is not None


is_gloo_available = is_mpi_available  # gloo is an alias of mpi


def is_nccl_available() -> bool:
    """Whether the nccl backend can run here (it is not implemented yet: False).

    >>> import fgrad_nn.distributed as dist
    >>> dist.is_nccl_available()
    False
    """
    return False


def is_torchelastic_launched() -> bool:
    """Whether torchrun started this process (its ``TORCHELASTIC_RUN_ID`` is set).

    >>> import fgrad_nn.distributed as dist
    >>> isinstance(dist.is_torchelastic_launched(), bool)
    True
    """
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not destroyed since).

    >>> import fgrad_nn.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return GroupMember.WORLD is not None


def _group(g: ProcessGroup | None) -> ProcessGroup:
    if g is None or g is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        return GroupMember.WORLD
    if g is GroupMember.NON_GROUP_MEMBER:
        raise RuntimeError("this rank is not a member of the group")
    return g


def _local(g: ProcessGroup, r: int | None, what: str, default: int | None = 0) -> int:
    """The group rank of global rank ``r`` (torch's ``src``/``dst`` are global ranks)."""
    if r is None:
        if default is None:
            raise ValueError(f"{what} must be given")
        r = g.ranks[default]
    if r not in g.ranks:
        raise ValueError(f"{what}={r} is not a rank of the group (its global ranks: {g.ranks})")
    return g.ranks.index(r)


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank (in ``group``; -1 on a rank outside it).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi"); dist.get_rank(); dist.destroy_process_group()
    0
    """
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of ranks (in ``group``; -1 on a rank outside it).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi"); dist.get_world_size(); dist.destroy_process_group()
    1
    """
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend name the group was created with.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("gloo"); dist.get_backend(); dist.destroy_process_group()
    'gloo'
    """
    return _group(group).backend


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (``group=None``) or forget ``group``.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi"); dist.destroy_process_group(); dist.is_initialized()
    False
    """
    if group is None or group is GroupMember.WORLD:
        _group(None)
        GroupMember.WORLD = None


def new_group(ranks: Sequence[int] | None = None, timeout: datetime.timedelta | None = None,
              backend: str | None = None, pg_options: Any = None, use_local_synchronization: bool = False,
              group_desc: str | None = None) -> Any:
    """A group of the given global ``ranks`` (all ranks when None); every rank of the world must call it.
    Ranks outside the group get ``GroupMember.NON_GROUP_MEMBER``.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_world_size(dist.new_group([0]))
    1
    >>> dist.destroy_process_group()
    """
    world = _group(None)
    members = sorted(set(range(world.size()) if ranks is None else (int(r) for r in ranks)))
    sub = world.comm.split(members)
    if sub is None:
        return GroupMember.NON_GROUP_MEMBER
    if timeout is not None:
        sub.timeout = _seconds(timeout)
    return ProcessGroup(sub, members, world.backend if backend is None else str(Backend(backend)))


def _raw(t: Any, what: str) -> np.ndarray:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what} must be a Tensor, got {type(t).__name__}")
    return t._raw()


def _finish(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank of the group has reached this call.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi"); dist.barrier(); dist.destroy_process_group()
    """
    _group(group).comm.barrier()
    return _DONE if async_op else None


def _op(op: Any) -> str:
    if isinstance(op, ReduceOp):
        return op.value
    raise ValueError(f"op must be a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX), got {op!r}")


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over the group's ranks, in place on every rank (``async_op``: return a Work).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = torch.tensor([1.0, 2.0]); dist.all_reduce(t, op=dist.ReduceOp.MAX); t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    raw = _raw(tensor, "tensor")
    req = _group(group).comm.iallreduce(raw, _op(op))
    return _finish(Work(req, lambda r: tensor._assign(r)), async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Rank ``src``'s ``tensor`` written into ``tensor`` on every rank (``src``: a global rank, default 0).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = torch.arange(3); dist.broadcast(t, src=0); t
    tensor([0, 1, 2])
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    root = group_src if group_src is not None else _local(g, src, "src")
    req = g.comm.ibroadcast(_raw(tensor, "tensor"), root)
    return _finish(Work(req, lambda r: tensor._assign(r)), async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Every rank's ``tensor`` written into ``tensor_list`` (one tensor per rank, rank order).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = [torch.zeros(2)]; dist.all_gather(out, torch.tensor([1.0, 2.0])); out
    [tensor([1., 2.])]
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    if len(tensor_list) != g.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors for {g.size()} ranks")
    gathered = g.comm.allgather(_raw(tensor, "tensor"))
    for t, x in zip(tensor_list, gathered):
        t._assign(x)
    return _DONE if async_op else None


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Every rank's ``input_tensor`` concatenated along dim 0 (or stacked, by ``output_tensor``'s shape)
    into ``output_tensor``.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = torch.zeros(2); dist.all_gather_into_tensor(out, torch.tensor([3.0, 4.0])); out
    tensor([3., 4.])
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    gathered = g.comm.allgather(_raw(input_tensor, "input_tensor"))
    if gathered.size != output_tensor.numel():
        raise ValueError(f"all_gather_into_tensor: output_tensor has {output_tensor.numel()} elements, expected "
                         f"{g.size()} x {tuple(input_tensor.shape)}")
    output_tensor._assign(gathered.reshape(tuple(output_tensor.shape)))
    return _DONE if async_op else None


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``input`` over ranks and give rank ``r`` the ``r``-th of ``size`` equal parts along dim 0.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = torch.zeros(2); dist.reduce_scatter_tensor(out, torch.tensor([1.0, 2.0])); out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    x = _raw(input, "input")
    if x.size != output.numel() * g.size() or output.dim() == 0:
        raise ValueError(f"reduce_scatter_tensor: input of shape {tuple(x.shape)} does not split into {g.size()} "
                         f"outputs of shape {tuple(output.shape)}")
    x = x.reshape((g.size() * output.shape[0],) + tuple(output.shape[1:]))
    output._assign(g.comm.reduce_scatter(x, _op(op)).reshape(tuple(output.shape)))
    return _DONE if async_op else None


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Every rank's ``tensor`` written into ``gather_list`` on rank ``dst`` (default 0; others pass None).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = [torch.zeros(1)]; dist.gather(torch.tensor([7.0]), out); out
    [tensor([7.])]
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    root = group_dst if group_dst is not None else _local(g, dst, "dst")
    gathered = g.comm.gather(_raw(tensor, "tensor"), root)
    if gathered is not None:
        if gather_list is None or len(gather_list) != g.size():
            raise ValueError(f"gather: the destination rank needs a gather_list of {g.size()} tensors")
        for t, x in zip(gather_list, gathered):
            t._assign(x)
    return _DONE if async_op else None


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Rank ``r``'s ``tensor`` receives ``scatter_list[r]`` of rank ``src`` (default 0).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = torch.zeros(2); dist.scatter(t, [torch.tensor([5.0, 6.0])]); t
    tensor([5., 6.])
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    root = group_src if group_src is not None else _local(g, src, "src")
    xs = None
    if g.rank() == root:
        if scatter_list is None or len(scatter_list) != g.size():
            raise ValueError(f"scatter: the source rank needs a scatter_list of {g.size()} tensors")
        xs = np.stack([_raw(t, "scatter_list[i]") for t in scatter_list])
    tensor._assign(g.comm.scatter(xs, root).reshape(tuple(tensor.shape)))
    return _DONE if async_op else None


def reduce(tensor: Tensor, dst: int | None = None, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` over the group's ranks into ``tensor`` on rank ``dst`` (default 0).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = torch.tensor([2, 3]); dist.reduce(t, dst=0, op=dist.ReduceOp.PRODUCT); t
    tensor([2, 3])
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    root = group_dst if group_dst is not None else _local(g, dst, "dst")
    out = g.comm.reduce(_raw(tensor, "tensor"), _op(op), root)
    if out is not None:
        tensor._assign(out)
    return _DONE if async_op else None


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to global rank ``dst`` (which calls ``recv``).

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_world_size()   # send(t, dst=1) on rank 0 pairs with recv(t, src=0) on rank 1
    1
    >>> dist.destroy_process_group()
    """
    g = _group(group)
    g.comm.send(_raw(tensor, "tensor"), group_dst if group_dst is not None else _local(g, dst, "dst", None), tag)


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` what global rank ``src`` sends (``src=None`` is not supported); returns ``src``.

    >>> import fgrad_nn.distributed as dist
    >>> callable(dist.recv)   # see send
    True
    """
    g = _group(group)
    root = group_src if group_src is not None else _local(g, src, "src", None)
    x = g.comm.recv(root, tag)
    if x.shape != tuple(tensor.shape):
        raise RuntimeError(f"recv: rank {g.ranks[root]} sent a tensor of shape {x.shape} into one of shape "
                           f"{tuple(tensor.shape)}")
    tensor._assign(x)
    return g.ranks[root]


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work:
    """``send``, returning a completed Work (the message has been handed to MPI).

    >>> import fgrad_nn.distributed as dist
    >>> callable(dist.isend)   # see send
    True
    """
    send(tensor, dst, group, tag, group_dst)
    return _DONE


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work:
    """``recv``, returning a completed Work.

    >>> import fgrad_nn.distributed as dist
    >>> callable(dist.irecv)   # see recv
    True
    """
    recv(tensor, src, group, tag, group_src)
    return _DONE
