"""The estimators' lbfgs solver: SciPy's L-BFGS-B on the whole training set, as scikit-learn.

:class:`LBFGSSolver`, beside :class:`glassnet.estimators.stochastic.StochasticSolver` for the
other solvers. The objective is scikit-learn's loss (data term plus L2 penalty) and
its gradient, both from the engine (:func:`glassnet.estimators.training.loss_and_gradient`);
``max_iter``, ``max_fun`` and ``tol`` are SciPy's ``maxiter``, ``maxfun`` and ``gtol``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ..lbfgs import flatten, unpack
from .stochastic import Solver
from .training import loss_and_gradient

if TYPE_CHECKING:
    from .base import BaseMLP


class LBFGSSolver(Solver):
    """SciPy's L-BFGS-B on the whole training set; no epochs, no callbacks."""

    stochastic = False

    def fit(
        self, est: BaseMLP, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, incremental: bool
    ) -> None:
        """Minimise ``est``'s loss over ``est.network_``'s parameters from where they are; set
        ``n_iter_`` and ``loss_``; warn (ConvergenceWarning) when SciPy stopped unconverged."""
        parameters, divisor = est.network_.parameters(), est._loss_divisor()

        def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
            unpack(parameters, flat)
            value, grads = loss_and_gradient(est.network_, x, y, w, divisor)
            return value, flatten(grads)

        result = scipy.optimize.minimize(
            objective,
            flatten(p.value for p in parameters),
            method="L-BFGS-B",
            jac=True,
            options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
        )
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iterations (status="
                f"{result.status}): {result.message}. Increase max_iter or scale the data.",
                ConvergenceWarning,
                stacklevel=STACKLEVEL,
            )
        est.n_iter_ = min(int(result.nit), est.max_iter)
        est.loss_ = float(result.fun)
        unpack(parameters, result.x)


# the warning points at the user's line: LBFGSSolver.fit <- BaseMLP._fit <- fit <- the caller
STACKLEVEL = 4
