"""PyTorch's model-ensembling tutorial, with only the import changed: ``import fgrad_nn as torch``.

Ten copies of a small MLP evaluated at once: ``stack_module_state`` stacks their parameters along a
new first axis, a "stateless" copy of one model (on the ``meta`` device: shapes, no storage) is run
with ``functional_call``, and ``vmap`` maps it over the models -- each model its own minibatch
(``in_dims=0``), or all models the same minibatch (``in_dims=(0, 0, None)``). ``main()`` checks the
results against calling the models one by one.

Run: python examples/ensembling.py [--double]
"""
import argparse
import copy
import time

import fgrad_nn as torch
import fgrad_nn.nn as nn
import fgrad_nn.nn.functional as F
from fgrad_nn import vmap
from fgrad_nn.func import functional_call, stack_module_state

torch.manual_seed(0)


# Here's a simple MLP

class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x


def make_problem(num_models=10, device="cpu", dtype=None, num_batches=100, batch_size=64):
    """The tutorial's dummy data (``num_batches`` minibatches of MNIST-shaped images) and models."""
    data = torch.randn(num_batches, batch_size, 1, 28, 28, device=device, dtype=dtype)
    targets = torch.randint(10, (num_batches * batch_size,), device=device)
    models = [SimpleMLP().to(device) for _ in range(num_models)]
    if dtype is not None:
        models = [m.to(dtype) for m in models]
    return data, targets, models


def ensemble(models):
    """``(fmodel, params, buffers)``: the tutorial's stateless model and the stacked state."""
    params, buffers = stack_module_state(models)

    # Construct a "stateless" version of one of the models. It is "stateless" in
    # the sense that the parameters are meta Tensors and do not have storage.
    base_model = copy.deepcopy(models[0])
    base_model = base_model.to('meta')

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))

    return fmodel, params, buffers


def predictions_by_loop(models, minibatches, minibatch):
    """Option 1: a different minibatch for each model; option 2: the same minibatch for all."""
    predictions_diff_minibatch_loop = [model(mb) for model, mb in zip(models, minibatches)]
    predictions2 = [model(minibatch) for model in models]
    return torch.stack(predictions_diff_minibatch_loop), torch.stack(predictions2)


def predictions_by_vmap(models, minibatches, minibatch):
    fmodel, params, buffers = ensemble(models)
    predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
    predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    return predictions1_vmap, predictions2_vmap


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-models", type=int, default=10)
    parser.add_argument("--double", action="store_true", help="float64 (the check is then to 1e-12)")
    args = parser.parse_args(argv)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float64 if args.double else torch.float32
    num_models = args.num_models
    data, targets, models = make_problem(num_models, device, dtype)

    minibatches = data[:num_models]
    minibatch = data[0]
    t0 = time.perf_counter()
    loop1, loop2 = predictions_by_loop(models, minibatches, minibatch)
    t1 = time.perf_counter()

    _, params, _ = ensemble(models)
    print([p.size(0) for p in params.values()])  # show the leading 'num_models' dimension
    # verify minibatch has leading dimension of size 'num_models'
    assert minibatches.shape == (num_models, 64, 1, 28, 28)

    t2 = time.perf_counter()
    predictions1_vmap, predictions2_vmap = predictions_by_vmap(models, minibatches, minibatch)
    t3 = time.perf_counter()

    tol = 1e-12 if args.double else 1e-6
    for got, want in ((predictions1_vmap, loop1), (predictions2_vmap, loop2)):
        assert got.shape == want.shape == (num_models, 64, 10)
        scale = want.abs().max().item()
        assert torch.allclose(got, want, atol=tol * scale, rtol=tol)
    print(f"{num_models} models: a loop of calls {t1 - t0:.3f}s, vmap {t3 - t2:.3f}s ({device}, {dtype}); they agree")


if __name__ == "__main__":
    main()
