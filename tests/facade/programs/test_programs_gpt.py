"""Karpathy's GPT programs as miniatures, run with torch and with fgrad_nn.

nanoGPT's model and training loop (causal self-attention through scaled_dot_product_attention and
through manual masking, weight tying, AdamW with weight-decay groups, cosine learning rate, gradient
accumulation and clipping, an autocast context on the CPU, a disabled GradScaler), minGPT's adder
(a Dataset, RandomSampler with replacement and 10**10 samples, DataLoader, greedy generation) and
makemore (Bigram, MLP, RNN and GRU cells, ``torch.multinomial`` sampling); see program_harness.py.
"""
import inspect
import math
import os
import tempfile
from dataclasses import dataclass

import numpy as np
import pytest

from program_harness import compare, reinit, rng, state


def _nanogpt(torch, flash):
    nn, F = torch.nn, torch.nn.functional

    class LayerNorm(nn.Module):
        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))
            self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):
        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.n_head = config.n_head
            self.n_embd = config.n_embd
            self.dropout = config.dropout
            self.flash = flash and hasattr(torch.nn.functional, 'scaled_dot_product_attention')
            if not self.flash:
                self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                                     .view(1, 1, config.block_size, config.block_size))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            if self.flash:
                y = torch.nn.functional.scaled_dot_product_attention(
                    q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            y = self.resid_dropout(self.c_proj(y))
            return y

    class MLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))

    class Block(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    @dataclass
    class GPTConfig:
        block_size: int = 8
        vocab_size: int = 13
        n_layer: int = 2
        n_head: int = 2
        n_embd: int = 8
        dropout: float = 0.0
        bias: bool = True

    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight
            self.apply(self._init_weights)
            for pn, p in self.named_parameters():
                if pn.endswith('c_proj.weight'):
                    torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def get_num_params(self, non_embedding=True):
            n_params = sum(p.numel() for p in self.parameters())
            if non_embedding:
                n_params -= self.transformer.wpe.weight.numel()
            return n_params

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            device = idx.device
            b, t = idx.size()
            assert t <= self.config.block_size
            pos = torch.arange(0, t, dtype=torch.long, device=device)
            tok_emb = self.transformer.wte(idx)
            pos_emb = self.transformer.wpe(pos)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is not None:
                logits = self.lm_head(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            else:
                logits = self.lm_head(x[:, [-1], :])
                loss = None
            return logits, loss

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            param_dict = {pn: p for pn, p in self.named_parameters()}
            param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [
                {'params': decay_params, 'weight_decay': weight_decay},
                {'params': nodecay_params, 'weight_decay': 0.0}
            ]
            fused_available = 'fused' in inspect.signature(torch.optim.AdamW).parameters
            use_fused = fused_available and device_type == 'cuda'
            extra_args = dict(fused=True) if use_fused else dict()
            optimizer = torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
            return optimizer

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float('Inf')
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    g = rng()
    train_data = g.integers(0, 13, 200).astype(np.uint16)
    val_data = g.integers(0, 13, 60).astype(np.uint16)
    block_size, batch_size, gradient_accumulation_steps = 8, 3, 2
    learning_rate, max_iters, weight_decay, beta1, beta2, grad_clip = 6e-4, 3, 1e-1, 0.9, 0.95, 1.0
    warmup_iters, lr_decay_iters, min_lr, eval_iters = 1, 3, 6e-5, 2
    device_type = 'cpu'
    tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True  # (inert on the CPU; restored below)
    torch.backends.cudnn.allow_tf32 = True
    ctx = torch.autocast(device_type=device_type, dtype=torch.float16, enabled=False)

    def get_batch(split):
        data = train_data if split == 'train' else val_data
        ix = torch.from_numpy(g.integers(0, len(data) - block_size, (batch_size,)))
        x = torch.stack([torch.from_numpy((data[i:i + block_size]).astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy((data[i + 1:i + 1 + block_size]).astype(np.int64)) for i in ix])
        return x, y

    model = GPT(GPTConfig())
    reinit(torch, model)
    scaler = torch.cuda.amp.GradScaler(enabled=False)
    optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), device_type)

    @torch.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ['train', 'val']:
            losses = torch.zeros(eval_iters)
            for k in range(eval_iters):
                X, Y = get_batch(split)
                with ctx:
                    logits, loss = model(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    def get_lr(it):
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (learning_rate - min_lr)

    X, Y = get_batch('train')
    log = []
    iter_num = 0
    while True:
        lr = get_lr(iter_num)
        for param_group in optimizer.param_groups:
            param_group['lr'] = lr
        if iter_num % 2 == 0:
            losses = estimate_loss()
            log.append((losses['train'], losses['val']))
        for micro_step in range(gradient_accumulation_steps):
            with ctx:
                logits, loss = model(X, Y)
                loss = loss / gradient_accumulation_steps
            X, Y = get_batch('train')
            scaler.scale(loss).backward()
        if grad_clip != 0.0:
            scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        lossf = loss.item() * gradient_accumulation_steps
        log.append((iter_num, lr, lossf, norm))
        iter_num += 1
        if iter_num > max_iters:
            break
    # train.py's checkpoint, and resuming from it (init_from='resume')
    checkpoint = {'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                  'model_args': dict(n_layer=2, n_head=2, n_embd=8, block_size=8, bias=True, vocab_size=13,
                                     dropout=0.0),
                  'iter_num': iter_num, 'best_val_loss': 1e9, 'config': {'learning_rate': learning_rate}}
    with tempfile.TemporaryDirectory() as out_dir:
        torch.save(checkpoint, os.path.join(out_dir, 'ckpt.pt'))
        checkpoint = torch.load(os.path.join(out_dir, 'ckpt.pt'), map_location=device_type)
    resumed = GPT(GPTConfig(**checkpoint['model_args']))
    state_dict = checkpoint['model']
    unwanted_prefix = '_orig_mod.'
    for k, v in list(state_dict.items()):
        if k.startswith(unwanted_prefix):
            state_dict[k[len(unwanted_prefix):]] = state_dict.pop(k)
    resumed.load_state_dict(state_dict)
    optimizer = resumed.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), device_type)
    optimizer.load_state_dict(checkpoint['optimizer'])
    logits, loss = resumed(X, Y)
    loss.backward()
    optimizer.step()
    log.append((checkpoint['iter_num'], checkpoint['config'], loss))
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
    model.eval()
    sample = model.generate(torch.zeros((1, 1), dtype=torch.long), 4, temperature=0.8, top_k=5)
    drawn = (tuple(sample.shape), sample.dtype == torch.int64, bool(((sample >= 0) & (sample < 13)).all()))
    return {"log": log, "state": state(model), "num_params": model.get_num_params(), "drawn": drawn,
            "groups": [len(gr['params']) for gr in optimizer.param_groups], "resumed": state(resumed)}


