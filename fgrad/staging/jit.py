"""JAX's ``jit`` and ``make_jaxpr``: stage once per signature, then replay the program.

A signature is the pytree structure of the arguments, each leaf's shape, dtype and array type
(a Python scalar stays weakly typed: its type is its signature), and the values of the static
arguments. Python side effects in the function (``print``, appending to a list) run while it is
staged, once per signature, never on a replay.
"""
import functools
import inspect

import numpy as np

from ..core import Tracer
from ..tree_util import tree_flatten, tree_unflatten
from .replay import compile_program
from .trace import eval_program, stage

__all__ = ["jit", "make_jaxpr", "ShapeDtypeStruct"]


class ShapeDtypeStruct:
    """An argument known only by its shape and dtype (``make_jaxpr`` and ``jit`` stage on zeros of it).

    >>> fgrad.make_jaxpr(fnp.sin)(fgrad.ShapeDtypeStruct((3,), fnp.float32))
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


def _leaf(x, where):
    if isinstance(x, ShapeDtypeStruct):
        return np.zeros(x.shape, x.dtype)
    if isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float, complex)) or hasattr(x, "__array_namespace__"):
        return x
    raise TypeError(f"{where}: argument of type {type(x).__name__} is not a valid fgrad type; pass arrays, "
                    "scalars or pytrees of them, or mark the argument static (static_argnums / static_argnames)")


def _signature(x):
    if isinstance(x, (bool, int, float, complex)):
        return type(x)  # weakly typed: one program for every value
    return (type(x) if not isinstance(x, Tracer) else Tracer, tuple(x.shape), x.dtype)


def _static_positions(fun, static_argnums, static_argnames):
    """JAX's rule: given one of argnums/argnames, the other is inferred from the signature."""
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return nums, names
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if nums and not names:
        names = tuple(positional[i] for i in nums if -len(positional) <= i < len(positional)
                      and params[positional.index(positional[i])].kind != inspect.Parameter.POSITIONAL_ONLY)
    elif names and not nums:
        nums = tuple(positional.index(n) for n in names if n in positional)
    return nums, names


def _hashable_static(value, where):
    try:
        hash(value)
    except TypeError:
        raise ValueError(f"Non-hashable static arguments are not supported. An error occurred while trying to "
                         f"hash an object of type {type(value).__name__}, {value!r:.60}, passed as {where}") from None
    return value


class _Entry:
    __slots__ = ("staged", "run")

    def __init__(self, staged):
        self.staged = staged
        self.run = compile_program(staged.program) if not staged.captured else None


def jit(fun=None, *, static_argnums=(), static_argnames=(), donate_argnums=(), donate_argnames=(),
        keep_unused=False, device=None, backend=None, inline=False):
    """``fun`` staged once per signature and replayed as one optimised program (JAX's ``jit``).

    >>> @functools.partial(fgrad.jit, static_argnums=1)
    ... def power(x, n):
    ...     return x ** n
    >>> power(fnp.arange(3.0), 2)     # staged for (f64[3], n=2); later calls replay
    """
    if fun is None:  # @jit(static_argnums=...)
        return functools.partial(jit, static_argnums=static_argnums, static_argnames=static_argnames,
                                 donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                                 keep_unused=keep_unused, device=device, backend=backend, inline=inline)
    if not callable(fun):
        raise TypeError(f"Expected a callable value, got {fun!r}")
    nums, names = _static_positions(fun, static_argnums, static_argnames)
    cache = {}

    @functools.wraps(fun)
    def jitted(*args, **kwargs):
        n = len(args)
        static_pos = tuple(sorted({i % n for i in nums if -n <= i < n}))
        statics = tuple((i, _hashable_static(args[i], f"static argument {i}")) for i in static_pos)
        statics += tuple((k, _hashable_static(kwargs[k], f"static argument {k!r}")) for k in sorted(kwargs)
                         if k in names)
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in names}
        flat, tree = tree_flatten((dyn_args, dyn_kwargs))
        flat = [_leaf(x, f"jit({getattr(fun, '__name__', 'fun')})") for x in flat]
        key = (tree, statics, tuple(map(_signature, flat)))
        entry = cache.get(key)
        traced = any(isinstance(x, Tracer) for x in flat)
        if entry is None:
            def flat_fun(dargs, dkwargs):
                full, it = [], iter(dargs)
                for i in range(n):
                    full.append(args[i] if i in static_pos else next(it))
                return fun(*full, **dkwargs, **{k: v for k, v in statics if isinstance(k, str)})
            entry = _Entry(stage(flat_fun, flat, tree))
            if not entry.staged.captured:
                cache[key] = entry
            if not traced:  # the staging computed the outputs already
                return tree_unflatten(entry.staged.out_tree, entry.staged.out_examples)
        staged = entry.staged
        if traced or staged.captured:
            outs = eval_program(staged.program, flat + staged.captured)
        else:
            outs = entry.run(*flat)
        return tree_unflatten(staged.out_tree, outs)

    jitted._cache_size = lambda: len(cache)
    jitted._clear_cache = cache.clear
    jitted.__fgrad_jit__ = True
    return jitted


def make_jaxpr(fun, static_argnums=(), axis_env=None, return_shape=False, abstracted_axes=None):
    """A function returning the ``Program`` that ``fun`` stages on the given arguments (JAX's name).

    >>> print(fgrad.make_jaxpr(lambda x, y: fnp.sin(x) * y)(1.0, 2.0))
    { lambda ; a:f64[] b:f64[]. let
        c:f64[] = sin a
        d:f64[] = multiply c b
      in (d,) }
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def make(*args, **kwargs):
        n = len(args)
        static_pos = {i % n for i in nums if -n <= i < n}
        dyn = tuple(a for i, a in enumerate(args) if i not in static_pos)
        flat, tree = tree_flatten((dyn, kwargs))
        flat = [_leaf(x, "make_jaxpr") for x in flat]

        def flat_fun(dargs, dkwargs):
            it = iter(dargs)
            return fun(*[args[i] if i in static_pos else next(it) for i in range(n)], **dkwargs)

        staged = stage(flat_fun, flat, tree)
        if not return_shape:
            return staged.program
        shapes = [ShapeDtypeStruct(np.shape(v), getattr(v, "dtype", None) or np.result_type(v))
                  for v in staged.out_examples]
        return staged.program, tree_unflatten(staged.out_tree, shapes)

    return make

