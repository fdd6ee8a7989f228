"""Random numbers with explicit keys, as in ``jax.random``, on NumPy or CuPy.

There is no hidden state: a *key* decides every number a sampler draws, so the
same key always gives the same sample. Use each key once; for more draws,
``split`` it (or ``fold_in`` a step number) into fresh keys.

A key is raw data: a ``uint32`` array of shape ``(2,)``, like JAX's legacy
``PRNGKey``. ``key(seed)`` and ``PRNGKey(seed)`` make one; ``split`` returns a
``(num, 2)`` array of keys to index. Keys live on a device like any array: a key
moved with ``fgrad.device_put(key, "cuda")`` draws its samples on that GPU, and
nothing is copied to the host.

The generator is Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror and Shaw,
"Parallel random numbers: as easy as 1, 2, 3", SC 2011), a counter-based
generator: word pair ``i`` of a stream is ``threefry(key, (i, tag))``. The tag
keeps the three uses of a key apart -- sample bits (0), ``split`` (1) and
``fold_in`` (2) -- and because Threefry is a bijection of the counter for a
fixed key, a key's children never repeat each other or its sample bits.

Samples are constants to ``fgrad.grad``: keys are not differentiable, and no
sampler differentiates through ``minval``, ``p``, ``logits`` and the like (write
the reparameterisation yourself, e.g. ``lo + (hi - lo) * uniform(key)``). Only
``permutation`` and ``choice`` of an array pass gradients to the elements they
pick, as indexing does.

The default float dtype is float64 and the default integer dtype int64, as in
NumPy (JAX's are 32-bit).

>>> import fgrad.random as fr
>>> key = fr.key(0)
>>> k1, k2 = fr.split(key)
>>> fr.normal(k1, (2, 3)).shape
(2, 3)

Under ``fgrad.vmap`` the keys (and any parameter) may be mapped: a batch of keys from
``split`` draws, for each key, exactly what that key draws alone, in one vectorised call:

>>> fgrad.vmap(lambda k: fr.normal(k, (3,)))(fr.split(key, 5)).shape
(5, 3)
"""
from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import backend, batching
from .core import Primitive, Tracer, concrete
from .numpy import get_array_module, shape as shape_of, take, take_along_axis

if TYPE_CHECKING:
    from .typing import Array, ArrayLike, DTypeLike, Shape

__all__ = ["key", "PRNGKey", "key_data", "wrap_key_data", "split", "fold_in", "bits",
           "uniform", "normal", "truncated_normal", "bernoulli", "randint", "permutation", "choice",
           "categorical", "gumbel", "exponential", "laplace"]

_U32 = np.uint32
_U64 = np.uint64
_MASK32 = 0xFFFFFFFF
_BITS, _SPLIT, _FOLD = 0, 1, 2  # counter high words: one stream per use of a key
_MAX_BLOCKS = 1 << 32  # counter low word: 2**32 blocks of two words per stream

# ----------------------------------------------------------------------------- Threefry-2x32

_ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)  # Threefry-2x32's R_32x2 (Random123, threefry.h)
_PARITY = 0x1BD11BDA  # Skein's key-schedule parity constant, 32-bit


def _threefry2x32(k0, k1, x0, x1, rounds=20):
    """Threefry-2x32 of counters ``(x0, x1)`` under key ``(k0, k1)`` (uint32 arrays).

    Vectorised over the counters; a key is 1-element arrays, so no NumPy scalar
    arithmetic (which warns on the intended uint32 wrap-around) takes place.
    """
    xp = get_array_module(x0)
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    tmp = x1.copy()
    for r in range(rounds):
        rot = _ROTATIONS[r % 8]
        x0 += x1
        xp.left_shift(x1, rot, out=tmp)
        x1 >>= 32 - rot
        x1 |= tmp
        x1 ^= x0
        if r % 4 == 3:  # key injection after every fourth round, the last one included
            i = r // 4 + 1
            x0 += ks[i % 3]
            x1 += ks[(i + 1) % 3]
            x1 += i
    return x0, x1

def _stream(k, tag, count):
    """``count`` counter blocks of stream ``tag`` of raw keys ``k (*batch, 2)``: two uint32 arrays
    ``(*batch, count)`` (``batch`` is ``()`` for one key)."""
    if count > _MAX_BLOCKS:
        raise ValueError(f"fgrad.random: at most {2 * _MAX_BLOCKS} random words can be drawn from one key at "
                         "once; split the key and draw in parts")
    xp = get_array_module(k)
    x0 = xp.arange(count, dtype=_U32)
    x1 = xp.full(count, tag, dtype=_U32)
    return _threefry2x32(k[..., 0:1], k[..., 1:2], x0, x1)


def _words(k, n):
    """The first ``n`` uint32 words of the sample stream of each key in ``k (*batch, 2)``:
    ``(*batch, n)`` (a prefix never depends on ``n``)."""
    xp = get_array_module(k)
    m = (n + 1) // 2
    y0, y1 = _stream(k, _BITS, m)
    return xp.stack([y0, y1], axis=-1).reshape(k.shape[:-1] + (2 * m,))[..., :n]


def _words64(k, n):
    """``n`` uint64 words per key, each from two uint32 words of the stream."""
    w = _words(k, 2 * n).reshape(k.shape[:-1] + (n, 2))
    return (w[..., 0].astype(_U64) << 32) | w[..., 1].astype(_U64)


# ----------------------------------------------------------------------------- the sampling primitive
# Every draw is one call of the non-differentiable primitive ``random_sample``: a front end checks
# the arguments of ONE draw and binds it with the key and the array parameters; the raw sampler
# named by ``sampler`` computes it. Each argument carries ``nb`` leading batch axes (0 for a plain
# call): a raw sampler draws for every key of a batch of keys at once, exactly what each key
# would draw alone, and broadcasts the parameters' batch axes against the keys'. vmap's rule
# just adds one such axis to every argument, so a vmap over keys equals a loop over them.

