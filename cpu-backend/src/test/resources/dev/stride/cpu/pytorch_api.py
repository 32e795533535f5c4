#!/usr/bin/env python3
"""PyTorch's values for the layer, loss, schedule, init, optimizer and checkpoint options Stride mirrors.

Inputs are float32, computed in float64 where PyTorch allows it. Regenerate with Debian's python3-torch:
    /usr/bin/python3 pytorch_api.py > pytorch-api.json
(writes pytorch-mlp-bn.safetensors and pytorch-dtypes.safetensors beside this script as well).
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))


def f32(values):
    return torch.tensor(values, dtype=torch.float32).double()


def leaf(values):
    return f32(values).requires_grad_(True)


def weighted_backward(out):
    """Backpropagates sum(out * (1, 2, 3, ...)) so each output element's gradient is distinct."""
    w = torch.arange(1, out.numel() + 1, dtype=out.dtype).reshape(out.shape)
    (out * w).sum().backward()
    return w.tolist()


out = {"torch": torch.__version__}

# ---- losses ----
losses = []
REDUCTIONS = ("none", "mean", "sum")

logits = [[2.0, -1.0, 0.0, 30.0], [0.5, 0.5, 0.5, 0.5], [-30.0, 1.0, -1.0, 3.0], [1.0, 0.0, -2.0, 0.25],
          [0.0, 0.0, 0.0, 0.0]]
labels = [3, 0, 1, 2, -100]
cweight = [1.0, 2.0, 0.5, 3.0]
for reduction in REDUCTIONS:
    for weight in (None, cweight):
        for smoothing in (0.0, 0.2):
            x = leaf(logits)
            w = None if weight is None else f32(weight)
            loss = F.cross_entropy(x, torch.tensor(labels), weight=w, ignore_index=-100, label_smoothing=smoothing,
                                   reduction=reduction)
            g = weighted_backward(loss)
            losses.append({"name": "crossEntropy", "reduction": reduction, "weight": weight, "ignore_index": -100,
                           "smoothing": smoothing, "input": logits, "labels": labels, "value": loss.tolist(),
                           "upstream": g, "grad_input": x.grad.tolist()})

bx = [[-30.0, -1.0, 0.0], [0.0, 1.0, 30.0]]
by = [[0.0, 1.0, 0.0], [0.5, 1.0, 1.0]]
for reduction in REDUCTIONS:
    for pos_weight, weight in (([2.0, 0.5, 1.0], None), ([3.0, 1.0, 0.25], [[1.0, 2.0, 0.5], [0.0, 1.0, 3.0]])):
        x, y = leaf(bx), leaf(by)
        loss = F.binary_cross_entropy_with_logits(x, y, weight=None if weight is None else f32(weight),
                                                  pos_weight=f32(pos_weight), reduction=reduction)
        g = weighted_backward(loss)
        losses.append({"name": "bceWithLogits", "reduction": reduction, "pos_weight": pos_weight, "weight": weight,
                       "input": bx, "target": by, "value": loss.tolist(), "upstream": g, "grad_input": x.grad.tolist(),
                       "grad_target": y.grad.tolist()})

