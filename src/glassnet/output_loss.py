"""Where step 3 meets step 4: the loss at the output layer, and the logits shortcut.

A cross-entropy after its canonical output activation (binary after sigmoid, categorical after
softmax) is computed from the output layer's logits ``z`` rather than from its outputs
``a = y_pred``: ``log a = z - logsumexp(z)`` stays finite for any logits, and the gradient
skips the activation, ``δ = ∂L/∂z = (a - y) / n``. Every other pairing goes through ``a``:
``∂L/∂a``, then the activation's backward. :func:`output_loss` picks one of the two; nothing
else in the engine asks which.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .losses import Loss


class OutputLoss:
    """The loss of the outputs ``y_pred = a`` of ``layer``: ``value`` (step 3), ``gradient``
    ``∂L/∂a`` and ``backward`` through the whole layer (the start of step 4)."""

    from_logits = False

    def __init__(self, loss: Loss, layer: Any) -> None:
        self.loss = loss
        self.layer = layer
        self.activation = getattr(layer, "activation", None)  # the pairing this was chosen for

    def value(self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> float:
        """The batch loss (mean over samples; weighted mean with ``sample_weight``)."""
        return self.loss.value(y_pred, y, sample_weight)

    def gradient(
        self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
    ) -> np.ndarray:
        """``∂L/∂y_pred``, shape ``(n_samples, n_outputs)``: what step 4 starts from."""
        return self.loss.gradient(y_pred, y, sample_weight)

    def backward(self, grad: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """Backpropagate :meth:`gradient` through the output layer; returns its ``∂L/∂x``."""
        return self.layer.backward(grad, need_input_grad=need_input_grad)


class LogitsLoss(OutputLoss):
    """The shortcut: a cross-entropy computed from the output layer's logits ``z``.

    ``value`` reads ``z`` (``net``) from the layer's last forward pass; ``gradient`` is
    ``δ = ∂L/∂z`` (not ``∂L/∂a``) and ``backward`` enters the layer below its activation.
    """

    from_logits = True

    def value(self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> float:
        """The batch loss from the logits ``z`` (``y_pred``, their activation, where exact)."""
        return self.loss.logits_value(self.layer.net, y, sample_weight, a=y_pred)  # type: ignore[attr-defined]

    def gradient(
        self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
    ) -> np.ndarray:
        """``δ = ∂L/∂z = (a - y) / n`` (weighted: ``w_i (a_i - y_i) / Σ w``)."""
        return self.loss.logits_gradient(y_pred, y, sample_weight)  # type: ignore[attr-defined]

    def backward(self, grad: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """``δ`` enters the output layer below its activation (``Dense.backward_net``)."""
        return self.layer.backward_net(grad, need_input_grad=need_input_grad)


def output_loss(loss: Loss, layer: Any) -> OutputLoss:
    """:class:`LogitsLoss` when ``layer``'s activation is ``loss``'s canonical one (sigmoid for
    binary, softmax for categorical cross-entropy) and the loss does not already take logits
    (``from_logits=True``); :class:`OutputLoss` otherwise."""
    canonical = getattr(loss, "canonical_activation", None)
    activation = getattr(layer, "activation", None)
    shortcut = (
        canonical is not None
        and type(activation) is canonical
        and not getattr(loss, "from_logits", False)
    )
    return (LogitsLoss if shortcut else OutputLoss)(loss, layer)