def _sample_impl(*args, sampler, nb, **params):
    return _SAMPLERS[sampler](*args, nb=nb, **params)


def _sample_batch(prim, args, dims, params):
    """The batch as one more leading axis of every argument (of length 1 where not mapped)."""
    moved = [batching.reshape(a, (1,) + tuple(shape_of(a))) if d is None else batching.to_front(a, d)
             for a, d in zip(args, dims)]
    return prim.bind(*moved, **dict(params, nb=params["nb"] + 1)), 0


_sample = Primitive("random_sample", _sample_impl, nondiff=True, batch=_sample_batch)


def _draw(sampler, *args, **params):
    """One draw: the raw result, or a batch tracer under vmap."""
    return _sample.bind(*args, sampler=sampler, nb=0, **params)


def _lead(nb, *arrays):
    """The batch shape: the leading ``nb`` axes of ``arrays``, broadcast."""
    return tuple(np.broadcast_shapes(*(a.shape[:nb] for a in arrays)))


def _align(a, nb, nd):
    """A parameter (``nb`` batch axes, then its own) with unit axes after the batch, so that its own
    axes line up with the last of ``nd`` sample axes."""
    s = a.shape
    return a.reshape(s[:nb] + (1,) * (nd + nb - len(s)) + s[nb:])


# ----------------------------------------------------------------------------- keys

def key(seed: int | ArrayLike) -> Array:
    """A new key from an integer seed: ``uint32[2]`` holding the seed's high and low 32 bits.

    Seeds are taken modulo 2**64, so ``-1`` and ``2**64 - 1`` give the same key, as in JAX.
    A 0-d integer array seed on a GPU gives a key on that GPU. ``PRNGKey`` is the same function.

    >>> fgrad.random.key(42)
    array([ 0, 42], dtype=uint32)
    >>> fgrad.random.key(-1)
    array([4294967295, 4294967295], dtype=uint32)
    """
    s = seed if isinstance(seed, Tracer) else concrete(seed)
    if isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)):
        s = int(s)
        if not -(1 << 63) <= s < (1 << 64):
            raise OverflowError(f"fgrad.random.key: seed {s} does not fit in 64 bits")
        s %= 1 << 64
        return np.array([s >> 32, s & _MASK32], dtype=_U32)
    if hasattr(s, "dtype") and len(shape_of(s)) == 0 and s.dtype.kind in "iu":
        return _draw("seed", s)
    raise TypeError(f"fgrad.random.key: seed must be an integer, got {_describe(s)}")


def _seed_sampler(s, *, nb):
    xp = get_array_module(s)
    s = xp.asarray(s).astype(_U64)  # wraps negative seeds, like the int path
    return xp.stack([(s >> 32).astype(_U32), (s & _MASK32).astype(_U32)], axis=-1)


PRNGKey = key


def _describe(x):
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        return f"an array of shape {tuple(x.shape)} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"


def _check_key(k, fn):
    """The key (one ``uint32[2]``, a batch tracer of them under vmap), or a TypeError saying how to
    make one."""
    dt = getattr(k, "dtype", None)
    if dt == _U32 and tuple(getattr(k, "shape", ())) == (2,):
        return k
    hint = ""
    if dt == _U32 and tuple(k.shape)[-1:] == (2,):
        hint = " (a batch of keys from split: pick one, e.g. keys[0])"
    raise TypeError(f"fgrad.random.{fn}: key must be a uint32 array of shape (2,); got {_describe(k)}{hint}. "
                    "Make one with fgrad.random.key(seed) and derive more with fgrad.random.split")


def _key_value(k):
    """Keys are data without a derivative: the value under derivative tracers (vmap's stay)."""
    return k._nondiff_value() if isinstance(k, Tracer) else k


def key_data(keys: ArrayLike) -> Array:
    """The raw ``uint32`` data of a key: the key itself, since keys here are raw data.

    >>> fgrad.random.key_data(fgrad.random.key(42))
    array([ 0, 42], dtype=uint32)
    """
    if getattr(keys, "dtype", None) != _U32 or tuple(getattr(keys, "shape", ()))[-1:] != (2,):
        _check_key(keys if isinstance(keys, Tracer) else concrete(keys), "key_data")
    return _key_value(keys)


def wrap_key_data(key_bits_array: ArrayLike) -> Array:
    """A key from raw ``uint32`` data (checked; keys here are raw data already).

    >>> k = fgrad.random.wrap_key_data(fnp.array([0, 42], dtype=fnp.uint32))
    >>> bool((fgrad.random.normal(k, (3,)) == fgrad.random.normal(fgrad.random.key(42), (3,))).all())
    True
    """
    return key_data(key_bits_array)


def split(key: ArrayLike, num: int | Shape = 2) -> Array:
    """``num`` new keys from ``key``: an array of shape ``(num, 2)`` (``num`` may be a shape).

    The children are distinct from each other and from every sample ``key`` draws.

    >>> keys = fgrad.random.split(fgrad.random.key(0), 3)
    >>> keys.shape, keys.dtype, len({tuple(k) for k in keys.tolist()})
    ((3, 2), dtype('uint32'), 3)
    >>> k1, k2 = fgrad.random.split(fgrad.random.key(0))  # unpack to use each once
    """
    k = _check_key(key, "split")
    return _draw("split", k, shape=_canon_shape(num, "split", "num"))


def _split_sampler(k, *, nb, shape):
    xp = get_array_module(k)
    y0, y1 = _stream(k, _SPLIT, math.prod(shape))
    return xp.stack([y0, y1], axis=-1).reshape(k.shape[:-1] + shape + (2,))


