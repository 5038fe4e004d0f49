"""Full-batch training with L-BFGS, through ``scipy.optimize.minimize(method="L-BFGS-B")``.

L-BFGS is not written here: SciPy's is used, as scikit-learn's MLP uses it. glassnet supplies
the two things it needs, the loss and its gradient for a flat vector of all trainable
parameters, from the same forward (step 2), loss (step 3) and backward (step 4) as every other
optimizer. SciPy is imported when training begins.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .checks import check_in_range, check_int
from .heldout import Data, Metric, epoch_logs
from .history import History
from .step import TrainingDiverged

if TYPE_CHECKING:
    from .network import Network


class LBFGS:
    """Limited-memory BFGS on the whole training set; pass it as ``fit(optimizer=LBFGS())``.

    Parameters
    ----------
    max_iter : int, default 200
        Most L-BFGS iterations (SciPy's ``maxiter``).
    max_fun : int, default 15000
        Most loss evaluations (SciPy's ``maxfun``).
    tol : float >= 0, default 1e-4
        Stop when the largest gradient component is at most ``tol`` (SciPy's ``gtol``), as
        scikit-learn's MLP does. 0 is allowed, as SciPy and scikit-learn (``tol >= 0``)
        allow it: only an exactly zero gradient then passes this test, so training ends at
        ``max_iter``, ``max_fun`` or SciPy's relative-reduction test (``ftol``).

    Notes
    -----
    SciPy runs to the stopping rule above, on all samples at every step. In
    :func:`glassnet.fit`, each L-BFGS iteration takes the place of an epoch in the returned
    ``History``: ``loss``, and ``val_loss`` and the ``metrics`` when asked for, are measured at
    every iterate (the last entry: the final parameters). The options of fit's epoch loop
    (``epochs``, ``batch_size`` other than None, ``tol``, ``patience``,
    ``restore_best_weights``, ``monitor``, ``verbose``, ``callbacks``) are refused with a
    ``ValueError`` when set, never silently skipped (:mod:`glassnet.fullbatch`, which
    ``fit`` asks for any object with ``fit_full_batch``; the reasons are L-BFGS's own words,
    :attr:`epoch_option_reasons`);
    ``LBFGS(tol=...)`` is this stopping rule's tolerance, not fit's ``tol``. Dropout layers
    are the identity here: a random mask per evaluation would change the function L-BFGS
    minimises between its steps.

    Attributes
    ----------
    result : scipy.optimize.OptimizeResult or None
        The last run's outcome: ``success``, ``message``, ``nit``, ``nfev``.

    Examples
    --------
    >>> import glassnet as gn
    >>> net = gn.Network([gn.Dense(1, 1, rng=0)], loss="mse")
    >>> X = np.linspace(-1, 1, 10).reshape(-1, 1)
    >>> history = net.fit(X, 3 * X + 1, optimizer=LBFGS())
    >>> bool(history.loss[-1] < 1e-8)
    True
    """

    # fit's epoch-loop options: why each cannot apply to L-BFGS, and what to do instead
    epoch_option_reasons: ClassVar[dict[str, str]] = {
        "epochs": "L-BFGS has no epochs and runs to its own stopping rule; bound it with "
        "LBFGS(max_iter=...) instead",
        "batch_size": "every L-BFGS step uses all samples; leave batch_size out or pass None",
        "tol": "fit's tol stops its epoch loop and L-BFGS has no epochs; LBFGS(tol=...) is "
        "L-BFGS's own stopping tolerance",
        "patience": "patience counts epochs for fit's tol and L-BFGS has no epochs; use "
        "LBFGS(tol=...) or LBFGS(max_iter=...) instead",
        "restore_best_weights": "L-BFGS has no epochs to restore and ends at its last iterate; "
        "train with an epoch-based optimizer such as Adam to keep the best parameters",
        "monitor": "only fit's tol and restore_best_weights watch it, and L-BFGS uses neither; "
        "leave monitor out",
        "verbose": "verbose reports epochs and L-BFGS has no epochs; read history.loss "
        "or optimizer.result afterwards",
    }

    def __init__(self, max_iter: int = 200, max_fun: int = 15000, tol: float = 1e-4) -> None:
        self.max_iter = check_int(max_iter, "max_iter")
        self.max_fun = check_int(max_fun, "max_fun")
        self.tol = check_in_range(tol, "tol", 0.0, math.inf)
        self.result: Any = None

    def fit_full_batch(
        self,
        network: Network,
        train: Data,
        validation: Data | None,
        metrics: dict[str, Metric],
    ) -> History:
        """``fit`` with L-BFGS, on data and metrics checked at fit's door.

        Each iteration is logged as an epoch is, by :func:`glassnet.heldout.epoch_logs`:
        ``loss``, the metrics on ``train``, ``val_loss`` and the metrics on ``validation``.
        """
        history = History(planned_epochs=1)

        def record(loss: float) -> None:
            history.record(epoch_logs(network, loss, train, validation, metrics))

        self.minimize(network, train[0], train[1], train[2], record)
        return history

    def minimize(
        self,
        network: Network,
        x: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        record: Callable[[float], None],
    ) -> None:
        """Train ``network`` on validated ``x``, ``y``; ``record(loss)`` after each iteration
        and at the end, with the network holding the parameters whose loss that is.
        ``TrainingDiverged`` (parameters put back) if no parameters tried had a finite loss."""
        from scipy.optimize import minimize

        parameters = network.parameters()
        last = {"loss": np.inf}
        recorded: list[np.ndarray] = []  # the parameters of the last record

        def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
            unpack(parameters, theta)
            y_pred = network.forward(x)  # dropout is off: L-BFGS needs a deterministic objective
            value = network.loss_value(y_pred, y, sample_weight)
            grad = network.loss_gradient(y_pred, y, sample_weight)
            network.backward(grad, sample_weight=sample_weight)
            last["loss"] = value
            return value, flatten(p.grad for p in parameters)

        def on_iteration(theta: np.ndarray) -> None:  # the iterate was the last evaluation
            unpack(parameters, theta)
            record(float(last["loss"]))
            recorded[:] = [theta.copy()]

        start = flatten(p.value for p in parameters)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # as in fit: a
            self.result = minimize(  # trial step that overflows is SciPy's to reject
                loss_and_gradient,
                start,
                method="L-BFGS-B",
                jac=True,
                options={"maxiter": self.max_iter, "maxfun": self.max_fun, "gtol": self.tol},
                callback=on_iteration,
            )
        if not (np.isfinite(self.result.fun) and np.isfinite(self.result.x).all()):
            unpack(parameters, start)
            raise TrainingDiverged(
                f"the loss is {self.result.fun} and L-BFGS found no parameters with a finite "
                "loss (inputs too large?); the parameters are back at their start"
            )
        unpack(parameters, self.result.x)
        if not recorded or not np.array_equal(recorded[0], self.result.x):
            record(float(self.result.fun))  # no iteration, or stopped inside a line search

    def __repr__(self) -> str:
        return f"LBFGS(max_iter={self.max_iter}, max_fun={self.max_fun}, tol={self.tol})"


def flatten(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """The arrays (parameter values or gradients) as one float64 vector, SciPy's format."""
    return np.concatenate([array.ravel() for array in arrays]).astype(np.float64)


def unpack(parameters: list[Any], theta: np.ndarray) -> None:
    """Write the flat vector ``theta`` (as :func:`flatten` made it) back into ``parameters``."""
    start = 0
    for parameter in parameters:
        size = parameter.value.size
        parameter.value[...] = theta[start : start + size].reshape(parameter.shape)
        start += size
