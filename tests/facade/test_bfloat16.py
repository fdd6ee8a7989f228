"""``torch.bfloat16`` (storage: ml_dtypes' bfloat16 arrays) against torch 2.13, bit for bit.

torch computes a bfloat16 op in float32 and rounds the result once (sums and matrix products
accumulate in float32), so every value here must equal torch's exactly, not just closely.
"""
import numpy as np
import pytest
import torch

import fgrad_nn

LIBS = (torch, fgrad_nn)
RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 7)).astype(np.float32)
B = RNG.standard_normal((5, 7)).astype(np.float32)
M = RNG.standard_normal((7, 4)).astype(np.float32)
V = RNG.standard_normal(300).astype(np.float32)


def bits(t):
    """The float32 values of a tensor of either library (exact: bfloat16 widens to float32 exactly)."""
    assert str(t.dtype) == "torch.bfloat16"
    return np.asarray(t.detach().float().cpu().numpy() if isinstance(t, torch.Tensor) else t.detach().float())


def both(fn):
    """``fn(lib)`` for torch and fgrad_nn, checked equal bit for bit."""
    want, got = (fn(lib) for lib in LIBS)
    np.testing.assert_array_equal(bits(got), bits(want))
    assert got.shape == tuple(want.shape)
    return want, got


def bf(lib, x):
    return lib.tensor(x).bfloat16()


OPS = {
    "add": lambda L: bf(L, A) + bf(L, B), "sub": lambda L: bf(L, A) - bf(L, B),
    "mul": lambda L: bf(L, A) * bf(L, B), "div": lambda L: bf(L, A) / bf(L, B),
    "scalar": lambda L: bf(L, A) * 3.3 + 1, "rdiv": lambda L: 0.7 / bf(L, A),
    "int_tensor": lambda L: bf(L, A) + L.arange(7),
    "matmul": lambda L: bf(L, A) @ bf(L, M), "dot": lambda L: bf(L, V) @ bf(L, V),
    "exp": lambda L: bf(L, A).exp(), "sum": lambda L: bf(L, V).sum(), "sum_dim": lambda L: bf(L, A).sum(0),
    "mean": lambda L: bf(L, V).mean(), "mean_dim": lambda L: L.mean(bf(L, A), 1, keepdim=True),
    # beyond the list: ops whose pure function computes wider, fused kernels, scalars, in-place writes
    "sigmoid": lambda L: bf(L, A).sigmoid(), "erf": lambda L: bf(L, A).erf(), "var": lambda L: bf(L, A).var(1),
    "softmax": lambda L: L.softmax(bf(L, A), 1), "cumsum": lambda L: bf(L, A).cumsum(1),
    "clamp": lambda L: bf(L, A).clamp(-0.5, 0.5), "layer_norm": lambda L: L.nn.functional.layer_norm(bf(L, A), (7,)),
    "conv1d": lambda L: L.nn.functional.conv1d(bf(L, A)[None], bf(L, B)[:2, :3][:, None].repeat(1, 5, 1)),
    "addmm": lambda L: L.addmm(bf(L, A)[:, :4], bf(L, A), bf(L, M)),
    "addcmul": lambda L: L.addcmul(bf(L, A), bf(L, A), bf(L, B), value=0.5),
    "zero_d_float64": lambda L: bf(L, A) * L.tensor(1.3, dtype=L.float64),
    "mul_": lambda L: bf(L, A).mul_(1.7), "add_": lambda L: bf(L, A).add_(bf(L, B)),
}


@pytest.mark.parametrize("op", OPS)
def test_ops_round_once_as_torch(op):
    both(OPS[op])


@pytest.mark.parametrize("make", [
    lambda L: L.tensor([1.0, 2.5, -3.0], dtype=L.bfloat16), lambda L: L.zeros(2, 3, dtype=L.bfloat16),
    lambda L: L.ones(4, dtype=L.bfloat16), lambda L: L.full((2,), 3.3, dtype=L.bfloat16),
    lambda L: L.arange(5, dtype=L.bfloat16), lambda L: L.tensor([1.1, 2.2]).to(L.bfloat16),
    lambda L: L.tensor([[0.1, 1e30]], dtype=L.float64).bfloat16(),
])
def test_creation_and_casts(make):
    want, got = both(make)
    assert got.dtype is fgrad_nn.bfloat16 and got.element_size() == 2 and got.is_floating_point()
    assert got.tolist() == want.tolist() and repr(got) == repr(want)
    assert got.float().dtype == fgrad_nn.float32


@pytest.mark.parametrize("name", ["empty", "rand", "randn"])
def test_random_and_empty_have_the_dtype(name):
    t = getattr(fgrad_nn, name)(3, 2, dtype=fgrad_nn.bfloat16)
    assert t.dtype == fgrad_nn.bfloat16 and t.shape == (3, 2)


def test_item_and_printing():
    x = [1.0, 2.0, 1 / 3]
    assert repr(fgrad_nn.tensor(x, dtype=fgrad_nn.bfloat16)) == repr(torch.tensor(x, dtype=torch.bfloat16))
    got, want = (L.tensor(1 / 3, dtype=L.bfloat16).item() for L in (fgrad_nn, torch))
    assert type(got) is float and got == want