def fold_in(key: ArrayLike, data: int | ArrayLike) -> Array:
    """A new key that mixes the integer ``data`` (e.g. a step number) into ``key``.

    ``data`` is taken modulo 2**64; different values give different keys, the same value the same key.

    >>> k = fgrad.random.key(0)
    >>> bool((fgrad.random.fold_in(k, 7) == fgrad.random.fold_in(k, 7)).all())
    True
    >>> bool((fgrad.random.fold_in(k, 7) == fgrad.random.fold_in(k, 8)).all())
    False
    """
    k = _check_key(key, "fold_in")
    xp = get_array_module(k)
    d = data if isinstance(data, Tracer) else concrete(data)
    if isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)):
        d = int(d)
        if not -(1 << 63) <= d < (1 << 64):
            raise OverflowError(f"fgrad.random.fold_in: data {d} does not fit in 64 bits")
        d = xp.asarray(d % (1 << 64), dtype=_U64)
    elif hasattr(d, "dtype") and len(shape_of(d)) == 0 and d.dtype.kind in "iu":
        _same_device("fold_in", concrete(k), concrete(d))
    else:
        raise TypeError(f"fgrad.random.fold_in: data must be an integer, got {_describe(d)}")
    return _draw("fold_in", k, d)


def _fold_in_sampler(k, d, *, nb):
    xp = get_array_module(k)
    d = xp.asarray(d).astype(_U64)[..., None]  # two's complement: negative data wraps
    x0 = (d & _MASK32).astype(_U32)
    x1 = (d >> 32).astype(_U32)
    # A key of its own for fold_in, so all 2**64 data values are free to use as counters.
    f0, f1 = _threefry2x32(k[..., 0:1], k[..., 1:2], xp.zeros(1, dtype=_U32), xp.full(1, _FOLD, dtype=_U32))
    y0, y1 = _threefry2x32(f0, f1, x0, x1)
    return xp.concatenate([y0, y1], axis=-1)


# ----------------------------------------------------------------------------- argument checks

def _canon_shape(shape: Any, fn: str, name: str = "shape") -> tuple[int, ...]:  # (checked here)
    try:
        out = (operator.index(shape),) if not isinstance(shape, (tuple, list)) else tuple(
            operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"fgrad.random.{fn}: {name} must be an int or a tuple of ints, got {shape!r}") from None
    if any(n < 0 for n in out):
        raise ValueError(f"fgrad.random.{fn}: {name} must not be negative, got {shape!r}")
    return out


def _float_dtype(dtype, fn, complex_ok=False):
    dt = np.dtype(dtype)
    if dt in (np.float16, np.float32, np.float64) or (complex_ok and dt in (np.complex64, np.complex128)):
        return dt
    kinds = "a floating-point or complex" if complex_ok else "a floating-point"
    raise TypeError(f"fgrad.random.{fn}: dtype must be {kinds} dtype (float16/32/64), got {dt}")


def _same_device(fn, *arrays):
    if backend.cupy_active():
        backend.check_same_device(arrays, f"fgrad.random.{fn}", host_moves=True)  # _param moves them


def _param(value, xp, dtype=None):
    """A sampler's parameter: a raw array on the key's device, or a traced value as it is (the
    primitive takes no derivative through it; vmap batches it)."""
    if isinstance(value, Tracer):
        return value
    v = concrete(value)
    return xp.asarray(v, dtype=dtype) if dtype is not None else xp.asarray(v)


def _check_broadcast(fn, shape, *shapes):
    try:
        ok = np.broadcast_shapes(shape, *shapes) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"fgrad.random.{fn}: parameters of shapes {', '.join(map(str, shapes))} "
                         f"do not broadcast to the sample shape {shape}")


def _axis(axis, nd, fn):
    axis = operator.index(axis)
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(f"fgrad.random.{fn}: axis {axis} is out of bounds for array of dimension {nd}")
    return axis % nd


def _int_scalar(x):
    return (isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))) or (
        hasattr(x, "dtype") and len(shape_of(x)) == 0 and x.dtype.kind in "iu")


def _static_int(x, fn):
    """A Python int from an integer scalar (a sample's shape depends on it: vmap can't map it)."""
    if isinstance(x, Tracer) and np.ndim(concrete(x)) != 0:
        raise batching.ConcretizationTypeError(f"vmap: fgrad.random.{fn} can't be batched over an integer argument: the shape of "
                         "its result depends on the value")
    return int(x)


# ----------------------------------------------------------------------------- bits to floats

def _unit(k, n, dtype):
    """``n`` floats of ``dtype`` on the grid ``j / 2**nmant`` in [0, 1): the top mantissa bits, exactly."""
    nmant = np.finfo(dtype).nmant
    j = _words64(k, n) >> (64 - nmant) if dtype.itemsize == 8 else _words(k, n) >> (32 - nmant)
    return j.astype(dtype) * dtype.type(2.0 ** -nmant)


def _open_unit(k, n, dtype):
    """``n`` float64 values strictly inside (0, 1), symmetric about 1/2, for transforms into ``dtype``.

    Midpoints ``(j + 1/2) / 2**b`` with b = 52 for float64 results and 32 for narrower ones
    (exact in float64): no zero to take a log of, and ``p`` and ``1 - p`` are equally likely.
    """
    if dtype.itemsize == 8:
        j = _words64(k, n) >> 12
        return (j.astype(np.float64) + 0.5) * 2.0 ** -52
    return (_words(k, n).astype(np.float64) + 0.5) * 2.0 ** -32


def _finish(xp, x, shape):
    """A (possibly 0-d) array of ``shape``: NumPy operations turn 0-d arrays into scalars; a batch
    axis of length 1 (a parameter not mapped by vmap) is broadcast."""
    x = xp.asarray(x)
    if x.size == math.prod(shape):
        return x.reshape(shape)
    return xp.broadcast_to(x, shape).copy()


# ----------------------------------------------------------------------------- special functions
# Written with array operations only, so they run unchanged on CuPy (SciPy is no dependency).

def _horner(coeffs, x):
    """Polynomial with ``coeffs`` from the highest degree down, at ``x``."""
    out = x * coeffs[0]
    out += coeffs[1]
    for c in coeffs[2:]:
        out *= x
        out += c
    return out