def nanogpt_flash(torch):
    return _nanogpt(torch, flash=True)


def nanogpt_manual(torch):
    return _nanogpt(torch, flash=False)


def mingpt_adder(torch):
    nn, F = torch.nn, torch.nn.functional
    Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader
    ndigit = 2

    class NewGELU(nn.Module):
        def forward(self, x):
            return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, block_size):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.attn_dropout = nn.Dropout(0.0)
            self.resid_dropout = nn.Dropout(0.0)
            self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size))
                                 .view(1, 1, block_size, block_size))
            self.n_head = n_head
            self.n_embd = n_embd

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            y = self.resid_dropout(self.c_proj(y))
            return y

    class Block(nn.Module):
        def __init__(self, n_embd, n_head, block_size):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head, block_size)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(n_embd, 4 * n_embd), c_proj=nn.Linear(4 * n_embd, n_embd),
                                          act=NewGELU(), dropout=nn.Dropout(0.0)))
            m = self.mlp
            self.mlpf = lambda x: m.dropout(m.c_proj(m.act(m.c_fc(x))))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlpf(self.ln_2(x))
            return x

    class GPT(nn.Module):
        def __init__(self, vocab_size, block_size, n_embd=8, n_head=2, n_layer=1):
            super().__init__()
            self.block_size = block_size
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab_size, n_embd), wpe=nn.Embedding(block_size, n_embd), drop=nn.Dropout(0.0),
                h=nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd)))
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

        def configure_optimizers(self, train_config):
            decay = set()
            no_decay = set()
            whitelist_weight_modules = (torch.nn.Linear, )
            blacklist_weight_modules = (torch.nn.LayerNorm, torch.nn.Embedding)
            for mn, m in self.named_modules():
                for pn, p in m.named_parameters():
                    fpn = '%s.%s' % (mn, pn) if mn else pn
                    if pn.endswith('bias'):
                        no_decay.add(fpn)
                    elif pn.endswith('weight') and isinstance(m, whitelist_weight_modules):
                        decay.add(fpn)
                    elif pn.endswith('weight') and isinstance(m, blacklist_weight_modules):
                        no_decay.add(fpn)
            param_dict = {pn: p for pn, p in self.named_parameters()}
            inter_params = decay & no_decay
            union_params = decay | no_decay
            assert len(inter_params) == 0
            assert len(param_dict.keys() - union_params) == 0
            optim_groups = [
                {"params": [param_dict[pn] for pn in sorted(list(decay))], "weight_decay": train_config["weight_decay"]},
                {"params": [param_dict[pn] for pn in sorted(list(no_decay))], "weight_decay": 0.0},
            ]
            return torch.optim.AdamW(optim_groups, lr=train_config["learning_rate"], betas=train_config["betas"])

        def forward(self, idx, targets=None):
            device = idx.device
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long, device=device).unsqueeze(0)
            tok_emb = self.transformer.wte(idx)
            pos_emb = self.transformer.wpe(pos)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            logits = self.lm_head(x)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return logits, loss

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, do_sample=False, top_k=None):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                probs = F.softmax(logits, dim=-1)
                if do_sample:
                    idx_next = torch.multinomial(probs, num_samples=1)
                else:
                    _, idx_next = torch.topk(probs, k=1, dim=-1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    class AdditionDataset(Dataset):
        def __init__(self, split, perm):
            num = (10 ** ndigit) ** 2
            num_test = min(int(num * 0.2), 500)
            self.ixes = perm[:num_test] if split == 'test' else perm[num_test:]

        def get_vocab_size(self):
            return 10

        def get_block_size(self):
            return 3 * ndigit + 1 - 1

        def __len__(self):
            return self.ixes.nelement()

        def __getitem__(self, idx):
            idx = self.ixes[idx].item()
            nd = 10 ** ndigit
            a = idx // nd
            b = idx % nd
            c = a + b
            astr = f'%0{ndigit}d' % a
            bstr = f'%0{ndigit}d' % b
            cstr = (f'%0{ndigit + 1}d' % c)[::-1]
            render = astr + bstr + cstr
            dix = [int(s) for s in render]
            x = torch.tensor(dix[:-1], dtype=torch.long)
            y = torch.tensor(dix[1:], dtype=torch.long)
            y[:ndigit * 2 - 1] = -1
            return x, y

    g = rng()
    gen = torch.Generator()
    gen.manual_seed(1337)
    drawn_perm = torch.randperm((10 ** ndigit) ** 2, generator=gen)
    perm_ok = bool((drawn_perm.sort().values == torch.arange(10 ** 4)).all())
    perm = torch.from_numpy(g.permutation(10 ** 4))  # the libraries' generators differ: NumPy's draw
    train_dataset = AdditionDataset('train', perm)
    test_dataset = AdditionDataset('test', perm)
    model = reinit(torch, GPT(train_dataset.get_vocab_size(), train_dataset.get_block_size()))
    config = {"weight_decay": 0.1, "learning_rate": 5e-4, "betas": (0.9, 0.95), "grad_norm_clip": 1.0}
    optimizer = model.configure_optimizers(config)

    sampler = torch.utils.data.RandomSampler(train_dataset, replacement=True, num_samples=int(1e10))
    random_loader = DataLoader(train_dataset, sampler=sampler, shuffle=False, pin_memory=True, batch_size=4,
                               num_workers=0)
    xb, yb = next(iter(random_loader))
    drawn = (len(sampler), tuple(xb.shape), tuple(yb.shape), xb.dtype == torch.int64)
    order = [int(i) for i in g.integers(0, len(train_dataset), 12)]
    train_loader = DataLoader(train_dataset, sampler=order, shuffle=False, batch_size=4, num_workers=0)
    model.train()
    data_iter = iter(train_loader)
    losses = []
    for iter_num in range(4):
        try:
            batch = next(data_iter)
        except StopIteration:
            data_iter = iter(train_loader)
            batch = next(data_iter)
        batch = [t.to('cpu') for t in batch]
        x, y = batch
        logits, loss = model(x, y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config["grad_norm_clip"])
        optimizer.step()
        losses.append(loss.item())

    def eval_split(dataset, max_batches=1):
        factors = torch.tensor([[10 ** i for i in range(ndigit + 1)][::-1]])
        results = []
        loader = DataLoader(dataset, batch_size=5, num_workers=0, drop_last=False)
        for b, (x, y) in enumerate(loader):
            d1d2 = x[:, :ndigit * 2]
            d1d2d3 = model.generate(d1d2, ndigit + 1, do_sample=False)
            d3 = d1d2d3[:, -(ndigit + 1):]
            d3 = d3.flip(1)
            d1i = (d1d2[:, :ndigit] * factors[:, 1:]).sum(1)
            d2i = (d1d2[:, ndigit:ndigit * 2] * factors[:, 1:]).sum(1)
            d3i_pred = (d3 * factors).sum(1)
            d3i_gt = d1i + d2i
            correct = (d3i_pred == d3i_gt).cpu()
            results.extend(correct.tolist())
            if max_batches is not None and b + 1 >= max_batches:
                break
        return torch.tensor(results, dtype=torch.float).mean().item(), d3i_pred

    model.eval()
    with torch.no_grad():
        score, pred = eval_split(test_dataset)
    return {"losses": losses, "score": score, "pred": pred, "drawn": drawn, "perm_ok": perm_ok,
            "state": state(model)}


def _makemore(torch, kind):
    nn, F = torch.nn, torch.nn.functional

    @dataclass
    class ModelConfig:
        block_size: int = None
        vocab_size: int = None
        n_embd: int = 6
        n_embd2: int = 8

    class Bigram(nn.Module):
        def __init__(self, config):
            super().__init__()
            n = config.vocab_size
            self.logits = nn.Parameter(torch.zeros((n, n)))

        def get_block_size(self):
            return 1

        def forward(self, idx, targets=None):
            logits = self.logits[idx]
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return logits, loss

    class MLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.vocab_size = config.vocab_size
            self.wte = nn.Embedding(config.vocab_size + 1, config.n_embd)
            self.mlp = nn.Sequential(
                nn.Linear(self.block_size * config.n_embd, config.n_embd2),
                nn.Tanh(),
                nn.Linear(config.n_embd2, self.vocab_size)
            )

        def get_block_size(self):
            return self.block_size

        def forward(self, idx, targets=None):
            embs = []
            for k in range(self.block_size):
                tok_emb = self.wte(idx)
                idx = torch.roll(idx, 1, 1)
                idx[:, 0] = self.vocab_size
                embs.append(tok_emb)
            x = torch.cat(embs, -1)
            logits = self.mlp(x)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return logits, loss

    class RNNCell(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.xh_to_h = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

        def forward(self, xt, hprev):
            xh = torch.cat([xt, hprev], dim=1)
            ht = F.tanh(self.xh_to_h(xh))
            return ht

    class GRUCell(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.xh_to_z = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
            self.xh_to_r = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
            self.xh_to_hbar = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

        def forward(self, xt, hprev):
            xh = torch.cat([xt, hprev], dim=1)
            r = F.sigmoid(self.xh_to_r(xh))
            hprev_reset = r * hprev
            xhr = torch.cat([xt, hprev_reset], dim=1)
            hbar = F.tanh(self.xh_to_hbar(xhr))
            z = F.sigmoid(self.xh_to_z(xh))
            ht = (1 - z) * hprev + z * hbar
            return ht

    class RNN(nn.Module):
        def __init__(self, config, cell_type):
            super().__init__()
            self.block_size = config.block_size
            self.vocab_size = config.vocab_size
            self.start = nn.Parameter(torch.zeros(1, config.n_embd2))
            self.wte = nn.Embedding(config.vocab_size, config.n_embd)
            if cell_type == 'rnn':
                self.cell = RNNCell(config)
            elif cell_type == 'gru':
                self.cell = GRUCell(config)
            self.lm_head = nn.Linear(config.n_embd2, self.vocab_size)

        def get_block_size(self):
            return self.block_size

        def forward(self, idx, targets=None):
            b, t = idx.size()
            emb = self.wte(idx)
            hprev = self.start.expand((b, -1))
            hiddens = []
            for i in range(t):
                xt = emb[:, i, :]
                ht = self.cell(xt, hprev)
                hprev = ht
                hiddens.append(ht)
            hidden = torch.stack(hiddens, 1)
            logits = self.lm_head(hidden)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return logits, loss

    class CharDataset(torch.utils.data.Dataset):
        def __init__(self, words, chars, max_word_length):
            self.words = words
            self.chars = chars
            self.max_word_length = max_word_length
            self.stoi = {ch: i + 1 for i, ch in enumerate(chars)}
            self.itos = {i: s for s, i in self.stoi.items()}

        def __len__(self):
            return len(self.words)

        def get_vocab_size(self):
            return len(self.chars) + 1

        def get_output_length(self):
            return self.max_word_length + 1

        def encode(self, word):
            ix = torch.tensor([self.stoi[w] for w in word], dtype=torch.long)
            return ix

        def decode(self, ix):
            word = ''.join(self.itos[i] for i in ix)
            return word

        def __getitem__(self, idx):
            word = self.words[idx]
            ix = self.encode(word)
            x = torch.zeros(self.max_word_length + 1, dtype=torch.long)
            y = torch.zeros(self.max_word_length + 1, dtype=torch.long)
            x[1:1 + len(ix)] = ix
            y[:len(ix)] = ix
            y[len(ix) + 1:] = -1
            return x, y

    class InfiniteDataLoader:
        def __init__(self, dataset, **kwargs):
            train_sampler = torch.utils.data.RandomSampler(dataset, replacement=True, num_samples=int(1e10))
            self.train_loader = torch.utils.data.DataLoader(dataset, sampler=train_sampler, **kwargs)
            self.data_iter = iter(self.train_loader)

        def next(self):
            try:
                batch = next(self.data_iter)
            except StopIteration:
                self.data_iter = iter(self.train_loader)
                batch = next(self.data_iter)
            return batch

    @torch.no_grad()
    def generate(model, idx, max_new_tokens, temperature=1.0, do_sample=False, top_k=None):
        block_size = model.get_block_size()
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= block_size else idx[:, -block_size:]
            logits, _ = model(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, top_k)
                logits[logits < v[:, [-1]]] = -float('Inf')
            probs = F.softmax(logits, dim=-1)
            if do_sample:
                idx_next = torch.multinomial(probs, num_samples=1)
            else:
                _, idx_next = torch.topk(probs, k=1, dim=-1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx

    words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella"]
    chars = sorted(list(set(''.join(words))))
    max_word_length = max(len(w) for w in words)
    train_dataset = CharDataset(words, chars, max_word_length)
    config = ModelConfig(vocab_size=train_dataset.get_vocab_size(), block_size=train_dataset.get_output_length())
    model = {"bigram": lambda: Bigram(config), "mlp": lambda: MLP(config), "rnn": lambda: RNN(config, 'rnn'),
             "gru": lambda: RNN(config, 'gru')}[kind]()
    reinit(torch, model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-2, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    batch_loader = InfiniteDataLoader(train_dataset, batch_size=4, pin_memory=True, num_workers=0)
    xb, yb = batch_loader.next()
    drawn = [(tuple(xb.shape), tuple(yb.shape), xb.dtype == torch.int64)]
    g = rng()
    losses = []
    for step in range(3):
        batch = [train_dataset[int(i)] for i in g.integers(0, len(train_dataset), 4)]
        X, Y = torch.stack([b[0] for b in batch]), torch.stack([b[1] for b in batch])
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    X_init = torch.zeros(3, 1, dtype=torch.long)
    greedy = generate(model, X_init, 4, do_sample=False)
    sampled = generate(model, X_init, 4, top_k=5, do_sample=True)
    drawn.append((tuple(sampled.shape), bool(((sampled >= 0) & (sampled < config.vocab_size)).all())))
    loader = torch.utils.data.DataLoader(train_dataset, shuffle=True, batch_size=4, num_workers=0)
    eval_losses = []
    for i, batch in enumerate(loader):
        drawn.append(tuple(batch[0].shape))
    with torch.no_grad():
        X, Y = torch.stack([train_dataset[i][0] for i in range(8)]), torch.stack([train_dataset[i][1] for i in range(8)])
        eval_losses.append(model(X, Y)[1].item())
    words_out = [train_dataset.decode([i for i in row[1:].tolist() if i != 0]) for row in greedy]
    return {"losses": losses, "greedy": greedy, "words": words_out, "drawn": drawn, "eval": eval_losses,
            "state": state(model)}


def makemore_bigram(torch):
    return _makemore(torch, "bigram")


def makemore_mlp(torch):
    return _makemore(torch, "mlp")


def makemore_rnn(torch):
    return _makemore(torch, "rnn")


def makemore_gru(torch):
    return _makemore(torch, "gru")


PROGRAMS = [nanogpt_flash, nanogpt_manual, mingpt_adder, makemore_bigram, makemore_mlp, makemore_rnn, makemore_gru]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program(program):
    compare(program)
