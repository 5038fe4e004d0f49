"""scikit-learn's loss as the estimators train on it: the L2 penalty divided by the batch's
weight sum, the loss as scikit-learn reports it, and full-batch evaluations.

The epoch loop is the engine's (:class:`glassnet.loop.Training`), configured with
scikit-learn's rules in :mod:`glassnet.estimators.stochastic`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..batches import Batch
from ..parameters import Parameter


class BatchL2:
    """scikit-learn's penalty ``½ α Σ‖W‖² / s`` with ``s`` the sample-weight sum of the batch
    being evaluated.

    Gradient: ``α W / s`` added to each weight gradient (biases are not penalised). ``s`` is
    the batch's ``weight_sum`` (:class:`glassnet.batches.Batch`), which the network passes in:
    its number of rows without sample weights, so after ``fit`` ``network_.loss(X, y)``
    divides by ``len(X)``, never by the size of the last training batch.
    """

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self.last_value = 0.0  # of the last evaluation: see :func:`reported_loss`

    def __repr__(self) -> str:
        return f"BatchL2(alpha={self.alpha})"

    def value(self, network: Any, batch: Batch) -> float:
        if not self.alpha:
            self.last_value = 0.0
            return 0.0
        total = sum(float(np.dot(w.ravel(), w.ravel())) for w in _weights(network))
        self.last_value = 0.5 * self.alpha * total / batch.weight_sum
        return self.last_value

    def add_gradient(self, network: Any, batch: Batch, recorder: Any = None) -> None:
        if not self.alpha:
            return
        scale = self.alpha / batch.weight_sum
        for parameter in _weight_parameters(network):
            parameter.grad += scale * parameter.value


class Remembered:
    """A penalty (such as :class:`glassnet.regularizers.L1`) that keeps its last value."""

    def __init__(self, penalty: Any) -> None:
        self.penalty = penalty
        self.last_value = 0.0

    def __repr__(self) -> str:
        return f"Remembered({self.penalty!r})"

    def value(self, network: Any, batch: Batch) -> float:
        self.last_value = float(self.penalty.value(network, batch))
        return self.last_value

    def add_gradient(self, network: Any, batch: Batch, recorder: Any = None) -> None:
        self.penalty.add_gradient(network, batch, recorder)


def reported_loss(value: float, network: Any, divisor: int) -> float:
    """The loss as scikit-learn reports it, from the batch loss ``value`` just computed.

    scikit-learn's squared error averages over the ``k`` outputs, ``½ mean_ij (y - p)²``,
    while its gradient is that of the sum over outputs (glassnet's loss). With ``divisor = k``
    the data term (``value`` minus the penalties) is divided by ``k``; ``divisor = 1`` returns
    ``value`` unchanged.
    """
    if divisor == 1:
        return value
    penalties = sum(p.last_value for p in network.penalties)
    return (value - penalties) / divisor + penalties


def _weight_parameters(network: Any) -> list[Parameter]:
    return [layer.weights for layer in network.layers if hasattr(layer, "weights")]


def _weights(network: Any) -> list[np.ndarray]:
    return [p.value for p in _weight_parameters(network)]


def loss_and_gradient(
    network: Any,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    divisor: int = 1,
) -> tuple[float, list[np.ndarray]]:
    """Full-batch loss (as scikit-learn reports it) and gradients, for L-BFGS; parameters in
    the network's order."""
    y_pred = network.forward(x)
    value = reported_loss(network.loss_value(y_pred, y, w), network, divisor)
    network.backward(network.loss_gradient(y_pred, y, w), sample_weight=w)
    return value, [p.grad for p in network.parameters()]


def evaluate_loss(
    network: Any,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    divisor: int = 1,
) -> float:
    """The loss (penalty included, as in training) on held-out data; changes nothing."""
    y_pred = network.forward(x)
    return float(reported_loss(network.loss_value(y_pred, y, w), network, divisor))
