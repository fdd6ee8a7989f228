"""``torch.amp``: automatic mixed precision's API -- ``autocast`` and ``GradScaler`` -- with CPU semantics.

fgrad runs every op in its inputs' dtypes; it has no autocast casting. ``autocast`` is therefore a context
manager and decorator that does nothing, and says so: where torch would cast (a CPU region in bfloat16 or
float16, a CUDA region) it warns once and runs disabled, as torch's CPU autocast does for a dtype it does
not support. ``GradScaler`` is torch's loss scaler, exact: ``scale``, ``unscale_``, ``step`` (skipped
when a gradient is not finite), ``update`` (backoff and growth) and ``state_dict``.

>>> with torch.autocast('cpu', dtype=torch.float32):
...     y = torch.ones(2, 2) @ torch.ones(2, 2)
>>> y.dtype
torch.float32
"""
from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

from fgrad import backend

from . import _dtypes
from ._ops.creation import full
from ._tensor import Tensor
from .autograd.grad_mode import no_grad

if TYPE_CHECKING:
    from .optim.optimizer import Optimizer
    from .types import DType

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd", "is_autocast_enabled",
           "get_autocast_dtype"]

F = TypeVar("F", bound=Callable[..., Any])
_DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16"}


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` accepts ``device_type`` (``'cpu'`` and ``'cuda'``).

    >>> torch.amp.is_autocast_available('cpu')
    True
    """
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an autocast region is casting: never in fgrad_nn (see :class:`autocast`).

    >>> with torch.autocast('cpu'):
    ...     torch.amp.is_autocast_enabled('cpu')
    False
    """
    return False


def get_autocast_dtype(device_type: str) -> DType | None:
    """The dtype an autocast region on ``device_type`` names by default (bfloat16 on the CPU, float16 on
    CUDA, as torch's; None where fgrad_nn has no such dtype); fgrad_nn does not cast to it.

    >>> torch.amp.get_autocast_dtype('cuda')
    torch.float16
    """
    return getattr(_dtypes, _DEFAULT_DTYPE.get(device_type, "float16"), None)


class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a region (or, as a
    decorator, a function) in which torch casts some ops to a lower precision.

    fgrad_nn does not cast: the region runs in the inputs' dtypes. Where torch would cast it warns (once per
    region) that autocast is disabled, as torch does for a device or dtype it cannot use.

    >>> @torch.autocast('cpu', dtype=torch.float32)
    ... def f(x):
    ...     return x * 2
    >>> f(torch.ones(1))
    tensor([2.])
    """

    def __init__(self, device_type: str, dtype: DType | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._enabled = bool(enabled)
        if self._enabled:
            self._enabled = False
            if device_type == "cuda":
                why = ("CUDA is not available. Disabling autocast." if not backend.devices("cuda") else
                       "fgrad_nn's autocast does not cast ops to float16: they run in their inputs' dtypes. "
                       "Disabling autocast.")
            elif self.fast_dtype is None or self.fast_dtype in (_dtypes.bfloat16, _dtypes.float16):
                name = "torch.bfloat16" if self.fast_dtype is None else str(self.fast_dtype)
                why = (f"fgrad_nn's CPU autocast does not cast ops to {name}: they run in their inputs' dtypes. "
                       f"Disabling autocast.")
            else:
                why = ("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                       "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.")
            warnings.warn(why, stacklevel=2)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return decorated  # type: ignore[return-value]


def custom_fwd(fwd: Callable[..., Any] | None = None, *, device_type: str, cast_inputs: DType | None = None
               ) -> Callable[..., Any]:
    """Decorator for a custom ``Function.forward`` under autocast; with no casting, ``fwd`` itself.

    >>> torch.amp.custom_fwd(device_type='cpu')(abs)(-2)
    2
    """
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Callable[..., Any]:
    """Decorator for a custom ``Function.backward`` under autocast; with no casting, ``bwd`` itself.

    >>> torch.amp.custom_bwd(device_type='cpu')(abs)(-2)
    2
    """
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


_READY, _UNSCALED, _STEPPED = 0, 1, 2


def _fresh_state() -> dict[str, Any]:
    return {"stage": _READY, "found_inf": None}


class GradScaler:
    """torch's loss scaler: multiplies the loss by ``scale`` so that small float16 gradients do not flush to
    zero, unscales the gradients before the step, skips steps whose gradients are not finite, and adapts the
    scale (``backoff_factor`` after an overflow, ``growth_factor`` after ``growth_interval`` clean steps).

    ``GradScaler('cuda')`` without a GPU warns and is disabled, as torch's; ``GradScaler('cpu')`` works.
    Disabled, every method is a pass-through (``scale`` returns its input, ``step`` calls the optimizer).

    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1)
    >>> scaler = torch.amp.GradScaler('cpu', init_scale=4.0)
    >>> scaler.scale((w ** 2).sum()).backward()
    >>> w.grad
    tensor([ 8., 16.])
    >>> scaler.step(opt); scaler.update()
    >>> w, scaler.get_scale()
    (tensor([0.8000, 1.6000], requires_grad=True), 4.0)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            if not backend.devices("cuda"):
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: Tensor | None = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Tensor | None = None
        self._per_optimizer_states: dict[int, dict[str, Any]] = {}

    # ------------------------------------------------------------------ scaling
    def _lazy_init(self) -> None:
        self._scale = full((), self._init_scale, dtype=_dtypes.float32)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dtypes.int32)

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer_states.setdefault(id(optimizer), _fresh_state())

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or a list/tuple of them) multiplied by the current scale.

        >>> torch.amp.GradScaler('cpu', init_scale=8.0).scale(torch.tensor(0.5))
        tensor(4.)
        """
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._lazy_init()
        assert self._scale is not None

        def apply(v: Any) -> Any:
            if isinstance(v, Tensor):
                return v * self._scale.to(v.device)  # type: ignore[union-attr]
            if isinstance(v, (list, tuple)):
                return type(v)(apply(x) for x in v)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply(outputs)

    def unscale_(self, optimizer: Optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and note whether any is
        not finite (at most once per optimizer between ``update`` calls).

        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt, scaler = torch.optim.SGD([w], lr=1.0), torch.amp.GradScaler('cpu', init_scale=4.0)
        >>> scaler.scale(w * 3).sum().backward(); scaler.unscale_(opt); w.grad
        tensor([3.])
        """
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        if self._scale is None:
            raise AssertionError("Attempted unscale_ but _scale is None.  This may indicate your script did not "
                                 "use scaler.scale(loss or outputs) earlier in the iteration.")
        inv_scale = float(np.float32(1.0 / float(self._scale.item())))  # torch: reciprocal in double, then float
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if int(g.isfinite().sum()) != g.numel():
                        found = True
                    g.mul_(inv_scale)
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer: Optimizer, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()`` after unscaling its gradients, skipped when one is not finite; returns what
        the step returned (None when skipped).

        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt, scaler = torch.optim.SGD([w], lr=1.0), torch.amp.GradScaler('cpu')
        >>> scaler.scale(w * float('inf')).sum().backward(); scaler.step(opt); w
        tensor([1.], requires_grad=True)
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adapt the scale after the iteration's steps: times ``backoff_factor`` if any optimizer saw a
        gradient that is not finite, times ``growth_factor`` after ``growth_interval`` clean iterations (or set
        it to ``new_scale``).

        >>> scaler = torch.amp.GradScaler('cpu', init_scale=4.0)
        >>> scaler.update(2.0); scaler.get_scale()
        2.0
        """
        if not self._enabled:
            return
        if self._scale is None:
            self._lazy_init()
        assert self._scale is not None and self._growth_tracker is not None
        with no_grad():
            if new_scale is not None:
                if isinstance(new_scale, Tensor):
                    if new_scale.numel() != 1 or new_scale.dtype != _dtypes.float32 or new_scale.requires_grad:
                        raise AssertionError("new_scale should be a float or a 1-element torch.FloatTensor with "
                                             "requires_grad=False.")
                    self._scale.copy_(new_scale)
                else:
                    self._scale.fill_(new_scale)
            else:
                found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
                if not found:
                    raise AssertionError("No inf checks were recorded prior to update.")
                if any(found):
                    self._scale.mul_(self._backoff_factor)
                    self._growth_tracker.fill_(0)
                else:
                    successful = int(self._growth_tracker.item()) + 1
                    if successful == self._growth_interval:
                        grown = self._scale * self._growth_factor
                        if bool(grown.isfinite()):
                            self._scale.copy_(grown)
                        self._growth_tracker.fill_(0)
                    else:
                        self._growth_tracker.fill_(successful)
        self._per_optimizer_states = {}

    # ------------------------------------------------------------------ settings and state
    def get_scale(self) -> float:
        """The current scale (1.0 when disabled).

        >>> torch.amp.GradScaler('cpu').get_scale()
        65536.0
        """
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        """The factor the scale grows by after ``growth_interval`` clean iterations.

        >>> torch.amp.GradScaler('cpu').get_growth_factor()
        2.0
        """
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor.

        >>> torch.amp.GradScaler('cpu').set_growth_factor(3.0)
        """
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after an overflow.

        >>> torch.amp.GradScaler('cpu').get_backoff_factor()
        0.5
        """
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor.

        >>> torch.amp.GradScaler('cpu').set_backoff_factor(0.25)
        """
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """How many clean iterations make the scale grow.

        >>> torch.amp.GradScaler('cpu').get_growth_interval()
        2000
        """
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval.

        >>> torch.amp.GradScaler('cpu').set_growth_interval(10)
        """
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False when made disabled, or for CUDA without a GPU).

        >>> torch.amp.GradScaler('cpu', enabled=False).is_enabled()
        False
        """
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """The scale, the factors, the interval and the growth tracker (empty when disabled), as torch's.

        >>> sorted(torch.amp.GradScaler('cpu').state_dict())
        ['_growth_tracker', 'backoff_factor', 'growth_factor', 'growth_interval', 'scale']
        """
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` saved.

        >>> s = torch.amp.GradScaler('cpu')
        >>> s.load_state_dict(torch.amp.GradScaler('cpu', init_scale=8.0).state_dict()); s.get_scale()
        8.0
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])
