"""What a live view starts on: the tutorials' worked example, or a toy 2-D dataset.

The toy sets are Playground's: XOR, two circles, two moons and a two-armed spiral, 200 points
with labels 0/1, and a 2-8-8-1 tanh network with a sigmoid output and cross-entropy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers import Dense
from ..network import Network

WORKED_X = [[0.05, 0.10]]
WORKED_Y = [[0.01, 0.99]]
DATASETS = ("xor", "circles", "moons", "spiral")


def worked_example() -> tuple[Network, np.ndarray, np.ndarray]:
    """The 2-2-2 sigmoid network of the tutorials, biases held fixed as published."""
    network = Network(
        [
            Dense(
                2, 2, "sigmoid", weights=[[0.15, 0.25], [0.20, 0.30]], bias=0.35, train_bias=False
            ),
            Dense(
                2, 2, "sigmoid", weights=[[0.40, 0.50], [0.45, 0.55]], bias=0.60, train_bias=False
            ),
        ],
        loss="half_squared_error",
    )
    return network, np.array(WORKED_X), np.array(WORKED_Y)


def toy_dataset(name: str, n_samples: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: ``X`` of shape (n_samples, 2), ``y`` of shape (n_samples, 1) in {0, 1}."""
    from sklearn import datasets

    rng = np.random.default_rng(seed)
    if name == "xor":
        x = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
        labels = (x[:, 0] * x[:, 1] > 0).astype(int)
    elif name == "circles":
        x, labels = datasets.make_circles(n_samples, noise=0.08, factor=0.45, random_state=seed)
    elif name == "moons":
        x, labels = datasets.make_moons(n_samples, noise=0.12, random_state=seed)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    elif name == "spiral":
        x, labels = _spiral(n_samples, rng)
    else:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    return x.astype(float), labels.reshape(-1, 1).astype(float)


def _spiral(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms winding once and a half around the origin, each the other turned by π."""
    labels = np.arange(n_samples) % 2
    t = rng.uniform(0.0, 1.0, n_samples)
    angle = 3.0 * np.pi * t + np.pi * labels
    radius = t + rng.normal(0.0, 0.03, n_samples)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]), labels


def playground_network(seed: int = 0) -> Network:
    """2-8-8-1: tanh, tanh, sigmoid, binary cross-entropy (Playground's size)."""
    layers: list[Any] = [
        Dense(2, 8, "tanh", rng=seed),
        Dense(8, 8, "tanh", rng=seed + 1),
        Dense(8, 1, "sigmoid", rng=seed + 2),
    ]
    return Network(layers, loss="binary_cross_entropy")
