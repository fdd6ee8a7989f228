"""Torch parity at the edges (issue 13): the in-place machinery and masked gradients, against torch 2.13.

Each case runs the same function with ``torch`` and with ``fgrad_nn``: both compute the same values and
gradients, or both raise the same exception type (and, for autograd's own errors, the same message).
"""
import numpy as np
import pytest
import torch

import fgrad_nn
from oracle import assert_same

LIBS = [torch, fgrad_nn]


def outcome(fn):
    """``fn(lib)`` under both libraries: (result or exception) for torch, then for fgrad_nn."""
    out = []
    for lib in LIBS:
        try:
            out.append(fn(lib))
        except Exception as e:  # noqa: BLE001 -- compared below
            out.append(e)
    return out


def same(fn, message=None):
    """Both libraries agree: same values (Tensors compared by ``assert_same``) or same exception type; a
    ``message`` fragment both exceptions must hold."""
    want, got = outcome(fn)
    if isinstance(want, Exception):
        assert isinstance(got, type(want)), f"torch raised {want!r}, fgrad_nn gave {got!r}"
        if message is not None:
            assert message in str(want) and message in str(got), f"{want} // {got}"
        return
    assert not isinstance(got, Exception), f"torch gave {want!r}, fgrad_nn raised {got!r}"
    assert_same(want, got)


# ------------------------------------------------------------------ saved tensors and version counters

def test_inplace_write_to_a_saved_constant_raises():
    """A tensor that does not require grad, saved by backward, written in place: torch raises."""
    def f(t):
        x = t.ones(3, requires_grad=True)
        a = t.ones(3)
        v = x * a
        a.mul_(10)
        v.sum().backward()
        return x.grad
    same(f, "has been modified by an inplace operation")


@pytest.mark.parametrize("op", ["matmul", "div", "inplace_mul"])
def test_saved_constant_of_other_ops(op):
    def f(t):
        x = t.ones(2, 2, requires_grad=True)
        a = t.full((2, 2), 2.0)
        if op == "matmul":
            v = x @ a
        elif op == "div":
            v = x / a
        else:
            v = x * 1.0
            v.mul_(a)
        a.add_(1)
        v.sum().backward()
        return x.grad
    same(f, "has been modified by an inplace operation")


def test_constant_not_read_by_the_rules_may_change():
    """``x + a`` reads neither value in backward: writing ``a`` afterwards is fine in both."""
    def f(t):
        x = t.ones(3, requires_grad=True)
        a = t.ones(3)
        v = x + a
        a.mul_(10)
        v.sum().backward()
        return x.grad
    same(f)


def test_batchnorm_buffers_updated_after_forward_are_not_an_error():
    def f(t):
        t.manual_seed(0)
        m = t.nn.Sequential(t.nn.Linear(3, 4).double(), t.nn.BatchNorm1d(4).double())
        x = t.tensor(np.arange(12.0).reshape(4, 3) / 7)
        m(x).pow(2).sum().backward()
        return m[0].weight.grad.shape
    same(f)


# ------------------------------------------------------------------ no false errors: in-place activations

def _dcgan_block(t, inplace_act):
    t.manual_seed(0)
    return t.nn.Sequential(t.nn.Conv2d(2, 3, 3, bias=True), t.nn.BatchNorm2d(3), inplace_act(t),
                           t.nn.Conv2d(3, 2, 3, bias=False), t.nn.LeakyReLU(0.2, inplace=True)).double()


@pytest.mark.parametrize("act", [lambda t: t.nn.ReLU(inplace=True), lambda t: t.nn.LeakyReLU(0.2, inplace=True)],
                         ids=["relu", "leaky_relu"])
def test_inplace_activation_after_conv_and_batchnorm(act):
    x = np.random.default_rng(0).standard_normal((2, 2, 7, 7))

    def f(t):
        m = _dcgan_block(t, act)
        xt = t.tensor(x, requires_grad=True)
        m(xt).pow(2).sum().backward()
        return xt.grad, m[0].weight.grad, m[1].weight.grad
    want, got = outcome(f)
    assert_same(want[0].shape, got[0].shape)
    # the two libraries initialise differently: compare the run with torch's weights loaded
    state = {k: v.detach().numpy() for k, v in _dcgan_block(torch, act).state_dict().items()}
    ours = _dcgan_block(fgrad_nn, act)
    ours.load_state_dict({k: fgrad_nn.tensor(v) for k, v in state.items()})
    theirs = _dcgan_block(torch, act)
    xs = [lib.tensor(x, requires_grad=True) for lib in LIBS]
    for m, xt in zip((theirs, ours), xs):
        m(xt).pow(2).sum().backward()
    assert_same(xs[0].grad, xs[1].grad)
    assert_same(theirs[0].weight.grad, ours[0].weight.grad)


