"""Progress for the examples: a tqdm bar when tqdm is installed (``pip install 'fgrad[demo]'``),
plain printed lines otherwise.

    bar = progress(total=len(loader), desc="epoch 1/10", unit="batch")
    for xb, yb in loader:
        ...
        bar.set_postfix(loss=f"{loss.item():.4f}")
        bar.update()
    bar.close()

(tqdm sorts keyword postfixes by name; a dict as the first argument keeps its order.)
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

try:
    from tqdm import tqdm
except ImportError:  # the demo extra is not installed: plain lines
    tqdm = None


class PlainProgress:
    """The part of tqdm's interface the examples use, printing a line every ``total // lines`` steps
    and one when closed."""

    def __init__(self, total: int, desc: str = "", unit: str = "it", disable: bool = False, lines: int = 5) -> None:
        self.total, self.desc, self.unit, self.disable = total, desc, unit, disable
        self.every = max(1, total // lines)
        self.n, self.postfix, self.start, self.closed = 0, "", time.perf_counter(), False

    def set_postfix(self, ordered_dict: Mapping[str, Any] | None = None, **values: Any) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in {**(ordered_dict or {}), **values}.items())

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.n % self.every == 0 and self.n < self.total:
            self._line()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._line()

    def _line(self) -> None:
        if not self.disable:
            seconds = time.perf_counter() - self.start
            print(f"{self.desc}: {self.n}/{self.total} {self.unit}, {seconds:.1f}s"
                  + (f", {self.postfix}" if self.postfix else ""), flush=True)


def progress(total: int, desc: str = "", unit: str = "it", disable: bool = False) -> Any:
    """A tqdm progress bar of ``total`` steps, or a plain-lines stand-in when tqdm is not installed."""
    if tqdm is not None:
        return tqdm(total=total, desc=desc, unit=unit, disable=disable, dynamic_ncols=True)
    return PlainProgress(total, desc=desc, unit=unit, disable=disable)
