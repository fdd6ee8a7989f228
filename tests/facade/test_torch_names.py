"""Names real programs use beyond the op families, each against torch 2.13: torch.accelerator, torch.backends,
torch.onnx, Variable and the legacy typed constructors, broadcast_tensors, is_complex, nan_to_num, the Tensor
device/layout flags, torch.linalg, torch.amp, LBFGS, SparseAdam, CyclicLR, EmbeddingBag, module backward hooks,
torch's module paths and the lazy RandomSampler."""
import importlib
import inspect
import itertools
import pkgutil
import warnings

import numpy as np
import pytest
import torch

import fgrad_nn
from oracle import assert_same, check, raises_same, to_np

LIBS = (torch, fgrad_nn)


# ---------------------------------------------------------------------------------------------- devices and flags
def test_accelerator_answers_from_fgrads_devices():
    acc = fgrad_nn.accelerator
    assert acc.is_available() == fgrad_nn.cuda.is_available()
    assert acc.device_count() == fgrad_nn.cuda.device_count()
    if acc.is_available():
        assert acc.current_accelerator() == fgrad_nn.device("cuda")
        assert acc.current_device_index() == 0
        acc.set_device_index(0)
        acc.synchronize()
        return
    # torch on this CPU-only machine is the oracle for the no-accelerator case
    assert torch.accelerator.is_available() is False and acc.is_available() is False
    assert acc.current_accelerator() is None and torch.accelerator.current_accelerator() is None
    assert acc.current_accelerator(check_available=True) is None
    for name, args in [("current_device_index", ()), ("synchronize", ()), ("set_device_index", (0,))]:
        t_err, f_err = raises_same(lambda lib, n=name, a=args: getattr(lib.accelerator, n)(*a))
        assert str(f_err) == str(t_err)
    with acc.device_index(None):  # None: nothing to switch
        pass


def test_backends_flags_have_torchs_defaults_and_are_settable():
    import fgrad_nn.backends.cudnn as cudnn  # the usual spelling: import torch.backends.cudnn as cudnn
    t, f = torch.backends, fgrad_nn.backends
    for name in ["enabled", "benchmark", "deterministic", "allow_tf32", "benchmark_limit"]:
        assert getattr(f.cudnn, name) == getattr(t.cudnn, name), name
    assert f.cudnn.is_available() is t.cudnn.is_available() is False  # torch's CPU build; fgrad never uses cuDNN
    assert f.cudnn.version() is None
    assert f.mps.is_available() is t.mps.is_available() is False and f.mps.is_built() is t.mps.is_built()
    for name in ["allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"]:
        assert getattr(f.cuda.matmul, name) == getattr(t.cuda.matmul, name), name
    assert f.cuda.is_built() == fgrad_nn.cuda.is_available()
    for mod in (f.cuda.matmul,):
        with pytest.raises(AttributeError):
            mod.no_such_flag = True
    old = cudnn.benchmark, f.cuda.matmul.allow_tf32
    try:
        cudnn.benchmark = True
        f.cuda.matmul.allow_tf32 = True
        assert fgrad_nn.backends.cudnn.benchmark is True and f.cuda.matmul.allow_tf32 is True
    finally:
        cudnn.benchmark, f.cuda.matmul.allow_tf32 = old
    assert f.mkldnn.enabled is True and f.cpu.get_cpu_capability() == "DEFAULT"


def test_onnx_imports_and_export_refuses_clearly():
    import fgrad_nn.onnx as onnx
    with pytest.raises(NotImplementedError, match="state_dict"):
        onnx.export(fgrad_nn.nn.Linear(2, 2), (fgrad_nn.zeros(1, 2),), "model.onnx")
    assert onnx.is_in_onnx_export() is torch.onnx.is_in_onnx_export() is False


# ---------------------------------------------------------------------------------------------- legacy names
LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor",
          "LongTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors_match_torch(name):
    T, F = getattr(torch, name), getattr(fgrad_nn, name)
    assert F.dtype.name == str(T.dtype).replace("torch.", "") and repr(F) == repr(T)
    assert tuple(F(2, 3).shape) == tuple(T(2, 3).shape) and F(2, 3).dtype.name == F.dtype.name
    assert tuple(F(fgrad_nn.Size([4])).shape) == tuple(T(torch.Size([4])).shape)
    for data in ([1, 0, 2], (3, 1), [[1, 2], [0, 1]], []):
        assert_same(T(data), F(data))
    assert_same(T(), F())
    assert F(2).requires_grad is False
    for dt in ("float32", "float64", "int64", "uint8", "bool"):
        t, f = torch.zeros(2, dtype=getattr(torch, dt)), fgrad_nn.zeros(2, dtype=getattr(fgrad_nn, dt))
        assert isinstance(f, F) == isinstance(t, T), dt
        assert f.type() == t.type()
        assert not isinstance(f, getattr(fgrad_nn.cuda, name))
        assert_same(t.type(T), f.type(F))
        assert_same(t.type(T.__module__ + "." + name), f.type("torch." + name))
    same = fgrad_nn.zeros(2, dtype=F.dtype)
    assert same.type(F) is same
    for bad in ([2.5], [[1, 2], 5]):
        raises_same(lambda lib, b=bad: getattr(lib, name)(*b))
    other = "LongTensor" if name != "LongTensor" else "FloatTensor"
    raises_same(lambda lib: getattr(lib, name)(getattr(lib, other)([1])))
    raises_same(lambda lib: lib.zeros(1).type("torch.NoSuchTensor"))


