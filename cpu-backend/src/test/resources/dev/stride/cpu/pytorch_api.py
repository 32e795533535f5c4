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

# ---- schedules: the rate (and momentum) before each of N steps ----
schedules = []


def record(name, make, n, opt_kind="sgd", params=None, **extra):
    w = torch.zeros(2, requires_grad=True)
    if opt_kind == "sgd":
        opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam([w], lr=0.1, betas=(0.9, 0.999))
    sched = make(opt)
    lrs, moms = [], []
    for _ in range(n):
        g = opt.param_groups[0]
        lrs.append(g["lr"])
        moms.append(g["momentum"] if "momentum" in g else g["betas"][0])
        opt.step()
        sched.step()
    schedules.append({"name": name, "optimizer": opt_kind, "params": params or {}, "lr": lrs, "momentum": moms, **extra})


S = torch.optim.lr_scheduler
record("linear", lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4), 8,
       params={"start": 0.25, "end": 1.0, "total": 4})
record("linear down", lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=5), 8,
       params={"start": 1.0, "end": 0.1, "total": 5})
record("sequential", lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3),
                                                  S.ExponentialLR(o, gamma=0.8)], milestones=[3]), 10)
record("sequential3", lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2),
                                                   S.StepLR(o, step_size=2, gamma=0.5),
                                                   S.LinearLR(o, start_factor=0.5, total_iters=3)], milestones=[2, 6]), 12)
record("chained", lambda o: S.ChainedScheduler([S.StepLR(o, step_size=3, gamma=0.5), S.ExponentialLR(o, gamma=0.9),
                                                S.LinearLR(o, start_factor=0.2, total_iters=4)]), 10)
for anneal in ("cos", "linear"):
    for three in (False, True):
        for kind in ("sgd", "adam"):
            record("oneCycle", lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=20, pct_start=0.25, anneal_strategy=anneal,
                                                      div_factor=10, final_div_factor=100, three_phase=three,
                                                      base_momentum=0.8, max_momentum=0.95), 20, opt_kind=kind,
                   params={"anneal": anneal, "three_phase": three})
for mode in ("triangular", "triangular2", "exp_range"):
    record("cyclic", lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=3, step_size_down=5, mode=mode,
                                          gamma=0.9, base_momentum=0.8, max_momentum=0.9), 20,
           params={"mode": mode})
out["schedules"] = schedules

# ReduceLROnPlateau: the rate of each of two groups after each metric.
plateau = []
metrics = [1.0, 0.9, 0.9, 0.95, 0.89999, 0.91, 0.92, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.6, 0.6, 0.6]
for cfg in (dict(mode="min", factor=0.5, patience=1, threshold=1e-4, threshold_mode="rel", cooldown=0, min_lr=[0.0, 0.0], eps=1e-8),
            dict(mode="min", factor=0.1, patience=0, threshold=0.05, threshold_mode="abs", cooldown=2, min_lr=[0.002, 0.0005], eps=1e-8),
            dict(mode="max", factor=0.5, patience=2, threshold=0.01, threshold_mode="rel", cooldown=1, min_lr=[0.0, 0.0], eps=1e-8),
            dict(mode="max", factor=0.9, patience=0, threshold=0.0, threshold_mode="abs", cooldown=0, min_lr=[0.0, 0.0], eps=0.02)):
    a, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
    sched = S.ReduceLROnPlateau(opt, **cfg)
    rates = []
    for m in metrics:
        sched.step(m)
        rates.append([g["lr"] for g in opt.param_groups])
    plateau.append({**cfg, "metrics": metrics, "rates": rates})
out["plateau"] = plateau

# ---- optimizers: state under PyTorch's names, per-parameter steps ----
optimizers = []
p0 = [[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]]
p1 = [0.25, -0.75]
grads = [([[0.1, -0.2, 0.3], [0.0, 1.0, -2.0]], [0.5, -0.5]),
         ([[0.3, 0.1, -0.4], [1.0, -1.0, 0.5]], None),
         ([[-0.2, 0.0, 0.1], [0.5, 0.25, -1.0]], [0.1, 0.2])]
configs = [
    ("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("adam", {"lr": 0.01}), ("adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01}), ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("adagrad", {"lr": 0.1}), ("adadelta", {"lr": 1.0}), ("adamax", {"lr": 0.01}), ("nadam", {"lr": 0.01, "foreach": True}),
    ("radam", {"lr": 0.01}),
]
# NAdam with foreach: 1.13's single-tensor path multiplies mu twice into mu_product_next (fixed in PyTorch 2.0);
# the foreach path has the published formula that Stride follows.
CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop,
           "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta, "adamax": torch.optim.Adamax,
           "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}
