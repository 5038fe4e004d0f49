"""The tools glassnet is measured against, each training one epoch of the same MLP.

Every trainer takes the same arguments: the data ``x`` ``(n_samples, n_inputs)``, the integer
labels, the one-hot targets, the starting ``weights`` and ``biases`` (NumPy, ``W`` of shape
``(n_inputs, n_outputs)``), the batch size and the learning rate. It returns a callable that runs
one epoch of plain SGD (ReLU hidden layers, softmax cross-entropy) and returns the mean loss, so
that building the model is never timed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

Epoch = Callable[[], float]


def yardstick(x, labels, y, weights, biases, batch_size, learning_rate) -> Epoch:  # type: ignore[no-untyped-def]
    """The hand-written NumPy loop: what glassnet's abstractions must not slow down."""
    W = [w.copy() for w in weights]
    b = [c.copy() for c in biases]
    rng = np.random.default_rng(0)

    def epoch() -> float:
        n, total = x.shape[0], 0.0
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            a = [x[index]]
            for Wi, bi in zip(W[:-1], b[:-1], strict=True):
                a.append(np.maximum(a[-1] @ Wi + bi, 0.0))
            z = a[-1] @ W[-1] + b[-1]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            rows = np.arange(len(index))
            total -= np.log(p[rows, labels[index]]).sum()
            delta = (p - y[index]) / len(index)  # softmax + cross-entropy: dL/dz
            for i in range(len(W) - 1, -1, -1):
                if len(index) == 1:  # BLAS is slow with an inner dimension of 1
                    grad_W = np.outer(a[i], delta)
                else:
                    grad_W = a[i].T @ delta
                grad_b = delta.sum(axis=0)
                if i > 0:
                    delta = (delta @ W[i].T) * (a[i] > 0)
                W[i] -= learning_rate * grad_W
                b[i] -= learning_rate * grad_b
        return total / n

    return epoch


def glassnet(x, labels, y, weights, biases, batch_size, learning_rate) -> Epoch:  # type: ignore[no-untyped-def]
    """glassnet's public API: ``Network.fit`` for one epoch."""
    import glassnet as gn

    layers = [gn.Dense(w.shape[0], w.shape[1], "relu", dtype=w.dtype) for w in weights[:-1]] + [
        gn.Dense(weights[-1].shape[0], weights[-1].shape[1], "softmax", dtype=x.dtype)
    ]
    net = gn.Network(layers, loss="categorical_cross_entropy")
    net.set_weights([v for pair in zip(weights, biases, strict=True) for v in pair])
    optimizer = gn.SGD(learning_rate=learning_rate)
    rng = np.random.default_rng(0)

    def epoch() -> float:
        history = net.fit(x, y, optimizer=optimizer, epochs=1, batch_size=batch_size, rng=rng)
        return history.loss[-1]

    return epoch


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def pytorch(x, labels, y, weights, biases, batch_size, learning_rate) -> Epoch:  # type: ignore[no-untyped-def]
    """A plain PyTorch loop: ``nn.Sequential``, ``CrossEntropyLoss``, ``torch.optim.SGD``."""
    import torch
    from torch import nn

    torch.set_num_threads(os.cpu_count() or 1)  # all cores, as NumPy's BLAS uses
    modules: list[Any] = []
    for i, (w, c) in enumerate(zip(weights, biases, strict=True)):
        linear = nn.Linear(w.shape[0], w.shape[1], dtype=torch.from_numpy(w).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(c))
        modules.append(linear)
        if i < len(weights) - 1:
            modules.append(nn.ReLU())
    model = nn.Sequential(*modules)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    loss_function = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))
    generator = torch.Generator().manual_seed(0)

    def epoch() -> float:
        n, total = xt.shape[0], 0.0
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(xt[index]), yt[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        return total / n

    return epoch


def sklearn(x, labels, y, weights, biases, batch_size, learning_rate) -> Epoch:  # type: ignore[no-untyped-def]
    """scikit-learn's ``MLPClassifier``, solver sgd, no momentum, no early stopping, one epoch.

    It draws its own starting weights (it has no way to be given them); the work per epoch is
    the same.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=tuple(w.shape[1] for w in weights[:-1]),
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=batch_size,
        learning_rate_init=learning_rate,
        momentum=0.0,
        nesterovs_momentum=False,
        max_iter=1,
        shuffle=True,
        random_state=0,
        tol=0.0,
        early_stopping=False,
        n_iter_no_change=10**9,
    )

    def epoch() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, labels)
        return float(model.loss_)

    return epoch


TOOLS: dict[str, Callable[..., Epoch]] = {
    "glassnet": glassnet,
    "yardstick": yardstick,
    "pytorch": pytorch,
    "sklearn": sklearn,
}
