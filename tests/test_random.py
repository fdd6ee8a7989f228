"""fgrad.random: Threefry known answers, key derivation, reproducibility, distributions, errors.

Every statistical check draws from a fixed key, so its outcome is fixed too: the thresholds
are generous (several standard errors) and the tests cannot flake.
"""
import numpy as np
import pytest
import scipy.special
import scipy.stats

import fgrad
import fgrad.numpy as fnp
import fgrad.random as fr
from fgrad.random import _erfc, _ndtri, _threefry2x32


def host(x):
    return np.asarray(fgrad.device_get(x))


def make_key(seed, device):
    return fgrad.device_put(fr.key(seed), device)


# ----------------------------------------------------------------------------- Threefry-2x32

# Known answers from the kat_vectors file of the Random123 distribution (D. E. Shaw Research),
# as reproduced in DEShawResearch/Random123-Boost, libs/random/test/test_threefry.cpp:
# rounds, counter (2 words), key (2 words), expected output (2 words).
KAT = [
    (13, (0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x9d1c5ec6, 0x8bd50731)),
    (13, (0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff), (0xfd36d048, 0x2d17272c)),
    (13, (0x243f6a88, 0x85a308d3), (0x13198a2e, 0x03707344), (0xba3e4725, 0xf27d669e)),
    (20, (0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6b200159, 0x99ba4efe)),
    (20, (0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff), (0x1cb996fc, 0xbb002be7)),
    (20, (0x243f6a88, 0x85a308d3), (0x13198a2e, 0x03707344), (0xc4923a9c, 0x483df7a0)),
]


@pytest.mark.parametrize("rounds, counter, key, expected", KAT)
def test_threefry2x32_known_answers(device, rounds, counter, key, expected):
    put = lambda v: fgrad.device_put(np.array([v], dtype=np.uint32), device)  # noqa: E731
    y0, y1 = _threefry2x32(put(key[0]), put(key[1]), put(counter[0]), put(counter[1]), rounds)
    assert (int(host(y0)[0]), int(host(y1)[0])) == expected


def test_threefry2x32_is_vectorised_over_counters(device):
    # The pi-digits vector in the middle of a batch of counters gives the same answer.
    ctr0 = np.array([0, 0x243f6a88, 7], dtype=np.uint32)
    ctr1 = np.array([0, 0x85a308d3, 9], dtype=np.uint32)
    k0, k1, c0, c1 = fgrad.device_put((np.array([0x13198a2e], np.uint32), np.array([0x03707344], np.uint32),
                                       ctr0, ctr1), device)
    y0, y1 = _threefry2x32(k0, k1, c0, c1)
    assert (int(host(y0)[1]), int(host(y1)[1])) == (0xc4923a9c, 0x483df7a0)
    assert host(c0).tolist() == ctr0.tolist()  # inputs are not modified


# ----------------------------------------------------------------------------- keys

def test_key_holds_the_seed_bits():
    for seed, expected in [(0, [0, 0]), (42, [0, 42]), (2**32 + 5, [1, 5]), (2**64 - 1, [2**32 - 1] * 2),
                           (-1, [2**32 - 1] * 2), (np.int64(7), [0, 7]), (np.array(7), [0, 7]),
                           (np.uint64(2**40), [256, 0])]:
        k = fr.key(seed)
        assert k.dtype == np.uint32 and k.shape == (2,)
        assert k.tolist() == expected, seed
    assert fr.PRNGKey(3).tolist() == fr.key(3).tolist()
    assert fr.key_data(fr.key(3)).tolist() == [0, 3]
    assert fr.key_data(fr.split(fr.key(3), 4)).shape == (4, 2)
    assert fr.wrap_key_data(np.array([1, 2], np.uint32)).tolist() == [1, 2]


def test_key_seed_errors():
    with pytest.raises(TypeError, match="seed must be an integer"):
        fr.key(1.5)
    with pytest.raises(TypeError, match="seed must be an integer"):
        fr.key(np.zeros(2, dtype=np.int64))
    with pytest.raises(OverflowError):
        fr.key(2**64)


