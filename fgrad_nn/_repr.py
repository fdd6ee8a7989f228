"""torch's tensor repr: ``tensor([1., 2.], requires_grad=True)``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from fgrad import backend

from . import _dtypes


class _Opts:
    precision = 4
    threshold: float = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode: bool | None = None


PRINT = _Opts()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print: digits after the point, summarising threshold and edge items, line width.

    ``profile`` (``'default'``, ``'short'``, ``'full'``) sets all four first; the others then override it.
    ``sci_mode`` forces (True) or forbids (False) scientific notation; None chooses as torch does.

    >>> torch.set_printoptions(precision=2)
    >>> torch.tensor([1.2345, 2.0])
    tensor([1.23, 2.00])
    >>> torch.set_printoptions(profile="default")
    >>> torch.tensor([1.2345, 2.0])
    tensor([1.2345, 2.0000])
    """
    if profile is not None:
        PRINT.precision, PRINT.threshold, PRINT.edgeitems, PRINT.linewidth = _PROFILES[profile]
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            setattr(PRINT, k, v)
    PRINT.sci_mode = sci_mode


def _float_formatter(vals):
    finite = vals[np.isfinite(vals)]
    nz = np.abs(finite[finite != 0])
    p = PRINT.precision
    if finite.size and np.all(finite == np.ceil(finite)):
        if nz.size and (nz.max() / nz.min() > 1000.0 or nz.max() > 1e8) and PRINT.sci_mode is not False:
            return lambda v: f"{v:.{p}e}"
        return lambda v: f"{v:.0f}." if math.isfinite(v) else _nonfinite(v)
    sci = PRINT.sci_mode
    if sci is None:
        sci = bool(nz.size) and (nz.max() / nz.min() > 1000.0 or nz.max() > 1e8 or nz.min() < 1e-4)
    if sci:
        return lambda v: f"{v:.{p}e}" if math.isfinite(v) else _nonfinite(v)
    return lambda v: f"{v:.{p}f}" if math.isfinite(v) else _nonfinite(v)


def _nonfinite(v):
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _shown(arr: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows: the edge items along every long axis (torch chooses the
    number format and the column width from these alone)."""
    edge = PRINT.edgeitems
    for ax in range(arr.ndim):
        n = arr.shape[ax]
        if n > 2 * edge:
            arr = np.concatenate([np.take(arr, range(edge), ax), np.take(arr, range(n - edge, n), ax)], axis=ax)
    return arr


def _format(arr: np.ndarray, indent: int, summarize: bool) -> str:
    kind = arr.dtype.kind
    flat = (_shown(arr) if summarize else arr).ravel()
    if kind == "b":
        fmt = lambda v: str(bool(v))  # noqa: E731
    elif kind in "iu":
        fmt = lambda v: str(int(v))  # noqa: E731
    elif kind == "c":
        fmt = lambda v: f"{v.real:.{PRINT.precision}f}{v.imag:+.{PRINT.precision}f}j"  # noqa: E731
    else:
        fmt = _float_formatter(flat.astype(np.float64))
    shown = flat[np.isfinite(flat)] if kind in "fc" and np.isfinite(flat).any() else flat
    width = max((len(fmt(v)) for v in shown), default=0)  # torch sizes columns by the finite values

    def rec(a, ind):
        if a.ndim == 0:
            return fmt(a.item()).rjust(width)
        n = a.shape[0]
        edge = PRINT.edgeitems
        idx = list(range(n))
        cut = summarize and n > 2 * edge
        if cut:
            idx = list(range(edge)) + [None] + list(range(n - edge, n))
        if a.ndim == 1:
            # torch pads a row's ellipsis by one space (", ...," with no edge items at all)
            items = [(" ..." if edge else "...") if i is None else fmt(a[i].item()).rjust(width) for i in idx]
            per_line = max(1, (PRINT.linewidth - ind) // (width + 2))
            lines = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
            return "[" + (",\n" + " " * (ind + 1)).join(lines) + "]"
        sep = "," + "\n" * (a.ndim - 1) + " " * (ind + 1)
        return "[" + sep.join("..." if i is None else rec(a[i], ind + 1) for i in idx) + "]"

    return rec(arr, indent)


def tensor_repr(t: Any) -> str:  # t: a Tensor (annotated loosely: _tensor imports this module)
    arr = np.asarray(backend.to_host(t._raw()))
    suffix = []
    summarize = arr.size > PRINT.threshold
    if arr.size == 0 and arr.ndim != 1:
        body = "[]"
        suffix.append(f"size={tuple(arr.shape)}")
    else:
        body = _format(arr, 7, summarize)
    dev = t.device
    if dev.type != "cpu":
        suffix.insert(0, f"device='{dev}'")
    d = _dtypes.from_np(arr.dtype)
    if d not in (_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool) or \
            (arr.size == 0 and d is not _dtypes.get_default_dtype()):
        suffix.append(f"dtype={d!r}")
    if t.requires_grad:
        gf = t.grad_fn
        suffix.append("requires_grad=True" if gf is None else f"grad_fn=<{gf.name()}>")
    return _add_suffixes("tensor(" + body, suffix)


def _add_suffixes(text: str, suffixes: list[str], indent: int = 7) -> str:
    """``text`` with ``, suffix`` for each suffix, starting a new line where one would pass the line width.

    The line length is counted as torch counts it (two more than the characters on the last line).
    """
    last = len(text) - text.rfind("\n") + 1
    out = [text]
    for s in suffixes:
        if last + len(s) + 2 > PRINT.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out) + ")"
