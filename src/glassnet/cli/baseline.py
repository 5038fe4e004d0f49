"""The linear baseline ``glassnet train`` reports beside the network: what the network adds.

scikit-learn's :class:`~sklearn.linear_model.LogisticRegression` (classification) or
:class:`~sklearn.linear_model.Ridge` (regression), with their default strength (``C=1``,
``alpha=1``), fitted on the same preprocessed matrix and the same training rows as the network
and scored on the same test rows: accuracy, or R².
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def linear_baseline(
    x: np.ndarray, targets: np.ndarray, train: np.ndarray, test: np.ndarray, task: str
) -> dict[str, Any]:
    """``{"model", "metric", "train", "test"}``: the linear model's scores on the split.

    ``targets`` are the network's (class indices, or 0/1 as a column, or scaled values);
    accuracy and R² do not depend on the target's scaling.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, Ridge

    y = targets.reshape(targets.shape[0], -1)[:, 0] if targets.ndim == 2 else targets
    model: Any
    if task == "regression":
        model, name, metric = Ridge(alpha=1.0), "Ridge(alpha=1)", "r2"
    else:
        y = y.astype(np.int64)
        model, name = LogisticRegression(max_iter=1000), "LogisticRegression(C=1)"
        metric = "accuracy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # its score is reported either way
        model.fit(x[train], y[train])
    scores = {
        part: float(model.score(x[rows], y[rows])) if len(rows) > 1 else None
        for part, rows in (("train", train), ("test", test))
    }
    return {"model": name, "metric": metric, **scores}
