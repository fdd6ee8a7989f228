"""The communicator: the one place where fgrad talks to MPI.

Every collective is posted as a nonblocking MPI request and polled against a deadline, so a
collective that some rank never joins raises ``CollectiveTimeoutError`` instead of hanging. A rank
that times out tells the others over a side channel (a duplicate of the communicator used only for
these notices), so a late rank raises the same error when it arrives. Before a collective the
ranks exchange a small signature (which collective, dtype and shape), so ranks that disagree raise
a ``ValueError`` naming every rank's shape instead of exchanging garbage. ``mpi4py`` is imported
here on first use only: ``import fgrad`` (or ``fgrad.distributed``) does not start MPI.
"""
from __future__ import annotations

import atexit
import os
import sys
import time
import traceback
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import Tracer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..typing import Array, ArrayLike

__all__ = ["Communicator", "Request", "CollectiveTimeoutError", "world", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 1800.0
"""Seconds a collective may take before it raises (torch's default for its CPU backend: 30 minutes)."""

_KINDS = ("allreduce", "broadcast", "allgather", "gather", "scatter", "reduce", "reduce_scatter", "barrier",
          "alltoall")
_SIG = 14  # signature length: kind, dtype, ndim, 8 dims, root, op, structure checksum
_NOTICE_TAG = 77
_OPS = ("sum", "prod", "max", "min", "mean")


class CollectiveTimeoutError(RuntimeError, TimeoutError):
    """A collective did not complete within the communicator's timeout (on this rank or another).

    >>> issubclass(fgrad.distributed.CollectiveTimeoutError, TimeoutError)
    True
    """


def _mpi() -> Any:
    """mpi4py's MPI module, imported (and MPI initialised) on first use."""
    try:  # (here, not at the top: importing mpi4py starts MPI, which only a collective needs)
        from mpi4py import MPI
    except ImportError as e:  # pragma: no cover - the mpi extra is part of the test extra
        raise ImportError("fgrad.distributed needs mpi4py and an MPI library: pip install 'fgrad[mpi]'") from e
    return MPI


def _host(x: ArrayLike, what: str) -> np.ndarray:
    """``x`` as a C-contiguous NumPy array; refuses tracers and device arrays with a clear error."""
    if isinstance(x, Tracer):
        raise TypeError(f"{what} runs on concrete arrays, not on values traced by a transform (grad, vmap, jit): "
                        "call it on what the transform returns, e.g. the gradients")
    if type(x).__module__.split(".")[0] == "cupy":
        raise TypeError(f"{what}: the MPI backend moves host arrays; use the nccl backend for CuPy arrays")
    a = np.asarray(x)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)  # (which would make a 0-d array 1-d)


def _shape_sig(shape: tuple[int, ...]) -> list[int]:
    dims = list(shape[:8]) + [0] * max(0, 8 - len(shape))
    if len(shape) > 8:
        dims[7] = int(np.prod(shape[7:]))
    return dims


class Request:
    """A nonblocking collective in flight: ``wait()`` returns its result (polled against the deadline).

    >>> comm = fgrad.distributed.world()
    >>> req = comm.iallreduce(np.arange(3.0))
    >>> req.wait()
    array([0., 1., 2.])
    """

    __slots__ = ("comm", "reqs", "result", "what", "finish", "done", "keep")

    def __init__(self, comm: Communicator, reqs: list[Any], result: Any, what: str, finish: Any = None,
                 keep: Any = None) -> None:
        self.comm = comm
        self.reqs = reqs
        self.result = result
        self.what = what
        self.finish = finish  # a function of the result run once it has arrived (mean: divide)
        self.done = False
        self.keep = keep  # buffers MPI reads until the request completes

    def test(self) -> bool:
        """True when the collective has completed (it also advances MPI's progress).

        >>> fgrad.distributed.world().iallreduce(np.ones(2)).test()
        True
        """
        if not self.done and self.comm._mpi.Request.Testall(self.reqs):
            self._complete()
        return self.done

    def _complete(self) -> None:
        self.done = True
        self.keep = None
        if self.finish is not None:
            self.result = self.finish(self.result)
            self.finish = None

    def wait(self) -> Any:
        """Block until complete (or raise ``CollectiveTimeoutError`` after the communicator's timeout).

        >>> fgrad.distributed.world().iallreduce(np.ones(2), op="max").wait()
        array([1., 1.])
        """
        if not self.done:
            self.comm._wait(self.reqs, self.what, self.keep)
            self._complete()
        return self.result


