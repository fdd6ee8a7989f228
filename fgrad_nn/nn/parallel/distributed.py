"""``torch.nn.parallel.DistributedDataParallel``: one model replica per process, gradients averaged.

At construction the replicas are made equal (rank 0's parameters and buffers broadcast, their
shapes checked across ranks). The parameters are grouped into buckets of about
``bucket_cap_mb``, in reverse order of registration (roughly the order backward produces their
gradients). Each parameter's post-accumulate-grad hook marks it ready; a bucket whose gradients
are all in starts its nonblocking all-reduce at once, so communication overlaps the rest of the
backward pass. Buckets start in index order on every rank (so the ranks' collectives match), and a
final callback of the backward pass waits for them and writes the averages into ``.grad``.
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np

from fgrad.distributed import broadcast

from ..._tensor import Tensor, wrap
from ...autograd.engine import queue_callback
from ...distributed import c10d
from ..modules.module import Module

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from fgrad.distributed import Request

    from ..parameter import Parameter

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_MB = 1.0  # torch's first bucket is small too: the last layer's gradients start moving early


class _Bucket:
    __slots__ = ("params", "offsets", "buffer", "pending", "request")

    def __init__(self, params: list[Parameter]) -> None:
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.buffer = np.empty(int(self.offsets[-1]), params[0]._np_dtype())
        self.pending = len(params)
        self.request: Request | None = None


class DistributedDataParallel(Module):
    """Data-parallel training of ``module``: each process runs a replica on its shard of the batch,
    and ``backward()`` leaves every replica with the gradient averaged over all processes.

    ``process_group``: the group to average over (default: the world); ``broadcast_buffers``: copy rank
    0's buffers (BatchNorm's statistics) to every rank before each forward; ``bucket_cap_mb``: the size
    of the all-reduce buckets (default 25); ``find_unused_parameters``: allow parameters that get no
    gradient in a backward pass (averaged as zeros). ``device_ids``, ``output_device``, ``dim``,
    ``gradient_as_bucket_view``, ``static_graph`` and the rest are accepted for torch's signature
    (device meshes and mixed precision raise NotImplementedError).
    ``state_dict()`` keys start with ``module.`` as torch's do; ``ddp.module.state_dict()`` has none.

    >>> import fgrad_nn.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
    >>> model(torch.ones(3, 2)).sum().backward()
    >>> model.module.weight.grad
    tensor([[3., 3.]])
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    >>> dist.destroy_process_group()
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool | None = None, init_sync: bool = True,
                 process_group: c10d.ProcessGroup | None = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params: Any = None, param_to_hook_all_reduce: Any = None,
                 mixed_precision: Any = None, device_mesh: Any = None, skip_all_reduce_unused_params: bool = False,
                 bucket_cap_mb_list: list[int] | None = None, batched_grad_copy: bool = False,
                 forward_sync_buffers: bool | None = None) -> None:
        super().__init__()
        group = c10d._group(process_group)
        if device_mesh is not None or mixed_precision is not None:
            raise NotImplementedError("DistributedDataParallel(device_mesh=..., mixed_precision=...) is not supported "
                                      "by fgrad_nn")
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.process_group = group
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._comm = group.comm
        if init_sync:
            self._sync_from_rank0(list(module.parameters()) + list(module.buffers()))
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._buckets = self._make_buckets(self._params)
        self._where = {id(p): (b, i) for b in self._buckets for i, p in enumerate(b.params)}
        self._next = 0  # the next bucket to launch: buckets start in index order on every rank
        self._armed = False  # whether this backward pass has queued its final callback
        for p in self._params:
            p.register_post_accumulate_grad_hook(self._grad_ready)

    # ------------------------------------------------------------------ setup
    def _sync_from_rank0(self, tensors: list[Any]) -> None:
        """Rank 0's values into every rank's tensors (one broadcast per dtype; shapes checked)."""
        if not tensors:
            return
        values = broadcast([t._raw() for t in tensors], 0, self._comm)  # (the group's first rank)
        for t, v in zip(tensors, values):
            t._assign(v)

    def _make_buckets(self, params: list[Parameter]) -> list[_Bucket]:
        buckets: list[_Bucket] = []
        current: list[Parameter] = []
        size = 0
        cap = min(self.bucket_bytes_cap, int(_FIRST_BUCKET_MB * 1024 * 1024))
        for p in reversed(params):
            nbytes = p.numel() * p.element_size()
            if current and (size + nbytes > cap or current[0]._np_dtype() != p._np_dtype()):
                buckets.append(_Bucket(current))
                current, size, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            size += nbytes
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # ------------------------------------------------------------------ the backward pass
    def _grad_ready(self, p: Tensor) -> None:
        if not self.require_backward_grad_sync:
            return
        if not self._armed:
            self._armed = True
            queue_callback(self._finish_backward)
        bucket, _ = self._where[id(p)]
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready()
        else:
            for b in self._buckets[:self._next]:  # give MPI a chance to progress the ones in flight
                if b.request is not None:
                    b.request.test()

    def _launch_ready(self) -> None:
        while self._next < len(self._buckets) and self._buckets[self._next].pending == 0:
            self._launch(self._buckets[self._next])
            self._next += 1

    def _launch(self, bucket: _Bucket) -> None:
        buf, off = bucket.buffer, bucket.offsets
        for i, p in enumerate(bucket.params):
            g = p.grad
            if g is None:  # unused in this pass (find_unused_parameters): contributes zeros
                buf[off[i]:off[i + 1]] = 0
            else:
                buf[off[i]:off[i + 1]] = g._raw().reshape(-1)
        bucket.request = self._comm.iallreduce(buf, "mean", out=buf, check=False)

    def _finish_backward(self) -> None:
        self._armed = False
        unused = [b for b in self._buckets if b.pending]
        if unused and not self.find_unused_parameters:
            names = {id(p): n for n, p in self.module.named_parameters()}
            missing = [names.get(id(p), "?") for b in unused for p in b.params if p.grad is None]
            self._reset()
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`. Parameters which did not receive grad: "
                + ", ".join(missing))
        for b in unused:
            b.pending = 0
        self._launch_ready()
        for bucket in self._buckets:
            assert bucket.request is not None
            buf = bucket.request.wait()
            off = bucket.offsets
            for i, p in enumerate(bucket.params):
                avg = buf[off[i]:off[i + 1]].reshape(tuple(p.shape))
                if p.grad is None:
                    p.grad = wrap(avg.copy())
                else:
                    p.grad._assign(avg)
        self._reset()

    def _reset(self) -> None:
        for b in self._buckets:
            b.pending = len(b.params)
            b.request = None
        self._next = 0
        self._armed = False

    # ------------------------------------------------------------------ the module
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The wrapped module's forward (after copying rank 0's buffers when ``broadcast_buffers``).

        >>> import fgrad_nn.distributed as dist
        >>> dist.init_process_group("gloo")
        >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(2, 2, bias=False))
        >>> ddp(torch.zeros(1, 2))
        tensor([[0., 0.]], grad_fn=<MmBackward0>)
        >>> dist.destroy_process_group()
        """
        if self.broadcast_buffers and self._comm.size > 1 and self.require_forward_param_sync:
            buffers = list(self.module.buffers())
            if buffers:
                self._sync_from_rank0(buffers)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside it, backward passes accumulate gradients locally without averaging them; the first
        backward after it averages what has accumulated (gradient accumulation).

        >>> import fgrad_nn.distributed as dist
        >>> dist.init_process_group("gloo")
        >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(1, 1))
        >>> with ddp.no_sync():
        ...     ddp(torch.ones(1, 1)).sum().backward()
        >>> ddp.module.bias.grad
        tensor([1.])
        >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
