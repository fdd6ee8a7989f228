"""Autograd semantics against torch: backward, grad, graphs, grad modes, Function, gradcheck."""
import numpy as np
import pytest
import torch

import fgrad_nn

from oracle import LIBS, assert_same, check, raises_same, run_source

BOTH = pytest.mark.parametrize("lib", ["torch", "fgrad_nn"])


def both(src, *names):
    """Run ``src`` with each library and compare the named results."""
    nt = run_source(src, torch)
    nf = run_source(src, fgrad_nn)
    for n in names:
        assert_same(nt[n], nf[n], n)
    return nt, nf


def test_backward_accumulates_and_zero_():
    both("""
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(x * x).sum().backward()
g1 = x.grad.clone()
(x * 3).sum().backward()
g2 = x.grad.clone()
x.grad.zero_()
g3 = x.grad.clone()
""", "g1", "g2", "g3")


def test_leaf_and_grad_fn_flags():
    nt, nf = both("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
c = torch.tensor([1.0, 2.0])
y = x * c
flags = (x.is_leaf, y.is_leaf, c.is_leaf, y.requires_grad, (c * 2).requires_grad, x.grad_fn is None,
         y.grad_fn is not None, type(y.grad_fn).__name__ if False else y.grad_fn.name(), repr(y), repr(x),
         repr(y.sum()), repr(x.mean()))
""", "flags")


def test_non_scalar_backward_needs_gradient():
    raises_same(lambda t, x: (t.tensor([1.0, 2.0], requires_grad=True) * 2).backward(), np.ones(1))
    both("""
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = x * x
out.backward(torch.tensor([0.1, 1.0, 1.0]))
g = x.grad
""", "g")


def test_backward_twice_raises_unless_retained():
    src = """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x.exp() * x).sum()
y.backward(retain_graph=True)
y.backward()
g = x.grad
err = None
try:
    y.backward()
except RuntimeError as e:
    err = "second time" in str(e)
"""
    both(src, "g", "err")


def test_backward_on_tensor_without_grad_raises():
    raises_same(lambda t, x: x.sum().backward(), np.ones(3))


def test_create_graph_second_and_third_order():
    both("""
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = (x ** 3 * x.sin()).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
h, = torch.autograd.grad(g.sum(), x, create_graph=True)
k, = torch.autograd.grad(h.sum(), x)
flags = (g.requires_grad, h.requires_grad, k.requires_grad)
""", "g", "h", "k", "flags")


def test_backward_create_graph_then_backward_of_grad():
    both("""
x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = (x ** 3).sum()
y.backward(create_graph=True)
gx = x.grad
x.grad = None
gx.sum().backward()
h = x.grad
""", "gx", "h")


def test_autograd_grad_options():
    both("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
z = torch.tensor([3.0], requires_grad=True)
y = (x * 2).sum()
gx, gz = torch.autograd.grad(y, [x, z], allow_unused=True)
y2 = (x * x)
gv, = torch.autograd.grad(y2, x, grad_outputs=torch.tensor([1.0, -1.0]))
err = None
try:
    torch.autograd.grad((x * 2).sum(), [x, z])
except RuntimeError as e:
    err = "not have been used" in str(e)
untouched = x.grad
""", "gx", "gz", "gv", "err", "untouched")


def test_grad_of_non_leaf_and_retain_grad():
    both("""
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x * 2
h.retain_grad()
out = (h ** 2).sum()
gh, = torch.autograd.grad(out, h, retain_graph=True)
out.backward()
hg = h.grad
xg = x.grad
retains = h.retains_grad
""", "gh", "hg", "xg", "retains")


def test_backward_inputs_argument():
    both("""
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0], requires_grad=True)
(a * b).sum().backward(inputs=[a])
ga, gb = a.grad, b.grad
""", "ga", "gb")


def test_grad_modes():
    both("""
x = torch.tensor([1.0], requires_grad=True)
with torch.no_grad():
    a = x * 2
    with torch.enable_grad():
        b = x * 2
    in_no_grad = torch.is_grad_enabled()
@torch.no_grad()
def f(v):
    return v * 2
@torch.enable_grad()
def g(v):
    return v * 2
with torch.no_grad():
    d = g(x)
c = f(x)
torch.set_grad_enabled(False)
e = x * 2
torch.set_grad_enabled(True)
with torch.set_grad_enabled(False):
    f2 = x * 2
with torch.inference_mode():
    i = x * 2
@torch.inference_mode()
def h(v):
    return v * 2
@torch.set_grad_enabled(False)
def s(v):
    return v * 2
after_decorating = torch.is_grad_enabled()
s_flag = s(x).requires_grad
flags = (a.requires_grad, b.requires_grad, in_no_grad, c.requires_grad, d.requires_grad, e.requires_grad,
         f2.requires_grad, i.requires_grad, h(x).requires_grad, torch.is_grad_enabled(), after_decorating,
         s_flag, torch.is_grad_enabled())
""", "flags")


