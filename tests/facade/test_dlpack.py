"""DLPack: zero-copy exchange between fgrad_nn / fgrad.numpy and NumPy, real PyTorch (CPU) and CuPy,
each checked by writing through one side and reading through the other."""
import sys

import numpy as np
import pytest
import torch

import fgrad
import fgrad.numpy as fnp
import fgrad_nn
from fgrad.core import concrete
from fgrad_nn.utils import dlpack

DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.bool_]


def raw(t):
    return concrete(t._data)


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_to_fgrad_nn_and_back_share_memory(dt):
    a = np.zeros((2, 3), dt)
    t = fgrad_nn.from_dlpack(a)
    assert t.dtype == fgrad_nn._dtypes.from_np(np.dtype(dt)) and t.shape == (2, 3)
    with fgrad_nn.no_grad():
        t[1, 2] = 1  # write through fgrad_nn ...
    assert a[1, 2] == 1  # ... read through NumPy
    b = np.from_dlpack(t)
    a[0, 0] = 1
    assert b[0, 0] == 1 and t[0, 0].item() == 1
    assert np.shares_memory(a, b)


def test_views_keep_their_strides():
    a = np.arange(24.0).reshape(4, 6)
    for view in (a[:, ::2], a.T, a[1:3, 2:]):
        t = fgrad_nn.from_dlpack(view)
        assert t.stride() == tuple(s // 8 for s in view.strides) and t.tolist() == view.tolist()
        assert np.shares_memory(raw(t), a)


def test_real_torch_tensors_both_ways():
    theirs = torch.arange(6.0).reshape(2, 3)
    ours = fgrad_nn.from_dlpack(theirs)  # torch -> fgrad_nn
    with fgrad_nn.no_grad():
        ours.mul_(10)
    assert theirs.tolist() == [[0.0, 10.0, 20.0], [30.0, 40.0, 50.0]]
    back = torch.from_dlpack(ours)  # fgrad_nn -> torch
    back[0, 0] = -1.0
    assert ours[0, 0].item() == -1.0 and theirs[0, 0].item() == -1.0
    t = fgrad_nn.arange(12).reshape(3, 4).t()  # a non-contiguous int64 view
    tt = torch.from_dlpack(t)
    assert tt.stride() == t.stride() == (1, 4) and tt.dtype == torch.int64 and tt.tolist() == t.tolist()


def test_capsules_both_ways():
    theirs = torch.arange(4.0)
    ours = dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(theirs))
    with fgrad_nn.no_grad():
        ours.add_(1)  # writable, as torch's own consumer makes it
    assert theirs.tolist() == [1.0, 2.0, 3.0, 4.0]
    back = torch.utils.dlpack.from_dlpack(dlpack.to_dlpack(ours))
    back.zero_()
    assert ours.tolist() == [0.0, 0.0, 0.0, 0.0]
    strided = torch.arange(12, dtype=torch.int32).reshape(3, 4)[:, 1::2]
    ours = dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(strided))
    assert ours.stride() == strided.stride() and ours.tolist() == strided.tolist()
    capsule = torch.utils.dlpack.to_dlpack(theirs)
    fgrad_nn.from_dlpack(capsule)
    with pytest.raises(RuntimeError, match="consumed only once"):
        fgrad_nn.from_dlpack(capsule)


def test_fgrad_numpy_from_dlpack():
    theirs = torch.zeros(3, dtype=torch.float64)
    a = fnp.from_dlpack(theirs)
    assert type(a) is np.ndarray
    a[1] = 5.0
    assert theirs.tolist() == [0.0, 5.0, 0.0]
    c = fnp.from_dlpack(theirs, copy=True)
    c[0] = 9.0
    assert theirs[0].item() == 0.0
    assert fgrad.grad(lambda x: fnp.sum(x * fnp.from_dlpack(theirs)))(np.ones(3)).tolist() == [0.0, 5.0, 0.0]
    with pytest.raises(TypeError, match="traced value"):
        fgrad.grad(lambda x: fnp.sum(fnp.from_dlpack(x)))(np.ones(3))
    with pytest.raises(TypeError, match="__dlpack__"):
        fnp.from_dlpack([1, 2])


def test_tensors_that_cannot_be_shared():
    w = fgrad_nn.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="require gradient"):
        torch.from_dlpack(w)
    assert torch.from_dlpack(w.detach()).tolist() == [1.0, 1.0]
    with pytest.raises(BufferError, match="traced"):
        fgrad_nn.func.vmap(lambda r: torch.from_dlpack(r))(fgrad_nn.ones(2, 2))
    with pytest.raises(BufferError, match="traced"):
        fgrad_nn.func.grad(lambda r: torch.from_dlpack(r).sum())(fgrad_nn.ones(2))
    with pytest.raises(TypeError, match="uint16"):
        fgrad_nn.from_dlpack(torch.ones(2, dtype=torch.uint16))
    with pytest.raises(TypeError, match="must be Tensor"):
        dlpack.to_dlpack(np.ones(2))


def test_dlpack_device(device):
    t = fgrad_nn.ones(2, device=device)
    kind = dlpack.DLDeviceType.kDLCPU if device == "cpu" else dlpack.DLDeviceType.kDLCUDA
    assert t.__dlpack_device__() == (kind, 0)
    assert np.asarray([1.0]).__dlpack_device__() == fgrad_nn.ones(1).__dlpack_device__()


def test_cupy_arrays_both_ways(device):
    if device == "cpu":
        a = np.arange(3.0)
    else:
        cupy = sys.modules["cupy"] if "cupy" in sys.modules else pytest.importorskip("cupy")
        a = cupy.arange(3.0)
    t = fgrad_nn.from_dlpack(a)  # CuPy (or NumPy) -> fgrad_nn, on the producer's device
    assert t.device.type == device
    with fgrad_nn.no_grad():
        t.add_(1)
    assert fgrad.backend.to_host(a).tolist() == [1.0, 2.0, 3.0]
    f = fnp.from_dlpack(a)
    assert type(f) is type(a)
    f[0] = 7.0
    assert t[0].item() == 7.0
    u = fgrad_nn.from_dlpack(t)  # fgrad_nn -> fgrad_nn (through the storage, on any device)
    with fgrad_nn.no_grad():
        u.mul_(2)
    assert t.tolist() == [14.0, 4.0, 6.0]
    if device == "cuda":
        import cupy
        if not getattr(sys.modules.get("cupy_standin"), "installed", lambda: False)():
            c = cupy.from_dlpack(t)  # fgrad_nn -> real CuPy
            c[1] = 0.0
            assert t[1].item() == 0.0
