"""``torch.compile`` on fgrad's staged programs (``fgrad.staging``): ``fgrad_nn.compile``.

A compiled Module or function is staged once per call signature into one program -- parameters,
buffers and Tensor arguments as its inputs -- and replayed without per-op tracing; under autograd its
backward is one staged program too (one tape node). Data-dependent Python is a graph break: that
signature runs eagerly, or ``fullgraph=True`` raises :class:`exc.Unsupported`. Shapes are always
specialised (``dynamic`` is accepted; a new shape stages a new program, up to ``recompile_limit``,
then eager). ``backend``/``mode``/``options`` are checked as torch checks them; every backend runs
the same replay.

>>> import fgrad_nn as torch
>>> model = torch.compile(torch.nn.Linear(4, 2))
>>> model(torch.randn(3, 4)).sum().backward()       # staged forward, staged backward
>>> @torch.compile(fullgraph=True)
... def f(x):
...     return torch.sin(x) * 2
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from ..nn.modules.module import Module
from . import exc
from ._frame import CompiledCallable
from ._module import OptimizedModule

__all__ = ["compile", "OptimizedModule", "exc", "list_backends"]

_BACKENDS = ("cudagraphs", "inductor", "openxla", "tvm")
_DEBUG_BACKENDS = ("eager", "aot_eager", "aot_eager_decomp_partition", "aot_eager_default_partitioner")
_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_RECOMPILE_LIMIT = 8  # torch._dynamo.config.recompile_limit's default


def list_backends(exclude_tags: tuple[str, ...] | None = ("debug", "experimental")) -> list[str]:
    """The backend names ``compile`` takes (``torch._dynamo.list_backends``); all run fgrad's replay."""
    return sorted(_BACKENDS + (() if exclude_tags and "debug" in exclude_tags else _DEBUG_BACKENDS))


def _check(backend: Any, mode: str | None, options: dict[str, Any] | None) -> None:
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if isinstance(backend, str) and backend not in _BACKENDS + _DEBUG_BACKENDS:
        raise exc.InvalidBackend(backend)
    if backend is not None and not isinstance(backend, str) and not callable(backend):
        raise exc.InvalidBackend(backend)


def compile(model: Callable[..., Any] | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable[..., Any] = "inductor", mode: str | None = None,
            options: dict[str, Any] | None = None, name: str | None = None, disable: bool = False,
            recompile_limit: int | None = None, isolate_recompiles: bool = False, shapes_spec: Any = None) -> Any:
    """Compile ``model`` (a Module or a function): staged once per call signature, then replayed as a program.

    A Module gives an :class:`OptimizedModule` (``_orig_mod`` is the original); a function gives a
    function. Without ``model``, a decorator. ``disable=True`` hands ``model`` back unchanged.
    ``name``, ``isolate_recompiles`` and ``shapes_spec`` are accepted for torch's signature; every
    backend runs fgrad's replay (torch's would generate kernels).

    >>> @torch.compile(backend="eager")
    ... def f(x):
    ...     return torch.sin(x) * 2
    >>> f(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 1.6829])
    >>> model = torch.compile(torch.nn.Linear(2, 1), backend="eager")
    >>> type(model).__name__, type(model._orig_mod).__name__
    ('OptimizedModule', 'Linear')
    """
    _check(backend, mode, options)
    limit = _RECOMPILE_LIMIT if recompile_limit is None else int(recompile_limit)

    def build(fn: Callable[..., Any]) -> Any:
        if not callable(fn):
            raise AssertionError(f"A callable function is expected, but {type(fn)} is provided.")
        if disable:
            return fn
        if isinstance(fn, Module):
            return OptimizedModule(fn, CompiledCallable(fn, fn, fullgraph, limit))
        compiled = CompiledCallable(fn, None, fullgraph, limit)

        @functools.wraps(fn)
        def compiled_fn(*args: Any, **kwargs: Any) -> Any:
            return compiled(*args, **kwargs)

        compiled_fn._torchdynamo_orig_callable = fn  # type: ignore[attr-defined]  # torch's marker on the function
        return compiled_fn

    return build if model is None else build(model)


def _module_compile(self: Module, *args: Any, **kwargs: Any) -> None:
    """torch's ``Module.compile``: this Module's forward compiled in place by ``fgrad_nn.compile`` (same
    arguments); unlike ``fgrad_nn.compile(module)``, no wrapper, so ``state_dict`` keys stay as they are."""
    object.__setattr__(self, "forward", compile(type(self).forward.__get__(self), *args, **kwargs))


setattr(Module, "compile", _module_compile)  # attached here: this package builds on Module, so Module can't import it