mx = [[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [3.0, -1.0, 2.0, 2.5], [0.5, 1.5, -0.5, 0.0]]
my = [1, 2, 0, 3]
for reduction in REDUCTIONS:
    for p, margin, weight in ((1, 1.0, None), (2, 1.0, None), (1, 0.5, [1.0, 2.0, 0.5, 3.0]),
                              (2, 2.0, [0.5, 1.0, 2.0, 1.5])):
        x = leaf(mx)
        loss = F.multi_margin_loss(x, torch.tensor(my), p=p, margin=margin,
                                   weight=None if weight is None else f32(weight), reduction=reduction)
        g = weighted_backward(loss)
        losses.append({"name": "multiMargin", "reduction": reduction, "p": p, "margin": margin, "weight": weight,
                       "input": mx, "labels": my, "value": loss.tolist(), "upstream": g, "grad_input": x.grad.tolist()})

hx = [-1.0, 0.0, 0.5, 1.0, 2.0, -3.0, 1.0, 0.0]
hy = [1.0, 1.0, -1.0, -1.0, -1.0, -1.0, 1.0, -1.0]
for reduction in REDUCTIONS:
    for margin in (1.0, 2.0):
        x = leaf(hx)
        loss = F.hinge_embedding_loss(x, f32(hy), margin=margin, reduction=reduction)
        g = weighted_backward(loss)
        losses.append({"name": "hingeEmbedding", "reduction": reduction, "margin": margin, "input": hx, "target": hy,
                       "value": loss.tolist(), "upstream": g, "grad_input": x.grad.tolist()})

ca = [[1.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 1.0, 1.0]]
cb = [[0.0, 1.0, 0.0], [1.0, 2.0, 3.0], [-0.5, 1.0, -2.0], [1.0, 2.0, 0.0]]
cy = [1.0, -1.0, 1.0, -1.0]
for reduction in REDUCTIONS:
    for margin in (0.0, 0.5):
        a, b = leaf(ca), leaf(cb)
        loss = F.cosine_embedding_loss(a, b, f32(cy), margin=margin, reduction=reduction)
        g = weighted_backward(loss)
        losses.append({"name": "cosineEmbedding", "reduction": reduction, "margin": margin, "a": ca, "b": cb,
                       "target": cy, "value": loss.tolist(), "upstream": g, "grad_a": a.grad.tolist(),
                       "grad_b": b.grad.tolist()})

px_log = [-1.0, 0.0, 0.5, 2.0, -3.0, 1.0]
px_rate = [0.5, 1.0, 2.0, 0.0, 4.0, 3.0]
pt = [0.0, 1.0, 2.0, 0.0, 5.0, 1.5]
for reduction in REDUCTIONS:
    for log_input in (True, False):
        for full in (False, True):
            x = leaf(px_log if log_input else px_rate)
            loss = F.poisson_nll_loss(x, f32(pt), log_input=log_input, full=full, eps=1e-8, reduction=reduction)
            g = weighted_backward(loss)
            losses.append({"name": "poissonNll", "reduction": reduction, "log_input": log_input, "full": full,
                           "input": x.tolist(), "target": pt, "value": loss.tolist(), "upstream": g,
                           "grad_input": x.grad.tolist()})

kx = F.log_softmax(f32([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]), 1).tolist()
kt = [[0.0, 0.75, 0.25], [0.5, 0.5, 0.0]]
for reduction in ("none", "mean", "sum", "batchmean"):
    for log_target in (False, True):
        x = leaf(kx)
        t = f32(kt)
        if log_target:
            t = torch.log(f32([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]]))
        loss = F.kl_div(x, t, reduction=reduction, log_target=log_target)
        g = weighted_backward(loss)
        losses.append({"name": "klDivergence", "reduction": reduction, "log_target": log_target, "input": kx,
                       "target": t.tolist(), "value": loss.tolist(), "upstream": g, "grad_input": x.grad.tolist()})
out["losses"] = losses

# ---- layers ----
layers = []
gen = torch.Generator().manual_seed(1)


def rounded(*shape):
    """Values on a 1/8 grid, so float32 inputs are exact and maxima tie where the grid repeats."""
    return (torch.randint(-16, 17, shape, generator=gen).double() / 8).tolist()


