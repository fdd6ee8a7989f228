"""``DataLoader``: batches from a dataset, in the calling process.

Everything torch's ``DataLoader`` takes is accepted. ``num_workers > 0`` loads in this process
as well (same batches, same order; ``worker_init_fn`` is not called, ``get_worker_info()``
stays ``None``), and ``pin_memory`` is ignored: fgrad arrays have no pinned host memory.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Optional, Union

from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

if TYPE_CHECKING:
    from ...random import Generator

__all__ = ["DataLoader", "get_worker_info"]

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def get_worker_info() -> None:
    """Always ``None``: fgrad_nn loads data in the main process.

    >>> print(torch.utils.data.get_worker_info())
    None
    """
    return None


class _InfiniteConstantSampler(Sampler):
    """The index stream of an iterable dataset: it ignores indices, so ``None`` forever."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterate over ``dataset`` in batches (``torch.utils.data.DataLoader``).

    >>> ds = torch.utils.data.TensorDataset(torch.arange(6.0).reshape(3, 2))
    >>> [b[0].shape for b in torch.utils.data.DataLoader(ds, batch_size=2)]
    [torch.Size([2, 2]), torch.Size([1, 2])]

    ``shuffle=True`` draws a new order on every pass over the loader; pass a seeded
    ``generator`` (``torch.Generator().manual_seed(0)``) for a repeatable sequence of orders.

    >>> ds = torch.utils.data.TensorDataset(torch.arange(5.0), torch.arange(5))
    >>> [x.tolist() for x, y in torch.utils.data.DataLoader(ds, batch_size=2)]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    """

    _initialized = False

    def __init__(self, dataset: Any, batch_size: Optional[int] = 1, shuffle: Optional[bool] = None,
                 sampler: Union[Sampler, Iterable[int], None] = None,
                 batch_sampler: Union[Sampler, Iterable[list[int]], None] = None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[list[Any]], Any]] = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Optional[Callable[[int], None]] = None, multiprocessing_context: Any = None,
                 generator: Optional[Generator] = None, *, prefetch_factor: Optional[int] = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers "
                             "> 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self._len_called = None
        self._initialized = True

    def __setattr__(self, attr, val):
        if self._initialized and attr in _FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            self._len_called = n
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self):
        return _LoaderIter(self, self._iter_iterable() if self._iterable else self._iter_map())

    def _iter_map(self):
        ds, collate = self.dataset, self.collate_fn
        getitems = getattr(ds, "__getitems__", None)
        for index in self._index_sampler:
            if not self._auto_collation:
                yield collate(ds[index])
            elif getitems:
                yield collate(getitems(index))
            else:
                yield collate([ds[i] for i in index])

    def _iter_iterable(self):
        it = iter(self.dataset)
        collate, expected = self.collate_fn, self._len_called
        count = 0
        for index in self._index_sampler:
            if self._auto_collation:
                data = []
                for _ in index:
                    try:
                        data.append(next(it))
                    except StopIteration:
                        break
                if not data or (self.drop_last and len(data) < len(index)):
                    return
            else:
                try:
                    data = next(it)
                except StopIteration:
                    return
            count += 1
            if expected is not None and count > expected:
                warnings.warn(f"Length of IterableDataset {self.dataset} was reported to be {expected}(when "
                              f"accessing len(dataloader)), but {count} samples have been fetched. ",
                              stacklevel=2)
            yield collate(data)
            if self._auto_collation and len(data) < len(index):
                return


class _LoaderIter:
    """One pass over a loader (``len()`` works on it, as on torch's)."""

    def __init__(self, loader, gen):
        self._loader = loader
        self._gen = gen

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def __len__(self):
        return len(self._loader)
