"""Checks run by every rank under ``mpiexec -n N`` (launched by test_mpi.py; not a pytest module).

Every rank prints ``OK <check>`` after each check that passed; an exception aborts the job (which is
itself part of what is tested: fgrad.distributed's abort-on-exception hook). Each rank knows every
rank's inputs (seeded by rank), so the references are plain NumPy on this rank.
"""
import sys

import numpy as np

import fgrad
import fgrad.distributed as fd
import fgrad_nn as torch
import fgrad_nn.distributed as dist
import fgrad_nn.nn as nn
import fgrad_nn.nn.functional as F

comm = fd.world(timeout=60)
R, N = comm.rank, comm.size


def data(r, shape=(3, 2), dtype=np.float64):
    return np.random.default_rng(100 + r).standard_normal(shape).astype(dtype)


def ok(name):
    print(f"OK {name} rank {R}", flush=True)


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


xs = [data(r) for r in range(N)]
ints = [np.arange(4) + 3 * r for r in range(N)]

# ---------------------------------------------------------------- the pure face on pytrees
tree = {"a": xs[R], "b": (ints[R], np.float64(R))}
s = fd.psum(tree)
close(s["a"], sum(xs)); assert (s["b"][0] == sum(ints)).all() and s["b"][1] == sum(range(N))
close(fd.pmean(tree)["a"], sum(xs) / N)
close(fd.pmax(xs[R]), np.max(xs, axis=0)); close(fd.pmin(xs[R]), np.min(xs, axis=0))
g = fd.all_gather({"x": xs[R], "i": ints[R]})
close(g["x"], np.stack(xs)); assert (g["i"] == np.stack(ints)).all()
close(fd.all_gather(xs[R], tiled=True), np.concatenate(xs))
close(fd.broadcast({"x": xs[R]}, root=N - 1)["x"], xs[N - 1])
assert fd.process_index() == R and fd.process_count() == N
rows = np.arange(10 * 2).reshape(10, 2)
assert (fd.shard(rows) == np.array_split(rows, N)[R]).all()
ok("pytree collectives")

# ---------------------------------------------------------------- the communicator's other collectives
red = comm.reduce(xs[R], "sum", root=1)
assert (red is None) == (R != 1) and (R != 1 or np.allclose(red, sum(xs), rtol=1e-12))
red = comm.reduce(xs[R], "max", root=0)
assert (red is None) == (R != 0) and (R != 0 or np.array_equal(red, np.max(xs, 0)))
gat = comm.gather(xs[R], root=0)
assert (gat is None) == (R != 0) and (R != 0 or np.array_equal(gat, np.stack(xs)))
close(comm.scatter(np.stack(xs) if R == 0 else None, root=0), xs[R])
big = [data(r, (2 * N, 3)) for r in range(N)]
close(comm.reduce_scatter(big[R]), sum(big)[2 * R:2 * R + 2])
close(comm.reduce_scatter(big[R], "mean"), (sum(big) / N)[2 * R:2 * R + 2])
if R == 0:
    comm.send(xs[0].astype(np.float32), dest=N - 1, tag=5)
if R == N - 1:
    got = comm.recv(source=0, tag=5)
    assert got.dtype == np.float32 and np.array_equal(got, xs[0].astype(np.float32))
comm.barrier()
sub = comm.split([0, N - 1])
assert (sub is None) == (R not in (0, N - 1))
if sub is not None:
    close(sub.allreduce(xs[R]), xs[0] + xs[N - 1])
ok("communicator collectives")

# ---------------------------------------------------------------- mismatches raise on every rank, then work goes on
for bad in (lambda: fd.psum(np.zeros(R + 1)), lambda: fd.psum({"x": 1.0} if R else {"y": 1.0}),
            lambda: comm.allreduce(np.zeros(2, np.float32 if R else np.float64)),
            lambda: comm.broadcast(np.zeros(2), root=0) if R else comm.allreduce(np.zeros(2))):
    try:
        bad()
    except ValueError as e:
        assert "ranks disagree" in str(e) and "rank 0" in str(e) and f"rank {N - 1}" in str(e), e
    else:
        raise AssertionError("a mismatch did not raise")