def test_legacy_cuda_types_and_type_names():
    assert repr(fgrad_nn.cuda.LongTensor) == repr(torch.cuda.LongTensor) and fgrad_nn.cuda.LongTensor.is_cuda
    if not fgrad_nn.cuda.is_available():
        raises_same(lambda lib: lib.cuda.FloatTensor(2))
    for dt in ("int8", "int16", "complex64", "complex128"):
        assert fgrad_nn.zeros(1, dtype=getattr(fgrad_nn, dt)).type() == torch.zeros(1, dtype=getattr(torch, dt)).type()


def test_variable_is_a_detached_tensor():
    from fgrad_nn.autograd import Variable
    w = fgrad_nn.ones(2, requires_grad=True)
    for lib, V in ((torch, torch.autograd.Variable), (fgrad_nn, Variable)):
        x = lib.ones(2, requires_grad=True)
        v = V(x * 2)
        assert v.grad_fn is None and v.requires_grad is False
        assert V(lib.ones(2), requires_grad=True).requires_grad is True
        assert isinstance(lib.ones(2), V)
        assert tuple(V().shape) == (0,)
    raises_same(lambda lib: (torch.autograd.Variable if lib is torch else Variable)([1, 2]))
    with pytest.warns(UserWarning, match="volatile"):
        Variable(w, volatile=True)


# ---------------------------------------------------------------------------------------------- small ops
def test_broadcast_tensors_values_views_and_gradients():
    a, b, c = np.arange(3.0).reshape(3, 1), np.array([1.0, -2.0]), np.array(5.0)
    check(lambda lib, x, y, z: lib.broadcast_tensors(x, y, z), a, b, c)
    check(lambda lib, x: lib.broadcast_tensors(x), a)
    raises_same(lambda lib, x, y: lib.broadcast_tensors(x, y), np.ones(3), np.ones(2))
    x = fgrad_nn.ones(3, 1)
    assert fgrad_nn.broadcast_tensors(x, fgrad_nn.ones(2))[0]._base is x  # a view, as torch's expand


def test_is_complex_and_the_device_and_layout_flags():
    for dt in ("float32", "complex64", "int64"):
        t, f = torch.zeros(1, dtype=getattr(torch, dt)), fgrad_nn.zeros(1, dtype=getattr(fgrad_nn, dt))
        assert fgrad_nn.is_complex(f) == torch.is_complex(t) == f.is_complex()
    raises_same(lambda lib: lib.is_complex([1.0]))
    t, f = torch.zeros(2), fgrad_nn.zeros(2)
    for flag in ["is_sparse", "is_sparse_csr", "is_quantized", "is_xpu", "is_mps", "is_mkldnn", "is_vulkan",
                 "is_ipu", "is_meta", "is_cuda"]:
        assert getattr(f, flag) == getattr(t, flag), flag
    assert f.to("meta").is_meta is t.to("meta").is_meta is True


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_to_num_values_and_gradients(dtype):
    x = np.array([1.5, np.nan, np.inf, -np.inf, -0.0], dtype=dtype)
    check(lambda lib, t: lib.nan_to_num(t), x)
    check(lambda lib, t: t.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0), x)
    check(lambda lib, t: lib.nan_to_num(t, posinf=7.0), x)

    def in_place(lib, t):
        y = t * 1
        r = y.nan_to_num_(neginf=-1.0)
        assert r is y
        return y
    check(in_place, x)
    check(lambda lib, t: lib.nan_to_num(t), np.array([1, -2], dtype=np.int64), grad=False)


# ---------------------------------------------------------------------------------------------- torch.linalg
def _spd(n, seed=0, batch=()):
    a = np.random.default_rng(seed).standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


RNG = np.random.default_rng(7)
SQ = RNG.standard_normal((2, 3, 3))
TALL = RNG.standard_normal((5, 3))
NEAR_EYE = np.eye(4) + 0.1 * RNG.standard_normal((4, 4))


