"""More autograd programs, each run with torch and with fgrad_nn (results or the raised error must match)."""
import warnings

import pytest
import torch

import fgrad_nn

from oracle import assert_same, run_source

SRCS = {
"double_inplace": """
x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
y = x * 1
y.mul_(x)
y[0] = y[0] * x[1]
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
h, = torch.autograd.grad(g.sum(), x)
r = (g, h)
""",
"multi_backward": """
a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([3., 4.], requires_grad=True)
torch.autograd.backward([a * b, (a + b).sum()], [torch.ones(2), None])
r = (a.grad, b.grad)
""",
"function_create_graph": """
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3
    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 3 * x ** 2 * g
x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = Cube.apply(x).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
h, = torch.autograd.grad(g.sum(), x)
r = (g, h)
""",
"max_grad_through_values": """
x = torch.tensor([[1., 5., 2.], [7., 0., 3.]], requires_grad=True)
v, i = x.max(1)
(v * torch.tensor([2., 3.])).sum().backward()
r = (v, i, x.grad)
""",
"softmax_ce_manual": """
s = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]], requires_grad=True)
y = torch.tensor([1, 2])
lp = torch.log_softmax(s, dim=1)
loss = -lp[torch.arange(2), y].mean()
loss.backward()
r = (loss, s.grad)
""",
"expand_then_sum": """
b = torch.tensor([1., 2., 3.], requires_grad=True)
e = b.expand(4, 3)
(e * torch.arange(12.).reshape(4, 3)).sum().backward()
r = (b.grad,)
""",
"int_idx_setitem_grad": """
w = torch.tensor([1., 2., 3.], requires_grad=True)
buf = torch.zeros(2, 3)
buf[0] = w
buf[1, 1:] = w[:2] ** 2
(buf * torch.tensor([[1.], [2.]])).sum().backward()
r = (buf, w.grad)
""",
"norm_zero_grad": """
x = torch.zeros(3, requires_grad=True)
x.norm().backward()
r = (x.grad,)
""",
"clamp_boundary": """
x = torch.tensor([-1., 0., 1., 2.], requires_grad=True)
x.clamp(0, 1).sum().backward()
r = (x.grad,)
""",
"relu_zero": """
x = torch.tensor([-1., 0., 1.], requires_grad=True)
torch.relu(x).sum().backward()
r = (x.grad,)
""",
"abs_zero": """
x = torch.tensor([-1., 0., 1.], requires_grad=True)
x.abs().sum().backward()
r = (x.grad,)
""",
"max_all_ties": """
x = torch.tensor([1., 3., 3.], requires_grad=True)
x.max().backward()
r = (x.grad,)
""",
"maximum_ties": """
x = torch.tensor([1., 3.], requires_grad=True)
y = torch.tensor([1., 2.], requires_grad=True)
torch.maximum(x, y).sum().backward()
r = (x.grad, y.grad)
""",
"sqrt_zero": """
x = torch.tensor([0., 4.], requires_grad=True)
x.sqrt().sum().backward()
r = (x.grad,)
""",
"pow_zero": """
x = torch.tensor([0., 2.], requires_grad=True)
(x ** 0.5).sum().backward()
(x ** 2).sum().backward()
r = (x.grad,)
""",
"std_single": """
x = torch.tensor([[1., 2.]], requires_grad=True)
s = x.std(0)
r = (s,)
""",
"chained_views_inplace": """
x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
y = x.clone()
y.t()[1:].view(-1).mul_(10)
y.sum().backward()
r = (y, x.grad)
""",
}


@pytest.mark.parametrize("name", sorted(SRCS))
def test_program(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = run_source(SRCS[name], torch)["r"]
        except Exception as e:  # noqa: BLE001 -- then fgrad_nn must raise the same type
            with pytest.raises(type(e)):
                run_source(SRCS[name], fgrad_nn)
            return
        assert_same(expected, run_source(SRCS[name], fgrad_nn)["r"], name)
