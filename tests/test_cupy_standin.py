"""The CuPy stand-in (tests/cupy_standin) presents real CuPy 14's names and its host/device rules.

The name lists under tests/cupy_standin/names were recorded from the real ``cupy-cuda12x`` wheel
(it imports without a GPU); real CuPy's behaviour is from its documentation and source.
"""
import copy
import pickle
import sys

import numpy as np
import pytest

import cupy_standin

STANDIN = cupy_standin.modules()
cp = STANDIN["cupy"]
cupyx = STANDIN["cupyx"]


@pytest.mark.parametrize("name", cupy_standin.MODULES)
def test_each_module_offers_exactly_the_names_of_real_cupy(name):
    mod = STANDIN[name]
    want = cupy_standin.recorded(name)
    assert sorted(n for n in vars(mod) if not n.startswith("_")) == want
    assert sorted(dir(mod)) == want


@pytest.mark.parametrize("owner", ["cupy.ndarray", "cupy.random.Generator", "cupy.cuda.Device"])
def test_classes_offer_the_public_names_of_real_cupy(owner):
    obj = {"cupy.ndarray": cp.ndarray, "cupy.random.Generator": cp.random.Generator,
           "cupy.cuda.Device": cp.cuda.Device}[owner]
    want = [n for n in cupy_standin.recorded(owner) if not n.startswith("__")]
    have = sorted(n for n in dir(obj) if not n.startswith("_"))
    if owner == "cupy.random.Generator":  # answered by __getattr__, name by name
        g = obj(0)
        have = sorted(n for n in want if callable(getattr(g, n)))
        with pytest.raises(AttributeError):
            g.not_a_cupy_method
    assert have == want


def test_a_name_real_cupy_lacks_is_an_attribute_error():
    for mod, name in ((cp, "add_at"), (cp.linalg, "matrix_power_of_two"), (cupyx, "scatter_mul"),
                      (cp.lib.stride_tricks, "broadcast_arrays")):
        with pytest.raises(AttributeError):
            getattr(mod, name)
    assert not hasattr(cp.ndarray, "__array_namespace__")  # real CuPy 14's ndarray has none


def test_a_recorded_name_the_standin_lacks_says_so_when_called():
    with pytest.raises(NotImplementedError, match="stand-in"):
        cupyx.scipy.special.gammaln(cp.zeros(3))


def test_implicit_host_conversion_raises_as_in_cupy():
    x = cp.arange(6.0).reshape(2, 3)
    assert type(x) is cp.ndarray and type(x).__module__ == "cupy" and not isinstance(x, np.ndarray)
    for convert in (np.asarray, np.array, lambda v: np.ascontiguousarray(v), lambda v: np.float64(v)):
        with pytest.raises(TypeError, match="Implicit conversion"):
            convert(x)
    with pytest.raises(TypeError):
        float(x)  # more than one element
    assert float(x[1, 2]) == 5.0 and int(x[0, 1]) == 1 and bool(x[0, 1])
    assert x[1, 1].item() == 4.0
    with pytest.raises(ValueError, match="size 1"):
        x.item()
    host = x.get()
    assert type(host) is np.ndarray and np.array_equal(host, np.arange(6.0).reshape(2, 3))
    assert np.array_equal(cp.asnumpy(x), host) and cp.asnumpy(x) is not host
    with pytest.raises(TypeError, match="Unsupported type"):
        x + np.ones(3)  # CuPy refuses a NumPy array operand rather than copy it
    assert (x + np.float64(1.0)).get()[0, 0] == 1.0  # NumPy scalars are scalars
    assert pickle.loads(pickle.dumps(x)).get().tolist() == host.tolist()
    assert copy.deepcopy(x).get().tolist() == host.tolist()


def test_numpy_functions_dispatch_only_where_cupy_has_them():
    x = cp.arange(4.0)
    assert type(np.sum(x)) is cp.ndarray and np.sum(x).ndim == 0  # CuPy reductions give 0-d arrays
    assert type(np.sin(x)) is cp.ndarray
    assert type(np.concatenate([x, x])) is cp.ndarray
    with pytest.raises(TypeError):
        np.add.reduceat(x, [0, 2])  # not supported by CuPy's ufuncs
    with pytest.raises(TypeError):
        np.add.at(x, [0, 1], 1.0)  # a list index is not a CuPy operand
    y = cp.zeros(3)
    np.add.at(y, cp.asarray([0, 0]), 1.0)
    assert y.get().tolist() == [2.0, 0.0, 0.0]
    with pytest.raises(TypeError, match="no implementation found"):
        np.nanquantile(x, 0.5)  # not in cupy: NumPy's protocol refuses it


