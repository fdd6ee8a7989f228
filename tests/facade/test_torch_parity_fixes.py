"""Differences from torch 2.13 found while checking the torch face's docstring examples, now fixed."""
import numpy as np
import pytest
import torch

import fgrad_nn
from oracle import check


def test_inner_pairs_every_row_of_one_with_every_row_of_the_other():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(60.0).reshape(5, 4, 3) / 10
    check(lambda t, x, y: t.inner(x, y), a, b)
    check(lambda t, x, y: t.inner(x, y), b, a)
    check(lambda t, x, y: t.inner(x, y), np.array(2.0), a)


def test_nansum_counts_nans_as_zero():
    x = np.array([[1.0, np.nan], [2.0, 3.0]])
    check(lambda t, a: t.nansum(a), x)
    check(lambda t, a: a.nansum(1, keepdim=True), x)
    check(lambda t, a: t.nansum(a, dim=0), x.astype(np.float32))


@pytest.mark.parametrize("profile", ["short", "full", "default"])
def test_set_printoptions_profile(profile):
    x = np.linspace(-1.0, 1.0, 2001) / 3
    try:
        for lib in (torch, fgrad_nn):
            lib.set_printoptions(precision=6, edgeitems=1)
            lib.set_printoptions(profile=profile)
        assert repr(fgrad_nn.tensor(x)) == repr(torch.tensor(x))
        assert repr(fgrad_nn.tensor(x[:5])) == repr(torch.tensor(x[:5]))
    finally:
        for lib in (torch, fgrad_nn):
            lib.set_printoptions(profile="default")


def test_current_device_and_synchronize_need_a_gpu():
    if fgrad_nn.cuda.is_available():
        assert fgrad_nn.cuda.current_device() == 0
        fgrad_nn.cuda.synchronize()
    else:  # torch's error without a GPU (a CUDA build; a CPU build raises its own AssertionError)
        with pytest.raises(RuntimeError, match="No CUDA GPUs are available"):
            fgrad_nn.cuda.current_device()
        with pytest.raises(RuntimeError, match="No CUDA GPUs are available"):
            fgrad_nn.cuda.synchronize()
