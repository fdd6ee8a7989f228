"""Tensor hooks against torch: register_hook (leaf and non-leaf, replacement, removal, order, retain_grad),
register_post_accumulate_grad_hook, and the engine's final callbacks."""
import pytest
import torch

import fgrad_nn
from fgrad_nn.autograd.engine import queue_callback

from oracle import assert_same, run_source


def both(src, *names):
    nt = run_source(src, torch)
    nf = run_source(src, fgrad_nn)
    for n in names:
        assert_same(nt[n], nf[n], n)
    return nt, nf


def test_leaf_hook_sees_and_replaces_the_gradient_then_is_removed():
    both("""
seen = []
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
h1 = x.register_hook(lambda g: seen.append(g.clone()))
h2 = x.register_hook(lambda g: g * 10)
h3 = x.register_hook(lambda g: seen.append(g.clone()) or g + 1)
(x * x).sum().backward()
g1 = x.grad.clone()
h2.remove()
h2.remove()
(x * 3).sum().backward()
g2 = x.grad.clone()
first, second, third, fourth = seen
""", "g1", "g2", "first", "second", "third", "fourth")


def test_non_leaf_hook_replaces_what_flows_on_and_what_retain_grad_keeps():
    both("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.retain_grad()
seen = []
y.register_hook(lambda g: seen.append(g.clone()) or g * 2)
z = y.exp()
z.register_hook(lambda g: g - 1)
(z * y).sum().backward()
gx, gy, first = x.grad, y.grad, seen[0]
""", "gx", "gy", "first")


def test_hooks_on_outputs_of_a_multi_output_op():
    both("""
x = torch.tensor([[3.0, 1.0], [2.0, 5.0]], requires_grad=True)
vals, idx = x.max(dim=1)
vals.register_hook(lambda g: g * 4)
(vals.sum() + x.sum()).backward()
gx = x.grad
""", "gx")


def test_hook_under_create_graph_is_differentiable():
    both("""
x = torch.tensor([1.5, 2.0], requires_grad=True)
x2 = x * 1
x2.register_hook(lambda g: g * x)
y = (x2 ** 3).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x)
""", "g", "gg")


def test_post_accumulate_grad_hook_runs_after_dot_grad_is_filled():
    both("""
w = torch.tensor([1.0, 2.0], requires_grad=True)
log = []
h = w.register_post_accumulate_grad_hook(lambda t: log.append(t.grad.clone()))
w.register_hook(lambda g: g * 2)
(w * w).sum().backward()
(w * 5).sum().backward()
h.remove()
(w * 1).sum().backward()
count, first, second, final = len(log), log[0], log[1], w.grad
""", "count", "first", "second", "final")


@pytest.mark.parametrize("lib", [torch, fgrad_nn])
def test_hook_errors(lib):
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        lib.ones(2).register_hook(lambda g: g)
    x = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    y = x * 2
    y.register_hook(lambda g: lib.ones(3))
    with pytest.raises(RuntimeError, match="changed the size of value"):
        y.sum().backward()


def test_final_callbacks_run_once_backward_has_finished():
    x = fgrad_nn.ones(2, requires_grad=True)
    order = []
    x.register_hook(lambda g: queue_callback(lambda: order.append(("callback", x.grad.tolist()))))
    x.register_post_accumulate_grad_hook(lambda t: order.append(("accumulated", t.grad.tolist())))
    (x * 2).sum().backward()
    assert order == [("accumulated", [2.0, 2.0]), ("callback", [2.0, 2.0])]
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass."):
        queue_callback(lambda: None)
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass."):
        torch.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_autograd_grad_returns_what_the_hooks_made_of_the_gradient():
    both("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
calls = []
x.register_hook(lambda g: calls.append(1) or g * 2)
x.register_post_accumulate_grad_hook(lambda t: calls.append("post"))
gx, = torch.autograd.grad((x * 3).sum(), x)
y = x * 1
y.register_hook(lambda g: calls.append(2) or g * 5)
gy, = torch.autograd.grad((y * 3).sum(), y)
no_grad_field = x.grad is None
""", "gx", "gy", "calls", "no_grad_field")
