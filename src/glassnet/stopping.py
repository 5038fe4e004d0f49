"""Step 6: deciding when training has converged."""

from __future__ import annotations

import math

from ._validation import check_int, check_real


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
        self.tol = check_real(tol, "tol")
        if self.tol < 0:
            raise ValueError(f"tol must be >= 0, got {tol!r}")
        self.patience = check_int(patience, "patience", minimum=1)
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
