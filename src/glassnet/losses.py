"""Step 3: the loss, a number that says how wrong the predictions are.

A loss is defined per element ``ℓ(y_pred_ij, y_ij)``; the outputs of one sample combine by sum
or mean (``reduction``), and a batch loss is the mean over samples, or the weighted mean
``Σ w_i L_i / Σ w_i`` when sample weights are given. ``gradient`` returns ``∂(batch loss)/∂y_pred``
with shape ``(n_samples, n_outputs)``.

==========================  =========================================  ==========
name                        per element                                 outputs
==========================  =========================================  ==========
half_squared_error          ½ (y - p)²  (the tutorials' E_total)         sum
mean_squared_error          (y - p)²                                     mean
mean_absolute_error         |y - p|                                      mean
huber                       ½ r² if |r| <= δ else δ (|r| - ½ δ)          mean
binary_cross_entropy        -(y log p + (1 - y) log(1 - p))              sum
categorical_cross_entropy   -y log p                                     sum
half_poisson_deviance       y log(y / p) - y + p                         sum
==========================  =========================================  ==========

The two cross-entropies and the Poisson deviance have a canonical output activation (sigmoid,
softmax; exp). A network that ends in it uses the short gradient ``∂L/∂z = (p - y) / n``; the
cross-entropies are then computed from the logits ``z`` (``log p = z - logsumexp(z)``), which
stays finite for any logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations as act
from .checks import check_bool, check_positive, resolve


class Loss:
    """Base class: subclasses define ``elementwise`` and ``elementwise_gradient``."""

    name = "loss"
    reduction = "sum"  # how one sample's outputs combine
    canonical_activation: type | None = None

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    def per_sample(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Loss of each sample, shape ``(n_samples,)``."""
        return _combine(self.elementwise(y_pred, y), self.reduction)

    def value(
        self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> float:
        """Batch loss: mean over samples (weighted mean with ``sample_weight``)."""
        return _mean(self.per_sample(y_pred, y), sample_weight)

    def gradient(
        self,
        y_pred: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """``∂(batch loss)/∂y_pred``, shape ``(n_samples, n_outputs)``."""
        grad = self.elementwise_gradient(y_pred, y, out)
        return _scale_rows(grad, sample_weight, self.reduction)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _combine(elements: np.ndarray, reduction: str) -> np.ndarray:
    return elements.sum(axis=1) if reduction == "sum" else elements.mean(axis=1)


def _mean(per_sample: np.ndarray, sample_weight: np.ndarray | None) -> float:
    if sample_weight is None:  # the ufunc directly: .mean() costs microseconds of Python
        return float(np.add.reduce(per_sample)) / per_sample.shape[0]
    return float(np.dot(per_sample, sample_weight) / sample_weight.sum())


def _scale_rows(grad: np.ndarray, sample_weight: np.ndarray | None, reduction: str) -> np.ndarray:
    """Turn per-element derivatives into derivatives of the (weighted) batch mean."""
    n_samples, n_outputs = grad.shape
    per_output = n_outputs if reduction == "mean" else 1
    if sample_weight is None:
        if n_samples * per_output != 1:  # online learning with a summed loss: nothing to scale
            grad *= 1.0 / (n_samples * per_output)
    else:
        grad *= (sample_weight / (sample_weight.sum() * per_output))[:, np.newaxis].astype(
            grad.dtype, copy=False
        )
    return grad


def _like(out: np.ndarray | None, y_pred: np.ndarray) -> np.ndarray:
    return np.empty_like(y_pred) if out is None else out


class HalfSquaredError(Loss):
    """``E = Σ_j ½ (y_j - p_j)²`` per sample; ``∂E/∂p_j = p_j - y_j``. The tutorials' loss."""

    name = "half_squared_error"

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        residual = y_pred - y
        return 0.5 * residual * residual

    def value(
        self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> float:
        """Batch loss; unweighted it is ``½ Σ r² / n`` with ``r = p - y``, one dot product."""
        if sample_weight is not None:
            return super().value(y_pred, y, sample_weight)
        residual = np.subtract(y_pred, y)
        return 0.5 * float(np.vdot(residual, residual)) / y_pred.shape[0]

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        return np.subtract(y_pred, y, out=_like(out, y_pred))


class MeanSquaredError(Loss):
    """``L = mean_j (y_j - p_j)²`` per sample; ``∂ℓ/∂p = 2 (p - y)``."""

    name = "mean_squared_error"
    reduction = "mean"

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        residual = y_pred - y
        return residual * residual

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        grad = np.subtract(y_pred, y, out=_like(out, y_pred))
        grad *= 2.0
        return grad


class MeanAbsoluteError(Loss):
    """``L = mean_j |y_j - p_j|`` per sample; ``∂ℓ/∂p = sign(p - y)`` (0 where they are equal)."""

    name = "mean_absolute_error"
    reduction = "mean"

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.abs(y_pred - y)

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        grad = np.subtract(y_pred, y, out=_like(out, y_pred))
        return np.sign(grad, out=grad)


class Huber(Loss):
    """Quadratic near 0, linear beyond ``delta``: with ``r = p - y``,
    ``ℓ = ½ r²`` if ``|r| <= δ`` else ``δ (|r| - ½ δ)``; ``∂ℓ/∂p = clip(r, -δ, δ)``."""

    name = "huber"
    reduction = "mean"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_positive(delta, "delta")

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        size = np.abs(y_pred - y)
        quadratic = np.minimum(size, self.delta)
        return 0.5 * quadratic * quadratic + self.delta * (size - quadratic)

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        grad = np.subtract(y_pred, y, out=_like(out, y_pred))
        return np.clip(grad, -self.delta, self.delta, out=grad)

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta})"


class _CrossEntropy(Loss):
    """What the two cross-entropies share: ``from_logits``, and after their canonical output
    activation (sigmoid, softmax) the short gradient ``∂L/∂z = a - y``."""

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = check_bool(from_logits, "from_logits")

    def logits_gradient(
        self,
        a: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """``∂L/∂z`` given the canonical activation's output ``a``: ``a - y``, scaled to the
        batch mean."""
        return _scale_rows(np.subtract(a, y, out=_like(out, a)), sample_weight, "sum")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(from_logits={self.from_logits})"


class BinaryCrossEntropy(_CrossEntropy):
    """``ℓ = -(y log p + (1 - y) log(1 - p))`` per output, summed over outputs.

    With probabilities, ``p`` is clipped to ``[eps, 1 - eps]`` (``eps`` of the dtype). With
    ``from_logits=True`` (or after a sigmoid output layer) it is computed from ``z`` as
    ``max(z, 0) - z y + log(1 + exp(-|z|))``, whose gradient is ``sigmoid(z) - y``.
    """

    name = "binary_cross_entropy"
    canonical_activation = act.Sigmoid

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.from_logits:
            return _bce_from_logits(y_pred, y)
        eps = np.finfo(y_pred.dtype).eps
        p = np.clip(y_pred, eps, 1.0 - eps)
        return -(y * np.log(p) + (1.0 - y) * np.log1p(-p))

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        if self.from_logits:
            p = act.Sigmoid().forward(y_pred, out)
            p -= y
            return p
        eps = np.finfo(y_pred.dtype).eps
        p = np.clip(y_pred, eps, 1.0 - eps)
        return np.divide(p - y, p * (1.0 - p), out=_like(out, y_pred))

    def logits_value(
        self,
        z: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        a: np.ndarray | None = None,
    ) -> float:
        """The batch loss from the logits ``z``. The sigmoid output ``a`` is not used: near 1 it
        has lost the digits that ``log(1 - a)`` needs."""
        return _mean(_bce_from_logits(z, y).sum(axis=1), sample_weight)


def _bce_from_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))


