"""Creation functions, dtypes, promotion defaults, repr, random, devices against torch."""
import numpy as np
import pytest
import torch

import fgrad
import fgrad_nn

from oracle import assert_same, check, raises_same, run_source


def both(src, *names):
    nt, nf = run_source(src, torch), run_source(src, fgrad_nn)
    for n in names:
        assert_same(nt[n], nf[n], n)
    return nt, nf


def test_creation_functions():
    both("""
vals = (torch.tensor([1, 2]), torch.tensor([1., 2.]), torch.tensor(3), torch.tensor(2.5), torch.tensor(True),
        torch.tensor([[1, 2.5]]), torch.tensor([1, 2], dtype=torch.float64), torch.tensor([]),
        torch.zeros(2, 3), torch.ones((2,)), torch.zeros(2, dtype=torch.int32), torch.full((2, 2), 7),
        torch.full((2,), 1.5), torch.full((1,), True), torch.empty(2, 2).shape, torch.arange(5), torch.arange(1, 4, 0.5),
        torch.arange(0, 1, 0.1), torch.arange(3, dtype=torch.float32), torch.linspace(0, 1, 7),
        torch.linspace(-2, 3, 4, dtype=torch.float64), torch.eye(3), torch.eye(2, 3, dtype=torch.int64),
        torch.zeros_like(torch.ones(2, dtype=torch.float64)), torch.ones_like(torch.tensor([1, 2])),
        torch.full_like(torch.ones(2), 3.0), torch.tensor([[1., 2.], [3., 4.]]).new_zeros(3),
        torch.tensor([1.], dtype=torch.float64).new_tensor([2, 3]), torch.tril(torch.ones(3, 3)),
        torch.triu(torch.ones(3, 4), 1), torch.diag(torch.tensor([1., 2.])), torch.diag(torch.ones(3, 3) * 2),
        torch.tensor(np.arange(3)), torch.tensor(np.float32(2.0)), torch.as_tensor([1, 2]),
        torch.tensor([torch.tensor(1.), torch.tensor(2.)]))
dtypes = (torch.float, torch.double, torch.long, torch.int, torch.half, torch.bool, torch.float32.is_floating_point,
          torch.get_default_dtype(), torch.tensor([1, 2]).dtype == torch.int64, str(torch.float64),
          torch.promote_types(torch.int32, torch.float32), torch.finfo(torch.float32).eps, torch.iinfo(torch.int32).max)
""", "vals")
    nt, nf = run_source("""
dtypes = (torch.float, torch.double, torch.long, torch.int, torch.half, torch.bool, torch.float32.is_floating_point,
          torch.get_default_dtype(), str(torch.float64), torch.promote_types(torch.int32, torch.float32),
          torch.finfo(torch.float32).eps, torch.iinfo(torch.int32).max, torch.Size([2, 3]), torch.zeros(2, 3).size(),
          torch.zeros(2, 3).size(1), torch.zeros(2, 3).dim(), torch.zeros(2, 3).numel(), torch.zeros(2, 3).ndim)
""", torch), run_source("""
dtypes = (torch.float, torch.double, torch.long, torch.int, torch.half, torch.bool, torch.float32.is_floating_point,
          torch.get_default_dtype(), str(torch.float64), torch.promote_types(torch.int32, torch.float32),
          torch.finfo(torch.float32).eps, torch.iinfo(torch.int32).max, torch.Size([2, 3]), torch.zeros(2, 3).size(),
          torch.zeros(2, 3).size(1), torch.zeros(2, 3).dim(), torch.zeros(2, 3).numel(), torch.zeros(2, 3).ndim)
""", fgrad_nn)
    assert [repr(v) for v in nt["dtypes"]] == [repr(v) for v in nf["dtypes"]]


def test_set_default_dtype():
    for lib in (torch, fgrad_nn):
        lib.set_default_dtype(lib.float64)
        try:
            assert lib.tensor([1.0]).dtype == lib.float64
            assert (lib.tensor([1, 2]) * 0.5).dtype == lib.float64
            assert lib.zeros(2).dtype == lib.float64
        finally:
            lib.set_default_dtype(lib.float32)