def test_inplace_on_an_unreduced_loss():
    def f(t):
        x = t.tensor([1.0, -2.0, 3.0], requires_grad=True)
        loss = t.nn.functional.l1_loss(x, t.zeros(3), reduction="none")
        loss.relu_()
        loss.mul_(2)
        loss.sum().backward()
        return x.grad
    same(f)


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh"])
def test_inplace_after_an_op_that_saves_its_output_still_raises(op):
    def f(t):
        x = t.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = getattr(x, op)()
        y.mul_(2)
        y.sum().backward()
        return x.grad
    same(f, "has been modified by an inplace operation")


# ------------------------------------------------------------------ results torch copies are copies

COPIES = {
    "flip": lambda t, x: x.flip(0),
    "repeat": lambda t, x: x.repeat(1, 1),
    "tile": lambda t, x: x.tile((1,)),
    "roll": lambda t, x: x.roll(2, 0),
    "roll_by_size": lambda t, x: x.roll(2, 1),
    "roll_zero": lambda t, x: x.roll(0),
    "cat_one": lambda t, x: t.cat([x]),
    "cat_empty": lambda t, x: t.cat([x, t.empty(0, 2)]),
    "stack_one": lambda t, x: t.stack([x])[0],
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_results_do_not_share_memory(name):
    def f(t):
        x = t.arange(4.0).reshape(2, 2)
        y = COPIES[name](t, x)
        x.add_(100)
        y.mul_(-1)  # writable, and writing it leaves x alone
        return x, y
    same(f)


def test_repeat_result_is_writable():
    def f(t):
        y = t.tensor([1.0, 2.0]).repeat(2, 2)
        y[0, 0] = 5
        return y, y.stride()
    same(f)


def test_grad_is_laid_out_like_its_parameter():
    def f(t):
        p = t.nn.Parameter(t.ones(2, 3, dtype=t.float64))
        (p.t() * 2).sum().backward()
        return p.grad.view(-1), p.grad.stride()
    same(f)


# ------------------------------------------------------------------ multi-output views, .grad assignment

@pytest.mark.parametrize("split", ["chunk", "split", "unbind", "chunk_then_slice", "unbind_dim1"])
def test_inplace_on_outputs_of_multi_view_ops_raises(split):
    def f(t):
        x = t.ones(4, 2, requires_grad=True).clone()
        if split == "chunk":
            piece = x.chunk(2)[0]
        elif split == "split":
            piece = x.split(3)[1]
        elif split == "unbind":
            piece = x.unbind()[2]
        elif split == "chunk_then_slice":
            piece = x.chunk(2)[1][0:1]
        else:
            piece = x.unbind(1)[1]
        piece.mul_(2)
        return x
    same(f, "is a view and is being modified inplace. This view is the output of a function that returns "
            "multiple views.")


def test_multi_view_outputs_written_without_grad_or_after_tensor_split():
    def f(t):
        x = t.ones(4, requires_grad=True).clone()
        with t.no_grad():
            x.chunk(2)[0].mul_(2)
        x.tensor_split(2)[1].mul_(3)
        y = t.ones(4)
        y.chunk(2)[1].add_(1)
        x.sum().backward()
        return x, y
    same(f)


def test_multi_view_of_a_constant_written_with_a_tensor_that_requires_grad():
    def f(t):
        p = t.ones(4).chunk(2)[0]
        p.mul_(t.ones(2, requires_grad=True))
        return p
    same(f, "A view was created in no_grad mode")


@pytest.mark.parametrize("value", ["shape", "dtype"])
def test_grad_assignment_of_a_wrong_tensor_raises(value):
    def f(t):
        p = t.nn.Parameter(t.ones(4))
        p.grad = t.ones(3) if value == "shape" else t.ones(4, dtype=t.float64)
        return p.grad
    same(f, "attempting to assign a gradient")


# ------------------------------------------------------------------ masked gradients select

MASKED = {
    "relu": lambda t, x: t.relu(x),
    "clamp_min": lambda t, x: t.clamp(x, min=0.5),
    "clamp_both": lambda t, x: x.clamp(-0.5, 1.0),
    "clip_": lambda t, x: (x * 1).clip_(-0.5, 1.0),
    "maximum": lambda t, x: t.maximum(x, t.zeros(3)),
    "minimum": lambda t, x: t.minimum(x, t.zeros(3)),
    "relu_module": lambda t, x: t.nn.ReLU()(x),
}


@pytest.mark.parametrize("bad", [float("inf"), float("nan")], ids=["inf", "nan"])
@pytest.mark.parametrize("name", sorted(MASKED))
def test_infinite_upstream_gradient_stays_out_of_masked_positions(name, bad):
    def f(t):
        x = t.tensor([-1.0, 0.0, 2.0], dtype=t.float64, requires_grad=True)
        MASKED[name](t, x).backward(t.full((3,), bad, dtype=t.float64))
        return x.grad
    same(f)


def test_safe_sqrt_idiom():
    def f(t):
        x = t.tensor([-1.0, 0.0, 4.0], dtype=t.float64, requires_grad=True)
        t.sqrt(t.clamp(x, min=0.0) + 0.0).sum().backward()
        y = t.tensor([-1.0, 4.0], dtype=t.float64, requires_grad=True)
        t.sqrt(t.clamp(y, min=0.0)).sum().backward()
        return y.grad
    same(f)


def test_maximum_tie_and_tensor_bounds():
    def f(t):
        x = t.tensor([1.0, 2.0, 3.0], dtype=t.float64, requires_grad=True)
        y = t.tensor([1.0, 5.0, 0.0], dtype=t.float64, requires_grad=True)
        lo = t.tensor([0.0, 2.5, 4.0], dtype=t.float64, requires_grad=True)
        (t.maximum(x, y) * t.tensor([1.0, 2.0, 3.0], dtype=t.float64)).sum().backward()
        t.clamp(x * 1, min=lo).sum().backward()
        return x.grad, y.grad, lo.grad
    same(f)


def test_relu_in_fgrad_selects_like_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import fgrad
    x = np.array([-1.0, 0.0, 2.0])
    g = np.full(3, np.inf)
    _, pull = fgrad.vjp(fgrad.nn.relu, x)
    _, jpull = jax.vjp(jax.nn.relu, x)
    np.testing.assert_array_equal(np.asarray(pull(g)[0]), np.asarray(jpull(g)[0]))
    np.testing.assert_array_equal(np.asarray(fgrad.jvp(fgrad.nn.relu, (x,), (g,))[1]),
                                  np.asarray(jax.jvp(jax.nn.relu, (x,), (g,))[1]))


# ------------------------------------------------------------------ zero-derivative ops keep requires_grad

ZERO = {
    "floor": lambda t, x: x.floor(),
    "ceil": lambda t, x: t.ceil(x),
    "trunc": lambda t, x: x.trunc(),
    "round": lambda t, x: x.round(),
    "sign": lambda t, x: x.sign(),
    "div_floor": lambda t, x: t.div(x, 2, rounding_mode="floor"),
    "div_trunc": lambda t, x: t.div(x, t.full((2,), 2.0), rounding_mode="trunc"),
    "softmax_0d": lambda t, x: t.softmax(x.sum(), 0),
    "log_softmax_0d": lambda t, x: t.log_softmax(x.sum(), -1),
    "norm_p0": lambda t, x: x.norm(p=0) + x.sum(),
    "F_softmax_0d": lambda t, x: t.nn.functional.softmax(x.sum(), 0),
    "F_log_softmax_0d": lambda t, x: t.nn.functional.log_softmax(x.sum(), 0),
    "F_softmin_0d": lambda t, x: t.nn.functional.softmin(x.sum(), 0),
}


@pytest.mark.parametrize("name", sorted(ZERO))
def test_zero_derivative_ops_keep_requires_grad(name):
    def f(t):
        x = t.tensor([1.5, -2.5], requires_grad=True)
        y = ZERO[name](t, x)
        flag = y.requires_grad
        y.sum().backward()
        return flag, y, x.grad
    same(f)


# ------------------------------------------------------------------ promotion and ignored inputs

def test_addcmul_addcdiv_promote_before_computing():
    def f(t):
        a = t.tensor([1.0, 2.0], dtype=t.float64)
        b = t.tensor([1 / 3, 1.0])
        c = t.tensor([3.0, 7.0])
        return a.addcmul(b, c, value=0.7), a.addcdiv(b, c, value=0.3), t.addcmul(a, b, c)
    same(f)


def test_addmm_beta_zero_ignores_nan_input():
    def f(t):
        i = t.full((2, 2), float("nan"), dtype=t.float64, requires_grad=True)
        m = t.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=t.float64, requires_grad=True)
        out = t.addmm(i, m, m, beta=0, alpha=0.5)
        out.sum().backward()
        return out, i.grad, m.grad
    same(f)