def _piecewise(cond, x, if_true, if_false):
    """``if_true(x)`` where ``cond`` holds, else ``if_false(x)`` (elementwise functions).

    On NumPy each branch runs only on its own elements; on a GPU both run everywhere
    and ``where`` picks, which is cheaper than compacting (and needs no sync).
    """
    xp = get_array_module(x)
    if xp is not np:
        return xp.where(cond, if_true(x), if_false(x))
    out = np.empty_like(x)
    out[cond] = if_true(x[cond])
    rest = ~cond
    out[rest] = if_false(x[rest])
    return out


# Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
# Applied Statistics 37 (1988) 477-484, routine PPND16 (relative accuracy about 1e-16).
# Coefficients as published, highest degree first.
_AS241_A = (2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4,
            4.5921953931549871457e+4, 1.3731693765509461125e+4, 1.9715909503065514427e+3,
            1.3314166789178437745e+2, 3.3871328727963666080e+0)
_AS241_B = (5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4,
            2.1213794301586595867e+4, 5.3941960214247511077e+3, 6.8718700749205790830e+2,
            4.2313330701600911252e+1, 1.0)
_AS241_C = (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
            1.27045825245236838258e+0, 3.64784832476320460504e+0, 5.76949722146069140550e+0,
            4.63033784615654529590e+0, 1.42343711074968357734e+0)
_AS241_D = (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
            1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e+0,
            2.05319162663775882187e+0, 1.0)
_AS241_E = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
            2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e+0,
            5.46378491116411436990e+0, 6.65790464350110377720e+0)
_AS241_F = (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
            7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
            5.99832206555887937690e-1, 1.0)


def _ndtri(p):
    """The standard normal quantile of float64 ``p`` in (0, 1) (AS 241)."""
    xp = get_array_module(p)
    return _piecewise(xp.abs(p - 0.5) <= 0.425, p, _ndtri_central, _ndtri_tail)


def _ndtri_central(p):
    q = p - 0.5
    r = 0.180625 - q * q
    return q * _horner(_AS241_A, r) / _horner(_AS241_B, r)


def _ndtri_tail(p):
    xp = get_array_module(p)
    r = xp.sqrt(-xp.log(xp.minimum(p, 1.0 - p)))  # 1 - p is exact for p >= 1/2
    tail = _piecewise(r <= 5.0, r, lambda r: _horner(_AS241_C, r - 1.6) / _horner(_AS241_D, r - 1.6),
                      lambda r: _horner(_AS241_E, r - 5.0) / _horner(_AS241_F, r - 5.0))
    return xp.where(p < 0.5, -tail, tail)


# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
# 631-637; coefficients of SPECFUN's CALERF (netlib.org/specfun/erf), highest degree first.
_CODY_A = (1.85777706184603153e-1, 3.16112374387056560e+0, 1.13864154151050156e+2,
           3.77485237685302021e+2, 3.20937758913846947e+3)
_CODY_B = (1.0, 2.36012909523441209e+1, 2.44024637934444173e+2, 1.28261652607737228e+3,
           2.84423683343917062e+3)
_CODY_C = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e+0,
           6.61191906371416295e+1, 2.98635138197400131e+2, 8.81952221241769090e+2,
           1.71204761263407058e+3, 2.05107837782607147e+3, 1.23033935479799725e+3)
_CODY_D = (1.0, 1.57449261107098347e+1, 1.17693950891312499e+2, 5.37181101862009858e+2,
           1.62138957456669019e+3, 3.29079923573345963e+3, 4.36261909014324716e+3,
           3.43936767414372164e+3, 1.23033935480374942e+3)