def test_out_of_range_integer_array_indices_wrap_as_in_cupy():
    x = cp.arange(3.0)
    assert x[cp.asarray([1, 3, -4])].get().tolist() == [1.0, 0.0, 2.0]
    with pytest.raises(IndexError):
        x[3]  # a Python int index is checked
    t = cp.zeros(3)
    cupyx.scatter_add(t, cp.asarray([0, 3, 5]), cp.asarray([1.0, 2.0, 4.0]))
    assert t.get().tolist() == [3.0, 0.0, 4.0]


def test_repeated_indices_in_an_assignment_do_not_keep_the_last_write():
    t = cp.zeros(2)
    t[cp.asarray([0, 0, 1])] = cp.asarray([1.0, 2.0, 3.0])
    assert t.get().tolist() == [1.0, 3.0]  # NumPy gives [2, 3]; CuPy leaves the winner undefined


def test_device_and_runtime():
    x = cp.ones(2)
    assert x.device == cp.cuda.Device(0) and x.device.id == 0
    with cp.cuda.Device(0):
        pass
    assert cp.cuda.runtime.getDeviceCount() == 1
    with pytest.raises(RuntimeError):
        cp.cuda.Device(1)


def test_random_generator_api():
    g = cp.random.default_rng(0)
    a = g.standard_normal((2, 3))
    assert type(a) is cp.ndarray and a.shape == (2, 3)
    assert np.allclose(a.get(), np.random.default_rng(0).standard_normal((2, 3)))


def test_dlpack_exchange_goes_through_the_host_explicitly():
    x = cp.arange(3.0)
    assert x.__dlpack_device__() == (2, 0)  # kDLCUDA
    with pytest.raises(BufferError):
        np.from_dlpack(x)
    assert cp.from_dlpack(x).get().tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(BufferError):
        cp.from_dlpack(np.arange(3.0))
    assert cp.from_dlpack(np.arange(3.0), copy=True).get().tolist() == [0.0, 1.0, 2.0]


def test_elementwise_kernel_runs_fused_chain_c():
    k = cp.ElementwiseKernel("float32 a0, float64 a1", "float64 r",
                             "const float t0 = sin(a0);\nconst double t1 = ((double)t0 >= a1 || isnan((double)t0))"
                             " ? (double)t0 : a1;\nr = t1;", "fgrad_sin_maximum", options=("--fmad=false",))
    x = np.array([0.0, 1.0, np.nan], np.float32)
    got = k(cp.asarray(x), 0.5).get()
    want = np.maximum(np.sin(x).astype(np.float64), 0.5)
    assert got.dtype == np.float64 and np.array_equal(got, want, equal_nan=True)


def test_the_suite_runs_cuda_tests_on_the_standin_without_a_gpu():
    if not cupy_standin.installed():
        pytest.skip("a real GPU is present: the CUDA tests run on real CuPy")  # only on a GPU machine
    import fgrad
    assert fgrad.devices("cuda")
    assert sys.modules["cupy"] is STANDIN["cupy"]


def test_launch_counts_show_a_fused_chain_as_one_kernel():
    """The stand-in counts device operations (bench/README.md's GPU speed plan uses the counts)."""
    if not cupy_standin.installed():
        pytest.skip("a real GPU is present: launches are counted only on the stand-in")
    import fgrad
    import fgrad.numpy as fnp
    from cupy_standin import _core

    f = fgrad.jit(lambda x: fnp.tanh(fnp.sin(x) * 2.0 + 1.0))
    x = fgrad.device_put(np.linspace(-1.0, 1.0, 8), "cuda")
    f(x)  # stage and compile
    _core.LAUNCHES.clear()
    y = f(x)
    assert _core.LAUNCHES == {"ElementwiseKernel": 1}
    np.testing.assert_allclose(fgrad.device_get(y), np.tanh(np.sin(np.linspace(-1.0, 1.0, 8)) * 2.0 + 1.0),
                               rtol=1e-15)
