"""Train a small conv net on scikit-learn's handwritten digits, written as PyTorch code.

The model is the ThreeLayerConvNet of the classic PyTorch exercise (conv 5x5 pad 2 ->
ReLU -> conv 5x5 pad 2 -> ReLU -> flatten -> Linear, kaiming_normal_ weights, zero
biases), sized for the 8x8 digit images. The only change from torch code is the import:

    import fgrad_nn as torch

Run:  python examples/train_digits.py          (needs scikit-learn: pip install fgrad[demo])
      python examples/train_digits.py --epochs 2 --quiet
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

import fgrad_nn as torch
import fgrad_nn.nn as nn
import fgrad_nn.nn.functional as F
import fgrad_nn.optim as optim
from fgrad_nn.utils.data import DataLoader, TensorDataset

H = W = 8  # the digits are 8x8 (the exercise's CIFAR images were 32x32)


def flatten(x):
    return x.view(x.shape[0], -1)


class ThreeLayerConvNet(nn.Module):
    def __init__(self, in_channel, channel_1, channel_2, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channel, channel_1, kernel_size=5, padding=2)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(channel_1, channel_2, kernel_size=5, padding=2)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(channel_2 * H * W, num_classes)

        nn.init.kaiming_normal_(self.conv1.weight)
        nn.init.kaiming_normal_(self.conv2.weight)
        nn.init.kaiming_normal_(self.fc.weight)
        nn.init.zeros_(self.conv1.bias)
        nn.init.zeros_(self.conv2.bias)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = self.relu1(self.conv1(x))
        x = self.relu2(self.conv2(x))
        return self.fc(flatten(x))


def load_data(seed=0, test_fraction=0.2):
    """The 1797 digits as float32 (N, 1, 8, 8), standardised with the training set's mean and standard
    deviation, split into train and test sets."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("this example needs scikit-learn (shipped with its digits data): pip install scikit-learn")
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(), x[train].std()
    x = (x - mean) / std
    return (x[train], y[train]), (x[test], y[test])


def progress(epoch, epochs, done, total, loss, start, width=30):
    filled = int(width * done / total)
    bar = "#" * filled + "-" * (width - filled)
    sys.stdout.write(f"\repoch {epoch}/{epochs} [{bar}] {done}/{total}  loss {loss:.4f}  "
                     f"{time.perf_counter() - start:5.1f}s")
    sys.stdout.flush()


def accuracy(model, x, y, batch_size=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch_size):
            scores = model(torch.from_numpy(x[i:i + batch_size]))
            correct += int((scores.argmax(dim=1) == torch.from_numpy(y[i:i + batch_size])).sum())
    model.train()
    return correct / len(y)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's initial lr, cosine-annealed to 0")
    p.add_argument("--channels", type=int, nargs=2, default=(16, 16))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint", default=os.path.join(tempfile.gettempdir(), "digits_convnet.safetensors"),
                   help="where to save the trained model (reloaded to evaluate)")
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    model = ThreeLayerConvNet(1, args.channels[0], args.channels[1], 10)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    n = len(train_set)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        done = 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            done += len(yb)
            if not args.quiet:
                progress(epoch, args.epochs, done, n, loss.item(), start)
        if not args.quiet:
            sys.stdout.write(f"  test accuracy {accuracy(model, x_test, y_test):.4f}\n")

    # Save a checkpoint, then evaluate a fresh model loaded from it (the file can't run code).
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, args.checkpoint)
    restored = ThreeLayerConvNet(1, args.channels[0], args.channels[1], 10)
    restored.load_state_dict(torch.load(args.checkpoint)["model"])
    print(f"\ncheckpoint saved to {args.checkpoint} and reloaded")
    acc = accuracy(restored, x_test, y_test)
    print(f"final test accuracy: {acc:.4f} ({len(y_test)} test digits, {time.perf_counter() - start:.1f}s)")
    return acc


if __name__ == "__main__":
    main()