_CODY_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
           1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_CODY_Q = (1.0, 2.56852019228982242e+0, 1.87295284992346047e+0, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1


def _exp_minus_square(y):
    """exp(-y*y) without the rounding error of squaring y: y*y = s*s + (y-s)(y+s), s = y to 1/16."""
    xp = get_array_module(y)
    s = xp.trunc(y * 16.0) / 16.0
    return xp.exp(-s * s) * xp.exp(-(y - s) * (y + s))


def _erfc(x):
    """Complementary error function of float64 ``x``, accurate in relative terms (Cody)."""
    xp = get_array_module(x)
    y = xp.abs(x)
    # Every branch is evaluated on inputs clipped into its own interval, so none overflows.
    xs = xp.clip(x, -0.46875, 0.46875)
    z = xs * xs
    small = 1.0 - xs * _horner(_CODY_A, z) / _horner(_CODY_B, z)
    ym = xp.clip(y, 0.46875, 4.0)
    mid = _horner(_CODY_C, ym) / _horner(_CODY_D, ym) * _exp_minus_square(ym)
    yl = xp.clip(y, 4.0, 30.0)  # erfc(30) underflows to 0 already
    z = 1.0 / (yl * yl)
    large = (_ONE_OVER_SQRT_PI - z * _horner(_CODY_P, z) / _horner(_CODY_Q, z)) / yl * _exp_minus_square(yl)
    tail = xp.where(y <= 4.0, mid, large)
    return xp.where(y <= 0.46875, small, xp.where(x < 0, 2.0 - tail, tail))


def _ndtr(x):
    """The standard normal CDF of float64 ``x``, accurate in relative terms in the lower tail."""
    return 0.5 * _erfc(x * -0.7071067811865476)

# ----------------------------------------------------------------------------- samplers
# Each public sampler checks one draw's arguments and binds it; ``_<name>_sampler`` computes it on
# raw arrays with ``nb`` leading batch axes (see "the sampling primitive").

def bits(key: ArrayLike, shape: Shape | int = (), dtype: DTypeLike | None = None) -> Array:
    """Uniformly random unsigned integers (all bits random); ``dtype`` uint8/16/32 (default)/64.

    >>> b = fgrad.random.bits(fgrad.random.key(0), (2,))
    >>> b.shape, b.dtype
    ((2,), dtype('uint32'))
    """
    k = _check_key(key, "bits")
    shape = _canon_shape(shape, "bits")
    dt = np.dtype(_U32 if dtype is None else dtype)
    if dt.kind != "u":
        raise TypeError(f"fgrad.random.bits: dtype must be an unsigned integer dtype, got {dt}")
    return _draw("bits", k, shape=shape, dtype=dt)


def _bits_sampler(k, *, nb, shape, dtype):
    n = math.prod(shape)
    w = _words64(k, n) if dtype.itemsize == 8 else _words(k, n).astype(dtype)
    return _finish(get_array_module(k), w, k.shape[:-1] + shape)


def uniform(key: ArrayLike, shape: Shape | int = (), dtype: DTypeLike = np.float64, minval: ArrayLike = 0.0,
            maxval: ArrayLike = 1.0) -> Array:
    """Uniform floats in ``[minval, maxval)``; not differentiable in ``minval``/``maxval``.

    [0, 1) is drawn exactly from the top mantissa bits (52 for float64, 23 for float32) and then
    scaled; results are clipped so rounding never reaches ``maxval``.

    >>> u = fgrad.random.uniform(fgrad.random.key(0), (1000,), minval=-1.0, maxval=1.0)
    >>> u.dtype, bool((u >= -1.0).all() and (u < 1.0).all())
    (dtype('float64'), True)
    """
    k = _check_key(key, "uniform")
    shape = _canon_shape(shape, "uniform")
    dt = _float_dtype(dtype, "uniform")
    xp = get_array_module(k)
    _same_device("uniform", concrete(k), concrete(minval), concrete(maxval))
    lo = _param(minval, xp, dt)
    hi = _param(maxval, xp, dt)
    _check_broadcast("uniform", shape, shape_of(lo), shape_of(hi))
    return _draw("uniform", k, lo, hi, shape=shape, dtype=dt)


def _uniform_sampler(k, lo, hi, *, nb, shape, dtype):
    xp = get_array_module(k)
    lo = _align(xp.asarray(lo, dtype=dtype), nb, len(shape))
    hi = _align(xp.asarray(hi, dtype=dtype), nb, len(shape))
    u = _unit(k, math.prod(shape), dtype).reshape(k.shape[:-1] + shape)
    out = xp.maximum(lo, u * (hi - lo) + lo)
    out = xp.minimum(out, xp.maximum(lo, xp.nextafter(hi, lo)))
    return _finish(xp, out, _lead(nb, k, lo, hi) + shape)


def normal(key: ArrayLike, shape: Shape | int = (), dtype: DTypeLike = np.float64) -> Array:
    """Standard normal samples, by the inverse CDF (Wichura's AS 241) of a uniform.

    A complex ``dtype`` gives independent real and imaginary parts of variance 1/2 each.
    For other means and scales write ``mu + sigma * normal(key)`` (differentiable in both).

    >>> z = fgrad.random.normal(fgrad.random.key(0), (10000,))
    >>> print(abs(z.mean()) < 0.05, abs(z.std() - 1.0) < 0.05)
    True True
    """
    k = _check_key(key, "normal")
    shape = _canon_shape(shape, "normal")
    dt = _float_dtype(dtype, "normal", complex_ok=True)
    return _draw("normal", k, shape=shape, dtype=dt)


def _normal_sampler(k, *, nb, shape, dtype):
    xp = get_array_module(k)
    n = math.prod(shape)
    batch = k.shape[:-1]
    if dtype.kind == "c":
        part = np.dtype(np.float32 if dtype == np.complex64 else np.float64)
        z = _ndtri(_open_unit(k, 2 * n, part)).reshape(batch + (n, 2)) * math.sqrt(0.5)
        return _finish(xp, (z[..., 0] + 1j * z[..., 1]).astype(dtype), batch + shape)
    return _finish(xp, _ndtri(_open_unit(k, n, dtype)).astype(dtype), batch + shape)


def truncated_normal(key: ArrayLike, lower: ArrayLike, upper: ArrayLike, shape: Shape | int | None = None,
                     dtype: DTypeLike = np.float64) -> Array:
    """Standard normal samples conditioned on ``lower < x < upper`` (inverse-CDF method).

    ``shape`` defaults to the broadcast shape of ``lower`` and ``upper``; infinite bounds are
    allowed. The CDF is evaluated in whichever tail keeps it accurate, so bounds far out in a
    tail (up to about 37 standard deviations) are sampled correctly. Where ``lower >= upper``
    the result is nan.

    >>> x = fgrad.random.truncated_normal(fgrad.random.key(0), -1.0, 2.0, (1000,))
    >>> bool((x > -1.0).all() and (x < 2.0).all())
    True
    """
    k = _check_key(key, "truncated_normal")
    dt = _float_dtype(dtype, "truncated_normal")
    xp = get_array_module(k)
    _same_device("truncated_normal", concrete(k), concrete(lower), concrete(upper))
    a = _param(lower, xp, np.float64)
    b = _param(upper, xp, np.float64)
    a_shape, b_shape = tuple(shape_of(a)), tuple(shape_of(b))
    if shape is None:
        try:
            shape = np.broadcast_shapes(a_shape, b_shape)
        except ValueError:
            raise ValueError(f"fgrad.random.truncated_normal: lower of shape {a_shape} and upper of shape "
                             f"{b_shape} do not broadcast together") from None
    shape = _canon_shape(shape, "truncated_normal")
    _check_broadcast("truncated_normal", shape, a_shape, b_shape)
    return _draw("truncated_normal", k, a, b, shape=shape, dtype=dt)


def _truncated_normal_sampler(k, a, b, *, nb, shape, dtype):
    xp = get_array_module(k)
    a, b = xp.asarray(a, dtype=np.float64), xp.asarray(b, dtype=np.float64)
    full = _lead(nb, k, a, b) + shape
    a = xp.broadcast_to(_align(a, nb, len(shape)), full)
    b = xp.broadcast_to(_align(b, nb, len(shape)), full)
    # Work in the lower tail, where the CDF keeps its relative accuracy: flip [a, b] > 0 to [-b, -a].
    flip = a > 0
    lo = xp.where(flip, -b, a)
    hi = xp.where(flip, -a, b)
    p_lo = _ndtr(lo)
    u = _open_unit(k, math.prod(shape), dtype).reshape(k.shape[:-1] + shape)
    p = p_lo + u * (_ndtr(hi) - p_lo)
    x = _ndtri(xp.clip(p, np.finfo(np.float64).tiny, 1.0 - 2.0 ** -53))
    x = xp.where(flip, -x, x).astype(dtype)
    # Rounding (and bounds beyond the CDF's range) could land on a bound: keep to the open interval.
    x = xp.minimum(xp.maximum(x, xp.nextafter(a.astype(dtype), dtype.type(np.inf))),
                   xp.nextafter(b.astype(dtype), dtype.type(-np.inf)))
    return _finish(xp, xp.where(a < b, x, dtype.type(np.nan)), full)


def bernoulli(key: ArrayLike, p: ArrayLike = 0.5, shape: Shape | int | None = None) -> Array:
    """Booleans that are True with probability ``p`` (``shape`` defaults to ``p``'s shape).

    >>> coin = fgrad.random.bernoulli(fgrad.random.key(0), 0.3, (10000,))
    >>> coin.dtype, round(float(coin.mean()), 1)
    (dtype('bool'), 0.3)
    """
    k = _check_key(key, "bernoulli")
    xp = get_array_module(k)
    _same_device("bernoulli", concrete(k), concrete(p))
    prob = _param(p, xp)
    if prob.dtype.kind not in "fiub":
        raise TypeError(f"fgrad.random.bernoulli: p must be real, got dtype {prob.dtype}")
    p_shape = tuple(shape_of(prob))
    shape = p_shape if shape is None else _canon_shape(shape, "bernoulli")
    _check_broadcast("bernoulli", shape, p_shape)
    return _draw("bernoulli", k, prob, shape=shape)


def _bernoulli_sampler(k, prob, *, nb, shape):
    xp = get_array_module(k)
    prob = xp.asarray(prob)
    u = _unit(k, math.prod(shape), np.dtype(np.float64)).reshape(k.shape[:-1] + shape)
    return _finish(xp, u < _align(prob, nb, len(shape)), _lead(nb, k, prob) + shape)


def randint(key: ArrayLike, shape: Shape | int, minval: ArrayLike, maxval: ArrayLike, dtype: DTypeLike = np.int64
            ) -> Array:
    """Uniform integers in ``[minval, maxval)`` (``minval``/``maxval`` are clipped to ``dtype``'s range).

    Each draw is a 64-bit random word reduced modulo the range, so the bias is at most
    ``(maxval - minval) / 2**64`` per value.

    >>> dice = fgrad.random.randint(fgrad.random.key(0), (1000,), 1, 7)
    >>> sorted(set(dice.tolist()))
    [1, 2, 3, 4, 5, 6]
    """
    k = _check_key(key, "randint")
    shape = _canon_shape(shape, "randint")
    dt = np.dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"fgrad.random.randint: dtype must be an integer dtype, got {dt}")
    xp = get_array_module(k)
    _same_device("randint", concrete(k), concrete(minval), concrete(maxval))
    info = np.iinfo(dt)
    wide = np.dtype(_U64 if dt == _U64 else np.int64)
    # maxval is exclusive, so it may be one past the dtype's largest value (where that fits in 64 bits).
    top = info.max + 1 if dt.itemsize < 8 else info.max
    lo = _int_param(minval, xp, "minval", info.min, top, wide)
    hi = _int_param(maxval, xp, "maxval", info.min, top, wide)
    _check_broadcast("randint", shape, tuple(shape_of(lo)), tuple(shape_of(hi)))
    why = (f"fgrad.random.randint: minval must be less than maxval (after clipping to the range of {dt}); "
           f"got minval={_brief(minval)}, maxval={_brief(maxval)}")
    return _draw("randint", k, lo, hi, shape=shape, dtype=dt, bounds=(info.min, top), why=why)


