"""The distributed APIs in one process without mpiexec (MPI's singleton world), against torch's contracts."""
import datetime

import numpy as np
import pytest
import torch as real_torch

import fgrad.distributed as fd
import fgrad_nn as torch
import fgrad_nn.distributed as dist
import fgrad_nn.nn as nn


@pytest.fixture
def group():
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    yield dist.group.WORLD
    if dist.is_initialized():
        dist.destroy_process_group()


def test_import_fgrad_does_not_start_mpi():
    import subprocess
    import sys
    code = ("import sys, fgrad, fgrad.distributed, fgrad_nn, fgrad_nn.nn, fgrad_nn.distributed\n"
            "print('mpi4py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_process_group_lifecycle(group):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_backend() == "gloo" and torch.distributed is dist
    with pytest.raises(RuntimeError, match="trying to initialize the default process group twice!"):
        dist.init_process_group("mpi")
    dist.destroy_process_group()
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group("carrier-pigeon")
    with pytest.raises(RuntimeError, match="mpiexec"):
        dist.init_process_group("gloo", world_size=4, rank=0)


def test_collectives_of_one_rank_are_identities(group):
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.MAX, dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT):
        t = torch.tensor([1.5, -2.0])
        assert dist.all_reduce(t, op=op) is None
        assert t.tolist() == [1.5, -2.0]
    with pytest.raises(ValueError, match="ReduceOp"):
        dist.all_reduce(torch.ones(1), op="sum")
    with pytest.raises(ValueError, match="src=3 is not a rank"):
        dist.broadcast(torch.ones(1), src=3)


def test_ddp_and_data_parallel_keep_torchs_wrapper_keys(group):
    layer = nn.Linear(2, 3)
    ddp = nn.parallel.DistributedDataParallel(layer)
    ref = real_torch.nn.DataParallel(real_torch.nn.Linear(2, 3))  # (DDP's keys are the same: 'module.' first)
    assert list(ddp.state_dict()) == list(ref.state_dict())
    assert list(nn.DataParallel(nn.Linear(2, 3)).state_dict()) == list(ref.state_dict())
    assert ddp.module is layer
    assert nn.parallel.DistributedDataParallel is nn.parallel.distributed.DistributedDataParallel
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        nn.parallel.DistributedDataParallel(nn.ReLU())


def test_ddp_needs_a_process_group():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(1, 1))


def test_collectives_refuse_traced_values():
    import fgrad
    with pytest.raises(TypeError, match="concrete arrays"):
        fgrad.grad(lambda x: fd.psum(x).sum())(np.ones(2))
