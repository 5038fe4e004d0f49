"""Pictures of a trained model: loss curves, a decision boundary, predicted against actual
values, a confusion matrix (the network diagram is :mod:`glassnet.cli.network_picture`).

Needs matplotlib (``pip install glassnet[plot]``), imported only when a plot is drawn. Each
``*_figure`` function returns the matplotlib ``Figure`` (tests read its axes back);
:func:`save` writes it to a temporary file renamed into place, so no half-written PNG is left.
Class colours come from a qualitative palette (``tab10``), the same for regions and points,
so no class is drawn white on white.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_write_bytes

# a loss as the y axis names it; the CLI's regression loss is on the standardized target
LOSS_NAMES = {
    "binary_cross_entropy": "binary cross-entropy",
    "categorical_cross_entropy": "categorical cross-entropy",
    "mean_squared_error": "mean squared error",
    "half_squared_error": "half squared error",
    "mean_absolute_error": "mean absolute error",
    "huber": "Huber loss",
}


def pyplot() -> Any:
    """matplotlib's pyplot, drawing to files only; ``ImportError`` saying what to install."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'glassnet[plot]'") from None
    return plt


def save(figure: Any, path: str | Path) -> None:
    """Write ``figure`` as a PNG to ``path`` (atomically) and close it."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def class_colours(n: int) -> list[Any]:
    """``n`` distinguishable colours, none of them white."""
    cmap = pyplot().get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def loss_figure(history: dict[str, Any], loss: str | None = None) -> Any:
    """Training loss per epoch, the held-out loss when there is one, the kept epoch marked;
    epochs are whole numbers on the x axis, the y axis names the loss."""
    from matplotlib.ticker import MaxNLocator

    figure, axes = pyplot().subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    marker = "o" if len(epochs) <= 30 else None  # a few epochs: show each one
    axes.plot(epochs, history["loss"], marker=marker, markersize=3, label="training")
    held_out = history.get("val_loss") or []
    if held_out:
        axes.plot(epochs[: len(held_out)], held_out, marker=marker, markersize=3, label="held-out")
    if history.get("best_epoch"):
        kept = int(history["best_epoch"])
        axes.axvline(kept, color="grey", linestyle=":", label=f"kept model (epoch {kept})")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    name = LOSS_NAMES.get(loss or "", loss or "loss")
    axes.set(xlabel="epoch", ylabel=name, title=f"{name[:1].upper()}{name[1:]} per epoch")
    axes.legend()
    return figure


def plot_loss(history: dict[str, Any], path: str | Path, loss: str | None = None) -> None:
    """:func:`loss_figure` written as a PNG to ``path``."""
    save(loss_figure(history, loss), path)


def boundary_figure(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[Any],
    feature_names: tuple[str, str] = ("feature 1", "feature 2"),
    imputed: np.ndarray | None = None,
) -> Any:
    """For 2 numeric features: the predicted class over a grid, the points on top.

    ``predict`` maps ``(n, 2)`` raw feature values to class indices ``(n,)``; ``x`` holds no
    missing values (impute them first, as the model does, and flag them in ``imputed``: those
    points are drawn hollow). Each class has its colour and a legend entry.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D

    colours = class_colours(len(class_names))
    low, high = x.min(axis=0), x.max(axis=0)
    margin = 0.1 * (high - low) + 1e-9
    g0, g1 = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], 200),
        np.linspace(low[1] - margin[1], high[1] + margin[1], 200),
    )
    regions = predict(np.column_stack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(np.arange(len(colours) + 1) - 0.5, len(colours))
    figure, axes = pyplot().subplots(figsize=(6.5, 5))
    axes.contourf(g0, g1, regions, levels=np.arange(len(colours) + 1) - 0.5, cmap=cmap,
                  norm=norm, alpha=0.25)  # fmt: skip
    hollow = np.zeros(len(x), bool) if imputed is None else imputed
    for index, name in enumerate(class_names):
        mine = labels == index
        axes.scatter(*x[mine & ~hollow].T, color=colours[index], edgecolor="black",
                     linewidth=0.5, s=18, label=str(name))  # fmt: skip
        axes.scatter(*x[mine & hollow].T, facecolor="none", edgecolor=colours[index], s=18)
    handles, names = axes.get_legend_handles_labels()
    if hollow.any():
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                              markeredgecolor="black", label="value imputed"))  # fmt: skip
        names.append(f"value imputed ({int(hollow.sum())} rows)")
    axes.legend(handles, names, title="class (region: predicted)", loc="best", fontsize=8)
    axes.set(xlabel=feature_names[0], ylabel=feature_names[1], title="Decision boundary")
    return figure


def regression_figure(actual: np.ndarray, predicted: np.ndarray, target: str) -> Any:
    """Predicted against actual values (the diagonal is a perfect model), and the residuals
    (actual − predicted) against the predictions."""
    figure, (left, right) = pyplot().subplots(1, 2, figsize=(11, 4.5))
    left.scatter(actual, predicted, s=12, alpha=0.7, edgecolor="none")
    ends = [float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))]
    left.plot(ends, ends, color="black", linestyle="--", linewidth=1, label="predicted = actual")
    spread = float(np.sum((actual - actual.mean()) ** 2))
    r2 = f"R² {1 - float(np.sum((actual - predicted) ** 2)) / spread:.3f}" if spread else "R² n/a"
    left.set(xlabel=f"actual {target}", ylabel=f"predicted {target}",
             title=f"Predicted vs actual ({len(actual)} rows, {r2})")  # fmt: skip
    left.legend()
    residuals = actual - predicted
    right.scatter(predicted, residuals, s=12, alpha=0.7, edgecolor="none")
    right.axhline(0.0, color="black", linestyle="--", linewidth=1, label="no error")
    right.set(xlabel=f"predicted {target}", ylabel="residual (actual − predicted)",
              title="Residuals")  # fmt: skip
    right.legend()
    return figure


def confusion_figure(matrix: np.ndarray, class_names: Sequence[Any]) -> Any:
    """Counts of each (true, predicted) pair, written in the cells; the diagonal is right."""
    n = len(class_names)
    figure, axes = pyplot().subplots(figsize=(3.5 + 0.6 * n, 2.5 + 0.6 * n))
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, label="number of rows")
    names = [str(c) for c in class_names]
    axes.set_xticks(range(n), names, rotation=45 if max(map(len, names)) > 4 else 0)
    axes.set_yticks(range(n), names)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(j, i, str(count), ha="center", va="center",
                  color="white" if count > threshold else "black")  # fmt: skip
    accuracy = np.trace(matrix) / max(1, matrix.sum())
    axes.set(xlabel="predicted class", ylabel="true class",
             title=f"Confusion matrix, {matrix.sum()} rows\naccuracy {accuracy:.3f}")  # fmt: skip
    return figure
