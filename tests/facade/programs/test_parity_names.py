"""Names the programs (and issue 13's list) need, against torch: ``torch.tensor`` of any sequence,
``unique``/``unique_consecutive``, ``diagonal`` (a view), reductions and random draws on the device, ``//``'s
requires_grad, the LR schedulers' ``state_dict`` and ``saved_tensors_hooks``."""
import array
import warnings
from collections import UserList, deque

import numpy as np
import pytest
import torch

import fgrad_nn
from oracle import assert_same, check, raises_same


class _Seq:
    """A sequence by __len__ and __getitem__ only (no __iter__), as torch reads one."""

    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i >= 3:
            raise IndexError(i)
        return i * 1.5


SEQUENCES = {
    "deque": lambda: deque([1.0, 2.0]), "range": lambda: range(3), "array_d": lambda: array.array("d", [1, 2]),
    "array_i": lambda: array.array("i", [1, 2]), "userlist": lambda: UserList([1, 2]), "sequence": _Seq,
    "nested": lambda: [deque([1, 2]), (3, 4)], "deque_of_tensors": "tensors", "list_of_arrays": "arrays",
    "memoryview": lambda: memoryview(b"ab"), "deque_of_bools": lambda: deque([True, False]),
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_tensor_of_any_sequence(name):
    def make(lib):
        kind = SEQUENCES[name]
        if kind == "tensors":
            return deque([lib.tensor(1.0), lib.tensor(2.0)])
        if kind == "arrays":
            return [np.array([1, 2]), np.array([3, 4])]
        return kind()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(torch.tensor(make(torch)), fgrad_nn.tensor(make(fgrad_nn)), name)
        assert_same(torch.tensor(make(torch), dtype=torch.float64), fgrad_nn.tensor(make(fgrad_nn),
                    dtype=fgrad_nn.float64), name)


@pytest.mark.parametrize("data", [{1, 2}, {1: 2}, "ab", b"ab"], ids=["set", "dict", "str", "bytes"])
def test_tensor_of_what_torch_refuses(data):
    raises_same(lambda t: t.tensor(data))
    raises_same(lambda t: t.tensor(iter([1, 2])))
    raises_same(lambda t: t.tensor(i for i in range(2)))


UNIQUE = [
    ("unique", [3, 1, 3, 2], {}),
    ("unique", [[3, 1, 3], [2, 1, 3], [3, 1, 3]], dict(return_inverse=True, return_counts=True)),
    ("unique", [[3, 1, 3], [2, 1, 3], [3, 1, 3]], dict(dim=0, return_inverse=True, return_counts=True)),
    ("unique", [[3, 1, 3], [2, 1, 3], [3, 1, 3]], dict(dim=1, return_inverse=True, return_counts=True)),
    ("unique", [[3, 1, 3], [2, 1, 3], [3, 1, 3]], dict(dim=-1, sorted=False)),
    ("unique", [[[1, 2], [1, 2]], [[0, 1], [1, 2]]], dict(dim=2, return_inverse=True)),
    ("unique", [1.0, float("nan"), 1.0, float("nan"), -0.0, 0.0], dict(return_counts=True, return_inverse=True)),
    ("unique", [True, False, True], dict(return_counts=True)),
    ("unique", 5, dict(return_inverse=True, return_counts=True)),
    ("unique", [], dict(return_inverse=True, return_counts=True)),
    ("unique_consecutive", [1, 1, 2, 2, 3, 1, 1, 2], dict(return_inverse=True, return_counts=True)),
    ("unique_consecutive", [[1, 1], [1, 1], [2, 0], [1, 1]], dict(dim=0, return_inverse=True, return_counts=True)),
]


@pytest.mark.parametrize("case", UNIQUE, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(UNIQUE)])
def test_unique_matches_torch(case, device):
    name, data, kw = case
    expected = getattr(torch, name)(torch.tensor(data), **kw)
    got = getattr(fgrad_nn, name)(fgrad_nn.tensor(data, device=device), **kw)
    for g in (got if isinstance(got, tuple) else (got,)):
        assert g.device == fgrad_nn.device(device if device == "cpu" else "cuda:0")
    assert_same(expected, got.cpu() if not isinstance(got, tuple) else tuple(g.cpu() for g in got), name)
    method = getattr(fgrad_nn.tensor(data), name)(**kw)
    assert_same(expected, method, name)