def test_dtype_attributes_finfo_and_promotion():
    for L in LIBS:
        d = L.bfloat16
        assert (d.is_floating_point, d.is_complex, d.is_signed, d.itemsize) == (True, False, True, 2)
    got, want = fgrad_nn.finfo(fgrad_nn.bfloat16), torch.finfo(torch.bfloat16)
    for field in ("eps", "max", "min", "tiny", "bits", "resolution", "smallest_normal"):
        assert getattr(got, field) == getattr(want, field), field
    names = ["bfloat16", "float16", "float32", "float64", "int8", "int64", "uint8", "bool", "complex64"]
    for a in names:
        for b in names:
            if "bfloat16" in (a, b):
                want = torch.promote_types(getattr(torch, a), getattr(torch, b))
                assert str(fgrad_nn.promote_types(getattr(fgrad_nn, a), getattr(fgrad_nn, b))) == str(want), (a, b)
    # a 0-d float32 tensor does not widen a bfloat16 one; a float16 tensor with dims does
    for f in (lambda L: bf(L, A) + L.tensor(2.0), lambda L: bf(L, A) * L.ones(7, dtype=L.float16)):
        assert str(f(fgrad_nn).dtype) == str(f(torch).dtype)


def test_linear_layer_gradients_match_torch():
    x, w, b, t = (RNG.standard_normal(s).astype(np.float32) for s in ((6, 5), (3, 5), (3,), (6, 3)))
    res = []
    for L in LIBS:
        lin = L.nn.Linear(5, 3)
        with L.no_grad():
            lin.weight.copy_(L.tensor(w))
            lin.bias.copy_(L.tensor(b))
        lin = lin.bfloat16() if L is torch else lin.to(L.bfloat16)
        xx = bf(L, x).requires_grad_()
        out = lin(xx)
        loss = ((out - bf(L, t)) ** 2).mean() + (out.exp() / 3).sum()
        loss.backward()
        res.append((out, loss, lin.weight.grad, lin.bias.grad, xx.grad))
    for want, got in zip(*res):
        np.testing.assert_array_equal(bits(got), bits(want))


def test_requires_grad_and_backward_of_matmul():
    res = []
    for L in LIBS:
        a, m = bf(L, A).requires_grad_(), bf(L, M).requires_grad_()
        (a @ m).sum().backward()
        res.append((a.grad, m.grad))
    for want, got in zip(*res):
        np.testing.assert_array_equal(bits(got), bits(want))


def test_torch_checkpoint_keeps_bfloat16(tmp_path):
    x = torch.tensor([[1.5, -2.25, 1 / 3]], dtype=torch.bfloat16)
    torch.save({"x": x, "big": torch.tensor(V).bfloat16()}, tmp_path / "a.pt")
    got = fgrad_nn.load(tmp_path / "a.pt")
    for k in ("x", "big"):
        np.testing.assert_array_equal(bits(got[k]), bits(torch.load(tmp_path / "a.pt")[k]))


def test_own_checkpoint_round_trip(tmp_path):
    x = fgrad_nn.tensor(V).bfloat16()
    fgrad_nn.save({"x": x, "d": fgrad_nn.bfloat16}, tmp_path / "b.pt")
    back = fgrad_nn.load(tmp_path / "b.pt")
    assert back["d"] is fgrad_nn.bfloat16
    np.testing.assert_array_equal(bits(back["x"]), bits(torch.tensor(V).bfloat16()))


def test_autocast_bfloat16_stays_a_warned_no_op():
    with pytest.warns(UserWarning, match="bfloat16"):
        with fgrad_nn.autocast("cpu", dtype=fgrad_nn.bfloat16):
            y = fgrad_nn.ones(2) * 2
    assert y.dtype == fgrad_nn.float32


def test_reversed_division_by_a_number_is_reciprocal_times_it():
    # torch's ``number / t`` is ``t.reciprocal() * number`` (two roundings), in every dtype
    want, got = ((0.7 / L.tensor(A)) for L in LIBS)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


NN = {
    "gelu": lambda F, x, y: F.gelu(x), "silu": lambda F, x, y: F.silu(x),
    "mse_loss": lambda F, x, y: F.mse_loss(x, y),
    "cross_entropy": lambda F, x, y: F.cross_entropy(x, y.argmax(1)),
    "softmax_float32": lambda F, x, y: F.softmax(x, 1, dtype=x.new_ones(1).float().dtype),
}


@pytest.mark.parametrize("name", NN)
def test_nn_functions_compute_in_float32_and_round_once(name):
    """The bridge to the pure layer widens bfloat16 to float32 and rounds each result (and gradient) once."""
    res = []
    for L in LIBS:
        x, y = bf(L, A).requires_grad_(), bf(L, B)
        out = NN[name](L.nn.functional, x, y)
        out.sum().backward()
        res.append((out, x.grad))
    (want, want_g), (got, got_g) = res
    assert str(got.dtype) == str(want.dtype)
    if got.dtype == fgrad_nn.bfloat16:
        np.testing.assert_array_equal(bits(got), bits(want))
    else:  # float32 values from bfloat16 inputs: float32's rounding
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)
    if name in ("gelu", "silu"):  # one fused backward kernel: one rounding
        np.testing.assert_array_equal(bits(got_g), bits(want_g))
    else:  # torch's backward is a composite of bfloat16 ops, rounding at each: two bfloat16 ulps apart at most
        np.testing.assert_allclose(bits(got_g), bits(want_g), rtol=2.0 ** -6, atol=1e-7)  # (softmax: 0 + noise)


def test_einsum():
    both(lambda L: L.einsum("ij,kj->ik", bf(L, A), bf(L, B)))
