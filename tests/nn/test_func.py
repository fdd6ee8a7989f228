"""fgrad_nn.func: functional_call (vs torch.func.functional_call) and pure(module) under fgrad transforms."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.func

import fgrad
import fgrad_nn
from fgrad_nn.func import functional_call, pure


def make_net(lib):
    nn = lib.nn

    class Net(nn.Module):
        """A custom subclass: Parameters, a buffer it updates, a tied weight, functional calls in forward."""

        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 5)
            self.fc2 = nn.Linear(5, 5)
            self.fc3 = nn.Linear(5, 2)
            self.scale = nn.Parameter(lib.full((5,), 0.5, dtype=lib.float64))
            self.register_buffer("offset", lib.linspace(-1, 1, 5, dtype=lib.float64))
            self.register_buffer("calls", lib.zeros((), dtype=lib.int64))

        def forward(self, x):
            self.calls.add_(1)
            h = lib.tanh(self.fc1(x)) * self.scale + self.offset
            h = lib.nn.functional.softplus(self.fc2(h))
            return self.fc3(h).sum(-1) ** 2

    return Net().double()


def paired():
    t, f = make_net(torch), make_net(fgrad_nn)
    f.load_state_dict(OrderedDict((k, fgrad_nn.tensor(v.numpy())) for k, v in t.state_dict().items()))
    return t, f


X = np.random.default_rng(0).standard_normal((4, 3))


def test_functional_call_substitutes_for_one_call_like_torch():
    t, f = paired()
    rng = np.random.default_rng(1)
    new = {"fc1.weight": rng.standard_normal((5, 3)), "offset": rng.standard_normal(5)}
    yt = torch.func.functional_call(t, {k: torch.tensor(v) for k, v in new.items()}, (torch.tensor(X),))
    yf = functional_call(f, {k: fgrad_nn.tensor(v) for k, v in new.items()}, (fgrad_nn.tensor(X),))
    np.testing.assert_allclose(yf.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    # the module's own tensors are back afterwards
    np.testing.assert_array_equal(f.fc1.weight.detach().numpy(), t.fc1.weight.detach().numpy())
    assert isinstance(f.fc1.weight, fgrad_nn.nn.Parameter)
    np.testing.assert_allclose(f(fgrad_nn.tensor(X)).detach().numpy(), t(torch.tensor(X)).detach().numpy(),
                               rtol=1e-12)


def test_functional_call_gradients_flow_to_the_given_tensors():
    t, f = paired()
    wt = torch.tensor(X[:2].T @ X[:2] + 1.0, requires_grad=True)  # (3, 3) -> reshape below
    wf = fgrad_nn.tensor(wt.detach().numpy(), requires_grad=True)
    w5t = torch.cat([wt, wt[:2]])[:, :3].contiguous()
    w5f = fgrad_nn.cat([wf, wf[:2]])[:, :3]
    yt = torch.func.functional_call(t, {"fc1.weight": w5t}, torch.tensor(X))
    yf = functional_call(f, {"fc1.weight": w5f}, fgrad_nn.tensor(X))
    yt.sum().backward()
    yf.sum().backward()
    np.testing.assert_allclose(wf.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
    assert f.fc1.weight.grad is None


def test_functional_call_ties_weights_and_kwargs():
    for lib, call in ((torch, torch.func.functional_call), (fgrad_nn, functional_call)):
        nn = lib.nn

        class Tied(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(2, 2, bias=False)
                self.b = nn.Linear(2, 2, bias=False)
                self.b.weight = self.a.weight

            def forward(self, x, *, twice=False):
                y = self.b(self.a(x))
                return y * 2 if twice else y

        m = Tied()
        eye = lib.eye(2)
        x = lib.tensor([[1.0, 2.0]])
        assert call(m, {"a.weight": eye}, (x,)).tolist() == [[1.0, 2.0]]
        assert call(m, {"a.weight": eye}, (x,), {"twice": True}).tolist() == [[2.0, 4.0]]
        untied = call(m, {"a.weight": eye}, (x,), tie_weights=False)
        assert untied.tolist() != [[1.0, 2.0]]
        with pytest.raises(ValueError, match="which are tied"):
            call(m, {"a.weight": eye, "b.weight": eye * 2}, (x,))
        assert call(m, [{"a.weight": eye}, {}], (x,)).tolist() == [[1.0, 2.0]]
        with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
            call(m, [{"a.weight": eye}, {"a.weight": eye}], (x,))


def test_functional_call_strict_messages_equal_torchs():
    msgs = []
    for lib, call in ((torch, torch.func.functional_call), (fgrad_nn, functional_call)):
        m = lib.nn.Linear(2, 1)
        try:
            call(m, {"weight": lib.ones(1, 2), "extra": lib.ones(1)}, (lib.ones(1, 2),), strict=True)
        except RuntimeError as e:
            msgs.append(str(e))
        with pytest.raises(ValueError):
            call(m, 3, (lib.ones(1, 2),))
    assert len(msgs) == 2 and msgs[0] == msgs[1]


def test_pure_init_returns_the_modules_current_values():
    _, f = paired()
    init = pure(f).init
    params, state = init(fgrad.random.key(0))
    assert sorted(params) == ["fc1", "fc2", "fc3", "scale"] and sorted(params["fc1"]) == ["bias", "weight"]
    assert sorted(state) == ["calls", "offset"]
    np.testing.assert_array_equal(params["fc2"]["weight"], f.fc2.weight.detach().numpy())
    assert isinstance(params["scale"], np.ndarray)


def test_pure_grad_matches_torch_and_the_facade_backward():
    t, f = paired()
    layer = pure(f)
    init, apply = layer.init, layer.apply
    params, state = init()

    def loss(p, x):
        return apply(p, state, x)[0].sum()
    g = fgrad.grad(loss)(params, X)
    t(torch.tensor(X)).sum().backward()
    for name, p in t.named_parameters():
        path = name.split(".")
        got = g[path[0]] if len(path) == 1 else g[path[0]][path[1]]
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    gx = fgrad.grad(loss, argnums=1)(params, X)
    xt = torch.tensor(X, requires_grad=True)
    t(xt).sum().backward()
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-10)
    # the module was not touched: no grads, same values, buffer count unchanged by pure calls
    assert all(p.grad is None for p in f.parameters()) and f.calls.item() == 0


def test_pure_jvp_and_hessian_match_torch_func():
    t, f = paired()
    apply = pure(f).apply
    tparams = {n: p.detach() for n, p in t.named_parameters()}
    xt = torch.tensor(X)

    def torch_loss(w1):  # a fresh "calls" buffer: torch.func refuses in-place updates of captured tensors
        fresh = {"calls": torch.zeros((), dtype=torch.int64)}
        return torch.func.functional_call(t, {**tparams, **fresh, "fc1.weight": w1}, (xt,)).sum()
    init = pure(f).init
    params, state = init()

    def our_loss(w1):
        return apply({**params, "fc1": {**params["fc1"], "weight": w1}}, state, X)[0].sum()
    w1 = params["fc1"]["weight"]
    tangent = np.random.default_rng(5).standard_normal(w1.shape)
    val, jv = fgrad.jvp(our_loss, (w1,), (tangent,))
    tval, tjv = torch.autograd.functional.jvp(torch_loss, (tparams["fc1.weight"],), (torch.tensor(tangent),))
    np.testing.assert_allclose(val, tval.item(), rtol=1e-12)
    np.testing.assert_allclose(jv, tjv.item(), rtol=1e-10)
    H = fgrad.hessian(our_loss)(w1)
    tH = torch.autograd.functional.hessian(torch_loss, tparams["fc1.weight"])  # (torch.func's is slow to start)
    assert H.shape == (5, 3, 5, 3)
    np.testing.assert_allclose(H, tH.numpy(), rtol=1e-8, atol=1e-10)


def test_pure_hessian_over_whole_param_tree():
    _, f = paired()
    layer = pure(f)
    init, apply = layer.init, layer.apply
    params, state = init()
    x = X[:2]
    H = fgrad.hessian(lambda p: apply(p, state, x)[0].sum())(params)
    h = H["scale"]["scale"]
    assert h.shape == (5, 5)
    np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-12)
    # central differences of the gradient
    g = fgrad.grad(lambda p: apply(p, state, x)[0].sum())
    eps = 1e-6
    for i in range(5):
        up = {**params, "scale": params["scale"] + eps * np.eye(5)[i]}
        dn = {**params, "scale": params["scale"] - eps * np.eye(5)[i]}
        np.testing.assert_allclose((g(up)["scale"] - g(dn)["scale"]) / (2 * eps), h[:, i], rtol=1e-5, atol=1e-7)


def test_pure_returns_new_state_and_leaves_module_alone():
    _, f = paired()
    layer = pure(f)
    init, apply = layer.init, layer.apply
    params, state = init()
    out, new_state = apply(params, state, X)
    assert new_state["calls"] == 1 and state["calls"] == 0 and f.calls.item() == 0
    _, s2 = apply(params, new_state, X)
    assert s2["calls"] == 2
    np.testing.assert_allclose(out, f(fgrad_nn.tensor(X)).detach().numpy(), rtol=1e-12)
    assert f.calls.item() == 1


def test_pure_train_flag_and_dropout_key():
    nn = fgrad_nn.nn
    m = nn.Sequential(nn.Linear(4, 50), nn.Dropout(0.5), nn.Linear(50, 1))
    layer = pure(m)
    init, apply = layer.init, layer.apply
    p, s = init()
    x = np.ones((3, 4), np.float32)
    y_eval, _ = apply(p, s, x)
    np.testing.assert_allclose(y_eval, m.eval()(fgrad_nn.tensor(x)).detach().numpy(), rtol=1e-6)
    m.train()
    k = fgrad.random.key(3)
    a, _ = apply(p, s, x, train=True, key=k)
    b, _ = apply(p, s, x, train=True, key=k)
    c, _ = apply(p, s, x, train=True, key=fgrad.random.key(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and not np.allclose(a, y_eval)
    assert m.training and m[1].training  # modes restored
    g = fgrad.grad(lambda q: apply(q, s, x, train=True, key=k)[0].sum())(p)
    assert g["0"]["weight"].shape == (50, 4)


def test_pure_of_a_one_layer_module_is_its_layer():
    """A Module over one fgrad.nn layer hands back that layer (with the Module's current settings); its
    apply on the Module's arrays is the Module's forward."""
    nn = fgrad_nn.nn
    bn = nn.BatchNorm1d(3, momentum=0.5)
    bn.momentum = 0.25
    layer = pure(bn)
    assert layer is bn._layer and isinstance(layer, fgrad.nn.BatchNorm1d) and layer.momentum == 0.25
    lin = nn.Linear(3, 2)
    params = {k: v.detach().numpy() for k, v in lin.named_parameters()}
    x = np.ones((4, 3), np.float32)
    np.testing.assert_array_equal(pure(lin).apply(params, {}, x)[0], lin(fgrad_nn.tensor(x)).detach().numpy())
    fresh, _ = pure(lin).init(fgrad.random.key(0))
    assert fresh["weight"].shape == (2, 3)

    class Twice(nn.Linear):  # a forward of its own: not the layer's
        def forward(self, x):
            return super().forward(x) * 2
    assert isinstance(pure(Twice(3, 2)), fgrad_nn.func.ModuleLayer)
    hooked = nn.Linear(3, 2)
    hooked.register_forward_hook(lambda m, a, out: out * 3)
    assert isinstance(pure(hooked), fgrad_nn.func.ModuleLayer)


def test_pure_with_inplace_activations_differentiates_correctly():
    """F's inplace=True under an fgrad transform re-points the Tensor at the traced result."""
    nn = fgrad_nn.nn
    x = np.random.default_rng(0).standard_normal((5, 3))
    grads = []
    for inplace in (False, True):
        fgrad_nn.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=inplace), nn.Linear(4, 4), nn.LeakyReLU(0.1, inplace),
                          nn.Linear(4, 1)).double()
        layer = pure(m)
        init, apply = layer.init, layer.apply
        p, s = init()
        f = lambda q: apply(q, s, x)[0].sum()  # noqa: E731
        tangent = fgrad.tree_util.tree_map(np.ones_like, p)
        grads.append((fgrad.grad(f)(p), fgrad.jvp(f, (p,), (tangent,))[1]))
    (g0, j0), (g1, j1) = grads
    for a, b in zip(fgrad.tree_util.tree_leaves(g0), fgrad.tree_util.tree_leaves(g1)):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    np.testing.assert_allclose(j1, j0, rtol=1e-12)
