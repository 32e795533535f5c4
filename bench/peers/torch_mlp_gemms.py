#!/usr/bin/python3
"""The eight matrix products of one MLP 784-256-256-10 training step (batch 128) in PyTorch, timed alone.

Usage: /usr/bin/python3 torch_mlp_gemms.py [threads=2]
The same products `./stride bench --ops mlp` counts as `gemm`: three forward layers, the weight gradient of each
and the input gradient of the upper two (the first layer's input needs none). Prints each product's median over
seven rounds of 200 calls, named as GemmBench's shapes (MxNxK, then n or t for each operand), then the step's
eight together: median, fastest and slowest of seven rounds of 200 steps, in ms.
"""
import os, sys, time

T = int(sys.argv[1]) if len(sys.argv) > 1 else 2
# OpenBLAS keeps its own threads, sized from these variables when it loads, whatever torch.set_num_threads says:
# without them a "one-thread" run multiplied on every core.
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(T)
import torch

torch.set_num_threads(T)
B = 128
x, h1, h2 = torch.randn(B, 784), torch.randn(B, 256), torch.randn(B, 256)
w1, w2, w3 = torch.randn(256, 784), torch.randn(256, 256), torch.randn(10, 256)
g1, g2, g3 = torch.randn(B, 256), torch.randn(B, 256), torch.randn(B, 10)
products = [
    ("128x256x784:nt", lambda: x @ w1.t()), ("128x256x256:nt", lambda: h1 @ w2.t()), ("128x10x256:nt", lambda: h2 @ w3.t()),
    ("10x256x128:tn", lambda: g3.t() @ h2), ("128x256x10:nn", lambda: g3 @ w3),
    ("256x256x128:tn", lambda: g2.t() @ h1), ("128x256x256:nn", lambda: g2 @ w2),
    ("256x784x128:tn", lambda: g1.t() @ x)]


def rounds(f, calls=200):
    for _ in range(calls):
        f()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(calls):
            f()
        times.append((time.perf_counter() - t0) / calls * 1e3)
    return sorted(times)


for name, f in products:
    print("torch %d threads %-15s %.3f ms" % (torch.get_num_threads(), name, rounds(f)[3]))
times = rounds(lambda: [f() for _, f in products])
print("torch %d threads, MLP step's 8 GEMMs: median %.2f ms (%.2f-%.2f)" % (torch.get_num_threads(), times[3], times[0], times[-1]))
