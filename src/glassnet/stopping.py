"""Step 6: deciding when training has converged."""

from __future__ import annotations

import math
from typing import Any

from .checks import check_in_range, check_int


class Plateau:
    """Stop when a monitored loss has not improved by more than ``tol`` for ``patience`` epochs.

    An epoch improves when ``loss < best - tol``. The count of epochs without improvement
    resets on each improvement; training stops when it reaches ``patience``. (scikit-learn's
    MLP stops when the count *exceeds* ``n_iter_no_change``, i.e.
    ``patience = n_iter_no_change + 1``.)

    Examples
    --------
    >>> rule = Plateau(tol=0.1, patience=2)
    >>> [rule.update(v) for v in [1.0, 0.5, 0.45, 0.44]]
    [False, False, False, True]
    """

    def __init__(self, tol: float, patience: int = 10) -> None:
        self.tol = check_in_range(tol, "tol", 0.0, math.inf)
        self.patience = check_int(patience, "patience")
        self.best = math.inf
        self.best_epoch = -1
        self.wait = 0
        self._epoch = -1

    def update(self, loss: float) -> bool:
        """Record one epoch's loss; return True when training should stop."""
        self._epoch += 1
        if loss < self.best - self.tol:
            self.wait = 0
        else:
            self.wait += 1
        if loss < self.best:
            self.best, self.best_epoch = loss, self._epoch
        return self.wait >= self.patience


def check_stopping(tol: Any, patience: Any) -> tuple[float | None, Any]:
    """``fit``'s ``tol`` and ``patience``, checked at its door (and the Dask loops'):
    ``tol`` >= 0 and ``patience`` >= 1, or ``tol=None`` (never stop early; ``patience`` is
    then unused and passed through unchecked)."""
    if tol is None:
        return None, patience
    return check_in_range(tol, "tol", 0.0, math.inf), check_int(patience, "patience")
