"""The network's output over the plane of two-input data: the decision boundary as training plays.

The grid is the data's bounding box, widened by a margin; every value comes from
``network.predict`` (the engine), none from the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np

GRID = 40  # points per side: 1,600 predictions, a few milliseconds for a small network
MAX_POINTS = 300  # data points drawn over the surface


def surface(network: Any, x: np.ndarray, y: np.ndarray, grid: int = GRID) -> dict[str, Any] | None:
    """``{"kind", "n", "x0", "x1", "y0", "y1", "values", "points"}``; None unless the data has
    two inputs and at least two samples (a boundary needs data on both sides).

    ``kind`` is ``"classes"`` (values: the most probable class, from a softmax output) or
    ``"value"`` (values: the first output, in [0, 1] as a probability, else rescaled to [0, 1]
    over the grid; points are scaled alike).
    """
    if x.shape[1] != 2 or x.shape[0] < 2:
        return None
    (x0, y0), (x1, y1) = _box(x)
    a, b = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    plane = np.column_stack([a.ravel(), b.ravel()])  # row by row, bottom row first
    out = network.predict(plane)
    points = [x[:MAX_POINTS, 0], x[:MAX_POINTS, 1]]
    if out.shape[1] > 1 and getattr(network.output_layer.activation, "name", "") == "softmax":
        values, labels, kind = out.argmax(axis=1), y[:MAX_POINTS].argmax(axis=1), "classes"
    else:
        values, labels, kind = out[:, 0], y[:MAX_POINTS, 0], "value"
        low, high = float(min(values.min(), labels.min())), float(max(values.max(), labels.max()))
        if low < 0 or high > 1:  # a regression: rescale the grid and the targets together
            span = high - low or 1.0
            values, labels = (values - low) / span, (labels - low) / span
    return {
        "kind": kind, "n": grid, "x0": x0, "x1": x1, "y0": y0, "y1": y1,
        "values": np.round(values.astype(float), 4).tolist(),
        "points": np.column_stack([*points, labels]).tolist(),
    }  # fmt: skip


def _box(x: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """The data's bounding box with a 10% margin (±1 around a single point)."""
    low, high = x.min(axis=0).astype(float), x.max(axis=0).astype(float)
    span = high - low
    margin = np.where(span > 1e-9, 0.1 * span, 1.0)
    return (float(low[0] - margin[0]), float(low[1] - margin[1])), (
        float(high[0] + margin[0]),
        float(high[1] + margin[1]),
    )
