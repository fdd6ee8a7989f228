"""fgrad demo: fit a small network with fgrad.grad, then check it with higher-order derivatives.

Run: python examples/demo.py
"""
import time

import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad import random
from fgrad.tree_util import tree_map


def init(key, sizes):
    params = []
    for k, (m, n) in zip(random.split(key, len(sizes) - 1), zip(sizes[:-1], sizes[1:])):
        params.append({"w": random.normal(k, (m, n)) * np.sqrt(2.0 / m), "b": np.zeros(n)})
    return params


def predict(params, x):
    for layer in params[:-1]:
        x = fnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss(params, x, y):
    logits = predict(params, x)
    logp = logits - fgrad.scipy.special.logsumexp(logits, axis=1, keepdims=True)
    return -fnp.mean(fnp.take_along_axis(logp, y[:, None], axis=1))


def spirals(key, n=300):
    """Two interleaved spirals: a classic problem a linear model cannot solve."""
    k1, k2 = random.split(key)
    t = random.uniform(k1, (n,), minval=0.25, maxval=3.0) * np.pi
    labels = np.arange(n) % 2
    r = t / (3.0 * np.pi)
    angle = t + np.pi * labels
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) + 0.02 * random.normal(k2, (n, 2))
    return x, labels


def main(steps=1500, lr=0.5):
    key = random.key(0)
    data_key, init_key = random.split(key)
    x, y = spirals(data_key)
    params = init(init_key, [2, 32, 32, 2])
    step = fgrad.value_and_grad(loss)
    start = time.perf_counter()
    for i in range(steps + 1):
        value, grads = step(params, x, y)
        params = tree_map(lambda p, g: p - lr * g, params, grads)
        if i % 300 == 0:
            accuracy = np.mean(np.argmax(predict(params, x), axis=1) == y)
            print(f"step {i:5d}  loss {value:.4f}  train accuracy {accuracy:.1%}")
    print(f"{steps} steps in {time.perf_counter() - start:.1f}s")

    # Exact second derivatives: the curvature of the loss along one input direction.
    point = x[:1]
    hess = fgrad.hessian(lambda p: fnp.sum(predict(params, p)[:, 1]))(point)
    print("Hessian of the class-1 score w.r.t. one input point:\n", np.round(hess.reshape(2, 2), 4))


if __name__ == "__main__":
    main()
