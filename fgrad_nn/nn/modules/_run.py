"""Running a facade module's pure layer while keeping torch's exception types.

``apply`` turns ValueErrors into RuntimeErrors (NumPy's type for a shape mismatch
is torch's RuntimeError), but some of torch's layer errors ARE ValueErrors (a
BatchNorm batch of one, a bad ``output_size``, a wrong input rank): the pure layers
raise those deliberately and ``run_layer`` lets them through unchanged.
"""
from ..._tensor import Tensor

__all__ = ["run_layer", "check_same_dtype"]


class _Kept(Exception):
    pass


class _Guard:
    """A layer proxy whose ``apply`` smuggles ValueErrors past ``apply``'s conversion."""

    def __init__(self, layer):
        self.layer = layer

    def apply(self, *args, **kwargs):
        try:
            return self.layer.apply(*args, **kwargs)
        except ValueError as e:
            raise _Kept(e) from None


def run_layer(module, *inputs, **kwargs):
    """``module._run_layer(*inputs, **kwargs)`` with the pure layer's ValueErrors kept."""
    try:
        return module._run_layer(*inputs, layer=_Guard(module._layer), **kwargs)
    except _Kept as e:
        raise e.args[0] from None


def check_same_dtype(input, weight):
    """torch's error for a module whose input and weight float dtypes differ."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and input._np_dtype() != weight._np_dtype():
        from ..functional import _dt_name
        raise RuntimeError(f"Input type ({_dt_name(input).lower()}) and bias type ({_dt_name(weight).lower()}) "
                           "should be the same")
