"""``torch.utils.data.distributed.DistributedSampler``: each rank's share of a dataset's indices."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ... import distributed as dist
from ..._ops.creation import randperm
from ...random import Generator
from .sampler import Sampler

if TYPE_CHECKING:
    from collections.abc import Iterator, Sized

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices of rank ``rank`` of ``num_replicas``: rank ``r`` takes positions ``r, r + R, ...`` of
    the (shuffled) index list, padded by repeating its start to a multiple of ``R`` (or, with
    ``drop_last``, cut to one); so every rank gets ``len(sampler)`` indices, and together they cover
    the dataset. With ``shuffle``, the list is ``randperm`` seeded by ``seed + epoch``: the same on
    every rank. Call ``set_epoch(epoch)`` before each epoch for a new order.

    ``num_replicas``/``rank``: default to the process group's world size and rank.

    >>> from fgrad_nn.utils.data import DistributedSampler
    >>> list(DistributedSampler(range(5), num_replicas=2, rank=0, shuffle=False))
    [0, 2, 4]
    >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
    [1, 3, 0]
    >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False, drop_last=True))
    [1, 3]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which (with ``seed``) decides the shuffled order; call it before each epoch.

        >>> from fgrad_nn.utils.data import DistributedSampler
        >>> s = DistributedSampler(range(4), num_replicas=2, rank=0, seed=1)
        >>> s.set_epoch(2); s.epoch
        2
        """
        self.epoch = epoch