@pytest.mark.parametrize("name, fn, args", [
    ("inv", lambda lib, a: lib.linalg.inv(a), (SQ,)),
    ("det", lambda lib, a: lib.linalg.det(a), (SQ,)),
    ("slogdet", lambda lib, a: tuple(lib.linalg.slogdet(a)), (SQ,)),
    ("solve", lambda lib, a, b: lib.linalg.solve(a, b), (SQ, RNG.standard_normal((2, 3, 2)))),
    ("solve-vector", lambda lib, a, b: lib.linalg.solve(a, b), (SQ, RNG.standard_normal((2, 3)))),
    ("solve-right", lambda lib, a, b: lib.linalg.solve(a, b, left=False), (SQ, RNG.standard_normal((2, 4, 3)))),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a), (_spd(3, 1, (2,)),)),
    ("cholesky-upper", lambda lib, a: lib.linalg.cholesky(a, upper=True), (_spd(3, 2),)),
    ("qr", lambda lib, a: tuple(lib.linalg.qr(a)), (TALL,)),
    ("qr-complete", lambda lib, a: tuple(lib.linalg.qr(a, mode="complete")), (TALL.T,)),
    ("qr-r", lambda lib, a: lib.linalg.qr(a.detach(), mode="r").R, (TALL,)),
    ("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a), (_spd(4, 3),)),
    ("eigh-U", lambda lib, a: lib.linalg.eigh(a, UPLO="U").eigenvalues, (_spd(4, 3) + np.triu(np.ones((4, 4)), 1),)),
    ("svdvals", lambda lib, a: lib.linalg.svdvals(a), (TALL,)),
    ("pinv", lambda lib, a: lib.linalg.pinv(a), (TALL,)),
    ("pinv-hermitian", lambda lib, a: lib.linalg.pinv(a, hermitian=True), (_spd(3, 4),)),
    ("vector_norm", lambda lib, a: lib.linalg.vector_norm(a, ord=3, dim=1, keepdim=True), (TALL,)),
    ("vector_norm-inf", lambda lib, a: lib.linalg.vector_norm(a, ord=float("inf")), (TALL,)),
    ("matrix_norm-fro", lambda lib, a: lib.linalg.matrix_norm(a), (SQ,)),
    ("matrix_norm-nuc", lambda lib, a: lib.linalg.matrix_norm(a, ord="nuc"), (SQ,)),
    ("matrix_norm-1", lambda lib, a: lib.linalg.matrix_norm(a, ord=1, dim=(0, 2)), (SQ,)),
    ("matrix_norm-2", lambda lib, a: lib.linalg.matrix_norm(a, ord=2), (SQ,)),
    ("norm-flat", lambda lib, a: lib.linalg.norm(a), (SQ,)),
    ("norm-int-dim", lambda lib, a: lib.linalg.norm(a, dim=-1), (SQ,)),
    ("norm-ord-2d", lambda lib, a: lib.linalg.norm(a, ord=-np.inf), (TALL,)),
    ("cross", lambda lib, a, b: lib.linalg.cross(a, b), (RNG.standard_normal((4, 3)), RNG.standard_normal((1, 3)))),
    ("vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b, dim=0), (TALL, TALL[:, :1])),
    ("matmul", lambda lib, a, b: lib.linalg.matmul(a, b), (SQ, TALL.T)),
    ("multi_dot", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), (TALL, TALL.T, RNG.standard_normal(5))),
    ("matrix_power", lambda lib, a: lib.linalg.matrix_power(a, 3), (SQ,)),
    ("matrix_power-neg", lambda lib, a: lib.linalg.matrix_power(a, -2), (SQ,)),
    ("cond", lambda lib, a: lib.linalg.cond(a), (SQ,)),
    ("diagonal", lambda lib, a: lib.linalg.diagonal(a, offset=1), (SQ,)),
    ("lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, (TALL, RNG.standard_normal((5, 2)))),
    ("solve_triangular", lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True),
     (SQ, RNG.standard_normal((2, 3, 2)))),
    ("solve_triangular-lower-right-unit", lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=False, left=False, unitriangular=True), (SQ, RNG.standard_normal((2, 4, 3)))),
    ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), (SQ / 2,)),
    ("tensorinv", lambda lib, a: lib.linalg.tensorinv(a, ind=1), (NEAR_EYE.reshape(4, 2, 2),)),
    ("tensorsolve", lambda lib, a, b: lib.linalg.tensorsolve(a, b),
     (NEAR_EYE.reshape(2, 2, 4), RNG.standard_normal((2, 2)))),
    # torch's older top-level names, and the Tensor methods
    ("det", lambda lib, a: lib.det(a) + a.det(), (SQ,)),
    ("inverse", lambda lib, a: a.inverse(), (SQ,)),
    ("logdet", lambda lib, a: lib.logdet(a), (np.stack([_spd(3), -_spd(3, 1)]),)),
    ("slogdet-top", lambda lib, a: tuple(a.slogdet()), (SQ,)),
    ("pinverse", lambda lib, a: lib.pinverse(a), (TALL,)),
    ("matrix_power-top", lambda lib, a: a.matrix_power(2), (SQ,)),
    ("matrix_exp-top", lambda lib, a: a.matrix_exp(), (SQ / 3,)),
    ("trace", lambda lib, a: a.trace(), (TALL,)),
    ("cholesky-top", lambda lib, a: a.cholesky(upper=True), (_spd(3, 6),)),
    ("svd-top-S", lambda lib, a: lib.svd(a).S, (TALL,)),
    ("qr-top", lambda lib, a: tuple(lib.qr(a)), (TALL,)),
    ("cross-top", lambda lib, a, b: lib.cross(a, b, dim=0),
     (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))),
])
@pytest.mark.filterwarnings("ignore:torch.(cholesky|qr) is deprecated")
def test_linalg_values_and_gradients_match_torch(name, fn, args):
    check(fn, *args, rtol=1e-8)


def test_linalg_vector_norm_ord_0_counts_and_stays_in_the_graph():
    # torch's backward leaves x.grad None here, fgrad_nn's gives zeros: the values and requires_grad agree
    check(lambda lib, a: lib.linalg.vector_norm(a, ord=0, dim=0), np.array([[0.0, 1.0], [2.0, 0.0], [3.0, 0.0]]),
          grad=False)
    t, f = (lib.linalg.vector_norm(lib.tensor([0.0, 2.0], requires_grad=True), ord=0) for lib in LIBS)
    assert f.requires_grad is t.requires_grad is True and f.item() == t.item() == 1.0


