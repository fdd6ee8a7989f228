"""fgrad_nn.load on files real torch.save wrote (zip and legacy): every layer family's state_dict,
optimizer state, containers, dtypes, shared storages and views -- checked against torch.load itself
-- and hostile pickles refused without running anything."""
import collections
import io
import os
import pickle
import struct
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
import torch

import fgrad_nn
from fgrad.core import concrete
from fgrad_nn import serialization
from fgrad_nn.serialization import CheckpointError

FORMATS = [pytest.param(True, id="zip"), pytest.param(False, id="legacy")]


def saved(obj, zip_format=True):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=zip_format)
    return buf.getvalue()


def raw(t):
    return concrete(t._data)


def assert_same(ours, ref, where="obj"):
    """fgrad_nn's result equals torch.load's: types, dtypes, shapes, strides, values, flags."""
    if isinstance(ref, torch.Tensor):
        assert isinstance(ours, fgrad_nn.Tensor), where
        assert isinstance(ours, fgrad_nn.nn.Parameter) == isinstance(ref, torch.nn.Parameter), where
        assert ours.requires_grad == ref.requires_grad, where
        assert tuple(ours.shape) == tuple(ref.shape) and ours.stride() == ref.stride(), where
        want = ref.detach()
        assert str(ours.dtype) == str(want.dtype), f"{where}: {ours.dtype} vs {want.dtype}"
        if want.dtype == torch.bfloat16:  # (torch's .numpy() refuses bfloat16: compare the bits)
            want = want.view(torch.int16)
        assert np.asarray(raw(ours)).tobytes() == want.numpy().tobytes(), where
    elif isinstance(ref, dict):
        assert type(ours) is type(ref) and list(ours) == list(ref), where
        for k in ref:
            assert_same(ours[k], ref[k], f"{where}[{k!r}]")
        assert getattr(ours, "_metadata", None) == getattr(ref, "_metadata", None), where
    elif isinstance(ref, (list, tuple)):
        assert type(ours).__name__ == type(ref).__name__ and len(ours) == len(ref), where
        for i, (a, b) in enumerate(zip(ours, ref)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(ref, torch.dtype):
        assert str(ours) == str(ref), where
    elif isinstance(ref, torch.device):
        assert str(ours) == str(ref), where
    else:
        assert type(ours) is type(ref) and ours == ref, f"{where}: {ours!r} vs {ref!r}"


def both(obj, zip_format):
    data = saved(obj, zip_format)
    return fgrad_nn.load(io.BytesIO(data)), torch.load(io.BytesIO(data), weights_only=True)


# ---------------------------------------------------------------------------- pretrained models

def _models():
    torch.manual_seed(0)
    x_seq = np.random.default_rng(0).standard_normal((5, 2, 4)).astype(np.float32)
    img = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    return [
        ("Linear", lambda m: m.Linear(4, 3), x_seq),
        ("Conv2d", lambda m: m.Conv2d(3, 4, 3, padding=1), img),
        ("BatchNorm2d", lambda m: m.BatchNorm2d(3), img),
        ("LayerNorm", lambda m: m.LayerNorm(4), x_seq),
        ("Embedding", lambda m: m.Embedding(10, 4), np.array([[1, 2], [9, 0]])),
        ("LSTM", lambda m: m.LSTM(4, 3, num_layers=2), x_seq),
        ("GRU", lambda m: m.GRU(4, 3, bidirectional=True), x_seq),
        ("TransformerEncoderLayer", lambda m: m.TransformerEncoderLayer(4, 2, 8, dropout=0.0), x_seq),
        ("Transformer", lambda m: m.Transformer(4, 2, 1, 1, 8, dropout=0.0), x_seq),
        ("Sequential", lambda m: m.Sequential(m.Conv2d(3, 2, 3), m.ReLU(), m.Flatten(), m.Linear(32, 2)), img),
        ("Conv1d", lambda m: m.Conv1d(4, 6, 2, groups=2, dilation=2), x_seq.transpose(1, 2, 0)),
        ("ConvTranspose2d", lambda m: m.ConvTranspose2d(3, 2, 3, stride=2), img),
        ("GroupNorm", lambda m: m.GroupNorm(1, 3), img),
        ("PReLU", lambda m: m.PReLU(3), img),
        ("Bilinear", lambda m: m.Bilinear(4, 4, 2), x_seq),
        ("RNN", lambda m: m.RNN(4, 3, nonlinearity="relu"), x_seq),
        ("LSTMCell", lambda m: m.LSTMCell(4, 3), x_seq[0]),
        ("MultiheadAttention", lambda m: m.MultiheadAttention(4, 2, kdim=3, vdim=3), x_seq),
    ]


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")  # torch's note on its own Transformer
@pytest.mark.parametrize("zip_format", FORMATS)
@pytest.mark.parametrize("name,make,x", _models(), ids=[m[0] for m in _models()])
def test_pretrained_state_dicts_load_into_our_models(name, make, x, zip_format, tmp_path):
    torch.manual_seed(1)
    tm = make(torch.nn)
    if name == "BatchNorm2d":  # give the running statistics values worth checking
        tm(torch.tensor(img_like(x)))
    tm.eval()
    path = tmp_path / "model.pt"
    torch.save(tm.state_dict(), path, _use_new_zipfile_serialization=zip_format)
    sd = fgrad_nn.load(path)
    assert_same(sd, torch.load(path, weights_only=True))
    fm = make(fgrad_nn.nn)
    fm.load_state_dict(sd)
    fm.eval()
    args = {"Transformer": (x, x), "Bilinear": (x, x), "MultiheadAttention": (x, x[..., :3], x[..., :3])}.get(name, (x,))
    with torch.no_grad():
        ref = tm(*[torch.tensor(a) for a in args])
    ours = fm(*[fgrad_nn.tensor(a) for a in args])
    ref, ours = (ref[0], ours[0]) if isinstance(ref, tuple) else (ref, ours)
    np.testing.assert_allclose(np.asarray(raw(ours.detach())), ref.numpy(), rtol=1e-5, atol=1e-5)


def img_like(x):
    return x * 3 + 1


@pytest.mark.parametrize("zip_format", FORMATS)
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_optimizer_state_dicts(opt, zip_format):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    o = (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if opt == "sgd"
         else torch.optim.Adam(model.parameters(), lr=1e-3))
    for _ in range(2):
        o.zero_grad()
        model(torch.ones(4, 3)).pow(2).sum().backward()
        o.step()
    ours, ref = both({"model": model.state_dict(), "optim": o.state_dict(), "epoch": 2}, zip_format)
    assert_same(ours, ref)
    # and it drives our optimizer: one more step matches torch's
    fm = fgrad_nn.nn.Linear(3, 2)
    fm.load_state_dict(ours["model"])
    fo = (fgrad_nn.optim.SGD(fm.parameters(), lr=0.1, momentum=0.9) if opt == "sgd"
          else fgrad_nn.optim.Adam(fm.parameters(), lr=1e-3))
    fo.load_state_dict(ours["optim"])
    for m, x, o_ in ((model, torch.ones(4, 3), o), (fm, fgrad_nn.ones(4, 3), fo)):
        o_.zero_grad()
        m(x).pow(2).sum().backward()
        o_.step()
    np.testing.assert_allclose(np.asarray(raw(fm.weight.detach())), model.weight.detach().numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------- what the pickle may hold

DTYPES = [torch.float16, torch.float32, torch.float64, torch.bfloat16, torch.int8, torch.int16, torch.int32,
          torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128]


@pytest.mark.parametrize("zip_format", FORMATS)
def test_every_dtype(zip_format):
    g = torch.Generator().manual_seed(0)
    obj = {str(dt): (torch.randn(2, 3, generator=g) * 50).to(dt) for dt in DTYPES}
    obj["empty"] = torch.zeros(0, 3)
    obj["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    ours, ref = both(obj, zip_format)
    assert_same(ours, ref)
    assert ours["torch.bfloat16"].dtype == fgrad_nn.bfloat16


@pytest.mark.parametrize("zip_format", FORMATS)
def test_containers_and_plain_values(zip_format):
    t = torch.arange(3.0)
    obj = collections.OrderedDict(
        nested={"list": [t, (1, 2.5, None, True)], "tuple": (t * 2, [b"bytes", "str"])},
        numbers=[0, -1, 2 ** 70, float("inf"), 1 + 2j], set={1, 2, 3},
        dtype=torch.float16, device=torch.device("cpu"), size=torch.Size([2, 3]), bytearray=bytearray(b"xy"),
        counter=collections.Counter("abca"), keys={(1, "a"): 1, 2.5: 2, None: 3})
    ours, ref = both(obj, zip_format)
    assert_same(ours, ref)
    assert ours["dtype"] is fgrad_nn.float16 and isinstance(ours["size"], fgrad_nn.Size)


@pytest.mark.parametrize("zip_format", FORMATS)
def test_shared_storage_views_and_strides(zip_format):
    base = torch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "rows": base[1:3], "cols": base[:, ::2], "t": base.t(), "flat": base.view(-1)[5:],
           "expanded": torch.arange(3.0).expand(4, 3), "same": [base, base]}
    ours, ref = both(obj, zip_format)
    assert_same(ours, ref)
    assert ours["same"][0] is ours["same"][1]
    assert not ours["cols"].is_contiguous() and ours["cols"].stride() == (6, 2)
    # one storage in memory: a write through one tensor is seen through the others (as in torch)
    with fgrad_nn.no_grad():
        ours["rows"][0, 2].fill_(-1.0)
        ref["rows"][0, 2].fill_(-1.0)
    for k in ("base", "cols", "t", "flat"):
        assert np.asarray(raw(ours[k])).tolist() == ref[k].tolist(), k
    assert all(np.shares_memory(raw(ours["base"]), raw(ours[k])) for k in ("rows", "cols", "t", "flat"))


@pytest.mark.parametrize("zip_format", FORMATS)
def test_parameters_and_requires_grad(zip_format):
    obj = {"p": torch.nn.Parameter(torch.ones(2)), "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False),
           "leaf": torch.zeros(3, requires_grad=True), "plain": torch.zeros(3)}
    ours, ref = both(obj, zip_format)
    assert_same(ours, ref)
    (ours["p"] * ours["leaf"][:2]).sum().backward()
    assert ours["p"].grad.tolist() == [0.0, 0.0] and ours["leaf"].grad.tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("zip_format", FORMATS)
def test_tensor_attributes_are_dropped_with_a_warning(zip_format):
    t = torch.ones(2)
    t.note = "hello"
    p = torch.nn.Parameter(torch.zeros(1))
    p.tag = 3
    with pytest.warns(UserWarning) as caught:
        ours = fgrad_nn.load(io.BytesIO(saved({"t": t, "p": p}, zip_format)))
    assert sorted(str(w.message).split("dropped ")[1].split("]")[0] for w in caught) == ["['note'", "['tag'"]
    assert ours["t"].tolist() == [1.0, 1.0] and isinstance(ours["p"], fgrad_nn.nn.Parameter)


def test_bare_storage_loads_as_a_flat_tensor():
    t = torch.arange(4, dtype=torch.int32)
    ours = fgrad_nn.load(io.BytesIO(saved({"s": t.untyped_storage()})))
    assert ours["s"].dtype == fgrad_nn.uint8 and ours["s"].shape == (16,)
    assert np.asarray(raw(ours["s"])).tobytes() == t.numpy().tobytes()


def test_user_classes_need_safe_globals():
    obj = {"cfg": Config(3), "w": torch.ones(1)}
    data = saved(obj)
    with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {__name__}.Config was not an allowed global"):
        fgrad_nn.load(io.BytesIO(data))
    with serialization.safe_globals([Config]):
        cfg = fgrad_nn.load(io.BytesIO(data))["cfg"]
    assert type(cfg) is Config and cfg.n == 3 and cfg.ran_init is False
    with torch.serialization.safe_globals([Config]):  # torch agrees on what the file holds
        assert torch.load(io.BytesIO(data), weights_only=True)["cfg"].n == 3
    assert serialization.get_safe_globals() == []
    serialization.add_safe_globals([(Config, f"{__name__}.Config")])
    try:
        assert fgrad_nn.load(io.BytesIO(data))["cfg"].n == 3
    finally:
        serialization.clear_safe_globals()


class Config:
    def __init__(self, n):
        self.n = n
        self.ran_init = False


# ---------------------------------------------------------------------------- placement, mmap, damage

def test_map_location_and_files(tmp_path):
    path = tmp_path / "w.pth"
    torch.save({"w": torch.arange(4.0)}, path)
    assert fgrad_nn.load(str(path), map_location="cpu")["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    seen = []
    assert fgrad_nn.load(path, map_location=lambda s, loc: seen.append(loc))["w"].device.type == "cpu"
    assert seen == ["cpu"]
    with open(path, "rb") as f:
        assert fgrad_nn.load(f, map_location={"cpu": "cpu"})["w"].shape == (4,)


def test_mmap_is_copy_on_write(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.arange(6.0), "v": torch.ones(2, dtype=torch.int64)}, path)
    before = path.read_bytes()
    sd = fgrad_nn.load(path, mmap=True)
    assert sd["w"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and sd["v"].tolist() == [1, 1]
    with fgrad_nn.no_grad():
        sd["w"].add_(1)
    assert sd["w"].tolist()[0] == 1.0 and path.read_bytes() == before
    torch.save({"w": torch.ones(1)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        fgrad_nn.load(path, mmap=True)


def test_storages_are_read_once():
    data = saved({"w": torch.zeros(1 << 20)})  # 4 MiB
    tracemalloc.start()
    try:
        sd = fgrad_nn.load(io.BytesIO(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sd["w"].shape == (1 << 20,)
    assert peak < 1.25 * (4 << 20), f"peak {peak} bytes while loading 4 MiB"


def _rezip(data, edit):
    """A copy of zip ``data`` with each record passed through ``edit(name, bytes) -> bytes | None``."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            new = edit(info.filename, src.read(info))
            if new is not None:
                dst.writestr(info.filename, new)
    return out.getvalue()


def test_big_endian_files():
    t = {"f": torch.tensor([1.5, -2.0], dtype=torch.float32), "i": torch.tensor([1, 2 ** 40]),
         "h": torch.tensor([1.0, 0.5], dtype=torch.bfloat16)}
    itemsize = {"0": 4, "1": 8, "2": 2}  # storage keys in the order torch.save meets them

    def to_big(name, b):
        if name.endswith("byteorder"):
            return b"big"
        if "/data/" in name:
            n = itemsize[name.rsplit("/", 1)[1]]
            return np.frombuffer(b, f"<u{n}").astype(f">u{n}").tobytes()
        return b
    data = _rezip(saved(t), to_big)
    ours, ref = fgrad_nn.load(io.BytesIO(data)), torch.load(io.BytesIO(data), weights_only=True)
    assert_same(ours, ref)
    assert ours["i"].tolist() == [1, 2 ** 40] and ours["h"].tolist() == [1.0, 0.5]


def test_damaged_files():
    data = saved({"w": torch.arange(8.0)})
    info = next(i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.filename.endswith("/data/0"))
    n, m = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])  # the local header's
    at = info.header_offset + 30 + n + m + 5  # a byte of the floats
    flipped = data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    with pytest.raises(CheckpointError, match="CRC"):
        fgrad_nn.load(io.BytesIO(flipped))
    with pytest.raises(CheckpointError, match="holds 28 bytes"):
        fgrad_nn.load(io.BytesIO(_rezip(data, lambda n, b: b[:-4] if "/data/" in n else b)))
    with pytest.raises(CheckpointError, match="damaged zip"):
        fgrad_nn.load(io.BytesIO(data[:len(data) // 2]))
    with pytest.raises(CheckpointError, match="data.pkl"):
        fgrad_nn.load(io.BytesIO(_rezip(data, lambda n, b: None if n.endswith("data.pkl") else b)))
    legacy = saved({"w": torch.arange(8.0)}, zip_format=False)
    with pytest.raises(CheckpointError, match="truncated"):
        fgrad_nn.load(io.BytesIO(legacy[:-4]))


# ---------------------------------------------------------------------------- hostile pickles

class System:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


class Eval:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return eval, (f"open({str(self.path)!r}, 'w').close()",)


class Opener:
    """A class whose own __reduce__ names itself: its unpickling would call Opener(path)."""

    def __init__(self, path):
        self.path = path
        open(path, "w").close()

    def __reduce__(self):
        return Opener, (self.path,)


HOSTILE = [(System, f"{os.system.__module__}.system"), (Eval, "builtins.eval"), (Opener, f"{__name__}.Opener")]


@pytest.mark.parametrize("zip_format", FORMATS)
@pytest.mark.parametrize("cls,name", HOSTILE, ids=[h[0].__name__ for h in HOSTILE])
def test_hostile_globals_are_refused_and_nothing_runs(cls, name, zip_format, tmp_path):
    canary = tmp_path / "canary"
    data = saved({"w": torch.ones(2), "x": cls(canary)}, zip_format)
    canary.unlink(missing_ok=True)  # Opener's constructor made it while saving
    torch.load(io.BytesIO(data), weights_only=False)  # the payload is live: full unpickling runs it
    assert canary.exists()
    canary.unlink()
    with pytest.raises(pickle.UnpicklingError, match=f"Unsupported global: GLOBAL {name} was not an allowed"):
        fgrad_nn.load(io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError, match=name):
        fgrad_nn.load(io.BytesIO(data), weights_only=False)  # fgrad_nn never runs pickled code
    assert not canary.exists()


def test_handwritten_gadgets_are_refused(tmp_path):
    canary = tmp_path / "canary"
    payloads = {  # the classic ones, spelled in raw opcodes
        "builtins.getattr": b"\x80\x02cbuiltins\ngetattr\nq\x00.",
        "copyreg._reconstructor": b"\x80\x02ccopy_reg\n_reconstructor\n.",
        "posix.system": (b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x8c\x06system\x93\x8c"
                         + bytes([6 + len(str(canary))]) + f"touch {canary}".encode() + b"\x85R."),
    }
    for name, pkl in payloads.items():
        data = _rezip(saved({"w": torch.ones(1)}), lambda n, b: pkl if n.endswith("data.pkl") else b)
        with pytest.raises(pickle.UnpicklingError, match=name):
            fgrad_nn.load(io.BytesIO(data))
    for op in (b"i", b"o", b"\x82", b"P"):  # INST, OBJ, EXT1, PERSID: never admitted
        data = _rezip(saved({"w": torch.ones(1)}), lambda n, b: b"\x80\x02(" + op if n.endswith("data.pkl") else b)
        with pytest.raises(pickle.UnpicklingError):
            fgrad_nn.load(io.BytesIO(data))
    assert not canary.exists()


class OutOfBounds:
    """Pickles as a tensor rebuild whose size reaches past its storage."""

    def __init__(self, storage, size, offset=0):
        self.storage, self.size, self.offset = storage, size, offset

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, (self.storage, self.offset, (self.size,), (1,), False,
                                                 collections.OrderedDict())


@pytest.mark.parametrize("zip_format", FORMATS)
def test_tensor_rebuilds_cannot_reach_outside_their_storage(zip_format):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # TypedStorage is deprecated, but torch.save still writes it
        storage = torch.arange(4.0).storage()
    for size, offset in ((5, 0), (2, 3), (0, 9)):
        data = saved({"x": OutOfBounds(storage, size, offset)}, zip_format)
        with pytest.raises(pickle.UnpicklingError, match="storage"):
            fgrad_nn.load(io.BytesIO(data))
    assert fgrad_nn.load(io.BytesIO(saved({"x": OutOfBounds(storage, 2, 2)}, zip_format)))["x"].tolist() == [2., 3.]


def test_storage_records_must_exist():
    data = saved({"w": torch.ones(2)})
    cut = _rezip(data, lambda n, b: None if n.endswith("/data/0") else b)
    with pytest.raises(pickle.UnpicklingError, match="archive lacks"):
        fgrad_nn.load(io.BytesIO(cut))


def test_whole_pickled_modules_are_refused():
    for model in (torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.Linear(2, 2))):
        with pytest.raises(pickle.UnpicklingError, match=r"save model\.state_dict\(\)"):
            fgrad_nn.load(io.BytesIO(saved(model)))


def test_bare_pickles_are_not_unpickled():
    with pytest.raises(CheckpointError, match="never unpickles"):
        fgrad_nn.load(io.BytesIO(pickle.dumps({"a": 1})))


@pytest.mark.parametrize("zip_format", FORMATS)
def test_saved_locations_and_map_location(device, zip_format):
    base = torch.arange(6.0)
    data = saved({"a": base, "b": base[2:4]}, zip_format)
    # as if saved on a GPU: the storage's location is a string in the pickle
    on_gpu = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    assert on_gpu != data
    if zip_format:  # the pickle is a zip record with a CRC: rewrite it there
        on_gpu = _rezip(data, lambda n, b: b.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"))
    where = fgrad_nn.load(io.BytesIO(on_gpu), map_location=None if device == "cuda" else "cpu")
    also = fgrad_nn.load(io.BytesIO(data), map_location=device)
    for sd in (where, also):
        assert sd["a"].device.type == device and sd["b"].device.type == device
        with fgrad_nn.no_grad():
            sd["b"].mul_(0).sub_(1)  # one storage on the device: the write shows through the other tensor
        assert sd["a"].tolist() == [0.0, 1.0, -1.0, -1.0, 4.0, 5.0]
    assert fgrad_nn.load(io.BytesIO(on_gpu), map_location={"cuda:0": "cpu"})["b"].device.type == "cpu"