def test_unique_requires_grad_and_refuses_backward_as_torch():
    for lib in (torch, fgrad_nn):
        x = lib.tensor([3.0, 1.0, 3.0], requires_grad=True)
        u = lib.unique(x)
        assert u.requires_grad
        with pytest.raises(RuntimeError, match="derivative for .*unique"):
            u.sum().backward()
    raises_same(lambda t: t.unique(t.tensor(5), dim=0))
    raises_same(lambda t: t.unique(t.zeros(2, 0), dim=0))


DIAGONALS = [{}, dict(offset=1), dict(offset=-1, dim1=2, dim2=1), dict(offset=2, dim1=0, dim2=2),
             dict(dim1=-1, dim2=0, offset=-1), dict(offset=5)]


@pytest.mark.parametrize("kw", DIAGONALS, ids=[str(kw) for kw in DIAGONALS])
def test_diagonal_is_a_view_with_torch_values_and_gradients(kw):
    a = np.arange(24.0).reshape(2, 3, 4)
    check(lambda t, x: t.diagonal(x * 1.0, **kw) * 2, a)

    def write_through(t, x):
        y = x * 1.0
        d = y.diagonal(**kw)
        d.mul_(3)
        return y, d
    check(write_through, a)
    raises_same(lambda t: t.diagonal(t.ones(2, 2), 0, 1, 1))
    raises_same(lambda t: t.diagonal(t.ones(2)))


def test_diagonal_writes_on_the_device(device):
    x = fgrad_nn.arange(9.0, device=device).reshape(3, 3)
    x.diagonal(1).mul_(10)
    t = torch.arange(9.0).reshape(3, 3)
    t.diagonal(1).mul_(10)
    assert_same(t, x.cpu())
    w = fgrad_nn.arange(9.0, device=device).reshape(3, 3).requires_grad_()
    (w.diagonal(-1) * 2).sum().backward()
    v = torch.arange(9.0).reshape(3, 3).requires_grad_()
    (v.diagonal(-1) * 2).sum().backward()
    assert_same(v.grad, w.grad.cpu())


REDUCTIONS = {
    "any": lambda t, x: t.any(x > 0.4), "all": lambda t, x: t.all(x > 0.1), "any_dim": lambda t, x: (x > 0.6).any(1),
    "all_keepdim": lambda t, x: t.all(x > 0.3, dim=0, keepdim=True), "count_nonzero": lambda t, x: t.count_nonzero(x),
    "sort": lambda t, x: t.sort(x, 1, descending=True)[1], "argmax": lambda t, x: x.argmax(1),
    "topk": lambda t, x: t.topk(x, 2)[1], "median": lambda t, x: x.median(1)[1], "max": lambda t, x: x.max(0)[1],
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_index_and_bool_reductions_on_the_device(name, device):
    data = np.array([[0.2, 0.8, 0.0], [0.5, 0.7, 0.9]])
    got = REDUCTIONS[name](fgrad_nn, fgrad_nn.tensor(data, device=device))
    assert got.device == fgrad_nn.device(device if device == "cpu" else "cuda:0")
    assert_same(REDUCTIONS[name](torch, torch.tensor(data)), got.cpu(), name)


def test_multinomial_bernoulli_normal_on_the_device(device):
    fgrad_nn.manual_seed(0)
    p = fgrad_nn.tensor([[0.1, 0.0, 0.6, 0.3], [0.0, 0.0, 1.0, 0.0]], device=device)
    on = fgrad_nn.device(device if device == "cpu" else "cuda:0")
    with_replacement = fgrad_nn.multinomial(p, 2000, replacement=True)
    without = fgrad_nn.multinomial(p[:1].expand(2000, 4), 3)
    flips = fgrad_nn.bernoulli(fgrad_nn.full((2000,), 0.25, device=device))
    fixed = fgrad_nn.bernoulli(fgrad_nn.zeros(3, device=device), 1.0)
    noise = fgrad_nn.normal(fgrad_nn.ones(5, device=device), 0.0)
    for t in (with_replacement, without, flips, fixed, noise):
        assert t.device == on
    assert with_replacement.dtype == fgrad_nn.int64 and tuple(with_replacement.shape) == (2, 2000)
    counts = np.bincount(np.asarray(with_replacement[0].cpu()), minlength=4) / 2000
    # 2000 draws: the standard error of a frequency is at most 0.011; a fixed seed makes this deterministic
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.6, 0.3], atol=0.05)
    assert (with_replacement[1].cpu() == 2).all()
    rows = np.asarray(without.cpu())
    assert all(len(set(r)) == 3 and 1 not in r for r in rows)  # no repeats; a zero-probability index never
    np.testing.assert_allclose(np.bincount(rows[:, 0], minlength=4) / 2000, [0.1, 0.0, 0.6, 0.3], atol=0.05)
    assert abs(float(flips.mean().item()) - 0.25) < 0.05 and flips.dtype == fgrad_nn.float32
    assert (fixed.cpu() == 1).all() and (noise.cpu() == 1).all()


