"""DistributedSampler against torch's (which needs no process group when num_replicas and rank are given)."""
import pytest
import torch

from fgrad_nn.utils.data import DistributedSampler
from fgrad_nn.utils.data.distributed import DistributedSampler as FromModule


@pytest.mark.parametrize("n", [1, 5, 7, 10, 12])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_partitions_equal_torchs_without_shuffling(n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                                     drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (3, 8, False), (16, 4, False)])
def test_shuffled_shards_cover_the_data_as_torchs_do(n, replicas, drop_last):
    for epoch in (0, 1):
        shards, theirs = [], []
        for rank in range(replicas):
            s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=3, drop_last=drop_last)
            s.set_epoch(epoch)
            shards.append(list(s))
            t = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=3,
                                                    drop_last=drop_last)
            t.set_epoch(epoch)
            theirs.append(list(t))
        # every rank gets the same count; together they hold the same multiset of indices as torch's shards
        assert [len(s) for s in shards] == [len(t) for t in theirs]
        ours_all, theirs_all = sum(shards, []), sum(theirs, [])
        assert len(set(ours_all)) == len(set(theirs_all))
        assert sorted(ours_all).count(0) <= -(-len(ours_all) // n)
        if drop_last or n % replicas == 0:
            assert len(set(ours_all)) == len(ours_all)  # disjoint
        else:
            assert set(ours_all) == set(range(n))  # padded: everything covered
    # the same seed and epoch give the same permutation (what every rank relies on); another epoch another
    a = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    b = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)


def test_importable_from_both_places_and_bad_rank():
    assert DistributedSampler is FromModule
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(3), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(3))
