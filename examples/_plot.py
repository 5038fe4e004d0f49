"""Save a loss curve as a PNG: shared by the examples so each stays about its network."""

from __future__ import annotations

from collections.abc import Sequence


def save_loss_curve(losses: Sequence[float], path: str, title: str) -> None:
    """Plot the training loss of each epoch (log scale) and write it to ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed: the examples run in terminals and tests
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 3.5))
    axes.plot(range(1, len(losses) + 1), losses, marker="." if len(losses) < 50 else None)
    axes.set(xlabel="epoch", ylabel="training loss", yscale="log", title=title)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"loss curve saved to {path}")
