#!/usr/bin/python3
"""PyTorch twin of `./stride train --model rnn|lstm|gru`: sequential MNIST with the same split, model and recipe.

Usage: /usr/bin/python3 torch_seq.py DATA_DIR rnn|lstm|gru [epochs=5] [threads=1] [seed=0]
Each digit is read row by row (28 steps of 28 pixels) into a one-layer RNN (tanh), LSTM or GRU with 128 hidden
units; the last step's output feeds a linear head. Inputs standardized with the training split's global mean and
std; Adam lr 1e-3, batch 128, shuffled each epoch; test accuracy in batches of 1000. Prints one JSON line with the
fields torch_twin.py prints.
"""
import time
T0 = time.perf_counter()
import gzip, json, os, struct, sys
import numpy as np

data_dir, name = sys.argv[1], sys.argv[2]
EPOCHS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
T = int(sys.argv[4]) if len(sys.argv) > 4 else 1
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else 0
os.environ.setdefault("OMP_NUM_THREADS", str(T))
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(T)
torch.manual_seed(SEED)


def idx(path):
    raw = gzip.open(path).read()
    rank = raw[3]
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(prefix):
    x = idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y = idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


Xtr, Ytr = load("train")
Xte, Yte = load("t10k")
mean, std = Xtr.mean(), Xtr.std()
Xtr, Xte = ((Xtr - mean) / std).view(-1, 28, 28), ((Xte - mean) / std).view(-1, 28, 28)


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        cell = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[name]
        self.rnn = cell(28, 128, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


model = Sequence()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
B, n = 128, len(Xtr)


def test_accuracy():
    model.eval()
    with torch.no_grad():
        c = sum((model(Xte[i:i + 1000]).argmax(1) == Yte[i:i + 1000]).sum().item() for i in range(0, len(Xte), 1000))
    model.train()
    return c / len(Xte)


times, acc, loss_mean = [], 0.0, 0.0
for ep in range(EPOCHS):
    perm = torch.randperm(n)
    t0 = time.perf_counter()
    tot = 0.0
    for i in range(0, n, B):
        ib = perm[i:i + B]
        loss = F.cross_entropy(model(Xtr[ib]), Ytr[ib])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        tot += loss.item() * len(ib)
    times.append(time.perf_counter() - t0)
    loss_mean = tot / n
    acc = test_accuracy()
steady = sorted(times[1:])[len(times[1:]) // 2] if len(times) > 1 else times[0]
print(json.dumps({"peer": "torch " + torch.__version__, "model": name, "threads": T, "epochs": EPOCHS,
                  "test_accuracy": acc, "train_loss": round(loss_mean, 5),
                  "samples_per_second": round(n * EPOCHS / sum(times), 1),
                  "steady_samples_per_second": round(n / steady, 1),
                  "wall_seconds": round(time.perf_counter() - T0, 2)}))
