"""torch's tensor repr: ``tensor([1., 2.], requires_grad=True)``."""
import math

import numpy as np

from fgrad import backend

from . import _dtypes


class _Opts:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT = _Opts()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
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


def _format(arr, indent, summarize):
    kind = arr.dtype.kind
    flat = arr.ravel()
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
            items = ["..." if i is None else fmt(a[i].item()).rjust(width) for i in idx]
            per_line = max(1, (PRINT.linewidth - ind) // (width + 2))
            lines = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
            return "[" + (",\n" + " " * (ind + 1)).join(lines) + "]"
        sep = "," + "\n" * (a.ndim - 1) + " " * (ind + 1)
        return "[" + sep.join("..." if i is None else rec(a[i], ind + 1) for i in idx) + "]"

    return rec(arr, indent)


def tensor_repr(t):
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
    return "tensor(" + ", ".join([body] + suffix) + ")"