def _randint_sampler(k, lo, hi, *, nb, shape, dtype, bounds, why):
    xp = get_array_module(k)
    wide = np.dtype(_U64 if dtype == _U64 else np.int64)
    lo, hi = xp.asarray(lo), xp.asarray(hi)
    full = _lead(nb, k, lo, hi) + shape
    lo = xp.broadcast_to(_align(_clip_int(lo, bounds, wide), nb, len(shape)), full)
    hi = xp.broadcast_to(_align(_clip_int(hi, bounds, wide), nb, len(shape)), full)
    if lo.size and bool(xp.any(lo >= hi)):
        raise ValueError(why)
    base = lo.astype(_U64)  # two's complement: the modular arithmetic below is exact
    offset = _words64(k, math.prod(shape)).reshape(k.shape[:-1] + shape) % (hi.astype(_U64) - base)
    return _finish(xp, (base + offset).astype(wide).astype(dtype), full)


def _brief(v):
    v = concrete(v)
    return f"array of shape {tuple(v.shape)}" if np.ndim(v) else repr(v)


def _int_param(value, xp, name, lo, hi, wide):
    """An integer parameter: a Python int clipped to [lo, hi] now, an array checked (the sampler clips it)."""
    v = value if isinstance(value, Tracer) else concrete(value)
    if isinstance(v, (int, np.integer)):
        return xp.asarray(min(max(int(v), lo), hi), dtype=wide)
    arr = v if isinstance(v, Tracer) else xp.asarray(v)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"fgrad.random.randint: {name} must be an integer or an integer array, got {_describe(arr)}")
    return arr


def _clip_int(arr, bounds, wide):
    """An integer parameter clipped to ``bounds`` (and its own dtype's range), as ``wide``."""
    xp = get_array_module(arr)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    own = np.iinfo(arr.dtype)
    return xp.clip(arr, max(bounds[0], own.min), min(bounds[1], own.max)).astype(wide)


def _sort_keys(k, shape):
    """Random uint64 sort keys ``(*batch, *shape)``: argsort gives a uniform permutation (ties have
    chance < n**2 / 2**65)."""
    return _words64(k, math.prod(shape)).reshape(k.shape[:-1] + tuple(shape))


