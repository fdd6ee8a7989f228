"""Tensor's operations, one module per family (each op defined once: ``t.add`` is ``torch.add``).

Each family -- and ``autograd.engine`` (``backward``), ``autograd.function`` (``grad_fn``) --
lists the Tensor methods it defines in its ``TENSOR_METHODS`` table; they are added to
Tensor here, once, by the class module's ``define_methods``.
"""
from .._tensor import define_methods
from ..autograd import engine, function
from . import compat, creation, indexing, linalg, pointwise, reduction, sets, shape

define_methods(creation.TENSOR_METHODS, shape.TENSOR_METHODS, indexing.TENSOR_METHODS, pointwise.TENSOR_METHODS,
               reduction.TENSOR_METHODS, linalg.TENSOR_METHODS, engine.TENSOR_METHODS, function.TENSOR_METHODS,
               compat.TENSOR_METHODS, sets.TENSOR_METHODS)
