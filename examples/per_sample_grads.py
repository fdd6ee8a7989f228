"""PyTorch's per-sample-gradients tutorial, with only the import changed: ``import fgrad_nn as torch``.

The gradient of the loss for each example of a batch, two ways: a loop of ordinary ``backward()``
calls, one example at a time, and ``vmap(grad(compute_loss))`` over the batch (``torch.func``),
which runs the whole batch at once. ``main()`` checks they agree.

Run: python examples/per_sample_grads.py [--batch-size 64] [--double]
"""
import argparse
import time

import fgrad_nn as torch
import fgrad_nn.nn as nn
import fgrad_nn.nn.functional as F
from fgrad_nn.func import functional_call, grad, vmap

torch.manual_seed(0)


# Here's a simple CNN and loss function:

class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


def make_problem(batch_size=64, device="cpu", dtype=None):
    """The tutorial's dummy batch of MNIST-shaped images and labels, and its model."""
    data = torch.randn(batch_size, 1, 28, 28, device=device, dtype=dtype)
    targets = torch.randint(10, (batch_size,), device=device)
    model = SimpleCNN().to(device=device)
    if dtype is not None:
        model = model.to(dtype)
    return model, data, targets


# The slow way: one example at a time, an ordinary backward() each.

def compute_grad(model, sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)

    prediction = model(sample)
    loss = loss_fn(prediction, target)

    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(model, data, targets):
    """manually process each sample with per sample gradient"""
    sample_grads = [compute_grad(model, data[i], targets[i]) for i in range(len(data))]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads


# The fast way: torch.func.

def ft_per_sample_grads(model, data, targets):
    """``vmap(grad(compute_loss), in_dims=(None, None, 0, 0))``: the loss of one example, differentiated
    with respect to the parameters, mapped over the batch."""
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)

        predictions = functional_call(model, (params, buffers), (batch,))
        loss = loss_fn(predictions, targets)
        return loss

    ft_compute_grad = grad(compute_loss)
    ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    return ft_compute_sample_grad(params, buffers, data, targets)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--double", action="store_true", help="float64 (the check is then to 1e-12)")
    args = parser.parse_args(argv)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float64 if args.double else torch.float32
    model, data, targets = make_problem(args.batch_size, device, dtype)

    predictions = model(data)  # move the entire mini-batch through the model
    loss = loss_fn(predictions, targets)
    loss.backward()  # back propagate the 'average' gradient of this mini-batch

    t0 = time.perf_counter()
    per_sample_grads = compute_sample_grads(model, data, targets)
    t1 = time.perf_counter()
    ft_grads = ft_per_sample_grads(model, data, targets)
    t2 = time.perf_counter()
    print(per_sample_grads[0].shape)

    tol = 1e-12 if args.double else 1e-6
    for (name, _), per_sample_grad, ft_per_sample_grad in zip(model.named_parameters(), per_sample_grads,
                                                               ft_grads.values()):
        assert ft_per_sample_grad.shape == per_sample_grad.shape, name
        scale = per_sample_grad.abs().max().item()
        assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=tol * scale, rtol=tol), name
    # the per-example gradients average to the mini-batch gradient
    for p, g in zip(model.parameters(), ft_grads.values()):
        scale = p.grad.abs().max().item()
        assert torch.allclose(g.mean(0), p.grad, atol=10 * tol * scale, rtol=10 * tol)
    print(f"{len(data)} per-sample gradients: loop of backward() {t1 - t0:.2f}s, vmap(grad) {t2 - t1:.2f}s "
          f"({device}, {dtype}); they agree")


if __name__ == "__main__":
    main()