def test_sgd_update_under_no_grad():
    both("""
w = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
for _ in range(3):
    loss = ((w * 3 - 1) ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
        w.grad.zero_()
final = w
""", "final")


def test_custom_function():
    src = """
class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        y = x.exp() * k
        ctx.save_for_backward(y)
        ctx.k = k
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        flags.append(ctx.needs_input_grad)
        return g * y, None

flags = []
x = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
out = MyExp.apply(x, 2.0)
(out * torch.tensor([1.0, 3.0], dtype=torch.float64)).sum().backward()
g = x.grad
first = flags[0]
name = out.grad_fn.name()
ok = torch.autograd.gradcheck(lambda v: MyExp.apply(v, 3.0), (x,))
"""
    nt, nf = both(src, "out", "g", "first", "ok")
    assert nf["name"] == "MyExpBackward"


def test_gradcheck_detects_a_wrong_backward():
    src = """
class Bad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x
    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x  # should be 2 * g * x
x = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
ok = torch.autograd.gradcheck(Bad.apply, (x,), raise_exception=False)
err = None
try:
    torch.autograd.gradcheck(Bad.apply, (x,))
except RuntimeError:
    err = True
"""
    both(src, "ok", "err")



def test_autograd_functional_jacobian_and_hessian():
    both("""
def f(a):
    return torch.tanh(a) @ torch.ones(3, 2, dtype=torch.float64) * (a ** 2).sum()
def g(a, b):
    return (a.sin() * b).sum() + (a * a * b).sum()
x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=torch.float64)
y = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], dtype=torch.float64)
j = torch.autograd.functional.jacobian(f, x)
ja, jb = torch.autograd.functional.jacobian(g, (x, y))
h = torch.autograd.functional.hessian(lambda a: g(a, y), x)
(haa, hab), (hba, hbb) = torch.autograd.functional.hessian(g, (x, y))
""", "j", "ja", "jb", "h", "haa", "hab", "hba", "hbb")


@pytest.mark.parametrize("fn, option", [
    ("jacobian", {"create_graph": True}), ("jacobian", {"strict": True}), ("jacobian", {"vectorize": True}),
    ("jacobian", {"strategy": "forward-mode", "vectorize": True}), ("hessian", {"create_graph": True}),
    ("hessian", {"vectorize": True}), ("hessian", {"outer_jacobian_strategy": "forward-mode", "vectorize": True}),
])
def test_autograd_functional_options_not_honoured_raise(fn, option):
    x = fgrad_nn.tensor([1.0, 2.0], dtype=fgrad_nn.float64)
    getattr(torch.autograd.functional, fn)(lambda a: (a ** 3).sum(), torch.tensor([1.0, 2.0]), **option)
    with pytest.raises(NotImplementedError, match="|".join(option)):
        getattr(fgrad_nn.autograd.functional, fn)(lambda a: (a ** 3).sum(), x, **option)
    defaults = {"create_graph": False, "strict": False, "vectorize": False}
    defaults = {k: defaults.get(k, "reverse-mode") for k in option}
    getattr(fgrad_nn.autograd.functional, fn)(lambda a: (a ** 3).sum(), x, **defaults)


@pytest.mark.parametrize("fn, option", [
    ("gradcheck", {"fast_mode": True}), ("gradcheck", {"check_forward_ad": True}),
    ("gradcheck", {"check_batched_grad": True}), ("gradcheck", {"nondet_tol": 1e-3}),
    ("gradgradcheck", {"check_fwd_over_rev": True}), ("gradgradcheck", {"grad_outputs": "given"}),
])
def test_gradcheck_options_not_honoured_raise(fn, option):
    x = fgrad_nn.tensor([0.5, 1.0], dtype=fgrad_nn.float64, requires_grad=True)
    if option.get("grad_outputs") == "given":
        option = {"grad_outputs": (fgrad_nn.ones(2, dtype=fgrad_nn.float64),)}
    with pytest.raises(NotImplementedError, match=next(iter(option))):
        getattr(fgrad_nn.autograd, fn)(lambda v: v.exp(), (x,), **option)
    assert getattr(fgrad_nn.autograd, fn)(lambda v: v.exp(), (x,), check_undefined_grad=False, masked=False)


def test_grad_variables_and_is_grads_batched():
    both("""
import warnings
x = torch.tensor([1.0, 2.0], requires_grad=True)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    torch.autograd.backward([x * x], grad_variables=[torch.tensor([1.0, -2.0])])
deprecated = [type(m.message).__name__ for m in w]
g = x.grad
both_given = None
try:
    torch.autograd.backward([x * x], [torch.ones(2)], grad_variables=[torch.ones(2)])
except RuntimeError as e:
    both_given = "grad_variables" in str(e)
""", "deprecated", "g", "both_given")
    x = fgrad_nn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        fgrad_nn.autograd.grad(x * x, x, fgrad_nn.eye(2), is_grads_batched=True)

# ------------------------------------------------------------------ in-place and versions

