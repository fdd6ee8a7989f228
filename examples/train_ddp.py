"""Train the digits conv net of train_digits.py data-parallel: one process per rank, on MPI.

Each rank builds the same model (DistributedDataParallel copies rank 0's weights to the others),
reads its own shard of every epoch through DistributedSampler, and averages its gradients with the
other ranks' during the backward pass, so all replicas take the same Adam steps. The global batch is
``--batch-size`` (split over the ranks), so the run follows the single-process demo step for step
and reaches its accuracy. The only changes from torch code are the imports.

Run:  mpiexec -n 2 python examples/train_ddp.py     (pip install -e '.[mpi,demo]')
      mpiexec -n 4 python examples/train_ddp.py --epochs 5
      python examples/train_ddp.py                   (without mpiexec: a world of one process)
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # (train_digits.py beside this file)

import fgrad_nn as torch  # noqa: E402
import fgrad_nn.distributed as dist  # noqa: E402
import fgrad_nn.nn.functional as F  # noqa: E402
import fgrad_nn.optim as optim  # noqa: E402
from fgrad_nn.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from fgrad_nn.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402
from train_digits import ThreeLayerConvNet, load_data  # noqa: E402


def accuracy(model, x, y):
    """The fraction of ``x`` that ``model`` classifies as ``y``."""
    model.eval()
    with torch.no_grad():
        correct = int((model(torch.from_numpy(x)).argmax(dim=1) == torch.from_numpy(y)).sum())
    model.train()
    return correct / len(y)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32, help="the global batch, split over the ranks")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's initial lr, cosine-annealed to 0")
    p.add_argument("--channels", type=int, nargs=2, default=(16, 16))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    args = p.parse_args(argv)

    dist.init_process_group("gloo")  # rank and world size come from mpiexec
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        sys.exit(f"--batch-size {args.batch_size} must be a multiple of the number of ranks ({world})")

    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    model = DDP(ThreeLayerConvNet(1, args.channels[0], args.channels[1], 10))
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
    loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()  # gradients are averaged over the ranks here
            optimizer.step()
            scheduler.step()
            total, count = total + loss.item() * len(yb), count + len(yb)
        mean_loss = torch.tensor([total / count])
        dist.all_reduce(mean_loss, op=dist.ReduceOp.AVG)
        if rank == 0 and not args.quiet:
            print(f"epoch {epoch}/{args.epochs}  loss {mean_loss.item():.4f}  "
                  f"test accuracy {accuracy(model.module, x_test, y_test):.4f}  {time.perf_counter() - start:.1f}s",
                  flush=True)

    acc = accuracy(model.module, x_test, y_test)
    if rank == 0:
        print(f"final test accuracy: {acc:.4f} ({len(y_test)} test digits, {world} ranks, "
              f"{time.perf_counter() - start:.1f}s)")
    dist.destroy_process_group()
    return acc


if __name__ == "__main__":
    main()