for cfg in (dict(kernel=[2, 3], stride=[1, 2], padding=[1, 0], dilation=[1, 1], groups=1),
            dict(kernel=[3, 1], stride=[2, 1], padding=[0, 1], dilation=[2, 1], groups=2),
            dict(kernel=[1, 3], stride=[1, 1], padding=[0, 2], dilation=[1, 2], groups=1)):
    xv = rounded(2, 4, 7, 6)
    wv = rounded(6, 4 // cfg["groups"], *cfg["kernel"])
    bv = rounded(6)
    x, w, b = leaf(xv), leaf(wv), leaf(bv)
    y = F.conv2d(x, w, b, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    g = weighted_backward(y)
    layers.append({"name": "conv2d", **cfg, "input": xv, "weight": wv, "bias": bv, "value": y.tolist(), "upstream": g,
                   "grad_input": x.grad.tolist(), "grad_weight": w.grad.tolist(), "grad_bias": b.grad.tolist()})

for cfg in (dict(kernel=[3, 2], stride=[2, 2], padding=[1, 0], dilation=[1, 1], ceil_mode=True),
            dict(kernel=[2, 2], stride=[2, 3], padding=[0, 1], dilation=[1, 1], ceil_mode=True),
            dict(kernel=[3, 3], stride=[2, 2], padding=[1, 1], dilation=[2, 1], ceil_mode=False),
            dict(kernel=[2, 3], stride=[3, 2], padding=[1, 1], dilation=[1, 1], ceil_mode=True)):
    xv = rounded(2, 3, 7, 8)
    x = leaf(xv)
    y, idx = F.max_pool2d(x, cfg["kernel"], cfg["stride"], cfg["padding"], cfg["dilation"], ceil_mode=cfg["ceil_mode"],
                          return_indices=True)
    g = weighted_backward(y)
    layers.append({"name": "maxPool2d", **cfg, "input": xv, "value": y.tolist(), "indices": idx.tolist(),
                   "upstream": g, "grad_input": x.grad.tolist()})

for cfg in (dict(kernel=[3, 2], stride=[2, 2], padding=[1, 1], ceil_mode=True, count_include_pad=False),
            dict(kernel=[3, 2], stride=[2, 2], padding=[1, 1], ceil_mode=True, count_include_pad=True),
            dict(kernel=[3, 3], stride=[2, 3], padding=[1, 0], ceil_mode=False, count_include_pad=False),
            dict(kernel=[2, 2], stride=[3, 3], padding=[1, 1], ceil_mode=True, count_include_pad=True)):
    xv = rounded(2, 3, 7, 8)
    x = leaf(xv)
    y = F.avg_pool2d(x, cfg["kernel"], cfg["stride"], cfg["padding"], ceil_mode=cfg["ceil_mode"],
                     count_include_pad=cfg["count_include_pad"])
    g = weighted_backward(y)
    layers.append({"name": "avgPool2d", **cfg, "input": xv, "value": y.tolist(), "upstream": g,
                   "grad_input": x.grad.tolist()})

# BatchNorm with momentum None (cumulative average) and 0.3: three training batches, then evaluation.
for momentum in (None, 0.3):
    bn = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    batches = [rounded(4, 3) for _ in range(3)]
    for xb in batches:
        bn(f32(xb))
    bn.eval()
    probe = rounded(2, 3)
    layers.append({"name": "batchNorm", "momentum": momentum, "batches": batches, "probe": probe,
                   "value": bn(f32(probe)).tolist(), "running_mean": bn.running_mean.tolist(),
                   "running_var": bn.running_var.tolist(), "num_batches_tracked": int(bn.num_batches_tracked)})
out["layers"] = layers

# ---- checkpoints from PyTorch ----
DTYPE_NAMES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
               torch.bool: "BOOL"}


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout (8-byte header length, JSON header, raw little-endian data), written by hand so the
    script needs only torch."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


special = [0.0, -0.0, 1.0, -1.0, 0.1, 65504.0, 6e-8, 1e-40, 3.0e38, float("inf"), float("-inf"), float("nan")]
dtype_tensors = {
    "f64": torch.tensor(special, dtype=torch.float64),
    "f16": torch.tensor(special, dtype=torch.float16),
    "bf16": torch.tensor(special, dtype=torch.bfloat16).reshape(3, 4),
    "i64": torch.tensor([0, -1, 1, 2 ** 31 - 1, -2 ** 31], dtype=torch.int64),
    "i16": torch.tensor([0, -32768, 32767], dtype=torch.int16),
    "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
    "u8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
    "bool": torch.tensor([[True, False], [False, True]]),
    "scalar_i64": torch.tensor(7, dtype=torch.int64),
}
write_safetensors(os.path.join(HERE, "pytorch-dtypes.safetensors"), dtype_tensors, {"format": "pt"})
out["dtypes"] = {k: {"stride_dtype": "F32" if v.is_floating_point() else "I32", "shape": list(v.shape),
                     "values": (v.float() if v.is_floating_point() else v.long()).flatten().tolist()}
                 for k, v in dtype_tensors.items()}
write_safetensors(os.path.join(HERE, "pytorch-i64-overflow.safetensors"),
                  {"ok": torch.tensor([1], dtype=torch.int64), "step": torch.tensor([5, 2 ** 40], dtype=torch.int64)})

# An MLP with batch norm, trained two steps so the running statistics and num_batches_tracked are not the defaults,
# saved under a "net." prefix with one extra tensor, as a training script's checkpoint often is.
torch.manual_seed(3)
mlp = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
opt = torch.optim.SGD(mlp.parameters(), lr=0.1)
for _ in range(2):
    opt.zero_grad()
    F.cross_entropy(mlp(torch.randn(8, 6)), torch.randint(0, 3, (8,))).backward()
    opt.step()
mlp.eval()
probe = torch.randn(4, 6)
state = {"net." + k: v.detach() for k, v in mlp.state_dict().items()}
state["optimizer_note"] = torch.tensor([1.0])
write_safetensors(os.path.join(HERE, "pytorch-mlp-bn.safetensors"), state, {"format": "pt"})
out["mlp_bn"] = {"probe": probe.tolist(), "logits": mlp.double()(probe.double()).tolist(),
                 "num_batches_tracked": int(mlp[1].num_batches_tracked)}

print(json.dumps(out, allow_nan=True, indent=None, separators=(",", ":")))
