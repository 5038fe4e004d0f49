"""The network drawn as neurons in columns, its links coloured by weight, with a colour key.

Inputs are named by feature, outputs by class (or by the target, for regression). A layer
wider than ``max_units`` shows its ``max_units`` strongest units (largest summed |weight| in
and out) and says under its column how many it shows ("12 of 64 units"); of the links between
the units shown, only the ``max_links`` strongest of each layer are drawn, and the column's
label says so ("40 of 768 links"): a picture of every link of a wide layer is a grey tangle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .plots import pyplot


def network_figure(
    weights: Sequence[np.ndarray],
    input_names: Sequence[str],
    output_names: Sequence[str],
    max_units: int = 12,
    max_links: int = 60,
) -> Any:
    """The figure of a network whose ``W`` matrices are ``weights`` (``(n_in, n_out)`` each)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    plt = pyplot()
    shown = strongest_units(weights, max_units)
    largest = max(float(np.abs(w).max()) for w in weights) or 1.0
    # red < 0 < blue through light grey, not white: a weak link stays visible on the page
    cmap = LinearSegmentedColormap.from_list("weight", ["#b2182b", "#d0d0d0", "#2166ac"])
    norm = Normalize(-largest, largest)
    figure, axes = plt.subplots(figsize=(3 + 2.4 * len(shown), 5.5))
    ys = [np.linspace(1, 0, len(units)) if len(units) > 1 else np.array([0.5]) for units in shown]
    link_notes = []
    for column, w in enumerate(weights):
        part = w[np.ix_(shown[column], shown[column + 1])]
        drawn = _strongest_links(part, max_links)
        link_notes.append(f"{len(drawn)} of {w.size} links" if len(drawn) < w.size else "")
        for i, j in drawn:
            value = part[i, j]
            axes.plot([column, column + 1], [ys[column][i], ys[column + 1][j]],
                      color=cmap(norm(value)), linewidth=0.4 + 2.6 * abs(value) / largest,
                      alpha=0.9, zorder=1)  # fmt: skip
    for column, y in enumerate(ys):
        axes.scatter(np.full_like(y, column), y, s=70, color="white", edgecolor="black",
                     zorder=3)  # fmt: skip
    _name_units(axes, ys[0], [input_names[i] for i in shown[0]], 0, "right")
    _name_units(axes, ys[-1], [output_names[i] for i in shown[-1]], len(ys) - 1, "left")
    sizes = [w.shape[0] for w in weights] + [weights[-1].shape[1]]
    axes.set_xticks(range(len(ys)), _column_labels(shown, sizes, link_notes))
    axes.set_yticks([])
    axes.set_xlim(-0.9, len(ys) - 0.1)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    figure.colorbar(ScalarMappable(norm, cmap), ax=axes, label="weight (red < 0 < blue)")
    title = "Network: each link coloured by its weight, thicker when larger"
    if any(len(units) < size for units, size in zip(shown, sizes, strict=True)):
        title += "\n(wide layers: the units with the strongest weights; → links drawn)"
    axes.set_title(title)
    return figure


def strongest_units(weights: Sequence[np.ndarray], max_units: int) -> list[np.ndarray]:
    """For each column of neurons, the indices shown: all, or the ``max_units`` with the
    largest summed |weight| in and out, kept in their order."""
    sizes = [w.shape[0] for w in weights] + [weights[-1].shape[1]]
    shown = []
    for column, size in enumerate(sizes):
        if size <= max_units:
            shown.append(np.arange(size))
            continue
        strength = np.zeros(size)
        if column < len(weights):
            strength += np.abs(weights[column]).sum(axis=1)
        if column > 0:
            strength += np.abs(weights[column - 1]).sum(axis=0)
        shown.append(np.sort(np.argsort(strength)[::-1][:max_units]))
    return shown


def _strongest_links(part: np.ndarray, max_links: int) -> list[tuple[int, int]]:
    order = np.argsort(np.abs(part), axis=None)[::-1][:max_links]
    return [(int(i), int(j)) for i, j in zip(*np.unravel_index(order, part.shape), strict=True)]


def _name_units(axes: Any, ys: np.ndarray, names: list[str], x: int, align: str) -> None:
    offset = -0.08 if align == "right" else 0.08
    size = 9 if len(names) <= 8 else 8
    for y, name in zip(ys, names, strict=True):
        text = name if len(name) <= 22 else name[:21] + "…"
        axes.text(x + offset, y, text, ha=align, va="center", fontsize=size)


def _column_labels(shown: list[np.ndarray], sizes: list[int], link_notes: list[str]) -> list[str]:
    names = ["inputs", *[f"hidden {i}" for i in range(1, len(sizes) - 1)], "outputs"]
    labels = []
    for column, (name, units, size) in enumerate(zip(names, shown, sizes, strict=True)):
        count = f"{size} unit{'s' if size > 1 else ''}"
        lines = [name, f"{len(units)} of {count}" if len(units) < size else count]
        if column < len(link_notes) and link_notes[column]:
            lines.append(f"→ {link_notes[column]}")
        labels.append("\n".join(lines))
    return labels