REPRS = ["torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([1.5, 2.25])", "torch.tensor(3.)",
         "torch.tensor([1, 2, 3])", "torch.tensor([True, False])", "torch.tensor([1., 2.], dtype=torch.float64)",
         "torch.tensor([[1., 2.], [3., 4.]])", "torch.tensor([1e-5, 1.0])", "torch.tensor([1, 2], dtype=torch.int32)",
         "torch.tensor([1., 2.], requires_grad=True).sum()", "torch.tensor([1., 2.], requires_grad=True) * 2",
         "torch.zeros(2, 2, 2)", "torch.tensor([-1.5, 100.0])", "torch.tensor([])", "torch.zeros(0, 3)",
         "torch.tensor([float('nan'), 1.0, float('inf')])", "torch.tensor(2.5, dtype=torch.float64)",
         "torch.tensor([1., 2.], requires_grad=True).mean()", "torch.tensor([1., 2.], requires_grad=True)[0]",
         "torch.tensor([123456.0, 1.0])", "torch.tensor([[1., 5.], [3., 2.]]).max(dim=1)",
         "torch.tensor([3., 1., 2.]).sort()", "torch.tensor([3., 1., 2.]).topk(2)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr(expr):
    assert repr(eval(expr, {"torch": fgrad_nn})) == repr(eval(expr, {"torch": torch}))


def test_random_shapes_dtypes_and_reproducibility():
    f = fgrad_nn
    f.manual_seed(0)
    a = f.randn(3, 4)
    f.manual_seed(0)
    b = f.randn(3, 4)
    assert np.array_equal(a.numpy(), b.numpy()) and a.dtype == f.float32
    g = f.Generator().manual_seed(5)
    r = f.rand(1000, generator=g)
    assert 0 <= r.min().item() and r.max().item() < 1 and abs(r.mean().item() - 0.5) < 0.05
    ri = f.randint(0, 5, (100,))
    assert ri.dtype == f.int64 and ri.min().item() >= 0 and ri.max().item() < 5
    p = f.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype == f.int64
    assert f.randn_like(f.ones(2, dtype=f.float64)).dtype == f.float64
    assert f.rand(2, 3, dtype=f.float64).shape == (2, 3)
    assert f.randint(3, (2, 2)).shape == (2, 2)


def test_creation_errors():
    raises_same(lambda t, x: t.zeros(-1), np.ones(1))
    raises_same(lambda t, x: t.tensor([[1, 2], [3]]), np.ones(1))
    raises_same(lambda t, x: t.ones(2, dtype=t.int64, requires_grad=True), np.ones(1))


def test_device_api_without_gpu(monkeypatch):
    # as on a machine where CuPy finds no GPU (the suite otherwise runs on a GPU or the CuPy stand-in)
    monkeypatch.setattr(fgrad.backend, "_cupy", lambda: None)
    assert fgrad_nn.cuda.is_available() is False and fgrad_nn.cuda.device_count() == torch.cuda.device_count() == 0
    fgrad_nn.cuda.manual_seed_all(3)  # CUDA tensors are sampled on the host: the global generator
    first = fgrad_nn.rand(3).tolist()
    fgrad_nn.manual_seed(3)
    assert fgrad_nn.rand(3).tolist() == first
    assert fgrad_nn.device("cpu") == fgrad_nn.tensor([1.0]).device
    assert str(fgrad_nn.device("cuda:1")) == str(torch.device("cuda:1"))
    assert repr(fgrad_nn.device("cuda", 0)) == repr(torch.device("cuda", 0))
    x = fgrad_nn.tensor([1.0, 2.0])
    assert x.cpu() is x and x.to("cpu") is x
    with pytest.raises(RuntimeError):
        x.to("cuda")


def test_cuda_device():
    if not fgrad_nn.cuda.is_available():
        pytest.skip("no CUDA device")
    f = fgrad_nn
    x = f.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    assert x.device.type == "cuda" and x.is_cuda
    y = (x * x).sum()
    y.backward()
    assert x.grad.device.type == "cuda"
    assert np.allclose(x.grad.cpu().numpy(), [2.0, 4.0])
    c = f.ones(2).cuda()
    assert (c + x).device.type == "cuda"
    with pytest.raises(RuntimeError, match="same device"):
        f.ones(2) + x
    z = f.randn(3, 4, device="cuda")
    assert z.device.type == "cuda" and z.to("cpu").device.type == "cpu"
    w = f.zeros(3, device="cuda")
    w[1] = 5.0
    w.add_(1)
    assert w.cpu().tolist() == [1.0, 6.0, 1.0]
    m = f.randn(4, 3, device="cuda", requires_grad=True)
    loss = (m @ f.ones(3, 2, device="cuda")).relu().sum()
    loss.backward()
    assert m.grad.device.type == "cuda" and tuple(m.grad.shape) == (4, 3)
