"""fgrad_nn.save / fgrad_nn.load: bit-exact round trips, damage detection, atomic writes, no pickle,
and safetensors interop with torch."""
import collections
import io
import os
import pickle
import stat
import struct

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings, strategies as st

import fgrad_nn
from fgrad_nn import serialization
from fgrad_nn.serialization import CheckpointError

safetensors_torch = pytest.importorskip("safetensors.torch")

DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.int8, np.int16, np.int32, np.int64, np.uint8,
          np.bool_]


def assert_identical(a, b, where="obj"):
    """Same types all the way down and bit-identical values."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, fgrad_nn.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        assert a.requires_grad == b.requires_grad, where
        assert a.device == b.device, where
        assert np.asarray(a.detach().cpu()).tobytes() == np.asarray(b.detach().cpu()).tobytes(), where
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for (ka, va), kb in zip(a.items(), b):
            assert_identical(ka, kb, f"{where} key")
            assert_identical(va, b[kb], f"{where}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{where}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    fgrad_nn.save(obj, buf)
    return fgrad_nn.load(io.BytesIO(buf.getvalue()), **load_kwargs)


@st.composite
def raw_arrays(draw):
    """Arrays of any supported dtype and shape (0-d and empty included), with arbitrary bit patterns."""
    dt = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    n = int(np.prod(shape))
    if dt == np.bool_:
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool).reshape(shape)
    data = draw(st.binary(min_size=n * dt.itemsize, max_size=n * dt.itemsize))
    return np.frombuffer(data, dtype=dt).reshape(shape).copy()


@st.composite
def tensors(draw):
    t = fgrad_nn.from_numpy(draw(raw_arrays()))
    if t.is_floating_point() and draw(st.booleans()):
        t.requires_grad_(True)
    return t


# a small alphabet with the characters that matter (JSON escapes, name separators, non-ASCII) keeps
# Hypothesis from building its full Unicode tables
texts = st.text(alphabet='ab.#"\\/\x00\n é✓_0', max_size=6)
keys = st.one_of(texts, st.integers(-3, 10**20), st.booleans(), st.none(),
                 st.tuples(st.integers(0, 3), texts))
leaves = st.one_of(tensors(), raw_arrays(), raw_arrays().map(lambda a: a.reshape(-1)[0] if a.size else np.float64(1)),
                   st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                   texts, st.sampled_from([fgrad_nn.float16, fgrad_nn.int64, fgrad_nn.bool]),
                   st.builds(fgrad_nn.Size, st.lists(st.integers(0, 5), max_size=3)))
structures = st.recursive(
    leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(keys, inner, max_size=3),
        st.dictionaries(texts, inner, max_size=3).map(collections.OrderedDict)),
    max_leaves=12)


@given(structures)
@example(((fgrad_nn.zeros((), dtype=fgrad_nn.complex64),) * 3,))  # header length 128: starts like a pickle
@settings(max_examples=60)
def test_roundtrip_is_bit_exact(obj):
    assert_identical(obj, roundtrip(obj))


@given(st.lists(raw_arrays(), max_size=4))
def test_flat_state_dict_roundtrip_and_torch_reads_it(arrays):
    sd = {f"layer{i}.weight": fgrad_nn.from_numpy(a) for i, a in enumerate(arrays)}
    buf = io.BytesIO()
    fgrad_nn.save(sd, buf)
    assert_identical(sd, fgrad_nn.load(io.BytesIO(buf.getvalue())))
    theirs = safetensors_torch.load(buf.getvalue())
    assert sorted(theirs) == sorted(sd)
    for k, t in theirs.items():
        ours = np.asarray(sd[k])
        assert str(t.dtype) == "torch." + str(sd[k].dtype).replace("torch.", "")
        assert tuple(t.shape) == ours.shape and t.numpy().tobytes() == ours.tobytes()


def test_nested_checkpoint_for_torch_and_back(tmp_path):
    """A training checkpoint: model + optimizer state (int keys, tuples) + plain values."""
    ckpt = {"model": collections.OrderedDict([("fc.weight", fgrad_nn.randn(3, 2)), ("fc.bias", fgrad_nn.zeros(3))]),
            "optimizer": {"state": {0: {"step": fgrad_nn.tensor(4.0), "exp_avg": fgrad_nn.ones(3, 2)}},
                          "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "foreach": None,
                                            "amsgrad": False}]},
            "epoch": 7, "note": "ünïcode ✓", "fp16": fgrad_nn.tensor([1.5, -2.0], dtype=fgrad_nn.float16)}
    path = tmp_path / "ckpt.safetensors"
    fgrad_nn.save(ckpt, path)
    back = fgrad_nn.load(path)
    assert_identical(ckpt, back)
    theirs = safetensors_torch.load_file(path)
    assert set(theirs) == {"model.fc.weight", "model.fc.bias", "optimizer.state.0.step", "optimizer.state.0.exp_avg",
                           "fp16"}
    np.testing.assert_array_equal(theirs["model.fc.weight"].numpy(), np.asarray(ckpt["model"]["fc.weight"]))
    assert theirs["fp16"].dtype == torch.float16
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        assert f.metadata()["format"] == "pt"


def test_torch_state_dict_via_safetensors_loads_into_fgrad_nn(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    model.train()
    model(torch.randn(5, 4))  # running stats and num_batches_tracked (int64) get values
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(model.state_dict(), path)
    sd = fgrad_nn.load(path)
    assert list(sd) == sorted(model.state_dict())
    for k, v in model.state_dict().items():
        assert str(sd[k].dtype) == str(v.dtype) and np.asarray(sd[k]).tobytes() == v.numpy().tobytes()
    Linear = getattr(getattr(fgrad_nn, "nn", None), "Linear", None)
    if Linear is None or not hasattr(Linear, "load_state_dict"):
        pytest.skip("fgrad_nn.nn.Linear is not available yet")
    ours = fgrad_nn.nn.Sequential(fgrad_nn.nn.Linear(4, 3), fgrad_nn.nn.BatchNorm1d(3), fgrad_nn.nn.Linear(3, 2))
    ours.load_state_dict(sd)
    ours.eval()
    model.eval()
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(ours(fgrad_nn.tensor(x)).detach()), model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # and back: our state dict, saved by us, read by torch
    fgrad_nn.save(ours.state_dict(), tmp_path / "ours.safetensors")
    model.load_state_dict(safetensors_torch.load_file(tmp_path / "ours.safetensors"))


def test_views_and_shared_tensors_are_saved_as_their_own_values():
    base = fgrad_nn.arange(6.0)
    obj = {"base": base, "view": base[::2], "again": base, "t": base.reshape(2, 3).t()}
    back = roundtrip(obj)
    assert back["view"].tolist() == [0.0, 2.0, 4.0]
    assert back["t"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    back["base"].add_(1)
    assert back["again"].tolist() == list(np.arange(6.0))


def test_map_location_forms():
    obj = {"a": fgrad_nn.ones(2), "b": fgrad_nn.zeros(1, dtype=fgrad_nn.int32)}
    for ml in ["cpu", fgrad_nn.device("cpu"), {"cuda:0": "cpu"}, None]:
        back = roundtrip(obj, map_location=ml)
        assert_identical(obj, back)
    seen = []

    def relocate(t, location):
        seen.append(location)
        return t * 2 if t.dtype == fgrad_nn.float32 else None
    back = roundtrip(obj, map_location=relocate, weights_only=False)
    assert seen == ["cpu", "cpu"] and back["a"].tolist() == [2.0, 2.0] and back["b"].tolist() == [0]


def test_map_location_moves_between_devices(device, tmp_path):
    obj = {"w": fgrad_nn.arange(4.0, device=device)}
    path = tmp_path / "dev.safetensors"
    fgrad_nn.save(obj, path)
    assert fgrad_nn.load(path)["w"].device.type == device
    assert fgrad_nn.load(path, map_location="cpu")["w"].device.type == "cpu"
    if device == "cuda":
        assert fgrad_nn.load(path, map_location={"cuda:0": "cpu"})["w"].device.type == "cpu"
        moved = fgrad_nn.load(tmp_path / "dev.safetensors", map_location="cuda")
        assert moved["w"].device.type == "cuda"
    assert fgrad_nn.load(path, map_location="cpu")["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def small_file():
    buf = io.BytesIO()
    fgrad_nn.save({"w": fgrad_nn.tensor([[1.0, -2.0]]), "b": fgrad_nn.tensor([3], dtype=fgrad_nn.int8),
                   "m": fgrad_nn.tensor([True, False]), "step": 2, "lr": 0.5, "name": "x", "opt": (None, [1.5])},
                  buf)
    return buf.getvalue()


def test_every_truncation_is_rejected():
    data = small_file()
    assert len(data) < 2000
    for n in range(len(data)):
        with pytest.raises(CheckpointError, match="not a valid checkpoint: .*(truncated|damaged|checksum)"):
            fgrad_nn.load(io.BytesIO(data[:n]))
    with pytest.raises(CheckpointError, match="trailing bytes|checksum"):
        fgrad_nn.load(io.BytesIO(data + b"\0"))


@pytest.mark.parametrize("flip", [0xFF, 0x01, 0x20])
def test_every_damaged_byte_is_rejected(flip):
    data = small_file()
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= flip
        with pytest.raises(CheckpointError) as e:
            fgrad_nn.load(io.BytesIO(bytes(bad)))
        assert "not a valid checkpoint" in str(e.value)


def test_plain_safetensors_files_are_validated_too():
    buf = safetensors_torch.save({"a": torch.arange(3, dtype=torch.float32)})
    assert fgrad_nn.load(io.BytesIO(buf))["a"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(CheckpointError, match="truncated"):
        fgrad_nn.load(io.BytesIO(buf[:-1]))
    with pytest.raises(CheckpointError, match="damaged header"):
        fgrad_nn.load(io.BytesIO(buf[:9] + b"\x00" + buf[10:]))
    with pytest.raises(CheckpointError, match="BOOL bytes"):
        fgrad_nn.load(io.BytesIO(safetensors_torch.save({"m": torch.tensor([True])})[:-1] + b"\x07"))
    with pytest.raises(CheckpointError, match="not support"):
        fgrad_nn.load(io.BytesIO(safetensors_torch.save({"u": torch.zeros(2, dtype=torch.uint16)})))


def test_loading_never_unpickles(monkeypatch, tmp_path):
    data = small_file()
    torch_file = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, torch_file)

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle was used")
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    assert fgrad_nn.load(io.BytesIO(data))["opt"] == (None, [1.5])
    assert fgrad_nn.load(io.BytesIO(data), weights_only=False)["step"] == 2
    assert fgrad_nn.load(torch_file)["w"].tolist() == [1.0, 1.0]  # read by fgrad_nn's own data-only machine
    with pytest.raises(CheckpointError, match="never unpickles"):
        fgrad_nn.load(io.BytesIO(pickle.dumps({"a": 1})))


def test_unsupported_objects_are_refused_at_save():
    for obj, what in [({"f": object()}, "builtins.object"), ({1, 2}, "set"), ([1 + 2j], "complex"),
                      ({"c": fgrad_nn.zeros(2, dtype=fgrad_nn.complex128)}, "dtype complex128"),
                      ({"s": np.array(["a"])}, "dtype <U1"), ({fgrad_nn.zeros(1): 1}, "dict keyed by Tensor")]:
        with pytest.raises(TypeError, match=what):
            fgrad_nn.save(obj, io.BytesIO())


def test_save_is_atomic(monkeypatch, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    good = {"w": fgrad_nn.arange(1000.0)}
    fgrad_nn.save(good, path)
    before = path.read_bytes()

    def write_half_then_crash(f, parts):
        f.write(b"".join(bytes(p) for p in parts)[: len(before) // 2])
        raise OSError("disk full")
    monkeypatch.setattr(serialization, "_write_all", write_half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        fgrad_nn.save({"w": fgrad_nn.zeros(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert_identical(good, fgrad_nn.load(path))

    def failing_fsync(fd):
        raise OSError("I/O error")
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="I/O error"):
        fgrad_nn.save({"w": fgrad_nn.zeros(3)}, str(path))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.safetensors"]  # no temp files left


def test_save_to_paths_and_file_objects(tmp_path):
    obj = {"w": fgrad_nn.ones(3)}
    fresh = tmp_path / "fresh.safetensors"
    fgrad_nn.save(obj, str(fresh))
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    assert stat.S_IMODE(fresh.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
    fresh.chmod(0o640)
    fgrad_nn.save({"w": fgrad_nn.zeros(3)}, fresh)  # overwriting keeps the mode
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert fgrad_nn.load(fresh)["w"].tolist() == [0.0, 0.0, 0.0]
    link = tmp_path / "link.safetensors"
    link.symlink_to(fresh)
    fgrad_nn.save(obj, link)
    assert link.is_symlink() and fgrad_nn.load(fresh)["w"].tolist() == [1.0, 1.0, 1.0]
    with open(tmp_path / "f.bin", "wb") as f:
        fgrad_nn.save(obj, f)
    with open(tmp_path / "f.bin", "rb") as f:
        assert_identical(obj, fgrad_nn.load(f))
    with pytest.raises(FileNotFoundError):
        fgrad_nn.load(tmp_path / "missing.safetensors")


def test_resuming_training_from_a_checkpoint_matches_uninterrupted_training(tmp_path):
    nn, optim = getattr(fgrad_nn, "nn", None), getattr(fgrad_nn, "optim", None)
    if not hasattr(nn, "Linear") or not hasattr(optim, "Adam"):
        pytest.skip("fgrad_nn.nn / fgrad_nn.optim are not available yet")
    x = fgrad_nn.tensor(np.random.default_rng(1).standard_normal((8, 3)))

    def setup():
        fgrad_nn.manual_seed(0)
        model = nn.Linear(3, 2, dtype=fgrad_nn.float64)
        return model, optim.Adam(model.parameters(), lr=0.1)

    def step(model, opt):
        opt.zero_grad()
        (model(x) ** 2).sum().backward()
        opt.step()

    model, opt = setup()
    for _ in range(4):
        step(model, opt)
    expected = model.weight.detach().clone()

    model, opt = setup()
    for _ in range(2):
        step(model, opt)
    fgrad_nn.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "ckpt.safetensors")
    model, opt = setup()
    ckpt = fgrad_nn.load(tmp_path / "ckpt.safetensors")
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optim"])
    for _ in range(2):
        step(model, opt)
    assert np.asarray(model.weight.detach()).tobytes() == np.asarray(expected).tobytes()