def test_multinomial_without_replacement_ends_with_the_zero_probability_indices():
    for lib in (torch, fgrad_nn):
        draws = lib.multinomial(lib.tensor([0.2, 0.0, 0.8, 0.0]).expand(20, 4), 4)
        assert sorted(np.unique(np.asarray(draws[:, 2:])).tolist()) == [1, 3]


@pytest.mark.parametrize("call", [
    lambda t: t.multinomial(t.tensor([0.2, 0.8]), 3),
    lambda t: t.multinomial(t.tensor([0.2, -0.8]), 1),
    lambda t: t.multinomial(t.tensor([0.0, 0.0]), 1, True),
    lambda t: t.multinomial(t.ones(2, 2, 2), 1),
], ids=["more_than_categories", "negative", "all_zero", "three_dims"])
def test_multinomial_errors_as_torch(call):
    raises_same(call)


def test_floor_divide_requires_grad_and_refuses_backward_as_torch():
    for lib in (torch, fgrad_nn):
        x = lib.tensor([1.5, 2.5], requires_grad=True)
        for y in (x // 2, lib.floor_divide(x, 2), 2 // x):
            assert y.requires_grad
            with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
                y.sum().backward()


def _schedulers(lib):
    S = lib.optim.lr_scheduler

    def opt():
        return lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    return {
        "LambdaLR": lambda o: S.LambdaLR(o, lambda e: 0.9 ** e),
        "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.9),
        "StepLR": lambda o: S.StepLR(o, 2), "MultiStepLR": lambda o: S.MultiStepLR(o, [1, 3]),
        "ConstantLR": lambda o: S.ConstantLR(o), "LinearLR": lambda o: S.LinearLR(o),
        "ExponentialLR": lambda o: S.ExponentialLR(o, 0.9), "PolynomialLR": lambda o: S.PolynomialLR(o),
        "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, 5),
        "SequentialLR": lambda o: S.SequentialLR(o, [S.ConstantLR(o), S.ExponentialLR(o, 0.9)], milestones=[2]),
        "ChainedScheduler": lambda o: S.ChainedScheduler([S.ConstantLR(o), S.ExponentialLR(o, 0.9)]),
        "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, 3),
        "OneCycleLR": lambda o: S.OneCycleLR(o, 1.0, total_steps=10),
        "CyclicLR": lambda o: S.CyclicLR(o, 0.01, 0.1), "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(o),
    }, opt


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if not callable(x)}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