LAYERS = {
    "conv_transpose_bn": lambda t: [t.nn.ConvTranspose2d(2, 3, 4, 2, 1, bias=False), t.nn.BatchNorm2d(3),
                                    t.nn.ReLU(True)],
    "max_pool": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.MaxPool2d(2), t.nn.ReLU(True)],
    "avg_pool": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.AvgPool2d(2), t.nn.ReLU(True)],
    "instance_norm": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.InstanceNorm2d(3, affine=True), t.nn.ReLU(True)],
    "group_norm": lambda t: [t.nn.Conv2d(2, 4, 3), t.nn.GroupNorm(2, 4), t.nn.ReLU(True)],
    "upsample": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.Upsample(scale_factor=2), t.nn.ReLU(True)],
    "flatten": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.Flatten(), t.nn.ReLU(True)],
    "relu_twice": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.ReLU(True), t.nn.ReLU(True)],  # torch raises
    "sigmoid_then_relu": lambda t: [t.nn.Conv2d(2, 3, 3), t.nn.Sigmoid(), t.nn.ReLU(True)],  # torch raises
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_inplace_activation_after_layers_raises_exactly_where_torch_does(name):
    def f(t):
        x = t.arange(144.0).reshape(2, 2, 6, 6) / 100
        t.nn.Sequential(*LAYERS[name](t))(x).sum().backward()
        return True
    same(f, "modified by an inplace operation")


