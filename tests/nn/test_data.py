"""fgrad_nn.utils.data against torch.utils.data: same batches (values, dtypes, structure), same errors."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings, strategies as st

import fgrad_nn
import fgrad_nn.utils.data as fud

LIBS = {"torch": (torch, tud), "fgrad_nn": (fgrad_nn, fud)}
Point = collections.namedtuple("Point", "x y")


def assert_same(a, b, where="batch"):
    """``a`` from torch, ``b`` from fgrad_nn: same structure, types, dtypes, shapes and exact values."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, fgrad_nn.Tensor), f"{where}: expected a Tensor, got {type(b).__name__}"
        assert str(a.dtype) == str(b.dtype), f"{where}: dtype {a.dtype} vs {b.dtype}"
        assert tuple(a.shape) == tuple(b.shape), f"{where}: shape {tuple(a.shape)} vs {tuple(b.shape)}"
        np.testing.assert_array_equal(np.asarray(b.cpu()), a.numpy(), err_msg=where)
        return
    assert type(a).__name__ == type(b).__name__, f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(b, a)
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def both(build):
    """Run ``build(lib, data)`` with torch and with fgrad_nn."""
    return build(*LIBS["torch"]), build(*LIBS["fgrad_nn"])


def assert_same_error(build):
    """Both libraries raise the same exception type with the same message."""
    errs = []
    for lib, data in LIBS.values():
        with pytest.raises(Exception) as e:
            build(lib, data)
        errs.append(e.value)
    assert type(errs[1]) is type(errs[0]), f"{type(errs[0]).__name__} vs {type(errs[1]).__name__}: {errs[1]}"
    assert str(errs[1]) == str(errs[0])


