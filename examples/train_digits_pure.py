"""The digits conv net of ``train_digits.py``, written with the pure layers and ``fgrad.grad``.

Same model (conv 5x5 pad 2 -> ReLU -> conv 5x5 pad 2 -> ReLU -> flatten -> Linear,
kaiming-normal weights, zero biases), same data, optimizer (Adam) and cosine learning-rate schedule, but no Modules
and no tape: the parameters are a dict of NumPy arrays, the network is a pure
function of them, ``fgrad.value_and_grad`` differentiates the loss and
``fgrad.optim.adam`` (the rule behind ``torch.optim.Adam``) updates them.

Run:  python examples/train_digits_pure.py     (needs scikit-learn: pip install fgrad[demo])
"""
import argparse
import math
import os
import sys
import time

import numpy as np

import fgrad
import fgrad.nn
import fgrad.numpy as fnp
import fgrad.random as fr
import fgrad.nn as L
from fgrad import optim as optimizers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _progress import progress  # noqa: E402  (the same progress bar)
from train_digits import H, W, load_data  # noqa: E402  (the same data)


def make_net(channel_1, channel_2, num_classes=10):
    return L.serial(L.Conv2d(1, channel_1, 5, padding=2), L.ReLU(),
                    L.Conv2d(channel_1, channel_2, 5, padding=2), L.ReLU(),
                    L.Flatten(), L.Linear(channel_2 * H * W, num_classes))


def init_params(net, key):
    """The layers' shapes, with kaiming_normal weights and zero biases (as the Module version does)."""
    params, state = net.init(key)
    keys = fr.split(key, len(params))
    for k, (name, p) in zip(keys, sorted(params.items())):
        if "weight" in p:
            p["weight"] = L.kaiming_normal(k, p["weight"].shape, dtype=np.float32)
            p["bias"] = np.zeros_like(p["bias"])
    return params, state


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's initial lr, cosine-annealed to 0")
    p.add_argument("--channels", type=int, nargs=2, default=(16, 16))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    net = make_net(*args.channels)
    params, state = init_params(net, fr.key(args.seed))

    def loss_fn(params, x, y):
        scores, _ = net.apply(params, state, x)
        logp = fgrad.nn.log_softmax(scores, axis=1)
        return -fnp.mean(fnp.take_along_axis(logp, y[:, None], axis=1))

    value_and_grad = fgrad.value_and_grad(loss_fn)
    n = len(y_train)
    total_steps = args.epochs * -(-n // args.batch_size)

    def cosine(count):  # torch's CosineAnnealingLR(T_max=total_steps), stepped once per batch
        return args.lr * 0.5 * (1.0 + math.cos(math.pi * min(float(count), total_steps) / total_steps))

    opt = optimizers.adam(lr=cosine)
    opt_state = opt.init(params)

    def accuracy(params):
        scores, _ = net.apply(params, state, x_test)
        return float(np.mean(np.argmax(scores, axis=1) == y_test))

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n)
        bar = progress(total=-(-n // args.batch_size), desc=f"epoch {epoch}/{args.epochs}", unit="batch",
                       disable=args.quiet)
        for i in range(0, n, args.batch_size):
            idx = order[i:i + args.batch_size]
            loss, grads = value_and_grad(params, x_train[idx], y_train[idx])
            updates, opt_state = opt.update(grads, opt_state, params)
            params = optimizers.apply_updates(params, updates)
            bar.set_postfix(loss=f"{float(loss):.4f}")
            bar.update()
        if not args.quiet:
            bar.set_postfix(loss=f"{float(loss):.4f}", test_acc=f"{accuracy(params):.4f}")
        bar.close()
    acc = accuracy(params)
    print(f"final test accuracy: {acc:.4f} ({len(y_test)} test digits, {time.perf_counter() - start:.1f}s)")
    return acc


if __name__ == "__main__":
    main()
