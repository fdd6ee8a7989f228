"""JAX's ``jit`` and ``make_jaxpr``: stage once per signature, then replay the program.

A signature is the pytree structure of the arguments, each leaf's shape, dtype and array type
(a Python scalar stays weakly typed: its type is its signature), and the values (and types) of the
static arguments. Python side effects in the function (``print``, appending to a list) run while it
is staged, once per signature, never on a replay.
"""
from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING

import numpy as np

from ..core import Tracer
from ..tree_util import tree_flatten, tree_unflatten
from .replay import compile_program
from .trace import eval_program, is_value, stage

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from ..typing import DTypeLike, Shape

__all__ = ["jit", "make_jaxpr", "ShapeDtypeStruct"]


class ShapeDtypeStruct:
    """An argument known only by its shape and dtype: ``make_jaxpr`` stages on zeros of it.

    >>> x = fgrad.ShapeDtypeStruct((3,), fnp.float32)
    >>> x
    ShapeDtypeStruct(shape=(3,), dtype=float32)
    >>> print(fgrad.make_jaxpr(fnp.sin)(x))
    { lambda ; a:f32[3]. let
        b:f32[3] = sin a
      in (b,) }
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: Shape, dtype: DTypeLike) -> None:
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def __eq__(self, other):
        return isinstance(other, ShapeDtypeStruct) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


_SCALARS = (bool, int, float, complex)


def _leaf(x, where, abstract_ok=False):
    if abstract_ok and isinstance(x, ShapeDtypeStruct):
        return np.zeros(x.shape, x.dtype)
    if is_value(x):
        return x
    raise TypeError(f"{where}: argument of type {type(x).__name__} is not a valid fgrad type; pass arrays, "
                    "scalars or pytrees of them, or mark the argument static (static_argnums / static_argnames)")


def _signature(x):
    if isinstance(x, _SCALARS):
        return type(x)  # weakly typed: one program for every value
    return (type(x) if not isinstance(x, Tracer) else Tracer, tuple(x.shape), x.dtype)


def _as_tuple(v, kind):
    return (v,) if isinstance(v, kind) else tuple(v)


def _parameters(fun):
    try:
        return list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return None


def _check_argnums(what, nums, params):
    """JAX's check: argnums past the positional parameters are refused (unless ``*args`` takes them)."""
    if params is None or any(p.kind == p.VAR_POSITIONAL for p in params):
        return
    n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    bad = [i for i in nums if not -n <= i < n]
    if bad:
        raise ValueError(f"Jitted function has {what}={tuple(nums)}, but only accepts {n} positional arguments.")


def _check_argnames(what, names, params):
    if params is None or any(p.kind == p.VAR_KEYWORD for p in params):
        return
    by_name = {p.name: p for p in params}
    bad = sorted(n for n in names if n not in by_name or by_name[n].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                                             inspect.Parameter.VAR_POSITIONAL))
    if bad:
        raise ValueError(f"Jitted function has invalid argnames {set(bad)} in {what}. Function does not take "
                         "these args (or they are positional-only).")


def _resolve(fun, nums, names, what):
    """JAX's rule: given one of argnums/argnames, the other is inferred from the signature."""
    params = _parameters(fun)
    _check_argnums(f"{what}_argnums", nums, params)
    _check_argnames(f"{what}_argnames", names, params)
    if params is None:
        return nums, names
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if nums and not names:
        names = tuple(positional[i].name for i in nums if -len(positional) <= i < len(positional)
                      and positional[i].kind != inspect.Parameter.POSITIONAL_ONLY)
    elif names and not nums:
        index = {p.name: k for k, p in enumerate(positional)}
        nums = tuple(index[n] for n in names if n in index)
    return nums, names  # a negative argnum counts from the last positional argument of each call (as JAX)


def _hashable_static(value, where):
    try:
        hash(value)
    except TypeError as e:
        raise ValueError(f"Non-hashable static arguments are not supported. An error occurred while trying to "
                         f"hash an object of type {type(value).__name__}, {value!r:.60}, passed as {where}. "
                         f"The error was: {e}") from None
    return type(value), value  # 1, 1.0 and True hash alike but stage different programs


def _check_outputs(staged, name):
    for x in tree_flatten(staged.out_examples)[0]:
        if not is_value(x):
            raise TypeError(f"function {name} traced for jit returned a value of type {type(x).__name__}, "
                            "which is not a valid fgrad type (return arrays, scalars or pytrees of them)")