def test_lu_family_and_the_ex_variants():
    A = RNG.standard_normal((2, 3, 3))
    check(lambda lib, a: tuple(lib.linalg.lu_factor(a)), A)
    check(lambda lib, a: tuple(lib.linalg.lu(a)), A)

    def lu_solve(lib, a, b, left, adjoint):
        LU, piv = lib.linalg.lu_factor(a)
        return lib.linalg.lu_solve(LU, piv, b, left=left, adjoint=adjoint)
    for left, adjoint in itertools.product((True, False), (True, False)):
        check(lambda lib, a, b, l=left, j=adjoint: lu_solve(lib, a, b, l, j), A, RNG.standard_normal((2, 3, 3)))
    bad = np.stack([np.diag([1.0, -1.0, 2.0]), _spd(3)])
    check(lambda lib, a: lib.linalg.cholesky_ex(a).info, bad, grad=False)
    check(lambda lib, a: lib.linalg.cholesky_ex(a).L[1], bad, grad=False)
    check(lambda lib, a: tuple(lib.linalg.cholesky_ex(a, upper=True)), _spd(3, 11))
    sing = np.stack([[[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]], np.eye(3)])
    check(lambda lib, a: lib.linalg.inv_ex(a).info, sing, grad=False)
    check(lambda lib, a: lib.linalg.inv_ex(a).inverse[1], sing, grad=False)
    check(lambda lib, a: tuple(lib.linalg.inv_ex(a)), SQ)
    for fn in (lambda lib: lib.linalg.inv_ex(lib.zeros(2, 2), check_errors=True),
               lambda lib: lib.linalg.cholesky_ex(-lib.eye(2), check_errors=True)):
        assert isinstance(_error(fn, torch), RuntimeError) and isinstance(_error(fn, fgrad_nn), RuntimeError)


def test_old_svd_returns_v_and_old_cross_finds_the_dim():
    def svd(lib, a, some):
        U, S, V = lib.svd(a, some=some)
        return U.shape, V.shape, (U[:, :3] * S) @ V.mT
    for some in (True, False):
        t, f = (svd(lib, lib.tensor(TALL), some) for lib in LIBS)
        assert tuple(t[0]) == tuple(f[0]) and tuple(t[1]) == tuple(f[1])
        assert_same(t[2], f[2], rtol=1e-10)
    t, f = (lib.svd(lib.tensor(TALL), compute_uv=False) for lib in LIBS)
    assert_same(tuple(t), tuple(f), rtol=1e-10)
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="dim arg is deprecated"):
        f = fgrad_nn.cross(fgrad_nn.tensor(a), fgrad_nn.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(torch.cross(torch.tensor(a), torch.tensor(b)), f)


def test_linalg_svd_and_eigh_through_invariant_functions():
    # singular vectors and eigenvectors are defined up to sign: compare the products that are not
    def svd(lib, a):
        U, S, Vh = lib.linalg.svd(a, full_matrices=False)
        return (U * S[..., None, :]) @ Vh, S, (U.abs() ** 2).sum()

    def eigh(lib, a):
        w, v = lib.linalg.eigh(a)
        return w, (v * w[..., None, :]) @ v.mT, (v[..., 0] * v[..., 0]).sum()
    check(svd, TALL, rtol=1e-8)
    check(eigh, _spd(4, 5), rtol=1e-8)
    U, S, Vh = fgrad_nn.linalg.svd(fgrad_nn.tensor(TALL))
    assert (tuple(U.shape), tuple(Vh.shape)) == tuple(tuple(x.shape) for x in torch.linalg.svd(torch.tensor(TALL))[::2])


def test_linalg_rank_lstsq_drivers_and_errors():
    low = np.outer(np.arange(1.0, 5.0), [1.0, 2.0, 3.0])
    check(lambda lib, a: lib.linalg.matrix_rank(a), low, grad=False)
    check(lambda lib, a: lib.linalg.matrix_rank(a, atol=1.0, rtol=0.0), np.diag([3.0, 0.5, 2.0]), grad=False)
    check(lambda lib, a: lib.linalg.matrix_rank(a, hermitian=True), _spd(3), grad=False)
    B = RNG.standard_normal((5, 2))
    for driver in (None, "gelsd", "gelss", "gels"):
        t, f = (lib.linalg.lstsq(lib.tensor(TALL), lib.tensor(B), driver=driver) for lib in LIBS)
        for field in ("solution", "residuals", "rank", "singular_values"):
            if driver == "gels" and field == "rank":
                continue  # LAPACK's gels gives no rank (torch returns an uninitialised int64)
            assert_same(getattr(t, field), getattr(f, field), f"{driver}.{field}", rtol=1e-8)
    for fn in (lambda lib: lib.linalg.inv(lib.zeros(2, 2)), lambda lib: lib.linalg.cholesky(-lib.eye(2))):
        t_err, f_err = (_error(fn, lib) for lib in LIBS)
        assert isinstance(t_err, RuntimeError) and isinstance(f_err, fgrad_nn.linalg.LinAlgError)
        assert isinstance(f_err, RuntimeError)
    for bad in (lambda lib: lib.linalg.inv(lib.zeros(2, 3)),
                lambda lib: lib.linalg.det(lib.ones(2, 2, dtype=lib.int64)),
                lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), ord=2), lambda lib: lib.linalg.qr(lib.ones(2, 2), "x"),
                lambda lib: lib.linalg.cross(lib.ones(2), lib.ones(2)),
                lambda lib: lib.linalg.cross(lib.ones(2, 3), lib.ones(3))):
        raises_same(bad)


