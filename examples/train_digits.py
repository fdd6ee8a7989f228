"""Train a small conv net on scikit-learn's handwritten digits, written as PyTorch code.

The model is the ThreeLayerConvNet of the classic PyTorch exercise (conv 5x5 pad 2 ->
ReLU -> conv 5x5 pad 2 -> ReLU -> flatten -> Linear, kaiming_normal_ weights, zero
biases), sized for the 8x8 digit images. The only change from torch code is the import:

    import fgrad_nn as torch

Run:  python examples/train_digits.py          (needs scikit-learn: pip install 'fgrad[demo]')
      python examples/train_digits.py --epochs 2 --quiet --plot curves.png

It shows a progress bar (tqdm) with the loss, and writes a picture (matplotlib) of the training
and test curves and of the test digits it still gets wrong, ``digits_training.png`` in the working
directory. Without tqdm and matplotlib it prints plain lines and no picture.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence

import numpy as np

import fgrad_nn as torch
import fgrad_nn.nn as nn
import fgrad_nn.nn.functional as F
import fgrad_nn.optim as optim
from fgrad_nn.utils.data import DataLoader, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _progress import progress  # noqa: E402

try:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
except ImportError:  # the demo extra is not installed: no picture
    Figure = None  # type: ignore[assignment,misc]

H = W = 8  # the digits are 8x8 (the exercise's CIFAR images were 32x32)


def flatten(x: torch.Tensor) -> torch.Tensor:
    return x.view(x.shape[0], -1)


class ThreeLayerConvNet(nn.Module):
    def __init__(self, in_channel: int, channel_1: int, channel_2: int, num_classes: int) -> None:
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu1(self.conv1(x))
        x = self.relu2(self.conv2(x))
        return self.fc(flatten(x))


def load_data(seed: int = 0, test_fraction: float = 0.2
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
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


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray,
             batch_size: int = 500) -> tuple[float, float, np.ndarray]:
    """Mean cross-entropy, accuracy and the predicted classes of ``model`` on ``(x, y)``."""
    model.eval()
    total, predicted = 0.0, []
    with torch.no_grad():
        for i in range(0, len(y), batch_size):
            scores = model(torch.from_numpy(x[i:i + batch_size]))
            total += F.cross_entropy(scores, torch.from_numpy(y[i:i + batch_size]), reduction="sum").item()
            predicted.append(scores.argmax(dim=1).numpy())
    model.train()
    pred = np.concatenate(predicted)
    return total / len(y), float(np.mean(pred == y)), pred


def save_plot(path: str, history: dict[str, list[float]], x_test: np.ndarray, y_test: np.ndarray,
              pred: np.ndarray, max_digits: int = 24) -> int:
    """Write the loss and accuracy curves and a grid of misclassified test digits to ``path`` (a PNG).

    Returns how many misclassified digits the grid shows."""
    assert Figure is not None
    wrong = np.flatnonzero(pred != y_test)[:max_digits]
    fig = Figure(figsize=(12, 5), layout="constrained")
    halves = fig.add_gridspec(1, 2, width_ratios=(1, 1.1))
    curves, grid = fig.add_subfigure(halves[0]), fig.add_subfigure(halves[1])
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    for ax, key, label in zip(curves.subplots(2, 1, sharex=True), ("loss", "acc"), ("cross-entropy", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], "o-", label="training set")
        ax.plot(epochs, history[f"test_{key}"], "s-", label="test set")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    curves.suptitle("ThreeLayerConvNet on the digits")
    cols = 6
    axes = grid.subplots(max(2, -(-len(wrong) // cols)), cols)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < len(wrong):
            i = wrong[k]
            ax.imshow(x_test[i, 0], cmap="gray_r")
            ax.set_title(f"{y_test[i]} read as {pred[i]}", fontsize=9)
    grid.suptitle(f"misclassified test digits ({int(np.sum(pred != y_test))} of {len(y_test)})")
    fig.savefig(path, dpi=100)
    return len(wrong)


def main(argv: Sequence[str] | None = None) -> float:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's initial lr, cosine-annealed to 0")
    p.add_argument("--channels", type=int, nargs=2, default=(16, 16))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint", default=os.path.join(tempfile.gettempdir(), "digits_convnet.safetensors"),
                   help="where to save the trained model (reloaded to evaluate)")
    p.add_argument("--plot", default="digits_training.png",
                   help="where to write the PNG of the curves and the misclassified digits (needs matplotlib)")
    p.add_argument("--no-plot", action="store_true", help="write no PNG")
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    model = ThreeLayerConvNet(1, args.channels[0], args.channels[1], 10)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        bar = progress(total=len(loader), desc=f"epoch {epoch}/{args.epochs}", unit="batch", disable=args.quiet)
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            bar.set_postfix(loss=f"{loss.item():.4f}")
            bar.update()
        for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
            split_loss, split_acc, _ = evaluate(model, x, y)
            history[f"{split}_loss"].append(split_loss)
            history[f"{split}_acc"].append(split_acc)
        bar.set_postfix({"loss": f"{history['train_loss'][-1]:.4f}", "test_loss": f"{history['test_loss'][-1]:.4f}",
                         "test_acc": f"{history['test_acc'][-1]:.4f}"})
        bar.close()

    # Save a checkpoint, then evaluate a fresh model loaded from it (the file can't run code).
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, args.checkpoint)
    restored = ThreeLayerConvNet(1, args.channels[0], args.channels[1], 10)
    restored.load_state_dict(torch.load(args.checkpoint)["model"])
    print(f"checkpoint saved to {args.checkpoint} and reloaded")
    _, acc, pred = evaluate(restored, x_test, y_test)
    print(f"final test accuracy: {acc:.4f} ({len(y_test)} test digits, {time.perf_counter() - start:.1f}s)")
    if args.no_plot:
        pass
    elif Figure is None:
        print("no picture: matplotlib is not installed (pip install 'fgrad[demo]')")
    else:
        shown = save_plot(args.plot, history, x_test, y_test, pred)
        print(f"wrote the training and test curves and {shown} misclassified test digits to "
              f"{os.path.abspath(args.plot)}")
    return acc


if __name__ == "__main__":
    main()
