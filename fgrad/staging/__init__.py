"""Staged programs: trace a function once into a ``Program`` of primitive calls, then replay it.

``trace`` records (``stage``, ``eval_program``), ``program`` is the IR and its printer, ``passes``
rewrites it (folding, simplification, CSE, DCE, partial evaluation), ``replay`` compiles it to
straight-line code that reuses dead buffers in place (``fusion``: one CuPy kernel per elementwise
chain), ``autodiff`` splits a staged VJP into forward and backward programs, ``remat`` is
``checkpoint``, ``jit`` caches per signature.
"""
from .program import Equation, Literal, Program, Var  # noqa: F401
from .trace import StagingTrace, StagingTracer, eval_program, example_of, stage  # noqa: F401
from .replay import compile_program  # noqa: F401
from .jit import ShapeDtypeStruct, jit, make_jaxpr  # noqa: F401
