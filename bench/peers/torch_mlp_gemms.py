#!/usr/bin/python3
"""The eight matrix products of one MLP 784-256-256-10 training step (batch 128) in PyTorch, timed alone.

Usage: /usr/bin/python3 torch_mlp_gemms.py [threads=2]
The same products `./stride bench --ops mlp` counts as `gemm`: three forward layers, the weight gradient of each
and the input gradient of the upper two (the first layer's input needs none). Prints the median, fastest and
slowest of seven rounds of 200 steps, in ms per step.
"""
import sys, time
import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
B = 128
x, h1, h2 = torch.randn(B, 784), torch.randn(B, 256), torch.randn(B, 256)
w1, w2, w3 = torch.randn(256, 784), torch.randn(256, 256), torch.randn(10, 256)
g1, g2, g3 = torch.randn(B, 256), torch.randn(B, 256), torch.randn(B, 10)


def step():
    x @ w1.t(), h1 @ w2.t(), h2 @ w3.t()
    g3.t() @ h2, g3 @ w3
    g2.t() @ h1, g2 @ w2
    g1.t() @ x


for _ in range(200):
    step()
times = []
for _ in range(7):
    t0 = time.perf_counter()
    for _ in range(200):
        step()
    times.append((time.perf_counter() - t0) / 200 * 1e3)
times.sort()
print("torch %d threads, MLP step's 8 GEMMs: median %.2f ms (%.2f-%.2f)" % (torch.get_num_threads(), times[3], times[0], times[-1]))