close(fd.psum(xs[R]), sum(xs))
ok("mismatch errors")

# ---------------------------------------------------------------- torch.distributed's API
dist.init_process_group("gloo")
assert dist.is_initialized() and dist.get_rank() == R and dist.get_world_size() == N
ref = {dist.ReduceOp.SUM: sum(xs), dist.ReduceOp.AVG: sum(xs) / N, dist.ReduceOp.MAX: np.max(xs, 0),
       dist.ReduceOp.MIN: np.min(xs, 0), dist.ReduceOp.PRODUCT: np.prod(xs, 0)}
for op, want in ref.items():
    t = torch.tensor(xs[R])
    dist.all_reduce(t, op=op)
    close(t.numpy(), want)
t = torch.tensor(xs[R])
work = dist.all_reduce(t, async_op=True)
work.wait()
close(t.numpy(), sum(xs))
t = torch.tensor(xs[R]); dist.broadcast(t, src=N - 1); close(t.numpy(), xs[N - 1])
t = torch.tensor(xs[R]); dist.broadcast(t, src=0, async_op=True).wait(); close(t.numpy(), xs[0])
out = [torch.zeros(3, 2, dtype=torch.float64) for _ in range(N)]
dist.all_gather(out, torch.tensor(xs[R]))
close(np.stack([o.numpy() for o in out]), np.stack(xs))
flat = torch.zeros(3 * N, 2, dtype=torch.float64)
dist.all_gather_into_tensor(flat, torch.tensor(xs[R])); close(flat.numpy(), np.concatenate(xs))
o = torch.zeros(2, 3, dtype=torch.float64)
dist.reduce_scatter_tensor(o, torch.tensor(big[R])); close(o.numpy(), sum(big)[2 * R:2 * R + 2])
gl = [torch.zeros(3, 2, dtype=torch.float64) for _ in range(N)] if R == 1 else None
dist.gather(torch.tensor(xs[R]), gl, dst=1)
if R == 1:
    close(np.stack([o.numpy() for o in gl]), np.stack(xs))
t = torch.zeros(3, 2, dtype=torch.float64)
dist.scatter(t, [torch.tensor(x) for x in xs] if R == 0 else None, src=0); close(t.numpy(), xs[R])
t = torch.tensor(xs[R]); dist.reduce(t, dst=0, op=dist.ReduceOp.SUM)
if R == 0:
    close(t.numpy(), sum(xs))
else:
    close(t.numpy(), xs[R])  # torch leaves the other ranks' tensors as they were (gloo)
if R == 0:
    dist.send(torch.tensor(ints[0]), dst=1)
elif R == 1:
    t = torch.zeros(4, dtype=torch.int64)
    assert dist.recv(t, src=0) == 0 and t.tolist() == ints[0].tolist()
pg = dist.new_group([1, 0]) if N == 2 else dist.new_group([0, 2])
if R in (pg.ranks if pg is not dist.GroupMember.NON_GROUP_MEMBER else []):
    t = torch.tensor(xs[R]); dist.all_reduce(t, group=pg); close(t.numpy(), sum(xs[r] for r in pg.ranks))
    t = torch.tensor(xs[R]); dist.broadcast(t, src=pg.ranks[-1], group=pg); close(t.numpy(), xs[pg.ranks[-1]])
else:
    assert dist.get_rank(pg) == -1
try:
    dist.all_reduce(torch.zeros(R + 1))
except ValueError as e:
    assert "ranks disagree" in str(e)
else:
    raise AssertionError("torch face mismatch did not raise")
dist.barrier()
ok("torch.distributed collectives")

# ---------------------------------------------------------------- DDP == one process on the whole batch
torch.set_default_dtype(torch.float64)
B = 4 * N  # the global batch; every rank takes its 4 rows


def make_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 5),
                         nn.Tanh(), nn.Linear(5, 3))


