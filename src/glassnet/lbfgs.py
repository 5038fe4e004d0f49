"""Full-batch training with L-BFGS, through ``scipy.optimize.minimize(method="L-BFGS-B")``.

L-BFGS is not written here: SciPy's is used, as scikit-learn's MLP uses it. glassnet supplies
the two things it needs, the loss and its gradient for a flat vector of all trainable
parameters, from the same forward (step 2), loss (step 3) and backward (step 4) as every other
optimizer. SciPy is imported when training begins.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import check_in_range, check_int

if TYPE_CHECKING:
    from .network import Network
    from .training import History


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
    SciPy runs to the stopping rule above; :func:`glassnet.fit`'s ``epochs``, ``batch_size``
    and validation are not used, and it calls no callbacks (``fit`` refuses any, see
    :func:`refuse_callbacks`).

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

    def __init__(self, max_iter: int = 200, max_fun: int = 15000, tol: float = 1e-4) -> None:
        self.max_iter = check_int(max_iter, "max_iter")
        self.max_fun = check_int(max_fun, "max_fun")
        self.tol = check_in_range(tol, "tol", 0.0, math.inf)
        self.result: Any = None

    def minimize(
        self,
        network: Network,
        x: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        history: History,
    ) -> None:
        """Train ``network`` on validated ``x``, ``y``; one ``history.loss`` entry per iteration."""
        from scipy.optimize import minimize

        parameters = network.parameters()
        last = {"loss": np.inf}

        def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
            unpack(parameters, theta)
            network.forward(x)  # dropout is off: L-BFGS needs a deterministic objective
            value = network.batch_loss(y, sample_weight)
            network.backward(y, sample_weight)
            last["loss"] = value
            return value, flatten(p.grad for p in parameters)

        self.result = minimize(
            loss_and_gradient,
            flatten(p.value for p in parameters),
            method="L-BFGS-B",
            jac=True,
            options={"maxiter": self.max_iter, "maxfun": self.max_fun, "gtol": self.tol},
            callback=lambda _: history.loss.append(float(last["loss"])),
        )
        unpack(parameters, self.result.x)
        if not history.loss or history.loss[-1] != self.result.fun:
            history.loss.append(float(self.result.fun))

    def __repr__(self) -> str:
        return f"LBFGS(max_iter={self.max_iter}, max_fun={self.max_fun}, tol={self.tol})"


def refuse_callbacks(optimizer: Any, callbacks: list[Any]) -> None:
    """``ValueError`` if ``fit`` was given callbacks for a full-batch ``optimizer``.

    SciPy runs L-BFGS to its own stopping rule: there are no epochs or batches to call hooks
    around, and a callback could not stop it or change its step. Skipping the callbacks
    silently would let a user believe that, say, early stopping or a checkpoint ran.
    """
    if callbacks:
        names = ", ".join(type(callback).__name__ for callback in callbacks)
        raise ValueError(
            f"callbacks are not called by the full-batch optimizer {optimizer!r}, which runs "
            f"to its own stopping rule; got {names}. Pass no callbacks, or train with an "
            "epoch-based optimizer such as Adam"
        )


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
