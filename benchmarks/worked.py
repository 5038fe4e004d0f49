"""The worked example's 2-2-2 sigmoid network trained online: fixed per-step cost, nothing else.

At this size a step is a few dozen tiny array operations; what is measured is the overhead per
call of each tool, in microseconds per step.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

X = np.array([[0.05, 0.10]])
Y = np.array([[0.01, 0.99]])
W1 = np.array([[0.15, 0.25], [0.20, 0.30]])
W2 = np.array([[0.40, 0.50], [0.45, 0.55]])


def _network() -> Any:
    import glassnet as gn

    return gn.Network(
        [
            gn.Dense(2, 2, "sigmoid", weights=W1, bias=0.35, train_bias=False),
            gn.Dense(2, 2, "sigmoid", weights=W2, bias=0.60, train_bias=False),
        ],
        loss="half_squared_error",
    )


def _glassnet_fit(steps: int) -> float:
    import glassnet as gn

    net = _network()
    start = time.perf_counter()
    net.fit(X, Y, optimizer=gn.SGD(learning_rate=0.5), epochs=steps, batch_size=1)
    return time.perf_counter() - start


def _glassnet_train_step(steps: int) -> float:
    import glassnet as gn

    net, optimizer = _network(), gn.SGD(learning_rate=0.5)
    start = time.perf_counter()
    for _ in range(steps):
        gn.train_step(net, optimizer, X, Y)
    return time.perf_counter() - start


def _pytorch(steps: int) -> float:
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid()).double()
    with torch.no_grad():
        for linear, w, b in ((model[0], W1, 0.35), (model[2], W2, 0.60)):
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.fill_(b)
            linear.bias.requires_grad_(False)  # fixed, as in the worked example
    optimizer = torch.optim.SGD([model[0].weight, model[2].weight], lr=0.5)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = 0.5 * ((model(x) - y) ** 2).sum()
        loss.backward()
        optimizer.step()
        loss.item()
    return time.perf_counter() - start


# each is timed in a process of its own by benchmarks/run.py (torch's threads disturb NumPy)
RUNNERS = {
    "glassnet_fit": _glassnet_fit,
    "glassnet_train_step": _glassnet_train_step,
    "pytorch": _pytorch,
}


def describe(result: dict[str, Any]) -> str:
    parts = ", ".join(f"{k} {v:.1f} µs" for k, v in result["us_per_step"].items())
    return f"worked example 2-2-2, {result['steps']} online steps, per step: {parts}"
