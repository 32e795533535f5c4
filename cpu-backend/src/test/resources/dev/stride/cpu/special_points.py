#!/usr/bin/env python3
"""PyTorch's values and gradients at the special points (0, +-1, ties, +-30) of Stride's activations and losses.

Inputs are float32, computed in float64. Regenerate with Debian's python3-torch:
    /usr/bin/python3 special_points.py > special-points.json
"""
import json

import torch
import torch.nn.functional as F

X = [-30.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 30.0]


def t(values):
    return torch.tensor(values, dtype=torch.float32).double().requires_grad_(True)


def grads_of(out, *inputs):
    out.sum().backward()
    return [i.grad.tolist() for i in inputs]


cases = []


def activation(name, fn, **params):
    x = t(X)
    y = fn(x)
    (gx,) = grads_of(y, x)
    cases.append({"kind": "activation", "name": name, "params": params, "x": X, "value": y.tolist(), "grad": gx})


activation("relu", F.relu)
activation("leakyRelu", lambda x: F.leaky_relu(x, 0.1), slope=0.1)
activation("elu", lambda x: F.elu(x, 1.0), alpha=1.0)
activation("elu", lambda x: F.elu(x, 0.5), alpha=0.5)
activation("hardTanh", lambda x: F.hardtanh(x, -1.0, 1.0), min=-1.0, max=1.0)
activation("sigmoid", torch.sigmoid)
activation("tanh", torch.tanh)
activation("gelu", F.gelu)
activation("gelu tanh", lambda x: F.gelu(x, approximate="tanh"))
activation("clamp", lambda x: torch.clamp(x, -1.0, 1.0), min=-1.0, max=1.0)

# PReLU: the weight branch at x <= 0, and the weight's gradient.
x = t(X)
w = torch.tensor([0.25], dtype=torch.float64, requires_grad=True)
y = F.prelu(x, w)
gx, gw = grads_of(y, x, w)
cases.append({"kind": "prelu", "name": "prelu", "params": {"weight": 0.25}, "x": X, "value": y.tolist(), "grad": gx,
              "weight_grad": gw})

# maximum / minimum: ties split the gradient, NaN gives it to both.
A = [1.0, 2.0, 3.0, -1.0, float("nan")]
B = [1.0, 1.0, 4.0, -1.0, 0.0]
for name, fn in (("maximum", torch.maximum), ("minimum", torch.minimum)):
    a, b = t(A), t(B)
    y = fn(a, b)
    ga, gb = grads_of(y, a, b)
    cases.append({"kind": "binary", "name": name, "a": A, "b": B, "grad_a": ga, "grad_b": gb})

# Losses with reduction mean: values and gradients for both arguments where PyTorch gives one.
P = [-30.0, -1.0, 0.0, 0.0, 1.0, 30.0]
T = [0.0, 1.0, 0.0, 0.5, 1.0, 1.0]
for name, fn in (("binaryCrossEntropyWithLogits", F.binary_cross_entropy_with_logits),
                 ("mae", F.l1_loss), ("mse", F.mse_loss), ("huber", lambda p, q: F.huber_loss(p, q, delta=1.0))):
    p, q = t(P), t([0.0, 1.0, 0.0, 0.5, 2.0, 29.0] if name != "binaryCrossEntropyWithLogits" else T)
    loss = fn(p, q)
    gp, gq = grads_of(loss, p, q)
    cases.append({"kind": "loss", "name": name, "prediction": P, "target": q.tolist(), "value": loss.item(),
                  "grad_prediction": gp, "grad_target": gq})

activation("leakyRelu", lambda x: F.leaky_relu(x, -0.2), slope=-0.2)
activation("softplus", F.softplus)

# Fans and gains, as torch.nn.init computes them.
init = {"fans": [], "gains": []}
for shape in ([5, 3], [16, 1, 3, 3], [8, 4, 2, 5], [7, 2, 3]):
    fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    init["fans"].append({"shape": shape, "fan_in": fi, "fan_out": fo})
for name, param in (("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                    ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)):
    init["gains"].append({"name": name, "param": param, "gain": torch.nn.init.calculate_gain(name, param)})

# Linear on a rank-3 input: values and gradients with fixed weights.
x = torch.tensor([[[0.5, -1.0, 2.0], [0.0, 1.0, -0.5]], [[1.5, 0.25, -2.0], [3.0, -1.0, 0.0]]], dtype=torch.float64, requires_grad=True)
w = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype=torch.float64, requires_grad=True)
bias = torch.tensor([0.05, -0.1], dtype=torch.float64, requires_grad=True)
y = F.linear(x, w, bias)
(y * torch.arange(8, dtype=torch.float64).reshape(2, 2, 2)).sum().backward()
linear = {"x": x.tolist(), "weight": w.tolist(), "bias": bias.tolist(), "value": y.tolist(), "grad_x": x.grad.tolist(),
          "grad_weight": w.grad.tolist(), "grad_bias": bias.grad.tolist()}

print(json.dumps({"torch": torch.__version__, "cases": cases, "init": init, "linear": linear}, allow_nan=True, indent=1))