class _Entry:
    __slots__ = ("staged", "run")

    def __init__(self, staged):
        self.staged = staged
        self.run = compile_program(staged.program) if not staged.captured else None


class _Call:
    """One call's arguments split JAX's way: static values (part of the key), dynamic leaves."""

    def __init__(self, args, kwargs, nums, names, donate_nums, donate_names):
        n = len(args)
        self.args = args
        self.static_pos = {i % n for i in nums if -n <= i < n}
        statics = tuple((i, _hashable_static(args[i], f"static argument {i}")) for i in sorted(self.static_pos))
        self.static_kw = {k: kwargs[k] for k in sorted(kwargs) if k in names}
        statics += tuple((k, _hashable_static(v, f"static argument {k!r}")) for k, v in self.static_kw.items())
        dyn_args = tuple(a for i, a in enumerate(args) if i not in self.static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in names}
        self.flat, self.tree = tree_flatten((dyn_args, dyn_kwargs))
        self.statics = statics
        self.donated = self._donated(dyn_args, dyn_kwargs, donate_nums, donate_names)

    def _donated(self, dyn_args, dyn_kwargs, nums, names):
        """Positions among the flat leaves of the donated arguments' leaves."""
        if not nums and not names:
            return ()
        dyn_pos = [i for i in range(len(self.args)) if i not in self.static_pos]
        nums = {i % len(self.args) for i in nums if -len(self.args) <= i < len(self.args)}
        marks = ([i in nums for i in dyn_pos], {k: k in names for k in dyn_kwargs})
        marked = tree_flatten(([_mark(a, m) for a, m in zip(dyn_args, marks[0])],
                               {k: _mark(v, marks[1][k]) for k, v in dyn_kwargs.items()}))[0]
        return tuple(k for k, m in enumerate(marked) if m)

    def fun_of_leaves(self, fun):
        """``fun`` as a function of the dynamic arguments (the static ones filled in)."""
        def flat_fun(dargs, dkwargs):
            it = iter(dargs)
            full = [self.args[i] if i in self.static_pos else next(it) for i in range(len(self.args))]
            return fun(*full, **dkwargs, **self.static_kw)
        return flat_fun


def _mark(tree, value):
    """``tree`` with every leaf replaced by ``value`` (the same structure): ``_mark((x, [y]), True)``."""
    leaves, t = tree_flatten(tree)
    return tree_unflatten(t, [value] * len(leaves))