class Communicator:
    """A group of processes and the collectives among them (a wrapper of an mpi4py communicator).

    ``comm``: an ``mpi4py`` communicator (default ``MPI.COMM_WORLD``); ``timeout``: seconds a collective may
    take before it raises ``CollectiveTimeoutError`` on every rank. Results are new NumPy arrays; inputs are
    left alone. Run under ``mpiexec -n N python script.py``; without ``mpiexec`` the world is this one process.

    >>> from fgrad.distributed import Communicator
    >>> comm = Communicator()
    >>> comm.rank, comm.size
    (0, 1)
    >>> comm.allreduce(np.array([1.0, 2.0]))
    array([1., 2.])
    """

    def __init__(self, comm: Any = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        MPI = _mpi()
        self._mpi = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.timeout = float(timeout)
        self._notices = self.comm.Dup()  # the side channel for timeout notices
        self._broken: str | None = None
        self._orphans: list[Any] = []  # requests (and their buffers) abandoned by a timeout: MPI may still write
        self.rank: int = self.comm.Get_rank()
        self.size: int = self.comm.Get_size()

    def __repr__(self) -> str:
        return f"Communicator(rank={self.rank}, size={self.size})"

    # ------------------------------------------------------------------ the machinery
    def _check_notices(self) -> None:
        if self._broken is None and self.size > 1 and self._notices.Iprobe(source=self._mpi.ANY_SOURCE,
                                                                            tag=_NOTICE_TAG):
            self._broken = self._notices.recv(source=self._mpi.ANY_SOURCE, tag=_NOTICE_TAG)
        if self._broken is not None:
            raise CollectiveTimeoutError(self._broken)

    def _wait(self, reqs: list[Any], what: str, keep: Any = None) -> None:
        """Poll ``reqs`` until all complete; past the deadline tell every rank and raise."""
        Testall = self._mpi.Request.Testall
        if Testall(reqs):
            return
        deadline = time.monotonic() + self.timeout
        polls = 0
        while not Testall(reqs):
            polls += 1
            if polls > 100:  # a short spin first (latency), then leave the core to the other ranks
                time.sleep(0 if polls < 300 else 5e-5)
                if self._broken is None and polls % 64 == 0:
                    try:
                        self._check_notices()
                    except CollectiveTimeoutError:
                        self._orphans.append((reqs, keep))
                        raise
                if time.monotonic() > deadline:
                    self._orphans.append((reqs, keep))
                    msg = (f"fgrad.distributed: {what} did not complete within {self.timeout:g} s on rank "
                           f"{self.rank} of {self.size} (a rank did not join it, or joined a different "
                           "collective); the communicator cannot be used any more")
                    self._broken = msg
                    for r in range(self.size):
                        if r != self.rank:
                            self._orphans.append(self._notices.isend(msg, dest=r, tag=_NOTICE_TAG))
                    raise CollectiveTimeoutError(msg)

    def _agree(self, kind: str, x: np.ndarray | None, root: int = -1, op: str = "",
               structure: str = "") -> np.ndarray:
        """Exchange (kind, dtype, shape, root, op) with every rank; raise ValueError where they differ.
        ``structure`` describes what ``x`` packs (a pytree's leaves); it must agree too.
        Returns the signatures, one row per rank (a rank without an array sends its kind only)."""
        self._check_notices()
        mine = np.zeros(_SIG, np.int64)
        mine[0] = _KINDS.index(kind)
        if x is not None:
            mine[1] = x.dtype.num
            mine[2] = x.ndim
            mine[3:11] = _shape_sig(x.shape)
        else:
            mine[1] = -1
        mine[11] = root
        mine[12] = _OPS.index(op) if op else -1
        mine[13] = zlib.crc32(structure.encode())
        if self.size == 1:
            return mine[None]
        sigs = np.empty((self.size, _SIG), np.int64)
        self._wait([self.comm.Iallgather(mine, sigs)], f"{kind} (the shape check before it)", (mine, sigs))
        have = sigs[sigs[:, 1] >= 0]
        if (sigs[:, [0, 11, 12, 13]] != sigs[0, [0, 11, 12, 13]]).any() or (len(have) and (have != have[0]).any()):
            mine_desc = _describe(kind, x, root, op) + (f" packing {structure}" if structure else "")
            descs = self.comm.allgather(mine_desc)  # every rank is here: cannot hang
            raise ValueError(f"fgrad.distributed.{kind}: the ranks disagree: " + "; ".join(
                f"rank {r}: {d}" for r, d in enumerate(descs)))
        return sigs

    def _op(self, op: str) -> Any:
        if op not in _OPS:
            raise ValueError(f"op must be one of {_OPS}, got {op!r}")
        return getattr(self._mpi, {"mean": "SUM", "prod": "PROD"}.get(op, op.upper()))

    def _finish(self, op: str) -> Any:
        """What turns the MPI result into the op's (the sum into the mean, in place: the result is ours)."""
        if op != "mean" or self.size == 1:
            return None
        size = self.size

        def mean(r: np.ndarray) -> np.ndarray:
            if r.dtype.kind in "fc":
                r /= size
            else:
                r //= size
            return r
        return mean

    # ------------------------------------------------------------------ collectives
    def iallreduce(self, x: ArrayLike, op: str = "sum", *, out: np.ndarray | None = None,
                   check: bool = True) -> Request:
        """Start an all-reduce; ``.wait()`` returns the reduction over ranks of ``x``.

        ``op``: ``"sum"``, ``"prod"``, ``"max"``, ``"min"`` or ``"mean"``; ``out``: an array to receive the
        result (may be ``x`` itself: reduced in place); ``check=False`` skips the shape check.

        >>> fgrad.distributed.world().iallreduce(np.array([2, 3]), op="prod").wait()
        array([2, 3])
        """
        send = _host(x, "all_reduce")
        mop = self._op(op)
        if check:
            self._agree("allreduce", send, op=op)
        else:
            self._check_notices()
        recv = np.empty_like(send) if out is None else out
        if self.size == 1:
            if recv is not send:
                recv[...] = send
            r = Request(self, [], recv, "all_reduce", self._finish(op))
            r._complete()
            return r
        if recv is send:
            req = self.comm.Iallreduce(self._mpi.IN_PLACE, recv, mop)
        else:
            req = self.comm.Iallreduce(send, recv, mop)
        return Request(self, [req], recv, "all_reduce", self._finish(op), keep=(send, recv))

    def allreduce(self, x: ArrayLike, op: str = "sum") -> np.ndarray:
        """The reduction of ``x`` over all ranks (``op`` as in ``iallreduce``), on every rank.

        >>> fgrad.distributed.world().allreduce(np.arange(4), op="max")
        array([0, 1, 2, 3])
        """
        return self.iallreduce(x, op).wait()

    def ibroadcast(self, x: ArrayLike, root: int = 0, *, out: np.ndarray | None = None,
                   check: bool = True) -> Request:
        """Start a broadcast of root's ``x`` (every rank passes an array of the same shape and dtype).

        >>> fgrad.distributed.world().ibroadcast(np.ones(2)).wait()
        array([1., 1.])
        """
        self._check_root(root)
        buf = _host(x, "broadcast")
        if check:
            self._agree("broadcast", buf, root)
        else:
            self._check_notices()
        if out is None:
            buf = buf.copy()
        elif out is not buf:
            out[...] = buf
            buf = out
        if self.size == 1:
            r = Request(self, [], buf, "broadcast")
            r._complete()
            return r
        return Request(self, [self.comm.Ibcast(buf, root=root)], buf, "broadcast", keep=buf)

    def broadcast(self, x: ArrayLike, root: int = 0) -> np.ndarray:
        """Rank ``root``'s ``x``, on every rank.

        >>> fgrad.distributed.world().broadcast(np.arange(3))
        array([0, 1, 2])
        """
        return self.ibroadcast(x, root).wait()

    def allgather(self, x: ArrayLike, *, check: bool = True) -> np.ndarray:
        """Every rank's ``x`` stacked along a new leading axis (rank order), on every rank.

        >>> fgrad.distributed.world().allgather(np.array([1.0, 2.0]))
        array([[1., 2.]])
        """
        send = _host(x, "all_gather")
        if check:
            self._agree("allgather", send)
        else:
            self._check_notices()
        recv = np.empty((self.size,) + send.shape, send.dtype)
        if self.size == 1:
            recv[0] = send
            return recv
        self._wait([self.comm.Iallgather(send, recv)], "all_gather", (send, recv))
        return recv

    def gather(self, x: ArrayLike, root: int = 0) -> np.ndarray | None:
        """Every rank's ``x`` stacked along a new leading axis on rank ``root``; None elsewhere.

        >>> fgrad.distributed.world().gather(np.array([5]))
        array([[5]])
        """
        self._check_root(root)
        send = _host(x, "gather")
        self._agree("gather", send, root)
        recv = np.empty((self.size,) + send.shape, send.dtype) if self.rank == root else None
        if self.size == 1:
            assert recv is not None
            recv[0] = send
            return recv
        self._wait([self.comm.Igather(send, recv, root=root)], "gather", (send, recv))
        return recv

    def scatter(self, xs: ArrayLike | None, root: int = 0) -> np.ndarray:
        """Rank ``r`` receives ``xs[r]`` of rank ``root``'s ``xs`` (shape ``(size, ...)``; others pass None).

        >>> fgrad.distributed.world().scatter(np.array([[1, 2]]))
        array([1, 2])
        """
        self._check_root(root)
        send = None
        if self.rank == root:
            send = _host(xs, "scatter")
            if send.ndim == 0 or send.shape[0] != self.size:
                raise ValueError(f"scatter: root's array must have shape ({self.size}, ...) (one slice per rank), "
                                 f"got {send.shape}")
        sigs = self._agree("scatter", send, root)
        row = sigs[root]
        dtype = _dtype_of_num(int(row[1])) if send is None else send.dtype
        shape = tuple(int(d) for d in row[4:3 + int(row[2])])
        recv = np.empty(shape, dtype)
        if self.size == 1:
            assert send is not None
            recv[...] = send[0]
            return recv
        self._wait([self.comm.Iscatter(send, recv, root=root)], "scatter", (send, recv))
        return recv

    def reduce(self, x: ArrayLike, op: str = "sum", root: int = 0) -> np.ndarray | None:
        """The reduction of ``x`` over all ranks on rank ``root``; None elsewhere.

        >>> fgrad.distributed.world().reduce(np.array([1.0, 4.0]), op="min")
        array([1., 4.])
        """
        self._check_root(root)
        send = _host(x, "reduce")
        mop = self._op(op)
        self._agree("reduce", send, root, op)
        recv = np.empty_like(send) if self.rank == root else None
        if self.size == 1:
            assert recv is not None
            recv[...] = send
        else:
            self._wait([self.comm.Ireduce(send, recv, mop, root=root)], "reduce", (send, recv))
        fin = self._finish(op)
        return fin(recv) if fin is not None and recv is not None else recv

    def reduce_scatter(self, x: ArrayLike, op: str = "sum") -> np.ndarray:
        """Reduce ``x`` (leading axis ``size * n``) over ranks; rank ``r`` gets rows ``r*n:(r+1)*n``.

        >>> fgrad.distributed.world().reduce_scatter(np.array([1.0, 2.0]))
        array([1., 2.])
        """
        send = _host(x, "reduce_scatter")
        mop = self._op(op)
        if send.ndim == 0 or send.shape[0] % self.size:
            raise ValueError(f"reduce_scatter: the leading axis ({send.shape}) must be a multiple of the "
                             f"number of ranks ({self.size})")
        self._agree("reduce_scatter", send, op=op)
        recv = np.empty((send.shape[0] // self.size,) + send.shape[1:], send.dtype)
        if self.size == 1:
            recv[...] = send
        else:
            self._wait([self.comm.Ireduce_scatter_block(send, recv, mop)], "reduce_scatter", (send, recv))
        fin = self._finish(op)
        return fin(recv) if fin is not None else recv

    def barrier(self) -> None:
        """Wait until every rank has reached this call.

        >>> fgrad.distributed.world().barrier()
        """
        self._agree("barrier", None)
        if self.size > 1:
            self._wait([self.comm.Ibarrier()], "barrier")

    def send(self, x: ArrayLike, dest: int, tag: int = 0) -> None:
        """Send ``x`` to rank ``dest`` (its shape and dtype travel with it; ``recv`` on ``dest`` gets it).

        >>> comm = fgrad.distributed.world()
        >>> comm.size   # send/recv needs two ranks: comm.send(x, dest=1) on rank 0, comm.recv(source=0) on 1
        1
        """
        self._check_root(dest, "dest")
        if dest == self.rank:
            raise ValueError("send: dest must be another rank (sending to oneself would block)")
        self._check_notices()
        buf = _host(x, "send")
        head = np.array([buf.dtype.num, buf.ndim] + _shape_sig(buf.shape), np.int64)
        self._wait([self.comm.Isend(head, dest=dest, tag=tag), self.comm.Isend(buf, dest=dest, tag=tag)],
                   "send", (head, buf))

    def recv(self, source: int, tag: int = 0) -> np.ndarray:
        """The array rank ``source`` sends with ``send(x, dest=this rank, tag=tag)``.

        >>> fgrad.distributed.world().rank   # see send
        0
        """
        self._check_root(source, "source")
        if source == self.rank:
            raise ValueError("recv: source must be another rank")
        self._check_notices()
        head = np.empty(10, np.int64)
        self._wait([self.comm.Irecv(head, source=source, tag=tag)], "recv", head)
        dtype = _dtype_of_num(int(head[0]))
        buf = np.empty(tuple(int(d) for d in head[2:2 + int(head[1])]), dtype)
        self._wait([self.comm.Irecv(buf, source=source, tag=tag)], "recv", buf)
        return buf

    def split(self, ranks: Sequence[int]) -> Communicator | None:
        """A communicator of the given ``ranks`` (every rank must call it); None on ranks outside it.

        >>> fgrad.distributed.world().split([0]).size
        1
        """
        ranks = sorted({int(r) for r in ranks})
        for r in ranks:
            self._check_root(r, "ranks")
        if self.size == 1:
            return Communicator(self.comm.Dup(), timeout=self.timeout)
        self._check_notices()
        color = 0 if self.rank in ranks else self._mpi.UNDEFINED
        sub = self.comm.Split(color, ranks.index(self.rank) if self.rank in ranks else 0)
        return None if sub == self._mpi.COMM_NULL else Communicator(sub, timeout=self.timeout)

    def abort(self, code: int = 1) -> None:
        """End every process of the job at once with exit status ``code`` (MPI_Abort).

        >>> callable(fgrad.distributed.world().abort)
        True
        """
        sys.stdout.flush()
        sys.stderr.flush()
        # The process manager forwards our output asynchronously and drops what it has not read when
        # the job is aborted: give it a moment, or the message explaining the abort may be lost.
        time.sleep(0.2)
        self.comm.Abort(code)
        os._exit(code)  # (the process manager ends the job; this process need not wait for it)

    def _check_root(self, r: int, what: str = "root") -> None:
        if not 0 <= r < self.size:
            raise ValueError(f"{what} must be a rank in [0, {self.size}), got {r}")


def _dtype_of_num(num: int) -> np.dtype:
    for t in np.sctypeDict.values():
        if np.dtype(t).num == num:
            return np.dtype(t)
    raise ValueError(f"unknown dtype number {num}")  # pragma: no cover


def _describe(kind: str, x: np.ndarray | None, root: int, op: str) -> str:
    what = f"{kind}" + (f"(root={root})" if root >= 0 else "") + (f"(op={op})" if op else "")
    return what + ("" if x is None else f" of {x.dtype} {tuple(x.shape)}")


_WORLD: Communicator | None = None


def world(timeout: float | None = None) -> Communicator:
    """The communicator of every process of the job (created on first use; ``timeout`` updates it).

    Creating it with more than one rank installs an exception hook: an uncaught exception on any rank
    prints that rank's traceback and aborts the whole job with a non-zero status (rather than leaving
    the other ranks waiting for it forever).

    >>> w = fgrad.distributed.world()
    >>> (w.rank, w.size)
    (0, 1)
    """
    global _WORLD
    if _WORLD is None:
        _WORLD = Communicator(timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
        if _WORLD.size > 1:
            _install_abort_hooks(_WORLD)
    elif timeout is not None:
        _WORLD.timeout = float(timeout)
    return _WORLD


def _install_abort_hooks(comm: Communicator) -> None:
    def abort_on_exception(tp: Any, value: Any, tb: Any) -> None:
        sys.stderr.write(f"[rank {comm.rank}] uncaught exception; aborting all {comm.size} ranks:\n"
                         + "".join(traceback.format_exception(tp, value, tb)))  # (one write, one chunk)
        comm.abort(1)

    sys.excepthook = abort_on_exception

    def abort_if_broken() -> None:
        # MPI_Finalize would wait forever for the collective that timed out: end the job instead.
        if comm._broken is not None:
            sys.stderr.write(f"[rank {comm.rank}] exiting after a collective timed out; aborting the job\n")
            comm.abort(1)

    atexit.register(abort_if_broken)  # (registered after mpi4py's own finalizer, so it runs first)

