"""A character-level LSTM language model, written as PyTorch code on ``import fgrad_nn as torch``.

It trains on the source text of a standard-library module (no download): Embedding ->
2-layer LSTM -> Linear, cross-entropy on the next character, Adam, gradient clipping.
Shows a progress bar (tqdm, from the ``demo`` extra; plain lines without it) with the loss
falling, then samples some text.

    python examples/char_lm.py                 # 200 steps: about 30 s on an idle 2-core CPU
    python examples/char_lm.py --steps 100     # quicker
"""
from __future__ import annotations

import argparse
import inspect
import os
import sys
import textwrap
import time
from collections.abc import Sequence

import numpy as np

import fgrad_nn as torch
import fgrad_nn.nn.functional as F
from fgrad_nn import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _progress import progress  # noqa: E402


class CharLM(nn.Module):
    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128, layers: int = 2,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state


def sample(model: CharLM, stoi: dict[str, int], itos: dict[int, str], prompt: str, n: int, temperature: float,
           rng: np.random.Generator) -> str:
    model.eval()
    with torch.no_grad():
        idx = torch.tensor([[stoi[c] for c in prompt]])
        logits, state = model(idx)
        out = list(prompt)
        for _ in range(n):
            p = F.softmax(logits[0, -1] / temperature, dim=-1).numpy().astype(np.float64)
            c = int(rng.choice(len(p), p=p / p.sum()))
            out.append(itos[c])
            logits, state = model(torch.tensor([[c]]), state)
    model.train()
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seq", type=int, default=48)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample-length", type=int, default=300, help="characters to sample after training")
    args = ap.parse_args(argv)

    text = inspect.getsource(textwrap)  # ships with Python
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = dict(enumerate(chars))
    data = np.array([stoi[c] for c in text], np.int64)
    print(f"training on the source of textwrap.py: {len(text)} characters, vocabulary {len(chars)}")

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = CharLM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} parameters\n{model}")

    t0 = time.perf_counter()
    smooth = None
    bar = progress(total=args.steps, desc="training", unit="step")
    for step in range(1, args.steps + 1):
        starts = rng.integers(0, len(data) - args.seq - 1, args.batch)
        x = torch.tensor(np.stack([data[s:s + args.seq] for s in starts]))
        y = torch.tensor(np.stack([data[s + 1:s + args.seq + 1] for s in starts]))
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        smooth = loss.item() if smooth is None else 0.9 * smooth + 0.1 * loss.item()
        bar.set_postfix(loss=f"{smooth:.3f}")
        bar.update()
    bar.close()
    print(f"trained in {time.perf_counter() - t0:.1f} s (uniform guessing would be {np.log(len(chars)):.3f})")
    print("\nsample:\n" + sample(model, stoi, itos, "def ", args.sample_length, 0.8, rng))


if __name__ == "__main__":
    main()