def test_split_children_are_distinct_from_each_other_and_the_parent(device):
    key = make_key(0, device)
    children = host(fr.split(key, 1000))
    assert children.shape == (1000, 2) and children.dtype == np.uint32
    pairs = {tuple(c) for c in children.tolist()}
    assert len(pairs) == 1000
    assert tuple(host(key).tolist()) not in pairs
    # ... and from the word pairs of the parent's own sample stream.
    stream = host(fr.bits(key, (2000,))).reshape(1000, 2)
    assert not pairs & {tuple(w) for w in stream.tolist()}
    # Their samples differ from each other and from the parent's.
    k1, k2 = fr.split(key)
    draws = [host(fr.normal(k, (8,))) for k in (key, k1, k2)]
    assert not np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[1], draws[2])
    assert not np.array_equal(draws[0], draws[2])


def test_split_shapes(device):
    key = make_key(1, device)
    assert fr.split(key).shape == (2, 2)
    assert fr.split(key, 5).shape == (5, 2)
    assert fr.split(key, (2, 3)).shape == (2, 3, 2)
    assert fr.split(key, 0).shape == (0, 2)
    # Deterministic.
    assert np.array_equal(host(fr.split(key, 4)), host(fr.split(key, 4)))


def test_fold_in_differs_per_data(device):
    key = make_key(0, device)
    folded = {tuple(host(fr.fold_in(key, d)).tolist()) for d in range(200)}
    assert len(folded) == 200
    assert not folded & {tuple(c) for c in host(fr.split(key, 200)).tolist()}
    assert tuple(host(key).tolist()) not in folded
    # Different parents give different keys for the same data.
    assert not np.array_equal(host(fr.fold_in(key, 3)), host(fr.fold_in(make_key(1, device), 3)))
    # 64-bit data: the high word matters.
    assert not np.array_equal(host(fr.fold_in(key, 5)), host(fr.fold_in(key, 5 + 2**32)))


def test_fold_in_data_forms_agree():
    key = fr.key(9)
    expected = fr.fold_in(key, 12345).tolist()
    assert fr.fold_in(key, np.int32(12345)).tolist() == expected
    assert fr.fold_in(key, np.array(12345, dtype=np.uint16)).tolist() == expected
    assert fr.fold_in(key, -1).tolist() == fr.fold_in(key, 2**64 - 1).tolist()
    assert fr.fold_in(key, np.array(-1)).tolist() == fr.fold_in(key, 2**64 - 1).tolist()
    with pytest.raises(TypeError, match="data must be an integer"):
        fr.fold_in(key, 1.5)
    with pytest.raises(OverflowError):
        fr.fold_in(key, 2**64)


# ----------------------------------------------------------------------------- every sampler