@pytest.mark.parametrize("name", sorted(_schedulers(torch)[0]))
def test_scheduler_state_dict_has_torchs_keys_and_values(name):
    seen = []
    for lib in (torch, fgrad_nn):
        makers, opt = _schedulers(lib)
        o = opt()
        s = makers[name](o)
        states = [s.state_dict()]
        for _ in range(3):
            o.step()
            s.step(1.0) if name == "ReduceLROnPlateau" else s.step()
            states.append(s.state_dict())
        seen.append([(sorted(st), _plain(st)) for st in states])
    for (keys_t, vals_t), (keys_f, vals_f) in zip(*seen):
        assert keys_t == keys_f
        for k in keys_t:
            if k not in ("_schedulers", "lr_lambdas", "_scale_fn_ref", "_scale_fn_custom"):
                np.testing.assert_equal(vals_f[k], vals_t[k], err_msg=k) if not isinstance(vals_t[k], str) \
                    else None


def _hooks_program(lib):
    log = []

    def pack(t):
        log.append("pack")
        return t * 2

    def unpack(t):
        log.append("unpack")
        return t / 2
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (lib.sin(x) * w).exp().sum()
    packed = log.count("pack")
    y.backward()
    # what the unpack hook returns is what backward computes with: x * b's rule reads b
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 0 + 10):
        z = (a * lib.tensor([3.0, 4.0])).sum()
    z.backward()
    # a round trip through NumPy, and nested hooks (the inner ones apply)
    c = lib.tensor([1.0, 2.0], requires_grad=True)
    outer = []
    with lib.autograd.graph.saved_tensors_hooks(lambda t: outer.append(1) or t, lambda t: t):
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), lambda arr: lib.from_numpy(arr)):
            (c ** 3).sum().backward()
    # a custom Function's save_for_backward goes through the hooks too

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return v ** 3

        @staticmethod
        def backward(ctx, g):
            v, = ctx.saved_tensors
            return 3 * v ** 2 * g
    f = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    with lib.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t.tolist()) or t, lambda t: t + 1):
        out = Cube.apply(f).sum()
    out.backward()
    return (packed > 0, log.count("pack") == log.count("unpack"), outer, x.grad, w.grad, a.grad, c.grad, seen,
            f.grad)


def test_saved_tensors_hooks_pack_and_unpack_what_backward_saves():
    assert_same(_hooks_program(torch), _hooks_program(fgrad_nn))

    def bad_unpack(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 5):
            y = (x * x).sum()
        y.backward()
    raises_same(bad_unpack)

    def disabled(lib):
        with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
            with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    t_err, f_err = raises_same(disabled)
    assert str(f_err) == str(t_err)


def test_save_on_cpu_on_the_device(device):
    x = fgrad_nn.tensor([1.0, 2.0], device=device, requires_grad=True)
    with fgrad_nn.autograd.graph.save_on_cpu():
        y = (x.sin() * x).sum()
    y.backward()
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    (t.sin() * t).sum().backward()
    assert x.grad.device == x.device
    assert_same(t.grad, x.grad.cpu())


def test_inplace_draws_on_the_device(device):
    fgrad_nn.manual_seed(0)
    on = fgrad_nn.device(device if device == "cpu" else "cuda:0")
    x = fgrad_nn.zeros(4000, device=device)
    assert abs(x.bernoulli_(0.25).mean().item() - 0.25) < 0.05 and x.device == on
    half = fgrad_nn.tensor([0.0, 1.0], device=device).repeat(2000)
    assert (x.bernoulli_(half).cpu() == half.cpu()).all()
    assert abs(x.exponential_(2.0).mean().item() - 0.5) < 0.05 and bool((x.cpu() >= 0).all())
    k = fgrad_nn.zeros(4000, dtype=fgrad_nn.int64, device=device)
    assert k.random_(3, 7).cpu().unique().tolist() == [3, 4, 5, 6] and k.device == on
    assert k.random_(5).cpu().unique().tolist() == [0, 1, 2, 3, 4]
    for t in (x, k):
        assert t.device == on


@pytest.mark.parametrize("name", ["uniform_", "normal_", "bernoulli_", "exponential_"])
def test_inplace_draws_refuse_leaves_that_require_grad(name):
    raises_same(lambda t: getattr(t.ones(3, requires_grad=True), name)())
    for lib in (torch, fgrad_nn):
        w = lib.ones(3, requires_grad=True)
        with lib.no_grad():
            getattr(w, name)()
        assert w.requires_grad
