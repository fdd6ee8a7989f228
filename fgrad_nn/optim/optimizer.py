"""``torch.optim.Optimizer``: param groups, per-parameter state and torch's state_dict format.

No update rule lives here: each subclass names its pure optimizer from
``fgrad.optim`` and the hyperparameters it takes from a group. The constructor
makes that optimizer once (``fgrad.optim.inject_hyperparams``: torch's argument
checks run there, once) and keeps it; ``step`` hands it each group's current
hyperparameters (a scheduler may have changed them) with each parameter's state,
and writes the result into the parameter's storage. ``self.state[p]`` holds the
pure state's fields as Tensors under torch's names (``step``, ``exp_avg`` ...).
"""
from __future__ import annotations

import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any, Optional, Union

import numpy as np

from fgrad import optim as _pure
from fgrad.core import concrete

from .. import _dtypes
from .._tensor import Tensor, inplace, reset_grads, wrap
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["Optimizer", "required"]

Params = Iterable[Any]  # Tensors, (name, Tensor) pairs, or dicts of parameter groups
Rate = Union[float, Tensor]  # a learning rate or beta: a float or a 1-element Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_SCALAR_STATE = ("step", "mu_product")  # host scalars in torch's default dtype


def _to_scalar(x):
    if isinstance(x, Tensor) or (isinstance(x, np.ndarray) and x.ndim == 0):
        return float(x.item())
    return x


def _typename(o):
    module = getattr(o, "__module__", None)
    module = "" if module in (None, "builtins") else module + "."
    name = getattr(o, "__qualname__", None) or getattr(o, "__name__", None) or type(o).__name__
    return module + name


def _raw(t):
    return concrete(t._data) if isinstance(t, Tensor) else np.asarray(t)


class _Handle:
    _next = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = _Handle._next
        _Handle._next += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> _Handle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class Optimizer:
    """Base class of the optimizers: parameter groups, per-parameter ``state`` and torch's ``state_dict``.

    Subclasses set ``_rule`` (a pure optimizer from ``fgrad.optim``) and ``_rule_keys`` (its group keys),
    and call ``_make_rule(defaults)`` before ``Optimizer.__init__`` (torch checks its arguments first).

    >>> w, b = torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    >>> opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    >>> sorted(opt.state_dict())
    ['param_groups', 'state']
    """

    _rule: Any = None
    _rule_keys: tuple[str, ...] = ()

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._step_pre_hooks: OrderedDict[int, Callable[..., None]] = OrderedDict()
        self._step_post_hooks: OrderedDict[int, Callable[..., None]] = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            "dicts, but got " + params.type())
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(dict(group))

    # ------------------------------------------------------------------ the update
    def _hyperparameters(self, group):
        """The pure optimizer's hyperparameters from ``group`` (Tensor lr/betas as floats)."""
        return {k: tuple(_to_scalar(b) for b in group[k]) if k == "betas" else _to_scalar(group[k])
                for k in self._rule_keys}

    def _make_rule(self, defaults, validate=True):
        """The pure optimizer, made once from ``defaults`` (checking them as torch does) and kept."""
        self._pure_optimizer = _pure.inject_hyperparams(type(self)._rule)(**self._hyperparameters(defaults),
                                                                   validate=validate)

    def _init_state(self, p):
        """torch's lazy state: the pure init's fields, scalars on the host in the default dtype."""
        state = {}
        scalar = np.float64 if _dtypes.get_default_dtype().np == np.float64 else np.float32
        for name, value in _pure.state_fields(self._pure_optimizer.init(_raw(p)).inner_state).items():
            if value is None:
                continue
            if name in _SCALAR_STATE:
                value = np.asarray(value, dtype=scalar)
            state[name] = wrap(value)
        return state

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns ``closure()``'s loss."""
        for hook in list(self._step_pre_hooks.values()):
            result = hook(self, (), {})
            if result is not None:
                raise RuntimeError("optimizer step pre-hooks must return None")
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._opt_called = True
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _step_group(self, group):
        hyperparams = self._hyperparameters(group)
        for p in group["params"]:
            if p.grad is not None:
                self._update(p, hyperparams)

    def _update(self, p, hyperparams):
        """One parameter's step through the pure optimizer (a subclass may take a faster in-place way)."""
        state = self.state.get(p) or self._init_state(p)
        praw = _raw(p)
        fields = _pure.InjectHyperparamsState(hyperparams, {k: _raw(v) for k, v in state.items()})
        updates, new_state = self._pure_optimizer.update(_raw(p.grad), fields, praw)
        new_p = _pure.apply_updates(praw, updates)
        inplace(p, lambda old: new_p)
        for name, value in _pure.state_fields(new_state.inner_state).items():
            if value is not None:
                state[name] = wrap(value)
        if state or p in self.state:
            self.state[p] = state

    # ------------------------------------------------------------------ groups and grads
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` (to None by default, else to zeros in place)."""
        reset_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (a dict with ``params`` and optional per-group options) to ``param_groups``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len({id(t) for t in tensors}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ state_dict
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` as in torch."""
        mapping: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()`` (ours or torch's): state is matched to parameters by position."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast(param, value, key) for key, value in v.items()}
            else:
                state[k] = v
        new_groups = []
        for group, new in zip(groups, saved_groups):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            for key, default in self.defaults.items():
                new.setdefault(key, default)
            new_groups.append(new)
        self.state = state
        self.param_groups = new_groups

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_step_post_hooks", OrderedDict())
        if type(self)._rule is not None:  # the pure optimizer (closures) is not pickled: made again
            self._make_rule(self.defaults, validate=False)

    # ------------------------------------------------------------------ hooks and repr
    def register_step_pre_hook(self, hook: Callable[..., None]) -> _Handle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; ``handle.remove()`` undoes it."""
        handle = _Handle(self._step_pre_hooks)
        self._step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable[..., None]) -> _Handle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``; ``handle.remove()`` undoes it."""
        handle = _Handle(self._step_post_hooks)
        self._step_post_hooks[handle.id] = hook
        return handle

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"


def _cast(param, value, key):
    """A state value as one of our Tensors: ``step`` as is, the rest in the parameter's dtype/device."""
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if not isinstance(value, Tensor):
        if not hasattr(value, "__array__"):
            return value
        value = wrap(np.array(value.detach().cpu().numpy() if hasattr(value, "detach") else value))
    if key == "step":
        return value.clone()
    if param.is_floating_point():
        return value.to(dtype=param.dtype, device=param.device).clone()
    return value.to(device=param.device).clone()
