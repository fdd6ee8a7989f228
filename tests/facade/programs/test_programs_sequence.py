"""The official PyTorch examples' sequence and fitting programs as miniatures, run with torch and fgrad_nn.

mnist_rnn (LSTM, BatchNorm1d, Adadelta, StepLR), regression (polynomial fit), time_sequence_prediction
(LSTMCell, LBFGS), word_language_model (LSTM and TransformerEncoder with PositionalEncoding, gradient
clipping), reinforce (Categorical, a deque of returns); see program_harness.py.
"""
import math
from collections import deque
from itertools import count

import numpy as np
import pytest

from program_harness import compare, reinit, rng, state


def mnist_rnn(torch):
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    StepLR = torch.optim.lr_scheduler.StepLR

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.rnn = nn.LSTM(input_size=7, hidden_size=8, batch_first=True)
            self.batchnorm = nn.BatchNorm1d(8)
            self.dropout1 = nn.Dropout2d(0.0)
            self.dropout2 = nn.Dropout2d(0.0)
            self.fc1 = nn.Linear(8, 6)
            self.fc2 = nn.Linear(6, 10)

        def forward(self, input):
            input = input.reshape(-1, 7, 7)
            output, hidden = self.rnn(input)
            output = output[:, -1, :]
            output = self.batchnorm(output)
            output = self.dropout1(output)
            output = self.fc1(output)
            output = F.relu(output)
            output = self.dropout2(output)
            output = self.fc2(output)
            output = F.log_softmax(output, dim=1)
            return output

    g = rng()
    images = torch.tensor(g.random((8, 1, 7, 7)))
    labels = torch.tensor(g.integers(0, 10, 8))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=4)
    model = reinit(torch, Net())
    optimizer = optim.Adadelta(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for epoch in range(1, 3):
        model.train()
        for batch_idx, (data, target) in enumerate(loader):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for data, target in loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        losses.append((test_loss, correct))
        scheduler.step()
    return {"losses": losses, "state": state(model)}


def regression(torch):
    F = torch.nn.functional
    g = rng()
    POLY_DEGREE = 4
    W_target = torch.tensor(g.standard_normal((POLY_DEGREE, 1))) * 5
    b_target = torch.tensor(g.standard_normal(1)) * 5

    def make_features(x):
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)

    def f(x):
        return x.mm(W_target) + b_target.item()

    def poly_desc(W, b):
        result = 'y = '
        for i, w in enumerate(W):
            result += '{:+.2f} x^{} '.format(w, i + 1)
        result += '{:+.2f}'.format(b[0])
        return result

    def get_batch(batch_size=32):
        random = torch.tensor(g.standard_normal(batch_size))
        x = make_features(random)
        y = f(x)
        return x, y

    fc = reinit(torch, torch.nn.Linear(W_target.size(0), 1))
    losses = []
    for batch_idx in count(1):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        losses.append(loss)
        if loss < 1e-3 or batch_idx == 4:
            break
    report = 'Loss: {:.6f} after {} batches'.format(loss, batch_idx)
    learned = '==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias)
    actual = '==> Actual function:\t' + poly_desc(W_target.view(-1), b_target)
    return {"losses": losses, "report": report, "learned": learned, "actual": actual, "state": state(fc)}