def _error(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 -- compared by the caller
        return e
    raise AssertionError(f"{lib.__name__} did not raise")


# ---------------------------------------------------------------------------------------------- torch.amp
def _scaler_run(lib, enabled, device="cpu", inf_at=(2,), **kw):
    w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler(device, enabled=enabled, **kw)
    trace = []
    for step in range(6):
        opt.zero_grad()
        loss = (w ** 2).sum() * (float("inf") if step in inf_at else 1.0)
        scaled = scaler.scale(loss)
        scaled.backward()
        if step % 2:
            scaler.unscale_(opt)
        ret = scaler.step(opt)
        scaler.update()
        trace.append((to_np(scaled).item(), to_np(w).tolist(), ret, scaler.get_scale(), scaler.state_dict()))
    return trace


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # disabled: the infinite loss's step, as torch
def test_grad_scaler_matches_torch_on_cpu(enabled):
    kw = dict(init_scale=8.0, growth_interval=2)
    t, f = _scaler_run(torch, enabled, **kw), _scaler_run(fgrad_nn, enabled, **kw)
    assert len(t) == len(f)
    for a, b in zip(t, f):
        assert (np.isnan(a[0]) and np.isnan(b[0])) or a[0] == b[0]
        np.testing.assert_allclose(b[1], a[1], rtol=1e-6)
        assert a[2:] == b[2:]


def test_grad_scaler_errors_state_and_cuda_without_gpu():
    for lib in LIBS:
        w = lib.tensor([1.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        s = lib.amp.GradScaler("cpu")
        s.scale(w.sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(opt)
        with pytest.raises(RuntimeError, match="Closure use"):
            lib.amp.GradScaler("cpu").step(opt, closure=lambda: 0)
        s.update(4.0)
        t = lib.amp.GradScaler("cpu")
        t.load_state_dict(s.state_dict())
        assert t.get_scale() == 4.0
        with pytest.raises(RuntimeError, match="empty"):
            t.load_state_dict({})
    if not fgrad_nn.cuda.is_available():
        for lib in LIBS:
            with pytest.warns(UserWarning, match="CUDA is not available"):
                s = lib.amp.GradScaler("cuda")
            assert s.is_enabled() is False and s.state_dict() == {} and s.get_scale() == 1.0
            with pytest.warns(FutureWarning):
                lib.cuda.amp.GradScaler(enabled=False)


def test_autocast_is_a_warning_no_op():
    x = fgrad_nn.ones(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fgrad_nn.autocast("cpu", enabled=False):
            assert (x @ x).dtype == fgrad_nn.float32
    for lib in LIBS:  # a dtype CPU autocast does not support: both warn and disable
        with pytest.warns(UserWarning, match="Disabling autocast"):
            with lib.autocast("cpu", dtype=lib.float32):
                assert lib.is_autocast_enabled("cpu") is False
    with pytest.warns(UserWarning, match="does not cast"):
        with fgrad_nn.autocast("cpu"):
            assert (x @ x).dtype == fgrad_nn.float32

    with pytest.warns(UserWarning):
        @fgrad_nn.autocast("cpu", dtype=fgrad_nn.float32)
        def f(t):
            return t * 2
    assert f(fgrad_nn.ones(1)).tolist() == [2.0] and f.__name__ == "f"
    if not fgrad_nn.cuda.is_available():
        for lib in LIBS:
            with pytest.warns(UserWarning, match="CUDA is not available"):
                with lib.autocast("cuda"):
                    pass
    importlib.import_module("fgrad_nn.cuda.amp")  # `from torch.cuda.amp import autocast` works
    with pytest.warns(FutureWarning):
        fgrad_nn.cuda.amp.autocast(enabled=False)
    raises_same(lambda lib: lib.autocast("tpu"))


# ---------------------------------------------------------------------------------------------- optimizers
def _quartic(lib, w, A, b):
    return 0.5 * (w @ (A @ w)) - b @ w + 0.1 * (w ** 4).sum()


def _lbfgs_run(lib, steps, **kw):
    g = np.random.default_rng(0)
    A = g.standard_normal((6, 6))
    A, b = lib.tensor(A @ A.T / 6 + np.eye(6)), lib.tensor(g.standard_normal(6))
    w = lib.zeros(6, dtype=lib.float64, requires_grad=True)
    opt = lib.optim.LBFGS([w], **kw)

    def closure():
        opt.zero_grad()
        loss = _quartic(lib, w, A, b)
        loss.backward()
        return loss
    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append((float(loss.detach()), to_np(w).copy()))
    state = opt.state[w]
    return out, state["func_evals"], state["n_iter"]


@pytest.mark.parametrize("kw", [dict(max_iter=5), dict(history_size=3, max_iter=7, lr=0.5),
                                dict(line_search_fn="strong_wolfe", max_iter=5),
                                dict(line_search_fn="strong_wolfe", history_size=2, max_iter=6, lr=0.7)])
def test_lbfgs_iterates_match_torch_in_float64(kw):
    (t, t_evals, t_iters), (f, f_evals, f_iters) = _lbfgs_run(torch, 4, **kw), _lbfgs_run(fgrad_nn, 4, **kw)
    assert (f_evals, f_iters) == (t_evals, t_iters)
    for (lt, wt), (lf, wf) in zip(t, f):
        np.testing.assert_allclose(lf, lt, rtol=1e-12)
        np.testing.assert_allclose(wf, wt, rtol=1e-10, atol=1e-12)


def test_lbfgs_contract():
    for lib in LIBS:
        a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        with pytest.raises(ValueError, match="per-parameter"):
            lib.optim.LBFGS([{"params": [a]}, {"params": [b]}])
        opt = lib.optim.LBFGS([a], line_search_fn="backtracking")

        def closure():
            opt.zero_grad()
            loss = ((a - 1) ** 2).sum()
            loss.backward()
            return loss
        with pytest.raises(RuntimeError, match="strong_wolfe"):
            opt.step(closure)
    w = fgrad_nn.zeros(1, requires_grad=True)
    opt = fgrad_nn.optim.LBFGS([w])
    w.grad = fgrad_nn.zeros(1)
    assert float(opt.step(lambda: fgrad_nn.tensor(3.0))) == 3.0  # a zero gradient: converged at once


def test_sparse_adam_matches_torch_on_sparse_embeddings():
    torch.manual_seed(0)
    T = torch.nn.Embedding(6, 3, sparse=True).double()
    F = fgrad_nn.nn.Embedding(6, 3, sparse=True).double()
    F.load_state_dict({k: fgrad_nn.tensor(v.numpy()) for k, v in T.state_dict().items()})
    topt, fopt = torch.optim.SparseAdam(T.parameters(), lr=0.1), fgrad_nn.optim.SparseAdam(F.parameters(), lr=0.1)
    for idx in ([1, 1, 3], [0, 3, 5], [2], [4, 4]):
        for m, opt, lib in ((T, topt, torch), (F, fopt, fgrad_nn)):
            opt.zero_grad()
            (m(lib.tensor(idx)) ** 2).sum().backward()
            opt.step()
    np.testing.assert_allclose(to_np(F.weight), to_np(T.weight), rtol=1e-12)
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(to_np(fopt.state[F.weight][key]), to_np(topt.state[T.weight][key]), rtol=1e-12)
    assert fopt.state[F.weight]["step"] == topt.state[T.weight]["step"] == 4
    # a dense gradient is refused, with torch's error
    raises_same(_dense_sparse_adam)
    for kw in (dict(lr=-1.0), dict(eps=0.0), dict(betas=(1.0, 0.9)), dict(betas=(0.9, 1.0))):
        raises_same(lambda lib, k=kw: lib.optim.SparseAdam([lib.zeros(1, requires_grad=True)], **k))


def _dense_sparse_adam(lib):
    w = lib.ones(3, requires_grad=True)
    w.sum().backward()
    lib.optim.SparseAdam([w]).step()


@pytest.mark.parametrize("kw", [
    dict(base_lr=0.1, max_lr=1.0, step_size_up=3),
    dict(base_lr=[0.1, 0.2], max_lr=1.0, step_size_up=2, step_size_down=4, mode="triangular2"),
    dict(base_lr=0.1, max_lr=1.0, step_size_up=3, mode="exp_range", gamma=0.9, adam=True),
    dict(base_lr=0.1, max_lr=1.0, step_size_up=3, scale_fn=lambda x: 0.5 ** x, scale_mode="iterations",
         cycle_momentum=False),
])
def test_cyclic_lr_matches_torch(kw):
    def run(lib):
        k = dict(kw)
        p, q = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        groups = [{"params": [p]}, {"params": [q]}]
        opt = lib.optim.Adam(groups, lr=1.0) if k.pop("adam", False) else lib.optim.SGD(groups, lr=1.0, momentum=0.9)
        sched = lib.optim.lr_scheduler.CyclicLR(opt, **k)
        out = []
        for _ in range(14):
            opt.step()
            sched.step()
            g = opt.param_groups[1]
            out.append((sched.get_last_lr(), g.get("momentum"), g.get("betas")))
        return out, sched.state_dict()
    (t, ts), (f, fs) = run(torch), run(fgrad_nn)
    assert f == t
    for key in ("last_epoch", "base_lrs", "max_lrs", "total_size", "step_ratio", "mode", "scale_mode"):
        assert fs[key] == ts[key], key
    raises_same(lambda lib: lib.optim.lr_scheduler.CyclicLR(
        lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9), 0.1, 1.0, mode="zigzag"))
    raises_same(lambda lib: lib.optim.lr_scheduler.CyclicLR(
        lib.optim.Adagrad([lib.zeros(1, requires_grad=True)], lr=1.0), 0.1, 1.0))


# ---------------------------------------------------------------------------------------------- EmbeddingBag
W = np.random.default_rng(3).standard_normal((6, 3))
BAGS = [dict(input=[1, 2, 0, 3, 3, 5], offsets=[0, 2, 2, 4]), dict(input=[[1, 2, 4], [0, 5, 5]]),
        dict(input=[1, 2, 0, 3, 3, 5], offsets=[0, 2, 6], include_last_offset=True)]


@pytest.mark.parametrize("bags", BAGS)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 3, -1])
def test_embedding_bag_matches_torch(bags, mode, padding_idx):
    inp = np.array(bags["input"])
    off = np.array(bags["offsets"]) if "offsets" in bags else None
    last = bags.get("include_last_offset", False)

    def fn(lib, w, i, *o):
        return lib.nn.functional.embedding_bag(i, w, o[0] if o else None, mode=mode, padding_idx=padding_idx,
                                               include_last_offset=last)
    check(fn, W, inp, *(() if off is None else (off,)))
    if mode == "sum":
        psw = np.linspace(0.5, 2.0, inp.size).reshape(inp.shape)
        check(lambda lib, w, p, i, *o: lib.nn.functional.embedding_bag(
            i, w, o[0] if o else None, mode="sum", per_sample_weights=p, padding_idx=padding_idx,
            include_last_offset=last), W, psw, inp, *(() if off is None else (off,)))


def test_embedding_bag_module_and_errors():
    t, f = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2), fgrad_nn.nn.EmbeddingBag(10, 3, mode="sum",
                                                                                          padding_idx=2)
    assert repr(f) == repr(t) and repr(fgrad_nn.nn.EmbeddingBag(4, 2)) == repr(torch.nn.EmbeddingBag(4, 2))
    assert f.weight[2].abs().sum().item() == 0.0 and tuple(f.weight.shape) == (10, 3)
    f.load_state_dict({"weight": fgrad_nn.tensor(t.weight.detach().numpy())})
    i, o = [1, 2, 4, 5, 4, 3, 2, 9], [0, 4]
    assert_same(t(torch.tensor(i), torch.tensor(o)).detach(), f(fgrad_nn.tensor(i), fgrad_nn.tensor(o)).detach())
    pre = [lib.nn.EmbeddingBag.from_pretrained(lib.tensor(W), mode="max") for lib in LIBS]
    assert_same(pre[0](torch.tensor([[0, 4]])), pre[1](fgrad_nn.tensor([[0, 4]])))
    ids, w = np.array([1, 2, 0, 3]), W
    for bad in [
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w, lib.tensor([0, 2]), mode="mean",
                                                          per_sample_weights=lib.ones(4)),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i.reshape(2, 2), w, lib.tensor([0, 1])),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w, lib.tensor([1, 2])),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w, lib.tensor([0, 7])),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w, lib.tensor([0, 2]), mode="max",
                                                          scale_grad_by_freq=True),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w, lib.tensor([0, 2]), mode="foo"),
        lambda lib, i, w: lib.nn.functional.embedding_bag(i, w, lib.tensor([0, 2]), mode="sum",
                                                          per_sample_weights=lib.ones(3)),
    ]:
        raises_same(bad, ids, w)