class CategoricalCrossEntropy(_CrossEntropy):
    """``L = -Σ_j y_j log p_j`` per sample (targets one-hot or probabilities).

    With probabilities, ``p`` is clipped below at ``eps``. With ``from_logits=True`` (or after a
    softmax output layer) ``log p = z - logsumexp(z)``, finite for any logits, and
    ``∂L/∂z = p Σ_j y_j - y`` (``p - y`` for one-hot targets).
    """

    name = "categorical_cross_entropy"
    canonical_activation = act.Softmax

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.from_logits:
            return -y * _log_softmax(y_pred)
        return -y * np.log(np.maximum(y_pred, np.finfo(y_pred.dtype).eps))

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        if self.from_logits:
            p = act.Softmax().forward(y_pred, out)
            p *= y.sum(axis=1, keepdims=True)
            p -= y
            return p
        p = np.maximum(y_pred, np.finfo(y_pred.dtype).eps)
        return np.divide(-y, p, out=_like(out, y_pred))

    def logits_value(
        self,
        z: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        a: np.ndarray | None = None,
    ) -> float:
        """The batch loss from the logits ``z``, or from their softmax ``a`` when that is exact.

        ``-Σ_j y_j log a_j`` costs three array operations and is exact to rounding while every
        ``a_j`` is a normal number (at least the dtype's ``tiny``: ``log`` of a smaller,
        subnormal value has lost digits, of 0 it is ``-inf``). Otherwise, with
        ``s = z - max_j z_j`` per row, ``log a_j = s_j - log Σ_k exp(s_k)``, so a sample's loss
        is ``(Σ_j y_j) · log Σ_k exp(s_k) - Σ_j y_j s_j``: two terms >= 0 (``s <= 0``), whose
        batch sums can be taken first without cancellation.
        """
        if a is not None and np.minimum.reduce(a, axis=None) >= np.finfo(a.dtype).tiny:
            log_a = np.log(a)
            if sample_weight is None:
                return -float(np.vdot(y, log_a)) / a.shape[0]
            return _mean(-act.row_sums(np.multiply(y, log_a, out=log_a)), sample_weight)
        s = act.shifted_logits(z)
        log_norm = np.log(act.row_sums(np.exp(s)))  # log Σ_k exp(s_k), per row
        y_sums = act.row_sums(y)
        if sample_weight is None:  # two dot products instead of a per-sample loss
            return float(np.dot(y_sums, log_norm) - np.vdot(y, s)) / z.shape[0]
        per_sample = y_sums * log_norm - act.row_sums(np.multiply(y, s, out=s))
        return _mean(per_sample, sample_weight)


