"""Pictures of a trained model: loss curves, the network, a 2-feature decision boundary.

Needs matplotlib (``pip install glassnet[plot]``), imported only when a plot is drawn; every
figure is written to a temporary file and renamed, so no half-written PNG is left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_write_bytes


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'glassnet[plot]'") from None
    return plt


def _save(figure: Any, path: str | Path) -> None:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def plot_loss(history: dict[str, Any], path: str | Path) -> None:
    """Training loss (and validation loss, if any) per epoch, written as a PNG to ``path``."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    axes.plot(epochs, history["loss"], label="training loss")
    if history.get("val_loss"):
        axes.plot(epochs[: len(history["val_loss"])], history["val_loss"], label="validation loss")
    if history.get("best_epoch"):
        axes.axvline(history["best_epoch"], color="grey", linestyle=":", label="kept model")
    axes.set(xlabel="epoch", ylabel="loss", title="Loss per epoch")
    axes.legend()
    _save(figure, path)


def plot_network(weights: list[np.ndarray], path: str | Path, max_neurons: int = 24) -> None:
    """The network as neurons in columns; each link coloured by its weight (red < 0 < blue),
    thicker when larger. ``weights`` are the ``W`` matrices, ``(n_inputs, n_outputs)`` each;
    layers wider than ``max_neurons`` show their first ``max_neurons`` neurons."""
    plt = _pyplot()
    sizes = [min(w.shape[0], max_neurons) for w in weights] + [
        min(weights[-1].shape[1], max_neurons)
    ]
    figure, axes = plt.subplots(figsize=(2 + 1.6 * len(sizes), 5))
    ys = [np.linspace(0, 1, n) if n > 1 else np.array([0.5]) for n in sizes]
    largest = max(float(np.abs(w).max()) for w in weights) or 1.0
    cmap = plt.get_cmap("coolwarm_r")
    for column, w in enumerate(weights):
        shown = w[: sizes[column], : sizes[column + 1]]
        for i, j in np.ndindex(shown.shape):
            strength = shown[i, j] / largest  # in [-1, 1]
            axes.plot(
                [column, column + 1],
                [ys[column][i], ys[column + 1][j]],
                color=cmap(0.5 + strength / 2),
                linewidth=0.2 + 2.0 * abs(strength),
                alpha=0.8,
            )
    for column, y in enumerate(ys):
        axes.scatter(np.full_like(y, column), y, s=60, color="black", zorder=3)
    full = [w.shape[0] for w in weights] + [weights[-1].shape[1]]
    names = ["input", *["hidden"] * (len(sizes) - 2), "output"]
    labels = [
        n if s == f else f"{n}\n({s} of {f} shown)"
        for n, s, f in zip(names, sizes, full, strict=True)
    ]
    axes.set_xticks(range(len(sizes)), labels)
    axes.set_yticks([])
    axes.set_title("Network (link colour: weight sign and size)")
    _save(figure, path)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    labels: np.ndarray,
    path: str | Path,
    feature_names: tuple[str, str] = ("feature 1", "feature 2"),
) -> None:
    """For 2-feature data: the predicted class over a grid, with the points ``x`` on top.

    ``predict`` maps ``(n, 2)`` raw feature values to class indices ``(n,)``.
    """
    plt = _pyplot()
    low, high = x.min(axis=0), x.max(axis=0)
    margin = 0.1 * (high - low + 1e-12)
    g0, g1 = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], 200),
        np.linspace(low[1] - margin[1], high[1] + margin[1], 200),
    )
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    figure, axes = plt.subplots(figsize=(6, 5))
    axes.contourf(g0, g1, predict(grid).reshape(g0.shape), alpha=0.3, cmap="coolwarm")
    axes.scatter(x[:, 0], x[:, 1], c=labels, cmap="coolwarm", edgecolor="k", s=15)
    axes.set(xlabel=feature_names[0], ylabel=feature_names[1], title="Decision boundary")
    _save(figure, path)