# ---------------------------------------------------------------------------------------------- backward hooks
def _hooked_run(lib, inputs_need_grad=True):
    lin = lib.nn.Linear(3, 2).double()
    lin.load_state_dict({"weight": lib.tensor(np.arange(6.0).reshape(2, 3) / 5), "bias": lib.tensor([0.1, -0.2])})
    seen = []

    def pre(m, grad_output):
        seen.append(("pre", to_np(grad_output)))
        return (grad_output[0] * 2,)

    def full(m, grad_input, grad_output):
        seen.append(("full", to_np(grad_input), to_np(grad_output)))
        if grad_input[0] is not None:
            return (grad_input[0] + 1,)
    lin.register_full_backward_pre_hook(pre)
    h = lin.register_full_backward_hook(full)
    x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=inputs_need_grad)
    (lin(x) ** 2).sum().backward()
    seen.append(("grads", to_np(x.grad) if inputs_need_grad else None, to_np(lin.weight.grad)))
    h.remove()
    lin.zero_grad()
    (lin(x) ** 2).sum().backward()
    seen.append(("after remove", to_np(lin.weight.grad)))
    return seen


def _same_tree(a, b):
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for x, y in zip(a, b):
            _same_tree(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    else:
        assert a == b


@pytest.mark.parametrize("inputs_need_grad", [True, False])
def test_full_backward_hooks_match_torch(inputs_need_grad):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn when no input needs a gradient
        t, f = _hooked_run(torch, inputs_need_grad), _hooked_run(fgrad_nn, inputs_need_grad)
    _same_tree(t, f)


def test_full_backward_hook_on_a_tuple_output_and_with_non_tensor_args():
    def run(lib):
        class Split(lib.nn.Module):
            def forward(self, x, k):
                return x * k, x.sum()
        m, seen = Split(), []
        m.register_full_backward_hook(lambda mod, gi, go: seen.append((to_np(gi), to_np(go))))
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = m(x, 3.0)
        (a.sum() * 2 + b).backward()
        return seen, to_np(x.grad)
    _same_tree(run(torch), run(fgrad_nn))


# ---------------------------------------------------------------------------------------------- module paths
def _torch_families():
    import torch.nn.modules as mods
    return sorted(m.name for m in pkgutil.iter_modules(mods.__path__) if not m.name.startswith("_"))


def test_every_class_we_offer_is_at_torchs_module_path():
    missing = []
    for family in _torch_families():
        tmod = importlib.import_module(f"torch.nn.modules.{family}")
        names = [n for n, o in vars(tmod).items() if inspect.isclass(o) and o.__module__ == tmod.__name__]
        offered = [n for n in names if hasattr(fgrad_nn.nn, n) or n in ("_Loss", "_WeightedLoss",
                                                                        "NonDynamicallyQuantizableLinear")]
        if not offered:
            continue
        ours = getattr(fgrad_nn.nn.modules, family, None)
        missing += [f"{family}.{n}" for n in offered if ours is None or not hasattr(ours, n)]
    assert not missing, missing
    from fgrad_nn.nn.modules.activation import MultiheadAttention  # noqa: F401
    from fgrad_nn.nn.modules.linear import NonDynamicallyQuantizableLinear  # noqa: F401
    from fgrad_nn.nn.modules.utils import _pair, _quadruple, _single, _triple
    assert (_single(2), _pair(3), _triple((1, 2, 3)), _quadruple(0)) == (
        (2,), (3, 3), (1, 2, 3), (0, 0, 0, 0))
    sd = {"module.a": 1, "b": 2}
    fgrad_nn.nn.modules.utils.consume_prefix_in_state_dict_if_present(sd, "module.")
    ref = {"module.a": 1, "b": 2}
    torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(ref, "module.")
    assert sd == ref


def test_custom_loss_subclassing_torchs_base():
    for lib in LIBS:
        class Half(lib.nn.modules.loss._Loss):
            def forward(self, x, y):
                d = (x - y).abs() / 2
                return d.sum() if self.reduction == "sum" else d.mean()
        assert Half(reduction="sum")(lib.ones(2), lib.zeros(2)).item() == 1.0


# ---------------------------------------------------------------------------------------------- RandomSampler
def test_random_sampler_with_replacement_is_lazy():
    sampler = fgrad_nn.utils.data.RandomSampler(range(7), replacement=True, num_samples=10 ** 10)
    assert len(sampler) == 10 ** 10 == len(torch.utils.data.RandomSampler(range(7), replacement=True,
                                                                            num_samples=10 ** 10))
    first = list(itertools.islice(iter(sampler), 100))  # torch draws 32 at a time; all of them would not fit
    assert len(first) == 100 and all(0 <= i < 7 for i in first)
    g = fgrad_nn.Generator().manual_seed(5)
    a = list(fgrad_nn.utils.data.RandomSampler(range(4), replacement=True, num_samples=70, generator=g))
    g.manual_seed(5)
    b = list(fgrad_nn.utils.data.RandomSampler(range(4), replacement=True, num_samples=70, generator=g))
    assert a == b and len(a) == 70 and set(a) == {0, 1, 2, 3}
    counts = np.bincount(list(fgrad_nn.utils.data.RandomSampler(range(4), replacement=True, num_samples=4000,
                                                                generator=fgrad_nn.Generator().manual_seed(1))),
                         minlength=4)
    assert counts.min() > 850  # uniform: 1000 each; 850 is over 5 standard deviations below


# ---------------------------------------------------------------------------------------------- autograd.graph
def test_saved_tensor_hooks_and_save_on_cpu_match_torch():
    """(saved_tensors_hooks itself: tests/facade/programs/test_parity_names.py.)"""
    def run(lib):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        with lib.autograd.graph.save_on_cpu():
            y = (x.sin() * x).sum()
        with lib.autograd.graph.disable_saved_tensors_hooks("none"):
            y = y + (x * x).sum()
        y.backward()
        return y, x.grad
    assert_same(run(torch), run(fgrad_nn))


# ---------------------------------------------------------------------------------------------- on the device
def test_new_names_run_on_the_device(device):
    """linalg, EmbeddingBag, SparseAdam, LBFGS and GradScaler keep CUDA tensors on the device (the CuPy
    stand-in refuses NumPy calls on device arrays) and give the CPU's numbers."""
    def run(dev):
        a = fgrad_nn.tensor(_spd(3, 9), device=dev, requires_grad=True)
        sol = fgrad_nn.linalg.solve(a, fgrad_nn.ones(3, dtype=fgrad_nn.float64, device=dev))
        logdet = fgrad_nn.linalg.slogdet(a).logabsdet
        (sol.sum() + logdet + fgrad_nn.linalg.matrix_norm(a, ord="nuc")).backward()
        bag = fgrad_nn.nn.EmbeddingBag(5, 2, mode="max", sparse=True).double().to(dev)
        with fgrad_nn.no_grad():
            bag.weight.copy_(fgrad_nn.tensor(W[:5, :2], device=dev))
        opt = fgrad_nn.optim.SparseAdam(bag.parameters(), lr=0.1)
        out = bag(fgrad_nn.tensor([1, 3, 3, 0], device=dev), fgrad_nn.tensor([0, 2], device=dev))
        out.sum().backward()
        opt.step()
        w = fgrad_nn.zeros(2, dtype=fgrad_nn.float64, device=dev, requires_grad=True)
        lbfgs = fgrad_nn.optim.LBFGS([w], line_search_fn="strong_wolfe")

        def closure():
            lbfgs.zero_grad()
            loss = ((w - fgrad_nn.tensor([1.0, -2.0], dtype=fgrad_nn.float64, device=dev)) ** 2).sum()
            loss.backward()
            return loss
        lbfgs.step(closure)
        scaler = fgrad_nn.amp.GradScaler("cpu", init_scale=4.0)
        scaler.scale((w * w).sum()).backward()
        scaler.step(fgrad_nn.optim.SGD([w], lr=0.1))
        for t in (sol, a.grad, out, bag.weight, w):
            assert t.device.type == dev
        return [to_np(t) for t in (sol, a.grad, out, bag.weight, w)]
    for cpu, dev in zip(run("cpu"), run(device)):
        np.testing.assert_allclose(dev, cpu, rtol=1e-10, atol=1e-12)
    x = fgrad_nn.zeros(2, device=device)
    prefix = "torch.cuda." if device == "cuda" else "torch."
    assert x.type() == prefix + "FloatTensor" and x.type("torch.DoubleTensor").device.type == "cpu"
    assert isinstance(x, fgrad_nn.cuda.FloatTensor) == (device == "cuda") != isinstance(x, fgrad_nn.FloatTensor)
    if device == "cuda":
        made = fgrad_nn.cuda.LongTensor([1, 2])
        assert made.device.type == "cuda" and made.dtype == fgrad_nn.int64
        assert fgrad_nn.zeros(1).type(fgrad_nn.cuda.DoubleTensor).device.type == "cuda"