def test_the_machinery_on_a_device(device):
    """Copies, version checks, masked gradients and .grad's layout on the device (CPU's results)."""
    import fgrad
    results = []
    for dev in ("cpu", device):
        x = fgrad_nn.arange(4.0, device=dev).reshape(2, 2)
        y = x.flip(0)
        x.add_(100)  # the flip is a copy
        p = fgrad_nn.tensor([[-1.0, 0.0, 2.0]], device=dev, dtype=fgrad_nn.float64, requires_grad=True)
        a = fgrad_nn.ones(1, 3, device=dev, dtype=fgrad_nn.float64)
        v = p.t() * a.t()
        a.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            v.sum().backward()
        fgrad_nn.clamp(p, min=0.5).backward(fgrad_nn.full((1, 3), float("inf"), device=dev, dtype=fgrad_nn.float64))
        h = p @ fgrad_nn.ones(3, 2, device=dev, dtype=fgrad_nn.float64)
        h.relu_()  # after a matmul: no false error
        h.sum().backward()
        assert p.grad.device.type == dev and p.grad.view(-1).shape == (3,)
        results.append([fgrad.backend.to_host(t._raw()) for t in (y, p.grad)])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_array_equal(got, want)


def test_existing_view_follows_an_inplace_write_to_its_base():
    def f(t):
        x = t.zeros(3)
        v = x[:2]
        w = t.ones(3, requires_grad=True)
        x.mul_(w)
        flags = (v.requires_grad, v.grad_fn is not None, v.is_leaf)
        v.sum().backward()
        return flags, w.grad
    same(f)


def test_retain_grad_on_a_view_that_changes_nothing():
    def f(t):
        x = t.ones(3, requires_grad=True)
        v = x[:]
        v.retain_grad()
        w = x.view(3)
        w.retain_grad()
        (v * 2 + w).sum().backward()
        return v.is_leaf, v.grad, w.grad, x.grad
    same(f)