def _take(x, idx, axis):
    if isinstance(x, Tracer) or isinstance(idx, Tracer):
        return take(x, idx, axis=axis)
    xp = get_array_module(idx)  # the key's device: a NumPy population moves there, as parameters do
    return xp.take(xp.asarray(x), idx, axis=axis)


def permutation(key: ArrayLike, x: int | ArrayLike, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of ``arange(x)`` (``x`` an int), or of ``x``'s entries along ``axis``.

    ``independent=True`` shuffles every 1-d slice along ``axis`` on its own. Gradients flow to the
    permuted entries of ``x``.

    >>> sorted(fgrad.random.permutation(fgrad.random.key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    >>> rows = fgrad.random.permutation(fgrad.random.key(1), fnp.array([[1, 2], [3, 4], [5, 6]]))
    >>> sorted(rows.tolist())  # whole rows move
    [[1, 2], [3, 4], [5, 6]]
    """
    k = _check_key(key, "permutation")
    xp = get_array_module(k)
    if not isinstance(x, Tracer):
        x = concrete(x)
        if not hasattr(x, "shape"):
            x = xp.asarray(x)
    if _int_scalar(x):
        n = _static_int(x, "permutation")
        if n < 0:
            raise ValueError(f"fgrad.random.permutation: x must be non-negative, got {n}")
        return _draw("permutation", k, n=n)
    x_shape = tuple(shape_of(x))
    if not x_shape:
        raise TypeError(f"fgrad.random.permutation: x must be an integer or an array of at least one "
                        f"dimension, got {_describe(x)}")
    _same_device("permutation", concrete(k), concrete(x))
    ax = _axis(axis, len(x_shape), "permutation")
    if not independent:
        return _take(x, _draw("permutation", k, n=x_shape[ax]), ax)
    order = _draw("independent_permutation", k, shape=x_shape, axis=ax)
    if isinstance(x, Tracer) or isinstance(order, Tracer):
        return take_along_axis(x, order, axis=ax)
    return xp.take_along_axis(x, order, axis=ax)


def _permutation_sampler(k, *, nb, n):
    return get_array_module(k).argsort(_sort_keys(k, (n,)), axis=-1, kind="stable").astype(np.int64)


def _independent_permutation_sampler(k, *, nb, shape, axis):
    return get_array_module(k).argsort(_sort_keys(k, shape), axis=nb + axis, kind="stable")


def choice(key: ArrayLike, a: int | ArrayLike, shape: Shape | int = (), replace: bool = True,
           p: ArrayLike | None = None, axis: int = 0) -> Array:
    """Random entries of ``a`` (or of ``arange(a)`` for an int) along ``axis``.

    With ``p`` (probabilities, summing to 1) entries are weighted; without replacement the
    draws are distinct (Gumbel top-k when weighted). Gradients flow to the picked entries.

    >>> c = fgrad.random.choice(fgrad.random.key(0), 10, (3,), replace=False)
    >>> c.shape, len(set(c.tolist()))
    ((3,), 3)
    >>> fgrad.random.choice(fgrad.random.key(0), fnp.array([5, 6, 7]), (4,), p=fnp.array([0.0, 1.0, 0.0]))
    array([6, 6, 6, 6])
    """
    k = _check_key(key, "choice")
    shape = _canon_shape(shape, "choice")
    xp = get_array_module(k)
    if not isinstance(a, Tracer):
        a = concrete(a)
        if not hasattr(a, "shape"):
            a = xp.asarray(a)
    scalar = _int_scalar(a)
    if scalar:
        n_in, ax = _static_int(a, "choice"), 0
    elif not shape_of(a):
        raise ValueError(f"fgrad.random.choice: a must be an integer or an array of at least one dimension, "
                         f"got {_describe(a)}")
    else:
        _same_device("choice", concrete(k), concrete(a))
        ax = _axis(axis, len(shape_of(a)), "choice")
        n_in = shape_of(a)[ax]
    n = math.prod(shape)
    if n and n_in <= 0:
        raise ValueError(f"fgrad.random.choice: a must be positive (or non-empty) unless no samples are "
                         f"taken, got {n_in}")
    if not replace and n > n_in:
        raise ValueError(f"fgrad.random.choice: cannot take a larger sample ({n}) than the population "
                         f"({n_in}) when replace=False")
    weights: tuple[Array, ...] = ()
    if p is not None:
        _same_device("choice", concrete(k), concrete(p))
        w = _param(p, xp, np.float64)
        if tuple(shape_of(w)) != (n_in,):
            raise ValueError(f"fgrad.random.choice: p must be a 1-d array of the population size ({n_in},), "
                             f"got shape {tuple(shape_of(w))}")
        weights = (w,)
    idx = _draw("choice", k, *weights, n_in=n_in, shape=shape, replace=bool(replace))
    return idx if scalar else _take(a, idx, ax)


def _choice_sampler(k, *weights, nb, n_in, shape, replace):
    xp = get_array_module(k)
    weights = tuple(xp.asarray(w) for w in weights)
    n = math.prod(shape)
    if not weights:
        if replace:
            idx = (_words64(k, n) % _U64(max(n_in, 1))).astype(np.int64)
        else:
            idx = xp.argsort(_sort_keys(k, (n_in,)), axis=-1, kind="stable")[..., :n]
    elif replace:
        cdf = xp.cumsum(weights[0].astype(np.float64, copy=False), axis=-1)
        # 1 - u lies in (0, 1], so entries of probability 0 are never picked.
        target = cdf[..., -1:] * (1.0 - _unit(k, n, np.dtype(np.float64)))
        if cdf.size == n_in:  # one distribution (searchsorted takes one sorted array)
            idx = xp.searchsorted(cdf.reshape(-1), target, side="left")
        else:  # a batch of them: count the cdf entries below each target, as searchsorted does
            idx = xp.sum(cdf[..., None, :] < target[..., None], axis=-1)
        idx = xp.minimum(idx, n_in - 1)
    else:
        with np.errstate(divide="ignore"):
            score = _gumbel(k, n_in) + xp.log(weights[0].astype(np.float64, copy=False))
        idx = xp.argsort(-score, axis=-1, kind="stable")[..., :n]
    return _finish(xp, idx.astype(np.int64), _lead(nb, k, *weights) + shape)


def _gumbel(k, n, dtype=np.dtype(np.float64)):
    xp = get_array_module(k)
    return -xp.log(-xp.log(_open_unit(k, n, dtype)))


def categorical(key: ArrayLike, logits: ArrayLike, axis: int = -1, shape: Shape | int | None = None) -> Array:
    """Indices drawn with probabilities ``softmax(logits, axis)``, by the Gumbel-max trick.

    ``shape`` defaults to ``logits``' shape without ``axis``; it may add leading dimensions
    (more samples per distribution). Logits of ``-inf`` are never drawn.

    >>> s = fgrad.random.categorical(fgrad.random.key(0), fnp.log(fnp.asarray([0.2, 0.8])), shape=(10000,))
    >>> s.shape, round(float(s.mean()), 1)  # index 1 drawn 80% of the time
    ((10000,), 0.8)
    """
    k = _check_key(key, "categorical")
    xp = get_array_module(k)
    _same_device("categorical", concrete(k), concrete(logits))
    lg = _param(logits, xp)
    lg_shape = tuple(shape_of(lg))
    if not lg_shape:
        raise ValueError("fgrad.random.categorical: logits must have at least one dimension")
    ax = _axis(axis, len(lg_shape), "categorical")
    batch = lg_shape[:ax] + lg_shape[ax + 1:]
    shape = batch if shape is None else _canon_shape(shape, "categorical")
    lead = len(shape) - len(batch)
    if lead < 0:
        raise ValueError(f"fgrad.random.categorical: shape {shape} has fewer dimensions than the batch shape "
                         f"{batch} of logits {lg_shape} without axis {ax}")
    _check_broadcast("categorical", shape[lead:], batch)
    return _draw("categorical", k, lg, axis=ax, shape=shape)


def _categorical_sampler(k, lg, *, nb, axis, shape):
    xp = get_array_module(k)
    lg = xp.asarray(lg)
    own = lg.shape[nb:]
    lead = len(shape) - len(own) + 1
    full = shape[:lead] + shape[lead:][:axis] + (own[axis],) + shape[lead:][axis:]
    noise = _gumbel(k, math.prod(full)).reshape(k.shape[:-1] + full)
    lg = lg.reshape(lg.shape[:nb] + (1,) * lead + own)
    return _finish(xp, xp.argmax(noise + lg, axis=nb + lead + axis), _lead(nb, k, lg) + shape)


def gumbel(key: ArrayLike, shape: Shape | int = (), dtype: DTypeLike = np.float64) -> Array:
    """Standard Gumbel samples, ``-log(-log(u))``.

    >>> g = fgrad.random.gumbel(fgrad.random.key(0), (10000,))
    >>> print(abs(g.mean() - fnp.euler_gamma) < 0.05)  # its mean is Euler's gamma
    True
    """
    k = _check_key(key, "gumbel")
    return _draw("gumbel", k, shape=_canon_shape(shape, "gumbel"), dtype=_float_dtype(dtype, "gumbel"))


def _gumbel_sampler(k, *, nb, shape, dtype):
    return _finish(get_array_module(k), _gumbel(k, math.prod(shape), dtype).astype(dtype), k.shape[:-1] + shape)


def exponential(key: ArrayLike, shape: Shape | int = (), dtype: DTypeLike = np.float64) -> Array:
    """Standard exponential samples (rate 1), ``-log(u)``; divide by a rate for other rates.

    >>> e = fgrad.random.exponential(fgrad.random.key(0), (10000,))
    >>> print(bool((e > 0).all()), abs(e.mean() - 1.0) < 0.05)
    True True
    """
    k = _check_key(key, "exponential")
    return _draw("exponential", k, shape=_canon_shape(shape, "exponential"),
                 dtype=_float_dtype(dtype, "exponential"))


def _exponential_sampler(k, *, nb, shape, dtype):
    xp = get_array_module(k)
    return _finish(xp, (-xp.log(_open_unit(k, math.prod(shape), dtype))).astype(dtype), k.shape[:-1] + shape)


def laplace(key: ArrayLike, shape: Shape | int = (), dtype: DTypeLike = np.float64) -> Array:
    """Standard Laplace samples (density ``exp(-|x|) / 2``).

    >>> x = fgrad.random.laplace(fgrad.random.key(0), (10000,))
    >>> print(abs(x.mean()) < 0.05, abs(fnp.abs(x).mean() - 1.0) < 0.05)  # E|x| = 1
    True True
    """
    k = _check_key(key, "laplace")
    return _draw("laplace", k, shape=_canon_shape(shape, "laplace"), dtype=_float_dtype(dtype, "laplace"))


def _laplace_sampler(k, *, nb, shape, dtype):
    xp = get_array_module(k)
    w = _open_unit(k, math.prod(shape), dtype) - 0.5  # never 0: the grid is symmetric about 1/2
    return _finish(xp, (-xp.sign(w) * xp.log1p(-2.0 * xp.abs(w))).astype(dtype), k.shape[:-1] + shape)


_SAMPLERS = {
    "seed": _seed_sampler, "split": _split_sampler, "fold_in": _fold_in_sampler, "bits": _bits_sampler,
    "uniform": _uniform_sampler, "normal": _normal_sampler, "truncated_normal": _truncated_normal_sampler,
    "bernoulli": _bernoulli_sampler, "randint": _randint_sampler, "permutation": _permutation_sampler,
    "independent_permutation": _independent_permutation_sampler, "choice": _choice_sampler,
    "categorical": _categorical_sampler, "gumbel": _gumbel_sampler, "exponential": _exponential_sampler,
    "laplace": _laplace_sampler,
}