def time_sequence_prediction(torch):
    nn, optim = torch.nn, torch.optim
    H = 5

    class Sequence(nn.Module):
        def __init__(self):
            super(Sequence, self).__init__()
            self.lstm1 = nn.LSTMCell(1, H)
            self.lstm2 = nn.LSTMCell(H, H)
            self.linear = nn.Linear(H, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = torch.zeros(input.size(0), H, dtype=torch.double)
            c_t = torch.zeros(input.size(0), H, dtype=torch.double)
            h_t2 = torch.zeros(input.size(0), H, dtype=torch.double)
            c_t2 = torch.zeros(input.size(0), H, dtype=torch.double)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for i in range(future):
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            outputs = torch.cat(outputs, dim=1)
            return outputs

    g = rng()
    T, L, N = 20, 10, 5
    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + g.integers(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    input = torch.from_numpy(data[2:, :-1])
    target = torch.from_numpy(data[2:, 1:])
    test_input = torch.from_numpy(data[:2, :-1])
    test_target = torch.from_numpy(data[:2, 1:])
    seq = reinit(torch, Sequence())
    seq.double()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=6)
    printed = []
    for i in range(2):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            printed.append(loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        with torch.no_grad():
            future = 3
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            printed.append(('test loss:', loss.item()))
            y = pred.detach().numpy()
    return {"printed": printed, "y": torch.from_numpy(y), "state": state(seq),
            "n_iter": optimizer.state[optimizer._params[0]]["n_iter"]}


def _word_language_model(torch, kind):
    nn, F = torch.nn, torch.nn.functional

    class RNNModel(nn.Module):
        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
            super(RNNModel, self).__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            if rnn_type in ['LSTM', 'GRU']:
                self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                self.decoder.weight = self.encoder.weight
            self.init_weights()
            self.rnn_type = rnn_type
            self.nhid = nhid
            self.nlayers = nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            if self.rnn_type == 'LSTM':
                return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                        weight.new_zeros(self.nlayers, bsz, self.nhid))
            return weight.new_zeros(self.nlayers, bsz, self.nhid)

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super(PositionalEncoding, self).__init__()
            self.dropout = nn.Dropout(p=dropout)
            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            pe = pe.unsqueeze(0).transpose(0, 1)
            self.register_buffer('pe', pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0), :]
            return self.dropout(x)

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
            super(TransformerModel, self).__init__()
            from_lib = torch.nn
            self.model_type = 'Transformer'
            self.src_mask = None
            self.pos_encoder = PositionalEncoding(ninp, dropout, max_len=64)
            encoder_layers = from_lib.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
            self.transformer_encoder = from_lib.TransformerEncoder(encoder_layers, nlayers)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)
            self.init_weights()

        def _generate_square_subsequent_mask(self, sz):
            return torch.log(torch.tril(torch.ones(sz, sz)))

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, src, has_mask=True):
            if has_mask:
                device = src.device
                if self.src_mask is None or self.src_mask.size(0) != len(src):
                    mask = self._generate_square_subsequent_mask(len(src)).to(device)
                    self.src_mask = mask
            else:
                self.src_mask = None
            src = self.encoder(src) * math.sqrt(self.ninp)
            src = self.pos_encoder(src)
            output = self.transformer_encoder(src, self.src_mask)
            output = self.decoder(output)
            return F.log_softmax(output, dim=-1)

    def batchify(data, bsz):
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        data = data.view(bsz, -1).t().contiguous()
        return data

    def repackage_hidden(h):
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    bptt, clip, ntokens = 4, 0.25, 11

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].view(-1)
        return data, target

    g = rng()
    corpus = torch.tensor(g.integers(0, ntokens, 40))
    train_data = batchify(corpus[:30], 3)
    val_data = batchify(corpus[30:], 2)
    if kind == 'Transformer':
        model = TransformerModel(ntokens, 8, 2, 12, 2, dropout=0.0)
        # the float32 table differs by an ulp between the libraries' float32 sin/cos: share NumPy's
        position, div_term = np.arange(64.0)[:, None], np.exp(np.arange(0, 8, 2) * (-math.log(10000.0) / 8))
        table = np.stack([np.sin(position * div_term), np.cos(position * div_term)], -1).reshape(64, 1, 8)
        model.pos_encoder.pe.copy_(torch.from_numpy(table.astype(np.float32)))
    else:
        model = RNNModel(kind, ntokens, 6, 6, 2, dropout=0.0, tie_weights=True)
    reinit(torch, model)
    criterion = nn.NLLLoss()
    lr = 20

    def evaluate(data_source):
        model.eval()
        total_loss = 0.
        if kind != 'Transformer':
            hidden = model.init_hidden(2)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, bptt):
                data, targets = get_batch(data_source, i)
                if kind == 'Transformer':
                    output = model(data)
                    output = output.view(-1, ntokens)
                else:
                    output, hidden = model(data, hidden)
                    hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    losses = []
    for epoch in range(1, 3):
        model.train()
        total_loss = 0.
        if kind != 'Transformer':
            hidden = model.init_hidden(3)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            if kind == 'Transformer':
                output = model(data)
                output = output.view(-1, ntokens)
            else:
                hidden = repackage_hidden(hidden)
                output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total_loss += loss.item()
        val_loss = evaluate(val_data)
        losses.append((total_loss, val_loss, math.exp(val_loss)))
        lr /= 4.0
    return {"losses": losses, "state": state(model)}


def word_language_model_lstm(torch):
    return _word_language_model(torch, 'LSTM')


def word_language_model_gru(torch):
    return _word_language_model(torch, 'GRU')


def word_language_model_transformer(torch):
    return _word_language_model(torch, 'Transformer')


def reinforce(torch):
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    Categorical = torch.distributions.Categorical
    g = rng()
    gamma = 0.99

    class Policy(nn.Module):
        def __init__(self):
            super(Policy, self).__init__()
            self.affine1 = nn.Linear(4, 16)
            self.dropout = nn.Dropout(p=0.0)
            self.affine2 = nn.Linear(16, 2)
            self.saved_log_probs = []
            self.rewards = []

        def forward(self, x):
            x = self.affine1(x)
            x = self.dropout(x)
            x = F.relu(x)
            action_scores = self.affine2(x)
            return F.softmax(action_scores, dim=1)

    policy = reinit(torch, Policy())
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    eps = np.finfo(np.float32).eps.item()
    drawn = []

    def select_action(state):
        state = torch.from_numpy(state).double().unsqueeze(0)
        probs = policy(state)
        m = Categorical(probs)
        sample = m.sample()
        drawn.append((tuple(sample.shape), sample.dtype == torch.int64, 0 <= sample.item() < 2))
        # the episode's action comes from NumPy (the libraries' generators differ)
        action = torch.tensor([int(g.random() < probs[0, 1].item())])
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def finish_episode():
        R = 0
        policy_loss = []
        returns = deque()
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.appendleft(R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        for log_prob, R in zip(policy.saved_log_probs, returns):
            policy_loss.append(-log_prob * R)
        optimizer.zero_grad()
        policy_loss = torch.cat(policy_loss).sum()
        policy_loss.backward()
        optimizer.step()
        del policy.rewards[:]
        del policy.saved_log_probs[:]
        return policy_loss.item()

    running_reward = 10
    log = []
    for i_episode in range(3):
        state, ep_reward = g.standard_normal(4), 0
        for t in range(1, 6):
            action = select_action(state)
            state = state + (0.1 if action else -0.1) + 0.05 * g.standard_normal(4)
            reward = float(abs(state[0]) < 1.5)
            policy.rewards.append(reward)
            ep_reward += reward
        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
        log.append((finish_episode(), running_reward))
    return {"log": log, "drawn": drawn, "state": state_of(policy)}


def state_of(module):
    return state(module)


PROGRAMS = [mnist_rnn, regression, time_sequence_prediction, word_language_model_lstm, word_language_model_gru,
            word_language_model_transformer, reinforce]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program(program):
    compare(program)
