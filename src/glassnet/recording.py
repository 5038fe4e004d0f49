"""The hooks a training step calls, so that a recorder can watch the real computation.

``train_step`` and the network call these at each point of steps 2-5. :data:`NO_RECORDER`
ignores them, so plain training pays one method call per layer. The learner's trace
(:mod:`glassnet.trace`) is a recorder: its numbers are the ones training computes.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Recorder:
    """Receives each event of one training step; every method does nothing by default."""

    def batch(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        """Step 2 begins on inputs ``x`` with targets ``y``."""

    def layer_forward(self, index: int, layer: Any, x: np.ndarray, out: np.ndarray) -> None:
        """Layer ``index`` mapped ``x`` to ``out`` (a Dense layer also holds ``net``)."""

    def loss(self, value: float, data_loss: float) -> None:
        """Step 3: the batch loss ``value``, of which ``data_loss`` is before any penalty."""

    def layer_backward(
        self, index: int, layer: Any, grad_out: np.ndarray | None, grad_in: np.ndarray | None
    ) -> None:
        """Step 4 at layer ``index`` (output layer first): it received ``∂L/∂out`` (None at an
        output layer whose loss is taken from the logits), a Dense layer's ``delta`` holds
        ``δ = ∂L/∂net``, its parameters' ``grad`` hold their gradients, and ``grad_in`` is the
        ``∂L/∂x`` passed below (None for the first layer)."""

    def penalty(self, parameter: Any, grad: np.ndarray) -> None:
        """A weight penalty added ``grad`` to ``parameter.grad``."""

    def before_update(self, optimizer: Any, parameters: list[Any]) -> None:
        """Step 5 is about to change ``parameters`` (their ``grad`` is final)."""

    def after_update(self, optimizer: Any, parameters: list[Any]) -> None:
        """Step 5 changed ``parameters``."""


NO_RECORDER = Recorder()
