"""A callback that writes files: the best epoch's parameters, kept and written to disk.

It lives with the files, not with the engine's :mod:`glassnet.callbacks`, because it writes one.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from ..callbacks import Callback, TrainingState, monitored
from .atomic import atomic_write_bytes


class BestCheckpoint(Callback):
    """Keep a copy of the parameters of the epoch with the lowest ``monitor``; with ``path``,
    also write them to an ``.npz`` file (a temporary file renamed, so never half-written)."""

    def __init__(self, monitor: str = "val_loss", path: Any = None) -> None:
        self.monitor = monitor
        self.path = path
        self.best = math.inf
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, state: TrainingState) -> None:
        value = monitored(state, self.monitor)
        if value < self.best:
            self.best, self.best_epoch = value, state.epoch
            self.best_weights = state.network.get_weights()
            if self.path is not None:
                _save_npz(self.path, self.best_weights)


def _save_npz(path: Any, arrays: list[np.ndarray]) -> None:
    """Write ``arrays`` as ``arr_0, arr_1, ...`` to exactly ``path`` (no ``.npz`` is added),
    all or nothing."""
    buffer = io.BytesIO()
    np.savez(buffer, *arrays)
    atomic_write_bytes(path, buffer.getvalue())
