"""What every optimizer shares: the step over the parameters, per-parameter state, the
learning rate (a number or a schedule), and the two update kernels of the adaptive methods.
The optimizers themselves, each with its update rule, are in :mod:`glassnet.optimizers`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import check_positive
from .parameters import Parameter
from .recording import NO_RECORDER, Recorder

LearningRate = float | Callable[[int], float]


class Optimizer:
    """Base class: subclasses write ``update(parameter, state, learning_rate)``."""

    def __init__(self, learning_rate: LearningRate) -> None:
        if callable(learning_rate):
            self.learning_rate: LearningRate = learning_rate
        else:
            self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.iterations = 0
        self._state: dict[Parameter, dict[str, np.ndarray]] = {}

    @property
    def current_learning_rate(self) -> float:
        """The learning rate the next step will use."""
        rate = self.learning_rate
        return float(rate(self.iterations)) if callable(rate) else rate

    def step(self, parameters: list[Parameter], recorder: Recorder = NO_RECORDER) -> None:
        """Update every parameter from its gradient, then count the step."""
        recorder.before_update(self, parameters)
        learning_rate = self.current_learning_rate
        for parameter in parameters:
            state = self._state.get(parameter)
            if state is None:
                state = self._state[parameter] = self.init_state(parameter)
            self.update(parameter, state, learning_rate)
        self.iterations += 1
        recorder.after_update(self, parameters)

    def init_state(self, parameter: Parameter) -> dict[str, np.ndarray]:
        """Per-parameter buffers; ``scratch`` is a temporary the update may overwrite."""
        return {"scratch": np.empty_like(parameter.value)}

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget every parameter's state and the step count."""
        self._state.clear()
        self.iterations = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate!r})"


def moving_average(average: np.ndarray, x: np.ndarray, decay: float, scratch: np.ndarray) -> None:
    """``average = decay * average + (1 - decay) * x``, in place; ``scratch`` may be ``x``."""
    average *= decay
    average += np.multiply(x, 1.0 - decay, out=scratch)


def scaled_step(
    parameter: Parameter,
    numerator: np.ndarray,
    square: np.ndarray,
    scratch: np.ndarray,
    learning_rate: float,
    epsilon: float,
) -> None:
    """``value -= learning_rate * numerator / (sqrt(square) + ε)``, through ``scratch``."""
    np.sqrt(square, out=scratch)
    scratch += epsilon
    np.divide(numerator, scratch, out=scratch)
    scratch *= learning_rate
    parameter.value -= scratch
