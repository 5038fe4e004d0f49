"""Steps 2-5 once: :func:`train_step`, the step every epoch loop and the learner's trace run.

It sits below the loop (:mod:`glassnet.loop`, which runs it on every batch) and below
:mod:`glassnet.training` (which configures that loop), so the engine's imports run one way:
``step`` <- ``loop`` <- ``training`` <- ``network``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .recording import NO_RECORDER, Recorder

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite; the network keeps its last finite parameters."""


def train_step(
    network: Network,
    optimizer: Optimizer,
    x: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    recorder: Recorder = NO_RECORDER,
) -> float:
    """Run steps 2-5 once on one batch; return the batch loss (before the update).

    ``recorder`` sees every number of the step (see :mod:`glassnet.recording`); ``grad`` is
    ``∂L/∂y_pred``, or ``∂L/∂z`` of the output layer when the loss is taken from its logits
    (:mod:`glassnet.output_loss`).
    """
    recorder.batch(x, y, sample_weight)
    y_pred = network.forward(x, training=True, recorder=recorder)  # step 2: forward
    value = network.loss_value(y_pred, y, sample_weight, recorder)  # step 3: loss
    if not math.isfinite(value):  # never let a non-finite loss update the parameters
        raise TrainingDiverged(f"the loss became {value}; lower the learning rate")
    grad = network.loss_gradient(y_pred, y, sample_weight)
    network.backward(grad, recorder, sample_weight)  # step 4: backward
    optimizer.step(network.parameters(), recorder)  # step 5: update
    return value