def jit(fun: Callable[..., Any] | None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), keep_unused: bool = False, device: Any = None,
        backend: str | None = None, inline: bool = False) -> Callable[..., Any]:
    """``fun`` staged once per signature and replayed as one optimised program (JAX's ``jit``).

    Static arguments (``static_argnums``/``static_argnames``) are hashable Python values the
    program is specialised on: a new value stages a new program. Donated arguments
    (``donate_argnums``/``donate_argnames``) are the caller's promise not to read them again: the
    replay may write into their buffers. ``keep_unused``, ``device``, ``backend`` and ``inline`` are
    accepted for JAX compatibility. Without ``fun``, it returns a decorator.

    >>> power = fgrad.jit(lambda x, n: x ** n, static_argnums=1)
    >>> power(fnp.arange(3.0), 2)     # staged for (f64[3], n=2); later calls replay
    array([0., 1., 4.])
    >>> @fgrad.jit
    ... def f(x):
    ...     return fnp.sin(x) ** 2 + fnp.cos(x) ** 2
    >>> f(fnp.arange(3.0))
    array([1., 1., 1.])
    """
    if fun is None:  # @jit(static_argnums=...)
        return functools.partial(jit, static_argnums=static_argnums, static_argnames=static_argnames,
                                 donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                                 keep_unused=keep_unused, device=device, backend=backend, inline=inline)
    if not callable(fun):
        raise TypeError(f"Expected a callable value, got {fun!r}")
    nums, names = _resolve(fun, _as_tuple(static_argnums, int), _as_tuple(static_argnames, str), "static")
    dnums, dnames = _resolve(fun, _as_tuple(donate_argnums, int), _as_tuple(donate_argnames, str), "donate")
    both = set(names) & set(dnames)
    if both or set(nums) & set(dnums):
        raise ValueError(f"static_argnames and donate_argnames cannot intersect. Argument names "
                         f"{both or set(nums) & set(dnums)} appear in both static_argnames and donate_argnames")
    name = getattr(fun, "__name__", "fun")
    cache: dict[Any, _Entry] = {}

    def lookup(args, kwargs):
        """(entry, flat leaves, traced?, staged just now?) for one call's arguments."""
        call = _Call(args, kwargs, nums, names, dnums, dnames)
        flat = [_leaf(x, f"jit({name})") for x in call.flat]
        key = (call.tree, call.statics, tuple(map(_signature, flat)))
        traced = any(isinstance(x, Tracer) for x in flat)
        entry = cache.get(key)
        if entry is not None:
            return entry, flat, traced, False
        staged = stage(call.fun_of_leaves(fun), flat, call.tree)
        _check_outputs(staged, name)
        staged.program.donated = () if traced else call.donated
        entry = _Entry(staged)
        if not staged.captured:  # closed-over tracers belong to this call only
            cache[key] = entry
        return entry, flat, traced, True

    @functools.wraps(fun)
    def jitted(*args, **kwargs):
        entry, flat, traced, fresh = lookup(args, kwargs)
        staged = entry.staged
        if traced or staged.captured:
            outs = eval_program(staged.program, flat + staged.captured)
        elif fresh:  # the staging computed the outputs already; the cache keeps only their shapes
            outs = staged.out_examples
            staged.out_examples = [_shape_dtype(v) for v in outs]
        else:
            outs = entry.run(*flat)
        return tree_unflatten(staged.out_tree, outs)

    def trace(*args, **kwargs):
        """The staged program for these arguments, without running it (JAX's ``jitted.trace``)."""
        return Traced(name, lookup(args, kwargs)[0].staged)

    # JAX's jitted functions carry these as attributes
    jitted.trace = trace  # type: ignore[attr-defined]
    jitted._cache_size = lambda: len(cache)  # type: ignore[attr-defined]
    jitted.clear_cache = jitted._clear_cache = cache.clear  # type: ignore[attr-defined]
    jitted.__fgrad_jit__ = True  # type: ignore[attr-defined]
    return jitted


class Traced:
    """What ``jitted.trace(*args)`` returns: ``jaxpr`` (the Program), ``out_info`` (the outputs'
    ShapeDtypeStructs, in their pytree) and ``donate_argnums`` (the donated inputs' positions)."""

    def __init__(self, fun_name, staged):
        self.fun_name = fun_name
        self.jaxpr = staged.program
        self.donate_argnums = staged.program.donated
        self.out_info = tree_unflatten(staged.out_tree, [_shape_dtype(v) for v in staged.out_examples])


def _shape_dtype(v):
    if isinstance(v, ShapeDtypeStruct):
        return v
    return ShapeDtypeStruct(np.shape(v), getattr(v, "dtype", None) or np.result_type(v))


def make_jaxpr(fun: Callable[..., Any], static_argnums: int | Sequence[int] = (), axis_env: Any = None,
               return_shape: bool = False, abstracted_axes: Any = None) -> Callable[..., Any]:
    """A function returning the ``Program`` that ``fun`` stages on the given arguments (JAX's name).

    Arguments may be ShapeDtypeStructs (staged on zeros of that shape). ``return_shape=True``: the
    function returns ``(program, out_shapes)``, the outputs' ShapeDtypeStructs in their pytree.
    ``axis_env`` and ``abstracted_axes`` are accepted for JAX compatibility.

    >>> print(fgrad.make_jaxpr(lambda x, y: fnp.sin(x) * y)(1.0, 2.0))
    { lambda ; a:f64[] b:f64[]. let
        c:f64[] = sin a
        d:f64[] = multiply c b
      in (d,) }
    """
    nums = _as_tuple(static_argnums, int)

    @functools.wraps(fun)
    def make(*args, **kwargs):
        n = len(args)
        call = _Call(args, kwargs, tuple(i % n for i in nums if -n <= i < n), (), (), ())
        flat = [_leaf(x, "make_jaxpr", abstract_ok=True) for x in call.flat]
        staged = stage(call.fun_of_leaves(fun), flat, call.tree)
        if not return_shape:
            return staged.program
        return staged.program, tree_unflatten(staged.out_tree, [_shape_dtype(v) for v in staged.out_examples])

    return make