def test_inplace_on_leaf_raises():
    raises_same(lambda t, x: t.ones(3, requires_grad=True).add_(1), np.ones(1))
    raises_same(lambda t, x: t.ones(3, requires_grad=True)[0].mul_(2), np.ones(1))

    def setitem(t, x):
        w = t.ones(3, requires_grad=True)
        w[0] = 5.0
    raises_same(setitem, np.ones(1))


MODIFIED = {
    "exp_output": "y = x * 1\ns = y.exp()\ns.add_(1)\nout = s.sum()",
    "sin_input": "y = x * 1\ns = y.sin()\ny.mul_(2)\nout = s.sum()",
    "pow_input": "y = x + 0\ns = y ** 3\ny[0] = 1.0\nout = s.sum()",
    "view_of_saved": "y = x * 1\ns = y.tanh()\ns[1:].zero_()\nout = s.sum()",
}


@pytest.mark.parametrize("name", sorted(MODIFIED))
def test_modified_saved_tensor_raises(name):
    src = "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n" + MODIFIED[name]
    for lib in (torch, fgrad_nn):
        ns = run_source(src, lib)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            ns["out"].backward()


ALLOWED = {
    "add_after_add": "y = x + 1\ny.add_(1)\nout = (y * 2).sum()",
    "mul_after_mul_const": "y = x * 2\ny.mul_(3)\nout = y.sum()",
    "pow_inplace": "y = x * 1\ny.pow_(2)\nout = y.sum()",
    "exp_inplace": "y = x * 1\ny.exp_()\nout = (y * y).sum()",
    "setitem_tracked": "y = torch.zeros(3)\ny[0] = x[1] * 2\ny[2] = x[0].exp()\nout = (y * torch.tensor([1., 2., 3.])).sum()",
    "view_inplace": "y = x.clone()\nv = y[1:]\nv.mul_(x[:2])\nout = (y * torch.tensor([1., 2., 3.])).sum()",
    "transpose_view_inplace": "y = x.reshape(1, 3).clone()\nv = y.t()\nv.add_(x.reshape(3, 1) ** 2)\nout = (y ** 2).sum()",
    "base_then_view": "y = x.clone()\nv = y[:2]\ny.mul_(2)\nout = (v * torch.tensor([1., 5.])).sum()",
    "sibling_views": "y = x.clone()\nv1 = y[0]\nv2 = y[0]\nv1.mul_(3)\nout = v2 * 2 + y.sum()",
    "clamp_relu": "y = x * 2 - 3\ny.clamp_(min=0)\nout = (y * y).sum()",
    "copy_": "y = torch.zeros(3)\ny.copy_(x * 2)\nout = (y ** 2).sum()",
    "fill_zero": "y = x * 2\ny[0:1].fill_(7.0)\ny[2:].zero_()\nout = (y * y).sum()",
    "masked_fill_": "y = x * 2\ny.masked_fill_(y > 3, 0.5)\nout = (y * y).sum()",
    "isub_detach": "y = x * 2\nd = y.detach()\nz = y + 1\nd.add_(10)\nout = (z * 2).sum()",
    "data_write": "y = x * 1\ny.data.mul_(2)\nout = (y * 2).sum()",
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_inplace_gradients_match(name):
    src = "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n" + ALLOWED[name] + \
          "\nout.backward()\ng = x.grad\n"
    vals = {}
    for lib in (torch, fgrad_nn):
        ns = run_source(src, lib)
        vals[lib.__name__] = (ns["out"].detach(), ns["g"], ns["y"].detach())
    assert_same(vals["torch"], vals["fgrad_nn"], name)


def test_views_share_storage_and_version():
    both("""
x = torch.arange(6.0).reshape(2, 3)
v = x.t()
v[0, 1] = 100.0
n = x.narrow(1, 1, 2)
n.mul_(2)
d = x.detach()
d[0, 0] = -1.0
parts = x.split(1, dim=1)
parts[0].fill_(9.0)
c = x.chunk(3, dim=1)[2]
c.add_(1)
u = x.unbind(0)[1]
u.sub_(1)
e = torch.ones(1, 3).expand(2, 3)
vals = (x, x.view(6), x.reshape(3, 2), v)
same = (x.view(6).data_ptr() == x.data_ptr(), x.t().is_contiguous(), x.is_contiguous())
""", "vals", "same")


def test_from_numpy_shares_memory():
    a = np.arange(3.0)
    for lib in (torch, fgrad_nn):
        t = lib.from_numpy(a)
        t[0] = 7.0
        assert a[0] == 7.0
        a[1] = 5.0
        assert t[1].item() == 5.0
        a[:] = np.arange(3.0)


def test_numpy_conversion_errors_and_values():
    raises_same(lambda t, x: t.ones(2, requires_grad=True).numpy(), np.ones(1))
    both("""
x = torch.tensor([1.5, 2.5], requires_grad=True)
vals = (x.detach().numpy().tolist(), x.tolist(), x[0].item(), float(x[1]), int(x[1]), x.detach().long(),
        x.detach().int(), x.double(), x.half(), x.bool(), x.float(), x.to(torch.float64), x.to(x.detach().long()))
""", "vals")
