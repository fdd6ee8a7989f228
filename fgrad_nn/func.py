"""The bridge from PyTorch-style Modules to fgrad's transforms (``torch.func`` in spirit).

``functional_call(module, params_and_buffers, args)`` runs ``module`` with some of its
parameters/buffers replaced for one call. ``pure(module)`` turns any Module (custom
subclasses included) into a pure pair ``(init, apply)`` over nested dicts of arrays,
so ``fgrad.grad``, ``fgrad.jvp`` and ``fgrad.hessian`` work over a PyTorch-style model.

>>> import fgrad, numpy as np, fgrad_nn as torch
>>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
>>> init, apply = pure(net)
>>> params, state = init()
>>> loss = lambda p, x: apply(p, state, x)[0].sum()
>>> g = fgrad.grad(loss)(params, np.ones((2, 3), np.float32))
>>> sorted(g["0"])
['bias', 'weight']
"""
import contextlib
from collections.abc import Sequence

from fgrad.core import Tracer, VJPTracer
from fgrad.tree_util import tree_map

from ._tensor import Tensor, raw_of, wrap
from .autograd._tape import TAPE
from .autograd.grad_mode import no_grad
from fgrad.nn.base import flatten_params, unflatten_params

__all__ = ["functional_call", "pure"]


def _untie(module, given):
    """torch's rule: a value given for one name of tied tensors goes to all of them."""
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    groups = {}
    for name, t in named.items():
        groups.setdefault(id(t), set()).add(name)
    tied = {n: names for names in groups.values() if len(names) > 1 for n in names}
    given_tied = [n for n in given if n in tied]
    for n in given_tied:
        names = tied[n]
        vals = {id(given[m]) for m in names if m in given}
        if len(vals) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, which are tied. "
                             "Consider using tie_weights=False")
    out = dict(given)
    for n in given_tied:
        for m in tied[n]:
            out[m] = given[n]
    return out


def _slot(module, name):
    """The (registry dict, key) holding the tensor called ``name`` (dotted), or None."""
    path, _, last = name.rpartition(".")
    try:
        owner = module.get_submodule(path)
    except AttributeError:
        return None
    for reg in (owner._parameters, owner._buffers):
        if last in reg:
            return reg, last
    return None


@contextlib.contextmanager
def _reparametrize(module, values, tie_weights=True, strict=False):
    values = _untie(module, values) if tie_weights else dict(values)
    if strict:
        valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing, unexpected = sorted(valid - set(values)), sorted(set(values) - valid)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                  "\n\t".join(msgs)))
    saved = []
    try:
        for name, v in values.items():
            slot = _slot(module, name)
            if slot is None:
                continue  # not a parameter or buffer of the module (torch ignores it when not strict)
            reg, key = slot
            saved.append((reg, key, reg[key]))
            reg[key] = v if isinstance(v, Tensor) or v is None else wrap(v)
        yield
    finally:
        for reg, key, old in reversed(saved):
            reg[key] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True,
                    strict=False):
    """``module(*args, **kwargs)`` with its parameters/buffers replaced by the given ones for this call.

    ``parameter_and_buffer_dicts``: a dict (or a list/tuple of dicts) from torch's dotted names to
    Tensors (arrays and fgrad tracers are wrapped). Names not given keep the module's own values.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                             "ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, values, tie_weights, strict):
        return module(*args, **kwargs)


def _value(t):
    d = t._data
    while type(d) is VJPTracer and d._trace is TAPE:
        d = d._value
    return d


def pure(module):
    """``(init, apply)`` for any Module.

    ``init(key=None) -> (params, state)``: the module's current parameters and buffers as
    nested dicts of arrays (torch's names split at the dots; ``key`` is accepted for the
    layer protocol and unused -- the Module already holds its values).

    ``apply(params, state, *args, train=False, key=None, **kwargs) -> (out, new_state)``: the
    module's forward on arrays (or fgrad tracers): Tensors in ``out`` become arrays, and
    ``new_state`` holds the buffers after the call (BatchNorm's running statistics in
    training). ``key`` seeds the module's random ops (dropout) instead of the global
    generator. The Module itself is left as it was.
    """
    def init(key=None):
        params = {n: raw_of(p._data).copy() for n, p in module.named_parameters()}
        state = {n: raw_of(b._data).copy() for n, b in module.named_buffers()}
        return unflatten_params(params), unflatten_params(state)

    def apply(params, state, *args, train=False, key=None, **kwargs):
        from .nn.init import key_source
        flat_p = flatten_params(params) if params else {}
        flat_s = flatten_params(state) if state else {}
        # state is copied: a forward that updates buffers in place must not write into the caller's arrays
        buffers = {n: wrap(v if isinstance(v, Tracer) else v.copy()) for n, v in flat_s.items()}
        values = {n: wrap(v) for n, v in flat_p.items()}
        values.update(buffers)
        modes = [(m, m.training) for m in module.modules()]
        module.train(train)
        try:
            with no_grad(), (key_source(key) if key is not None else contextlib.nullcontext()):
                out = functional_call(module, values, tuple(wrap(a) if _is_array(a) else a for a in args),
                                      kwargs)
        finally:
            for m, mode in modes:
                object.__setattr__(m, "training", mode)
        out = tree_map(lambda t: _value(t) if isinstance(t, Tensor) else t, out,
                       is_leaf=lambda t: isinstance(t, Tensor))
        new_state = unflatten_params({n: _value(b) for n, b in buffers.items()})
        return out, new_state

    return init, apply


def _is_array(a):
    return hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, Tensor)