class HalfPoissonDeviance(Loss):
    """``ℓ = y log(y / p) - y + p`` per output (``0 log 0 = 0``), summed over outputs: half
    the Poisson deviance, scikit-learn's ``loss='poisson'``. Targets are counts or rates
    ``y >= 0``; predictions ``p > 0``; ``∂ℓ/∂p = 1 - y / p``.

    Its canonical output activation is ``exp`` (the log link ``p = exp(z)``): after it the
    network uses ``∂L/∂z = (p - y) / n``, scikit-learn's gradient.
    """

    name = "half_poisson_deviance"
    canonical_activation = act.Exp

    def elementwise(self, y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):  # y = 0: 0 log 0 = 0 (xlogy)
            y_log = np.where(y == 0, 0.0, y * np.log(y / y_pred))
        return y_log - y + y_pred

    def elementwise_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        grad = np.divide(y, y_pred, out=_like(out, y_pred))
        np.subtract(1.0, grad, out=grad)
        return grad

    def logits_value(
        self,
        z: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        a: np.ndarray | None = None,
    ) -> float:
        """The batch loss after the ``exp`` output, from ``a = exp(z)`` as scikit-learn."""
        p = np.exp(z) if a is None else a
        return _mean(self.per_sample(p, y), sample_weight)

    def logits_gradient(
        self,
        a: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """``∂L/∂z = (a - y)`` scaled to the batch mean (``a = exp(z)``)."""
        return _scale_rows(np.subtract(a, y, out=_like(out, a)), sample_weight, "sum")


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = act.shifted_logits(z)
    return shifted - np.log(act.row_sums(np.exp(shifted)))[:, np.newaxis]


LOSSES: dict[str, type] = {
    "half_squared_error": HalfSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "huber": Huber,
    "binary_cross_entropy": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy,
    "half_poisson_deviance": HalfPoissonDeviance,
    "poisson": HalfPoissonDeviance,
}


def get_loss(spec: Any) -> Loss:
    """Resolve a name from :data:`LOSSES` or accept an object with ``value`` and ``gradient``."""
    loss: Loss = resolve(spec, LOSSES, "loss", ("value", "gradient"))
    return loss
