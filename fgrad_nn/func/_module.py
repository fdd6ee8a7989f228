"""Modules as functions: ``functional_call``, ``stack_module_state`` and ``pure``.

``functional_call(module, params_and_buffers, args)`` runs ``module`` with some of its
parameters/buffers replaced for one call; ``stack_module_state(models)`` stacks the
parameters and buffers of same-class models for an ensemble under ``vmap``. ``pure(module)``
turns any Module (custom subclasses included) into a pure layer ``(init, apply)`` over nested
dicts of arrays -- for a Module over one ``fgrad.nn`` layer, that layer itself -- so
``fgrad.grad``, ``fgrad.jvp`` and ``fgrad.hessian`` work over a PyTorch-style model.

>>> import fgrad_nn as torch
>>> pure(torch.nn.Linear(3, 2))
Linear(in_features=3, out_features=2, bias=True)

>>> import fgrad, numpy as np, fgrad_nn as torch
>>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
>>> layer = pure(net)
>>> params, state = layer.init()
>>> loss = lambda p, x: layer.apply(p, state, x)[0].sum()
>>> g = fgrad.grad(loss)(params, np.ones((2, 3), np.float32))
>>> sorted(g["0"])
['bias', 'weight']
"""
from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fgrad.core import Tracer, concrete
from fgrad.nn.base import Layer, flatten_params, unflatten_params
from fgrad.tree_util import tree_map

from .._ops.shape import stack
from .._tensor import Tensor, on_tape, wrap
from ..autograd.grad_mode import no_grad
from ..nn.init import key_source

if TYPE_CHECKING:
    from fgrad.typing import Array, PyTree

    from ..nn.modules.module import Module

__all__ = ["functional_call", "stack_module_state", "pure", "ModuleLayer"]


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


def functional_call(module: Module, parameter_and_buffer_dicts: dict[str, Any] | Sequence[dict[str, Any]],
                    args: Any = None, kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with its parameters/buffers replaced by the given ones for this call.

    ``parameter_and_buffer_dicts``: a dict (or a list/tuple of dicts) from torch's dotted names to
    Tensors (arrays and fgrad tracers are wrapped). Names not given keep the module's own values.

    >>> model = torch.nn.Linear(2, 1)
    >>> params = {"weight": torch.tensor([[1.0, 2.0]]), "bias": torch.tensor([0.5])}
    >>> torch.func.functional_call(model, params, (torch.tensor([[1.0, 1.0]]),))
    tensor([[3.5000]])
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts: dict[str, int] = {}
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


def stack_module_state(models: Sequence[Module]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """``(params, buffers)``: dicts from torch's dotted names to the models' tensors stacked along a new
    first axis, for an ensemble evaluated with ``vmap`` (``vmap(f, in_dims=(0, 0, None))``).

    The models must be of one class and in one mode (training or eval). The stacked parameters are
    new leaves that require grad (an optimizer can train the whole ensemble through them).

    >>> params, buffers = torch.func.stack_module_state([torch.nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape, params["weight"].requires_grad, buffers
    (torch.Size([4, 2, 3]), True, {})
    """
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    typ = type(models[0])
    if not all(type(m) is typ for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: _stacked_leaf([p[k] for p in all_params], k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: _stacked_leaf([b[k] for b in all_buffers], k) for k in all_buffers[0]}
    return params, buffers


def _stacked_leaf(tensors, name):
    grads = [t.requires_grad for t in tensors]
    if any(grads) and not all(grads):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    with no_grad():
        out = stack(tensors)
    return out.requires_grad_() if all(grads) else out


def _value(t):
    d = t._data
    while on_tape(d):
        d = d._value
    return d


_OWN_MODULES = "fgrad_nn.nn.modules."


def _own_layer(module):
    """The pure layer of a Module whose forward is that layer's ``apply`` (fgrad_nn's Modules over one
    layer, forward not overridden, no forward hooks), with the Module's current settings; else None."""
    if getattr(module, "_layer", None) is None or module._forward_hooks or module._forward_pre_hooks:
        return None
    if not type(module).forward.__module__.startswith(_OWN_MODULES):
        return None
    return module._current_layer()


def pure(module: Module) -> Any:
    """The pure face of ``module``: a layer, with pure ``init`` and ``apply``.

    A Module over one pure layer (``Linear``, ``Conv2d``, ``BatchNorm1d``, ``LSTM``,
    ``MultiheadAttention`` ...) hands back that ``fgrad.nn`` layer itself: ``init(key)`` draws
    fresh parameters by the layer's (torch's) rule, ``apply`` is the one the Module runs.

    Any other Module (containers, custom subclasses) gives a :class:`ModuleLayer`:
    ``init(key=None)`` returns the module's current parameters and buffers and ``apply`` runs
    its forward on arrays. (fgrad_nn's own: torch has no pure face.)

    >>> layer = torch.func.pure(torch.nn.Linear(3, 2))
    >>> params, state = layer.init(fgrad.random.PRNGKey(0))
    >>> out, _ = layer.apply(params, state, np.ones((5, 3), np.float32))
    >>> out.shape, sorted(params)
    ((5, 2), ['bias', 'weight'])
    """
    layer = _own_layer(module)
    return layer if layer is not None else ModuleLayer(module)


class ModuleLayer(Layer):
    """Any Module as a pure layer (see :func:`pure`); the Module itself is left as it was.

    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    >>> layer = torch.func.pure(net)
    >>> layer
    ModuleLayer(Sequential)
    >>> params, state = layer.init()
    >>> sorted(params["0"])
    ['bias', 'weight']
    >>> out, _ = layer.apply(params, state, np.ones((5, 3), np.float32))
    >>> out.shape
    (5, 2)
    """

    def __init__(self, module: Module) -> None:
        self.module = module

    def init(self, key: Array | None = None) -> tuple[PyTree, PyTree]:
        """The module's current parameters and buffers as nested dicts of arrays (torch's names split at
        the dots; ``key`` is accepted for the layer protocol and unused: the Module holds its values)."""
        params = {n: concrete(p._data).copy() for n, p in self.module.named_parameters()}
        state = {n: concrete(b._data).copy() for n, b in self.module.named_buffers()}
        return unflatten_params(params), unflatten_params(state)

    def apply(self, params: PyTree, state: PyTree, *args: Any, train: bool = False, key: Array | None = None,
              **kwargs: Any) -> tuple[Any, PyTree]:
        """``(out, new_state)``: the module's forward on arrays (or fgrad tracers); Tensors in ``out``
        become arrays, ``new_state`` holds the buffers after the call (BatchNorm's running statistics in
        training). ``key`` seeds the module's random ops (dropout) instead of the global generator."""
        module = self.module
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

    def __repr__(self):
        return f"ModuleLayer({type(self.module).__name__})"


def _is_array(a):
    return hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, Tensor)