rng = np.random.default_rng(7)
X, Y = rng.standard_normal((3, B, 1, 4, 4)), rng.integers(0, 3, (3, B))
reference = make_model(0)
ref_opt = torch.optim.SGD(reference.parameters(), lr=0.5, momentum=0.9)
model = make_model(R)  # different replicas: construction must copy rank 0's
ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=1e-4)  # tiny buckets: several all-reduces
assert len(ddp._buckets) > 2
opt = torch.optim.SGD(ddp.parameters(), lr=0.5, momentum=0.9)
for p, q in zip(model.parameters(), reference.parameters()):
    close(p.detach().numpy(), q.detach().numpy(), 0)
mine = slice(4 * R, 4 * R + 4)
for step in range(3):
    x, y = torch.tensor(X[step]), torch.tensor(Y[step])
    ref_opt.zero_grad()
    F.cross_entropy(reference(x), y).backward()
    ref_opt.step()
    opt.zero_grad()
    if step == 2:  # gradient accumulation: two half-shards, the first under no_sync (loss halved to match)
        with ddp.no_sync():
            (F.cross_entropy(ddp(x[4 * R:4 * R + 2]), y[4 * R:4 * R + 2]) / 2).backward()
        local = [p.grad.numpy().copy() for p in model.parameters()]
        (F.cross_entropy(ddp(x[4 * R + 2:4 * R + 4]), y[4 * R + 2:4 * R + 4]) / 2).backward()
    else:
        F.cross_entropy(ddp(x[mine]), y[mine]).backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        close(p.grad.numpy(), q.grad.numpy())
    opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        close(p.detach().numpy(), q.detach().numpy())
assert list(ddp.state_dict())[0] == "module.0.weight" and list(ddp.module.state_dict())[0] == "0.weight"
ok("DistributedDataParallel step")

# ---------------------------------------------------------------- unused parameters
net = nn.ModuleDict({"used": nn.Linear(2, 2), "unused": nn.Linear(2, 2)})
strict = nn.parallel.DistributedDataParallel(net)
try:
    strict.module["used"](torch.ones(1, 2)).sum().backward()
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "unused.weight" in str(e)
else:
    raise AssertionError("unused parameters did not raise")
net.zero_grad()
loose = nn.parallel.DistributedDataParallel(nn.ModuleDict({"used": nn.Linear(2, 2), "unused": nn.Linear(2, 2)}),
                                            find_unused_parameters=True)
loose.module["used"](torch.ones(1, 2) * (R + 1)).sum().backward()
close(loose.module["used"].bias.grad.numpy(), np.ones(2))
close(loose.module["unused"].weight.grad.numpy(), np.zeros((2, 2)))
ok("unused parameters")

# ---------------------------------------------------------------- the pure face's data_parallel == the whole batch
W = np.random.default_rng(3).standard_normal((2, 3))
Xp = np.random.default_rng(4).standard_normal((B, 2))


def loss(w, x):
    return fgrad.numpy.mean(fgrad.numpy.tanh(x @ w) ** 2)


value, grads = fd.data_parallel(fgrad.value_and_grad(loss))(W, fd.shard(Xp))
v_ref, g_ref = fgrad.value_and_grad(loss)(W, Xp)
close(value, v_ref); close(grads, g_ref)
ok("data_parallel")

# ---------------------------------------------------------------- DistributedSampler: same permutation, disjoint cover
from fgrad_nn.utils.data import DistributedSampler  # noqa: E402

for n, drop in ((10, False), (11, True), (7, False)):
    sampler = DistributedSampler(range(n), shuffle=True, seed=5, drop_last=drop)
    sampler.set_epoch(3)
    idx = np.array(list(sampler))
    every = fd.all_gather(idx)  # (N, num_samples)
    assert len(idx) == len(sampler)
    flat = every.T.reshape(-1)  # rank r's k-th index is position k*N + r of the permutation
    assert len(set(flat.tolist())) == min(n, len(flat)) and set(flat.tolist()) <= set(range(n))
    if drop:
        assert len(set(flat.tolist())) == len(flat)
    g = torch.Generator()
    g.manual_seed(5 + 3)
    perm = torch.randperm(n, generator=g).tolist()
    assert flat.tolist() == (perm + perm)[:len(flat)]
ok("DistributedSampler")

dist.destroy_process_group()
print(f"DONE rank {R}", flush=True)
sys.stdout.flush()
