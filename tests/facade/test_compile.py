"""``fgrad_nn.compile`` against torch 2.13 (eager: the numbers a compiled model must give) and against the
same model uncompiled: outputs, gradients, running statistics and optimizer steps; one staging per call
signature; graph breaks; torch's wrapper, errors and argument checks."""
import numpy as np
import pytest
import torch

import fgrad_nn as ft
from fgrad_nn._dynamo.exc import InvalidBackend, Unsupported

TOL = 1e-10  # float64 throughout


def _np(t):
    return np.asarray(t.detach().cpu()) if isinstance(t, ft.Tensor) else t.detach().numpy()


def _close(ours, ref, what):
    np.testing.assert_allclose(_np(ours), _np(ref), rtol=TOL, atol=TOL, err_msg=what)


def _outs(y):
    if isinstance(y, tuple):
        return [v for o in y for v in _outs(o)]
    return [y]


def _pair(make):
    """The same model in torch and fgrad_nn (torch's weights copied), in float64."""
    tm = make(torch).double()
    fm = make(ft).double()
    fm.load_state_dict({k: ft.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, fm


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.Tanh(), lib.nn.Linear(16, 3))


def _convnet(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 5))


def _lstm(lib):
    return lib.nn.LSTM(4, 6, num_layers=2)


def _encoder(lib):
    return lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)