SAMPLERS = {
    "bits": lambda k: fr.bits(k, (5,)),
    "uniform": lambda k: fr.uniform(k, (5,)),
    "normal": lambda k: fr.normal(k, (5,)),
    "normal_complex": lambda k: fr.normal(k, (5,), np.complex128),
    "truncated_normal": lambda k: fr.truncated_normal(k, -1.0, 2.0, (5,)),
    "bernoulli": lambda k: fr.bernoulli(k, 0.5, (64,)),
    "randint": lambda k: fr.randint(k, (5,), 0, 1000),
    "permutation": lambda k: fr.permutation(k, 20),
    "choice": lambda k: fr.choice(k, 1000, (5,)),
    "choice_weighted": lambda k: fr.choice(k, 1000, (5,), p=np.full(1000, 1e-3)),
    "choice_no_replace": lambda k: fr.choice(k, 1000, (5,), replace=False),
    "categorical": lambda k: fr.categorical(k, np.zeros(1000), shape=(5,)),
    "gumbel": lambda k: fr.gumbel(k, (5,)),
    "exponential": lambda k: fr.exponential(k, (5,)),
    "laplace": lambda k: fr.laplace(k, (5,)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_same_key_same_sample_different_key_different_sample(device, name):
    draw = SAMPLERS[name]
    key = make_key(123, device)
    a, b = host(draw(key)), host(draw(make_key(123, device)))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, host(draw(make_key(124, device))))
    assert not np.array_equal(a, host(draw(fr.split(key)[0])))
    assert not np.array_equal(a, host(draw(fr.fold_in(key, 1))))


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_samples_stay_on_the_key_device(device, name):
    out = SAMPLERS[name](make_key(0, device))
    assert fgrad.backend.device_of(out) == device


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_gpu_samples_match_cpu_samples(device, name):
    if device == "cpu":
        pytest.skip("compares a GPU with the CPU")
    cpu = SAMPLERS[name](fr.key(5))
    gpu = host(SAMPLERS[name](make_key(5, device)))
    if cpu.dtype.kind in "fc":
        np.testing.assert_allclose(gpu, cpu, rtol=1e-12, atol=1e-14)
    else:
        assert np.array_equal(gpu, cpu)


@pytest.mark.parametrize("fn, dtype", [(fr.uniform, np.float16), (fr.uniform, np.float32), (fr.uniform, np.float64),
                                       (fr.normal, np.float32), (fr.normal, np.float64),
                                       (fr.normal, np.complex64), (fr.gumbel, np.float32),
                                       (fr.exponential, np.float32), (fr.laplace, np.float32)])
@pytest.mark.parametrize("shape", [(), (3,), (2, 0), (2, 3, 4)])
def test_shapes_and_dtypes(device, fn, dtype, shape):
    out = fn(make_key(0, device), shape, dtype)
    assert out.shape == shape and out.dtype == dtype
    assert np.all(np.isfinite(host(out)))


def test_default_dtypes_and_shapes(device):
    key = make_key(0, device)
    assert fr.normal(key).dtype == np.float64 and fr.normal(key).shape == ()
    assert fr.uniform(key).dtype == np.float64
    assert fr.bits(key, (3,)).dtype == np.uint32
    for dt in (np.uint8, np.uint16, np.uint64):
        assert fr.bits(key, (3,), dt).dtype == dt
    assert fr.randint(key, (2, 3), 0, 5).dtype == np.int64
    assert fr.randint(key, (2,), 0, 5, np.int8).dtype == np.int8
    assert fr.bernoulli(key, 0.5).shape == () and fr.bernoulli(key, 0.5).dtype == np.bool_
    assert fr.bernoulli(key, np.full((2, 3), 0.5)).shape == (2, 3)
    assert fr.truncated_normal(key, np.zeros(3), 1.0).shape == (3,)
    assert fr.truncated_normal(key, -1.0, 1.0, (2,), np.float32).dtype == np.float32
    assert fr.categorical(key, np.zeros((4, 3))).shape == (4,)
    assert fr.categorical(key, np.zeros((4, 3)), axis=0).shape == (3,)
    assert fr.categorical(key, np.zeros((4, 3)), shape=(7, 4)).shape == (7, 4)
    assert fr.categorical(key, np.zeros(3)).dtype == np.int64
    assert fr.permutation(key, 6).dtype == np.int64
    assert fr.choice(key, np.zeros((5, 2)), (3, 4)).shape == (3, 4, 2)
    assert fr.choice(key, np.zeros((5, 2)), (3,), axis=1).shape == (5, 3)
    assert fr.choice(key, 5, ()).shape == ()


def test_prefix_of_a_sample_does_not_depend_on_its_size(device):
    key = make_key(3, device)
    assert np.array_equal(host(fr.bits(key, (7,))), host(fr.bits(key, (100,)))[:7])
    assert np.array_equal(host(fr.normal(key, (7,))), host(fr.normal(key, (100,)))[:7])


# ----------------------------------------------------------------------------- distributions

N = 200_000


def test_uniform_statistics(device):
    u = host(fr.uniform(make_key(0, device), (N,)))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005  # standard error 0.00065
    assert abs(u.var() - 1 / 12) < 0.002
    assert scipy.stats.kstest(u, "uniform").pvalue > 1e-3
    v = host(fr.uniform(make_key(1, device), (N,), np.float32, minval=-2.0, maxval=3.0))
    assert v.min() >= -2.0 and v.max() < 3.0
    assert abs(v.mean() - 0.5) < 0.03


def test_uniform_grid_uses_the_mantissa_bits(device):
    # Every float64 draw is a multiple of 2**-52, every float32 one of 2**-23.
    u = host(fr.uniform(make_key(0, device), (1000,)))
    assert np.all(u * 2.0**52 == np.floor(u * 2.0**52))
    assert np.unique(u).size == 1000
    v = host(fr.uniform(make_key(0, device), (1000,), np.float32)).astype(np.float64)
    assert np.all(v * 2.0**23 == np.floor(v * 2.0**23))


def test_uniform_broadcasts_bounds(device):
    lo = fgrad.device_put(np.array([0.0, 10.0, 100.0]), device)
    u = host(fr.uniform(make_key(2, device), (1000, 3), minval=lo, maxval=lo + 1.0))
    assert np.all((u >= [0, 10, 100]) & (u < [1, 11, 101]))


def test_uniform_never_reaches_maxval():
    # The largest grid point, scaled, rounds up to maxval in float32; the result is clipped.
    u = fr.uniform(fr.key(0), (N,), np.float32, minval=1.0, maxval=1.0 + 2.0**-20)
    assert np.all(u < np.float32(1.0 + 2.0**-20)) and np.all(u >= 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_statistics(device, dtype):
    z = host(fr.normal(make_key(0, device), (N,), dtype)).astype(np.float64)
    assert abs(z.mean()) < 0.012  # standard error 0.0022
    assert abs(z.var() - 1.0) < 0.015  # standard error 0.0032
    assert abs(scipy.stats.skew(z)) < 0.03 and abs(scipy.stats.kurtosis(z)) < 0.06
    assert scipy.stats.kstest(z, "norm").pvalue > 1e-3


def test_complex_normal_statistics(device):
    z = host(fr.normal(make_key(0, device), (N,), np.complex128))
    assert abs(z.real.var() - 0.5) < 0.01 and abs(z.imag.var() - 0.5) < 0.01
    assert abs(np.mean(z.real * z.imag)) < 0.01


def test_truncated_normal_statistics(device):
    key = make_key(0, device)
    for lo, hi in [(-1.0, 2.0), (1.0, 3.0), (-np.inf, -2.5), (0.0, np.inf)]:
        x = host(fr.truncated_normal(key, lo, hi, (N // 4,)))
        assert np.all((x > lo) & (x < hi)), (lo, hi)
        assert scipy.stats.kstest(x, scipy.stats.truncnorm(lo, hi).cdf).pvalue > 1e-3, (lo, hi)


def test_truncated_normal_far_in_the_tails(device):
    # Far out in a tail the CDF is taken where it keeps its relative accuracy.
    key = make_key(1, device)
    for lo, hi in [(8.0, np.inf), (-np.inf, -12.0), (20.0, 20.5), (-30.5, -30.0)]:
        x = host(fr.truncated_normal(key, lo, hi, (20_000,)))
        assert np.all((x > lo) & (x < hi)), (lo, hi)
        expected = scipy.stats.truncnorm(lo, hi).mean()
        assert abs(x.mean() - expected) < 0.01 * max(1.0, abs(expected) / 10), (lo, hi)


def test_truncated_normal_float32_stays_inside_open_interval(device):
    x = host(fr.truncated_normal(make_key(0, device), 0.0, 1e-3, (10_000,), np.float32))
    assert x.dtype == np.float32 and np.all((x > 0) & (x < np.float32(1e-3)))


def test_truncated_normal_empty_interval_is_nan():
    x = fr.truncated_normal(fr.key(0), np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    assert np.isfinite(x[0]) and np.isnan(x[1])


def test_bernoulli_frequency(device):
    key = make_key(0, device)
    b = host(fr.bernoulli(key, 0.3, (N,)))
    assert b.dtype == np.bool_ and abs(b.mean() - 0.3) < 0.006  # standard error 0.001
    assert not host(fr.bernoulli(key, 0.0, (1000,))).any()
    assert host(fr.bernoulli(key, 1.0, (1000,))).all()
    p = fgrad.device_put(np.array([0.1, 0.5, 0.9]), device)
    freq = host(fr.bernoulli(key, p, (N // 4, 3))).mean(axis=0)
    np.testing.assert_allclose(freq, [0.1, 0.5, 0.9], atol=0.01)


def test_categorical_frequencies_match_softmax(device):
    logits = np.array([-1.0, 0.0, 1.0, 2.0, -np.inf])
    draws = host(fr.categorical(make_key(0, device), fgrad.device_put(logits, device), shape=(N,)))
    freq = np.bincount(draws, minlength=5) / N
    np.testing.assert_allclose(freq, scipy.special.softmax(logits), atol=0.006)
    assert freq[4] == 0  # probability zero is never drawn


def test_categorical_batches_along_any_axis(device):
    logits = np.log(np.array([[0.1, 0.6], [0.9, 0.4]]))  # distributions in the columns
    draws = host(fr.categorical(make_key(1, device), fgrad.device_put(logits, device), axis=0,
                                shape=(N // 4, 2)))
    assert draws.shape == (N // 4, 2)
    np.testing.assert_allclose(draws.mean(axis=0), [0.9, 0.4], atol=0.01)


def test_randint_range_and_uniformity(device):
    x = host(fr.randint(make_key(0, device), (N,), -3, 7))
    assert x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3, minlength=10)
    np.testing.assert_allclose(counts / N, 0.1, atol=0.004)  # standard error 0.0007
    assert scipy.stats.chisquare(counts).pvalue > 1e-3


def test_randint_bounds_broadcast_and_clip_to_dtype(device):
    key = make_key(0, device)
    lo = fgrad.device_put(np.array([0, 100, -50]), device)
    x = host(fr.randint(key, (1000, 3), lo, lo + 3))
    assert np.all((x >= [0, 100, -50]) & (x < [3, 103, -47]))
    assert set(np.unique(x[:, 0]).tolist()) == {0, 1, 2}
    y = host(fr.randint(key, (1000,), 250, 1000, np.uint8))  # maxval clipped to 256
    assert y.dtype == np.uint8 and y.min() == 250 and y.max() == 255
    z = host(fr.randint(key, (1000,), -2**63, 2**63 - 1))  # the whole int64 range
    assert (z < 0).any() and (z > 0).any()
    w = host(fr.randint(key, (1000,), 2**63, 2**64 - 1, np.uint64))
    assert w.dtype == np.uint64 and np.all(w >= 2**63)


def test_permutation_is_a_permutation(device):
    key = make_key(0, device)
    p = host(fr.permutation(key, 1000))
    assert np.array_equal(np.sort(p), np.arange(1000)) and not np.array_equal(p, np.arange(1000))
    x = np.arange(12.0).reshape(4, 3)
    rows = host(fr.permutation(key, fgrad.device_put(x, device)))
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, x.tolist()))
    cols = host(fr.permutation(key, fgrad.device_put(x, device), axis=1))
    assert np.array_equal(np.sort(cols, axis=1), x)
    assert np.array_equal(cols[:, np.argsort(cols[0])], x)  # whole columns move together
    indep = host(fr.permutation(key, fgrad.device_put(np.tile(np.arange(50), (40, 1)), device), axis=1,
                                independent=True))
    assert np.array_equal(np.sort(indep, axis=1), np.tile(np.arange(50), (40, 1)))
    assert len({tuple(r) for r in indep.tolist()}) == 40  # rows were shuffled independently


def test_permutation_is_uniform(device):
    # All 6 orders of 3 items about equally often: across rows (independent=True) and across keys.
    key = make_key(0, device)
    rows = host(fr.permutation(key, fgrad.device_put(np.tile(np.arange(3), (6000, 1)), device), axis=1,
                               independent=True))
    _, counts = np.unique(rows, axis=0, return_counts=True)
    assert len(counts) == 6 and np.all((800 < counts) & (counts < 1200))  # standard deviation 29
    orders = [tuple(host(fr.permutation(fgrad.device_put(k, device), 3)).tolist())
              for k in host(fr.split(key, 600))]
    _, counts = np.unique(orders, axis=0, return_counts=True)
    assert len(counts) == 6 and np.all((60 < counts) & (counts < 140))  # standard deviation 9


def test_choice_statistics(device):
    key = make_key(0, device)
    p = np.array([0.1, 0.0, 0.2, 0.7])
    draws = host(fr.choice(key, 4, (N,), p=fgrad.device_put(p, device)))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / N, p, atol=0.006)
    uniform = host(fr.choice(key, 5, (N,)))
    np.testing.assert_allclose(np.bincount(uniform, minlength=5) / N, 0.2, atol=0.006)
    distinct = host(fr.choice(key, 10, (10,), replace=False))
    assert sorted(distinct.tolist()) == list(range(10))
    weighted = host(fr.choice(key, 4, (3,), replace=False, p=fgrad.device_put(p, device)))
    assert sorted(weighted.tolist()) == [0, 2, 3]  # the zero-probability entry is never picked
    a = fgrad.device_put(np.arange(20.0).reshape(10, 2), device)
    rows = host(fr.choice(key, a, (4,), replace=False))
    assert all(r[1] == r[0] + 1 and r[0] % 2 == 0 for r in rows.tolist())


def test_choice_without_replacement_weights_first_pick(device):
    # The first of k draws without replacement follows p, like a single draw.
    p = np.array([0.5, 0.3, 0.2])
    firsts = [int(host(fr.choice(fgrad.device_put(k, device), 3, (2,), replace=False,
                                 p=fgrad.device_put(p, device)))[0])
              for k in host(fr.split(make_key(0, device), 2000))]
    np.testing.assert_allclose(np.bincount(firsts, minlength=3) / 2000, p, atol=0.05)  # standard error 0.011


@pytest.mark.parametrize("fn, dist", [(fr.gumbel, scipy.stats.gumbel_r), (fr.exponential, scipy.stats.expon),
                                      (fr.laplace, scipy.stats.laplace)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_other_distributions(device, fn, dist, dtype):
    x = host(fn(make_key(0, device), (N,), dtype)).astype(np.float64)
    assert abs(x.mean() - dist.mean()) < 0.02
    assert abs(x.var() / dist.var() - 1.0) < 0.03
    assert scipy.stats.kstest(x, dist.cdf).pvalue > 1e-3


# ----------------------------------------------------------------------------- special functions

def test_ndtri_matches_scipy(device):
    p = np.concatenate([np.logspace(-300, -1, 2000), np.linspace(0.01, 0.99, 2001),
                        1.0 - np.logspace(-16, -1, 200)])
    ours = host(_ndtri(fgrad.device_put(p, device)))
    np.testing.assert_allclose(ours, scipy.special.ndtri(p), rtol=1e-14, atol=1e-15)


def test_erfc_matches_scipy(device):
    x = np.concatenate([np.linspace(-6.0, 26.0, 20001), [-np.inf, np.inf, 0.0, 1e300, -1e300]])
    ours = host(_erfc(fgrad.device_put(x, device)))
    np.testing.assert_allclose(ours, scipy.special.erfc(x), rtol=1e-13, atol=0)


# ----------------------------------------------------------------------------- gradients

def test_samples_are_constants_to_grad():
    key = fr.key(0)

    def f(m):
        return fnp.sum(m * fr.uniform(key, (3,), minval=m, maxval=m + 1.0))

    u = fr.uniform(key, (3,), minval=0.5, maxval=1.5)
    np.testing.assert_allclose(fgrad.grad(f)(0.5), u.sum())


def test_permutation_passes_gradients_to_the_permuted_entries():
    if not hasattr(fnp, "take"):
        pytest.skip("fgrad.numpy.take is not available yet")
    key = fr.key(0)
    w = np.arange(5.0)
    g = fgrad.grad(lambda x: fnp.sum(w * fr.permutation(key, x)))(np.ones(5))
    perm = fr.permutation(key, 5)
    expected = np.empty(5)
    expected[perm] = w
    np.testing.assert_allclose(g, expected)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("bad", [0, [0, 1], np.zeros(2), np.zeros(3, np.uint32), np.zeros((2, 2), np.uint32),
                                 np.zeros(2, np.int64)])
def test_bad_keys_raise_type_error(bad):
    for fn in (lambda k: fr.normal(k), lambda k: fr.split(k), lambda k: fr.fold_in(k, 1),
               lambda k: fr.randint(k, (), 0, 2), lambda k: fr.permutation(k, 3)):
        with pytest.raises(TypeError, match=r"shape \(2,\).*fgrad\.random\.key\(seed\)"):
            fn(bad)


def test_batched_key_error_says_to_pick_one():
    with pytest.raises(TypeError, match=r"shape \(3, 2\).*keys\[0\]"):
        fr.uniform(fr.split(fr.key(0), 3))


def test_argument_errors():
    key = fr.key(0)
    with pytest.raises(ValueError, match="num must not be negative"):
        fr.split(key, -1)
    with pytest.raises(TypeError, match="num"):
        fr.split(key, 2.0)
    with pytest.raises(ValueError, match="minval must be less than maxval"):
        fr.randint(key, (3,), 5, 5)
    with pytest.raises(ValueError, match="minval must be less than maxval"):
        fr.randint(key, (3,), 5, np.array([6, 7, 4]))
    with pytest.raises(ValueError, match="minval must be less than maxval"):
        fr.randint(key, (3,), -10, -5, np.uint8)  # empty once clipped to uint8
    with pytest.raises(TypeError, match="minval"):
        fr.randint(key, (3,), 0.5, 3)
    with pytest.raises(TypeError, match="integer dtype"):
        fr.randint(key, (3,), 0, 3, np.float32)
    with pytest.raises(TypeError, match="floating-point"):
        fr.uniform(key, (3,), np.int32)
    with pytest.raises(TypeError, match="floating-point"):
        fr.normal(key, (3,), np.int64)
    with pytest.raises(TypeError, match="unsigned"):
        fr.bits(key, (3,), np.int32)
    with pytest.raises(ValueError, match="must not be negative"):
        fr.normal(key, (2, -1))
    with pytest.raises(TypeError, match="shape"):
        fr.normal(key, (2.5,))
    with pytest.raises(ValueError, match="broadcast"):
        fr.uniform(key, (2,), minval=np.zeros(3))
    with pytest.raises(ValueError, match="broadcast"):
        fr.bernoulli(key, np.full(3, 0.5), (2,))
    with pytest.raises(ValueError, match="broadcast"):
        fr.truncated_normal(key, np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="batch shape"):
        fr.categorical(key, np.zeros((4, 3)), shape=())
    with pytest.raises(ValueError, match="broadcast"):
        fr.categorical(key, np.zeros((4, 3)), shape=(5,))
    with pytest.raises(np.exceptions.AxisError):
        fr.permutation(key, np.zeros(3), axis=1)
    with pytest.raises(np.exceptions.AxisError):
        fr.categorical(key, np.zeros(3), axis=2)
    with pytest.raises(ValueError, match="larger sample"):
        fr.choice(key, 3, (4,), replace=False)
    with pytest.raises(ValueError, match="p must be a 1-d array"):
        fr.choice(key, 3, (2,), p=np.ones(4) / 4)
    with pytest.raises(ValueError, match="a must be positive"):
        fr.choice(key, 0, (2,))
    with pytest.raises(ValueError, match="non-negative"):
        fr.permutation(key, -2)
    assert fr.choice(key, 0, (0,)).shape == (0,)


def test_too_many_words_for_one_key():
    with pytest.raises(ValueError, match="split the key"):
        fr._stream(fr.key(0), 0, 2**32 + 1)


def test_random_is_exported():
    assert fgrad.random is fr
    assert set(fr.__all__) >= {"key", "PRNGKey", "split", "fold_in", "normal", "uniform", "bernoulli", "randint",
                               "permutation", "choice", "categorical", "truncated_normal", "gumbel", "exponential",
                               "laplace", "key_data", "bits"}