for kind, hyper in configs:
    a = f32(p0).requires_grad_(True)
    b = f32(p1).requires_grad_(True)
    opt = CLASSES[kind]([a, b], **hyper)
    after = []
    for ga, gb in grads:
        opt.zero_grad(set_to_none=True)
        a.grad = f32(ga)
        if gb is not None:
            b.grad = f32(gb)
        opt.step()
        after.append([a.detach().flatten().tolist(), b.detach().tolist()])
    state = {}
    for i, p in enumerate((a, b)):
        for k, v in opt.state[p].items():
            if torch.is_tensor(v):
                state[f"{i}.{k}"] = v.flatten().tolist() if v.dim() > 0 else v.item()
    optimizers.append({"kind": kind, "hyper": hyper, "p0": p0, "p1": p1, "grads": grads, "after": after, "state": state})
out["optimizers"] = optimizers

# ---- in-place initializers: the bound (largest |w|) of uniform kinds and the std of normal kinds, over 2^20 draws ----
inits = []
I = torch.nn.init
big = (256, 1024, 2, 2)
for name, fn, kind in (
        ("kaimingUniform_ tanh fan_out", lambda w: I.kaiming_uniform_(w, a=0, mode="fan_out", nonlinearity="tanh"), "bound"),
        ("kaimingUniform_ leaky_relu 0.2 fan_in", lambda w: I.kaiming_uniform_(w, a=0.2, mode="fan_in", nonlinearity="leaky_relu"), "bound"),
        ("kaimingNormal_ relu fan_in", lambda w: I.kaiming_normal_(w, mode="fan_in", nonlinearity="relu"), "std"),
        ("kaimingNormal_ selu fan_out", lambda w: I.kaiming_normal_(w, mode="fan_out", nonlinearity="selu"), "std"),
        ("xavierUniform_ 2", lambda w: I.xavier_uniform_(w, gain=2.0), "bound"),
        ("xavierNormal_ 0.5", lambda w: I.xavier_normal_(w, gain=0.5), "std"),
        ("uniform_ -0.3 0.7", lambda w: I.uniform_(w, -0.3, 0.7), "bound"),
        ("normal_ 0 0.02", lambda w: I.normal_(w, 0.0, 0.02), "std")):
    w = torch.empty(big, dtype=torch.float64)
    fn(w)
    inits.append({"name": name, "kind": kind, "shape": list(big),
                  "value": (w.abs().max() if kind == "bound" else w.std()).item(), "mean": w.mean().item()})
out["inits"] = inits

# ---- L-BFGS: Rosenbrock from (-1.2, 1), in float32 as Stride's parameters are ----
lbfgs = []
for cfg in (dict(lr=1.0, max_iter=5, line_search_fn="strong_wolfe", history_size=10),
            dict(lr=1.0, max_iter=12, max_eval=8, line_search_fn="strong_wolfe", history_size=3),
            dict(lr=0.05, max_iter=6, line_search_fn=None, history_size=100)):
    w = torch.tensor([-1.2, 1.0], requires_grad=True)
    opt = torch.optim.LBFGS([w], **cfg)

    def closure():
        opt.zero_grad()
        loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
        loss.backward()
        return loss

    first = opt.step(closure).item()
    second = opt.step(closure).item()
    st = opt.state[opt._params[0]]
    lbfgs.append({**cfg, "first_loss": first, "second_loss": second, "x": w.tolist(), "n_iter": st["n_iter"],
                  "func_evals": st["func_evals"]})
out["lbfgs"] = lbfgs

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

# ---- recurrent layers: outputs, last states and gradients with PyTorch's own initialization ----
recurrent = []
for kind, extra in (("rnn_tanh", {}), ("rnn_relu", {"nonlinearity": "relu"}), ("lstm", {}), ("gru", {})):
    torch.manual_seed(7)
    cls = {"rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    layer = cls(3, 4, num_layers=2, batch_first=True, **extra).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64).float().double().requires_grad_(True)
    for p_ in layer.parameters():
        p_.data = p_.data.float().double()
    h0 = torch.randn(2, 2, 4).float().double()
    c0 = torch.randn(2, 2, 4).float().double()
    if kind == "lstm":
        y, (hn, cn) = layer(x, (h0, c0))
    else:
        y, hn = layer(x, h0)
        cn = None
    total = (y * torch.arange(1, y.numel() + 1, dtype=torch.float64).reshape(y.shape) / 10).sum() + (hn * hn).sum()
    if cn is not None:
        total = total + cn.sum()
    total.backward()
    recurrent.append({"kind": kind, "input": x.tolist(), "h0": h0.tolist(), "c0": c0.tolist() if kind == "lstm" else None,
                      "state": {k: v.tolist() for k, v in layer.state_dict().items()},
                      "output": y.tolist(), "hn": hn.tolist(), "cn": None if cn is None else cn.tolist(),
                      "grad_input": x.grad.tolist(),
                      "grads": {k: v.grad.tolist() for k, v in layer.named_parameters()}})
out["recurrent"] = recurrent

print(json.dumps(out, allow_nan=True, indent=None, separators=(",", ":")))