MODELS = {"mlp": (_mlp, (5, 6)), "convnet": (_convnet, (2, 3, 8, 8)), "lstm": (_lstm, (7, 3, 4)),
          "encoder": (_encoder, (5, 3, 8))}


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_compiled_models_train_like_torch(name, train):
    make, shape = MODELS[name]
    tm, fm = _pair(make)
    tm.train(train)
    fm.train(train)
    stagings = []
    fm.register_forward_hook(lambda *a: stagings.append(1))  # runs while staging only: a trace counter
    cm = ft.compile(fm)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    fopt = ft.optim.SGD(cm.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal(shape)
        xt, xf = torch.tensor(x, requires_grad=True), ft.tensor(x, requires_grad=True)
        yt, yf = _outs(tm(xt)), _outs(cm(xf))
        assert len(yt) == len(yf)
        loss_t = loss_f = 0
        for i, (a, b) in enumerate(zip(yt, yf)):
            _close(b, a, f"step {step} output {i}")
            assert b.requires_grad
            w = rng.standard_normal(tuple(a.shape))
            loss_t = loss_t + (a * torch.tensor(w)).sum()
            loss_f = loss_f + (b * ft.tensor(w)).sum()
        topt.zero_grad()
        fopt.zero_grad()
        loss_t.backward()
        loss_f.backward()
        _close(xf.grad, xt.grad, f"step {step} input grad")
        for (n, p), q in zip(tm.named_parameters(), fm.parameters()):
            _close(q.grad, p.grad, f"step {step} grad of {n}")
        topt.step()
        fopt.step()
        for (k, v), (_, u) in zip(tm.state_dict().items(), fm.state_dict().items()):
            _close(u, v, f"step {step} state {k}")  # parameters after the step, running statistics
    assert len(stagings) == 1  # one signature: staged once, replayed twice


def test_compiled_equals_uncompiled_and_backward_is_one_node():
    fm = _mlp(ft).double()
    cm = ft.compile(fm)
    x = ft.randn(4, 6, dtype=ft.float64)
    y, z = fm(x), cm(x)
    _close(z, y, "output")
    assert z.grad_fn.name() == "CompiledFunctionBackward"  # torch's name for a compiled graph's node
    assert z.grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"
    with ft.no_grad():
        assert not cm(x).requires_grad


def test_compiled_linear_gradients_are_contiguous_like_torchs():
    tm, fm = _pair(_mlp)
    cm = ft.compile(fm)
    x = np.random.default_rng(1).standard_normal((5, 6))
    (tm(torch.tensor(x)) ** 2).sum().backward()
    (cm(ft.tensor(x)) ** 2).sum().backward()
    for (n, p), q in zip(tm.named_parameters(), fm.parameters()):
        assert q.grad.is_contiguous() == p.grad.is_contiguous(), n
        _close(q.grad, p.grad, f"grad of {n}")


def test_optimized_module_is_torchs_wrapper():
    tm, fm = _pair(_convnet)
    ct, cf = torch.compile(tm), ft.compile(fm)
    assert type(cf).__name__ == type(ct).__name__ == "OptimizedModule"
    assert cf._orig_mod is fm and isinstance(cf, ft.nn.Module)
    assert list(cf.state_dict()) == list(ct.state_dict())  # "_orig_mod." prefixes, as torch's
    assert [n for n, _ in cf.named_parameters()] == [n for n, _ in ct.named_parameters()]
    assert cf.training and len(cf) == len(ct) and cf.get_submodule("_orig_mod.1") is fm[1]
    cf.eval()
    assert not fm.training and not cf.training and not fm[1].training
    cf.custom = 3
    assert fm.custom == 3
    assert ft.compile(fm, disable=True) is fm and torch.compile(tm, disable=True) is tm


def test_decorator_forms_static_args_and_recompilation():
    stagings = []

    @ft.compile
    def f(x, n, scale=1.0):
        stagings.append(tuple(x.shape))
        return ft.sin(x) ** n * scale

    @ft.compile(fullgraph=True, dynamic=False)
    def g(x, y):
        return (x @ y).relu().sum(dim=0)

    def ref_f(x, n, scale=1.0):
        return torch.sin(x) ** n * scale

    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    for x, n, s in [(a, 2, 1.0), (a * 2, 2, 1.0), (a, 3, 1.0), (a[:2], 2, 1.0), (a, 2, 0.5)]:
        _close(f(ft.tensor(x), n, scale=s), ref_f(torch.tensor(x), n, scale=s), f"f n={n} s={s}")
    assert stagings == [(3, 4), (3, 4), (2, 4), (3, 4)]  # new n, new shape, new scale: a new program each
    _close(g(ft.tensor(a), ft.tensor(b)), (torch.tensor(a) @ torch.tensor(b)).relu().sum(dim=0), "g")
    assert f.__name__ == "f"


def test_function_reaching_a_module_and_a_global_weight():
    tm, fm = _pair(_convnet)
    w = np.random.default_rng(2).standard_normal(5)
    wt, wf = torch.tensor(w, requires_grad=True), ft.tensor(w, requires_grad=True)

    def step_t(x):
        return (tm(x) * wt).sum()

    @ft.compile
    def step_f(x):
        return (fm(x) * wf).sum()

    for k in range(2):
        x = np.random.default_rng(k).standard_normal((2, 3, 8, 8))
        lt, lf = step_t(torch.tensor(x)), step_f(ft.tensor(x))
        _close(lf, lt, "loss")
        lt.backward()
        lf.backward()
        _close(wf.grad, wt.grad, "grad of the global weight")
        for (n, p), q in zip(tm.named_parameters(), fm.parameters()):
            _close(q.grad, p.grad, f"grad of {n}")
        _close(fm[1].running_mean, tm[1].running_mean, "running mean written back")
        assert int(fm[1].num_batches_tracked) == int(tm[1].num_batches_tracked)


def test_graph_break_runs_eagerly_and_fullgraph_raises():
    def masked(x):
        return x[x > 0].sum() * 2  # the output's shape depends on x's values

    f = ft.compile(masked)
    for x in ([1.0, -1.0, 2.0], [-1.0, -3.0, 4.0], [5.0, 6.0, -7.0]):
        _close(f(ft.tensor(x)), masked(torch.tensor(x)), f"masked {x}")
    with pytest.raises(Unsupported, match="fullgraph") as info:
        ft.compile(masked, fullgraph=True)(ft.tensor([1.0, -1.0]))
    assert isinstance(info.value, RuntimeError)


def test_random_ops_draw_per_call():
    drop = ft.compile(ft.nn.Dropout(0.5))
    x = ft.ones(200, dtype=ft.float64)
    ft.manual_seed(0)
    a, b = _np(drop(x)), _np(drop(x))
    assert set(np.unique(a)) <= {0.0, 2.0} and set(np.unique(b)) <= {0.0, 2.0}
    assert 0 < a.sum() < 400 and not np.array_equal(a, b)  # a fresh mask per call, not one baked in
    ft.manual_seed(0)
    np.testing.assert_array_equal(_np(drop(x)), a)  # seeded by torch.manual_seed
    drop.eval()
    np.testing.assert_array_equal(_np(drop(x)), _np(x))

    @ft.compile
    def noisy(x):
        return x + ft.randn(3, dtype=ft.float64)  # a Generator draw: a graph break, so eager

    assert not np.array_equal(_np(noisy(ft.zeros(3, dtype=ft.float64))), _np(noisy(ft.zeros(3, dtype=ft.float64))))


def test_retain_graph_and_double_backward():
    @ft.compile
    def f(x, w):
        return (ft.tanh(x @ w) ** 2).sum()

    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    xt, wt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    xf, wf = ft.tensor(a, requires_grad=True), ft.tensor(b, requires_grad=True)
    yt, yf = (torch.tanh(xt @ wt) ** 2).sum() * 3, f(xf, wf) * 3
    for _ in range(2):
        yt.backward(retain_graph=True)
        yf.backward(retain_graph=True)
    _close(xf.grad, xt.grad, "x grad after two backward passes")
    _close(wf.grad, wt.grad, "w grad after two backward passes")
    gt, = torch.autograd.grad((torch.tanh(xt @ wt.detach()) ** 2).sum(), xt)
    gf, = ft.autograd.grad(f(xf, wf.detach()), xf)  # a second signature: w does not require grad
    _close(gf, gt, "autograd.grad with one input requiring grad")
    with pytest.raises(RuntimeError, match="does not currently support double backward"):
        ft.autograd.grad(f(xf, wf), xf, create_graph=True)


def test_compile_argument_checks_match_torch():
    def fn(x):
        return x

    for kwargs in [dict(mode="bad"), dict(mode="default", options={})]:
        with pytest.raises(RuntimeError) as t_err:
            torch.compile(fn, **kwargs)
        with pytest.raises(RuntimeError) as f_err:
            ft.compile(fn, **kwargs)
        assert str(f_err.value) == str(t_err.value)
    with pytest.raises(RuntimeError) as t_err:
        torch.compile(fn, backend="nope")
    with pytest.raises(InvalidBackend) as f_err:
        ft.compile(fn, backend="nope")
    assert type(t_err.value).__name__ == type(f_err.value).__name__ and str(f_err.value) == str(t_err.value)
    with pytest.raises(AssertionError):
        torch.compile(3)
    with pytest.raises(AssertionError):
        ft.compile(3)


def test_data_dependent_python_is_a_graph_break():
    def branchy(x):
        if x.sum() > 0:  # bool() of a Tensor: its value decides the program
            return x * 2
        return x * x.max().item() - 1

    f = ft.compile(branchy)
    for x in ([1.0, 2.0], [-3.0, -1.0], [4.0, -1.0], [-2.0, 0.5]):
        _close(f(ft.tensor(x)), branchy(torch.tensor(x)), f"branchy {x}")
    with pytest.raises(Unsupported, match="bool"):
        ft.compile(branchy, fullgraph=True)(ft.tensor([1.0]))


def test_module_compile_in_place():
    tm, fm = _pair(_convnet)
    keys = list(fm.state_dict())
    stagings = []
    fm.register_forward_pre_hook(lambda *a: stagings.append(1))  # outside the compiled forward: every call
    assert fm.compile() is None and tm.compile(backend="eager") is None
    assert list(fm.state_dict()) == keys == list(tm.state_dict())
    for k in range(2):
        x = np.random.default_rng(k).standard_normal((2, 3, 8, 8))
        _close(fm(ft.tensor(x)), tm(torch.tensor(x)), f"call {k}")
    assert len(stagings) == 2