def make_dataset(kind, n, lib, data, seed=0):
    """The same dataset for either library: tensors, dict samples, tuple/namedtuple samples ..."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = rng.integers(0, 5, n)
    w = rng.standard_normal(n)
    if kind == "tensors":
        return data.TensorDataset(lib.tensor(x), lib.tensor(y), lib.tensor(w))

    class Samples(data.Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            if kind == "dict":
                return {"x": lib.tensor(x[i]), "label": int(y[i]), "w": float(w[i]), "name": f"s{i}",
                        "arr": x[i].astype(np.float64), "np_int": np.int32(y[i]), "flag": bool(y[i] % 2)}
            if kind == "tuple":
                return lib.tensor(x[i]), (int(y[i]), [float(w[i]), np.float32(w[i])])
            if kind == "namedtuple":
                return Point(lib.tensor(x[i]), {"y": np.array([y[i], y[i]]), "s": b"raw"})
            if kind == "ordered":
                return collections.OrderedDict(b=lib.tensor(float(w[i]), dtype=lib.float64), a=int(y[i]))
            raise AssertionError(kind)
    return Samples()


KINDS = ["tensors", "dict", "tuple", "namedtuple", "ordered"]


def loaders_agree(kind, n, **kwargs):
    def build(lib, data):
        return list(data.DataLoader(make_dataset(kind, n, lib, data), **kwargs))
    a, b = both(build)
    assert_same(a, b)
    return a, b


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (7, False), (None, False)])
def test_unshuffled_batches_match_torch(kind, batch_size, drop_last):
    loaders_agree(kind, 7, batch_size=batch_size, drop_last=drop_last)


@given(n=st.integers(1, 12), batch_size=st.integers(1, 13), drop_last=st.booleans(),
       kind=st.sampled_from(KINDS), seed=st.integers(0, 100))
@settings(max_examples=15)
def test_unshuffled_batches_match_torch_drawn(n, batch_size, drop_last, kind, seed):
    def build(lib, data):
        loader = data.DataLoader(make_dataset(kind, n, lib, data, seed), batch_size=batch_size, drop_last=drop_last)
        return len(loader), list(loader)
    a, b = both(build)
    assert_same(a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_samplers_and_batch_samplers_match_torch(kind):
    loaders_agree(kind, 6, sampler=[4, 1, 1, 3], batch_size=2)
    loaders_agree(kind, 6, batch_sampler=[[0, 5], [2], [1, 3, 4]])

    def build(lib, data):
        ds = make_dataset(kind, 6, lib, data)
        seq = data.DataLoader(ds, sampler=data.SequentialSampler(ds), batch_size=4)
        bs = data.DataLoader(ds, batch_sampler=data.BatchSampler(data.SequentialSampler(range(5)), 2, True))
        return list(seq) + list(bs) + [len(seq), len(bs)]
    assert_same(*both(build))


def test_custom_collate_fn():
    def collate(batch):
        return {"n": len(batch), "first": batch[0]}
    loaders_agree("tuple", 5, batch_size=2, collate_fn=collate)
    loaders_agree("dict", 5, batch_size=None, collate_fn=lambda s: s["label"])


def test_getitems_and_subset_concat_match_torch():
    def build(lib, data):
        ds = make_dataset("dict", 8, lib, data)
        sub = data.Subset(ds, [7, 2, 5, 0])
        cat = data.ConcatDataset([sub, make_dataset("dict", 3, lib, data, seed=1)])
        both_ = sub + make_dataset("dict", 2, lib, data, seed=2)
        return (list(data.DataLoader(cat, batch_size=3)), len(cat), cat[-1], cat[4], cat[0], len(both_),
                both_[5], cat.cumulative_sizes)
    assert_same(*both(build))
    assert_same_error(lambda lib, data: data.ConcatDataset([range(3), range(2)])[-6])
    assert_same_error(lambda lib, data: data.ConcatDataset([]))
    assert_same_error(lambda lib, data: data.TensorDataset(lib.zeros(3), lib.zeros(4)))


def test_stack_and_chain_datasets():
    class Count(fud.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    chained = Count(2) + Count(3)
    assert isinstance(chained, fud.ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    s = fud.StackDataset(range(3), ["a", "b", "c"])
    assert s[1] == (1, "b") and len(s) == 3
    assert fud.StackDataset(x=range(2), y=range(2))[1] == {"x": 1, "y": 1}
    with pytest.raises(ValueError, match="Size mismatch"):
        fud.StackDataset(range(2), range(3))


def test_iterable_dataset_matches_torch():
    def build(lib, data, batch_size, drop_last):
        class Stream(data.IterableDataset):
            def __iter__(self):
                return ({"i": i, "v": lib.full((2,), float(i))} for i in range(7))

            def __len__(self):
                return 7
        loader = data.DataLoader(Stream(), batch_size=batch_size, drop_last=drop_last)
        return len(loader), list(loader), list(loader)
    for bs, dl in [(1, False), (3, False), (3, True), (None, False), (10, False), (10, True)]:
        assert_same(*both(lambda lib, data: build(lib, data, bs, dl)))

    def bad(lib, data, **kw):
        class Stream(data.IterableDataset):
            def __iter__(self):
                return iter(range(3))
        return data.DataLoader(Stream(), **kw)
    assert_same_error(lambda lib, data: bad(lib, data, shuffle=True))
    assert_same_error(lambda lib, data: bad(lib, data, batch_sampler=[[0]]))
    with pytest.raises(ValueError, match="expected unspecified sampler"):
        bad(fgrad_nn, fud, sampler=[0])


def test_loader_argument_errors_match_torch():
    def loader(**kw):
        return lambda lib, data: data.DataLoader(make_dataset("tensors", 4, lib, data), **kw)
    for kw in [dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
               dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
               dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
               dict(batch_size=0), dict(batch_size=2, drop_last=1)]:
        assert_same_error(loader(**kw))

    def reassign(lib, data):
        dl = data.DataLoader(make_dataset("tensors", 4, lib, data))
        dl.batch_size = 3
    assert_same_error(reassign)


def test_num_workers_and_pin_memory_run_in_process():
    def build(lib, data, workers):
        return list(data.DataLoader(make_dataset("dict", 5, lib, data), batch_size=2, num_workers=workers,
                                    pin_memory=False, worker_init_fn=None))
    a = build(*LIBS["torch"], 0)
    b = build(*LIBS["fgrad_nn"], 2)
    assert_same(a, b)
    assert fud.get_worker_info() is None
    dl = fud.DataLoader(make_dataset("tensors", 5, fgrad_nn, fud), batch_size=2, num_workers=3, pin_memory=True,
                        worker_init_fn=lambda i: 1 / 0, persistent_workers=True, prefetch_factor=4)
    it = iter(dl)
    assert len(it) == 3 and len(list(it)) == 3


# ------------------------------------------------------------------ shuffling and random samplers

def epoch_indices(loader):
    return [int(i) for (batch,) in loader for i in batch]


def test_shuffle_visits_every_sample_once_per_epoch_and_reshuffles():
    ds = fud.TensorDataset(fgrad_nn.arange(50))
    loader = fud.DataLoader(ds, batch_size=8, shuffle=True)
    epochs = [epoch_indices(loader) for _ in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2]
    assert len(loader) == 7


def test_seeded_generator_repeats_the_order():
    ds = fud.TensorDataset(fgrad_nn.arange(30))

    def run(seed):
        loader = fud.DataLoader(ds, batch_size=4, shuffle=True, generator=fgrad_nn.Generator().manual_seed(seed))
        return [epoch_indices(loader) for _ in range(2)]
    first = run(3)
    assert run(3) == first
    assert run(4) != first
    assert first[0] != first[1]
    fgrad_nn.manual_seed(11)
    a = epoch_indices(fud.DataLoader(ds, batch_size=4, shuffle=True))
    fgrad_nn.manual_seed(11)
    assert epoch_indices(fud.DataLoader(ds, batch_size=4, shuffle=True)) == a


@given(n=st.integers(1, 20), num_samples=st.integers(1, 45), seed=st.integers(0, 2 ** 32))
def test_random_sampler(n, num_samples, seed):
    g = fgrad_nn.Generator().manual_seed(seed)
    s = fud.RandomSampler(range(n), num_samples=num_samples, generator=g)
    idx = list(s)
    assert len(idx) == len(s) == num_samples
    counts = np.bincount(idx, minlength=n)
    assert counts.min() >= num_samples // n and counts.max() <= -(-num_samples // n)
    r = list(fud.RandomSampler(range(n), replacement=True, num_samples=num_samples, generator=g))
    assert len(r) == num_samples and all(0 <= i < n for i in r) and all(type(i) is int for i in r)
    assert sorted(fud.RandomSampler(range(n), generator=g)) == list(range(n))


def test_sampler_errors_match_torch():
    for build in [lambda lib, data: data.RandomSampler(range(3), replacement=1),
                  lambda lib, data: data.RandomSampler(range(3), num_samples=0),
                  lambda lib, data: data.RandomSampler([]),
                  lambda lib, data: data.WeightedRandomSampler([1.0, 2.0], 0),
                  lambda lib, data: data.WeightedRandomSampler([1.0, 2.0], 2, replacement=None),
                  lambda lib, data: data.WeightedRandomSampler([[1.0, 2.0]], 2),
                  lambda lib, data: data.BatchSampler(range(3), True, False)]:
        assert_same_error(build)


def test_subset_and_weighted_random_samplers():
    g = fgrad_nn.Generator().manual_seed(0)
    idx = [9, 4, 7, 1]
    s = fud.SubsetRandomSampler(idx, generator=g)
    assert sorted(s) == sorted(idx) and len(s) == 4
    w = fud.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=g)
    draws = list(w)
    assert len(draws) == len(w) == 200 and set(draws) == {1, 3}
    assert 120 < draws.count(3) < 190  # expected 150, sd ~6
    nr = list(fud.WeightedRandomSampler([1.0, 2.0, 3.0, 0.5], 4, replacement=False, generator=g))
    assert sorted(nr) == [0, 1, 2, 3]
    # like torch: without replacement, zero-weight indices come last once the others are used up
    for _ in range(5):
        short = list(fud.WeightedRandomSampler([0.0, 1.0, 0.0, 2.0], 3, replacement=False, generator=g))
        assert sorted(short[:2]) == [1, 3] and short[2] in (0, 2)


@pytest.mark.parametrize("lengths", [[3, 4, 3], [0.5, 0.5], [0.3, 0.3, 0.4], [0.1] * 10, [0.34, 0.33, 0.33],
                                     [1.0], [0.25, 0.75], [0.333, 0.333, 0.334]])
def test_random_split_partitions_like_torch(lengths):
    splits = fud.random_split(range(10), lengths, generator=fgrad_nn.Generator().manual_seed(1))
    ref = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in splits] == [len(s) for s in ref]
    got = [list(s) for s in splits]
    assert sorted(i for part in got for i in part) == list(range(10))
    again = fud.random_split(range(10), lengths, generator=fgrad_nn.Generator().manual_seed(1))
    assert [list(s) for s in again] == got


def test_random_split_errors_and_warning_match_torch():
    assert_same_error(lambda lib, data: data.random_split(range(10), [3, 3]))
    assert_same_error(lambda lib, data: data.random_split(range(10), [1.5, -0.5]))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        fud.random_split(range(2), [0.9, 0.1])
    fgrad_nn.manual_seed(5)
    a = [list(s) for s in fud.random_split(range(6), [2, 4])]
    fgrad_nn.manual_seed(5)
    assert [list(s) for s in fud.random_split(range(6), [2, 4])] == a


# ------------------------------------------------------------------ collation

COLLATE_CASES = [
    [0, 1, 2], [True, False], [1.5, 2.0], [1, 2.5], ["a", "b"], [b"x", b"y"],
    [np.float64(1), np.float64(2)], [np.float32(1), np.float32(2)], [np.int32(1), np.int32(2)],
    [np.bool_(True), np.bool_(False)], [np.int8(1), np.float16(2)], [np.float32(1), np.float64(2)],
    [np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)], [np.arange(3), np.arange(3)],
    [np.array(1.5), np.array(2.5)], [(0, "a"), (1, "b")], [[0, 1.5], [2, 3.5]],
    [{"a": 0, "b": {"c": [1.0, 2.0]}}, {"a": 1, "b": {"c": [3.0, 4.0]}}],
    [Point(1, 2.0), Point(3, 4.0)], [collections.OrderedDict(z=1, a=2)] * 2,
    [np.complex64(1 + 2j)] * 2,
]


@pytest.mark.parametrize("case", range(len(COLLATE_CASES)))
def test_default_collate_matches_torch(case):
    batch = COLLATE_CASES[case]
    assert_same(tud.default_collate(batch), fud.default_collate(batch))
    assert_same(tud.default_convert(batch), fud.default_convert(batch))
    assert_same(tud.default_convert(batch[0]), fud.default_convert(batch[0]))


def test_default_collate_tensors_and_errors_match_torch():
    for shapes in [[(2,), (2,)], [(), ()], [(0, 3), (0, 3)], [(2, 1), (2, 1), (2, 1)]]:
        def build(lib, data):
            return data.default_collate([lib.arange(float(np.prod(s))).reshape(s) + k for k, s in enumerate(shapes)])
        assert_same(*both(build))
    assert_same(*both(lambda lib, data: data.default_collate([lib.tensor(1), lib.tensor(2.0)])))
    for bad in [[None, None], [1 + 2j, 3j], [np.array(["a"]), np.array(["b"])], [[1, 2], [3]], [object()]]:
        assert_same_error(lambda lib, data: data.default_collate(bad))
    assert_same_error(lambda lib, data: data.default_collate([lib.zeros(2), lib.zeros(3)]))
    assert_same_error(lambda lib, data: data.default_collate([{"x": lib.zeros(2)}, {"x": lib.zeros(2, 1)}]))
    strs = np.array(["a", "b"])
    assert fud.default_convert(strs) is strs


def test_batches_stay_on_the_device(device):
    x = fgrad_nn.arange(10.0, device=device).reshape(5, 2)
    y = fgrad_nn.arange(5, device=device)
    for xb, yb in fud.DataLoader(fud.TensorDataset(x, y), batch_size=2, shuffle=True):
        assert xb.device.type == device and yb.device.type == device
    (xb, yb), = list(fud.DataLoader(fud.TensorDataset(x, y), batch_size=5))
    np.testing.assert_array_equal(np.asarray(xb.cpu()), np.arange(10.0).reshape(5, 2))


def test_no_warning_without_len_mismatch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(fud.DataLoader(make_dataset("tensors", 3, fgrad_nn, fud), batch_size=2, shuffle=True))
