"""What every optimizer shares: the step over the parameters, per-parameter state, the
learning rate (a number or a schedule), and the two update kernels of the adaptive methods.
The optimizers themselves, each with its update rule, are in :mod:`glassnet.optimizers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .checks import all_finite, check_int, check_positive, describe
from .parameters import Parameter
from .recording import NO_RECORDER, Recorder

LearningRate = float | Callable[[int], float]


class Optimizer:
    """Base class: subclasses write ``update(parameter, state, learning_rate)``.

    ``temporaries`` names the per-parameter buffers an update overwrites before reading them;
    every other buffer (velocities, moments) is state that :meth:`state_dict` saves.
    """

    temporaries: tuple[str, ...] = ("scratch",)

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

    def state_dict(self, parameters: list[Parameter]) -> dict[str, Any]:
        """The state needed to continue exactly, as plain data (copies), ``parameters`` in order.

        ``{"iterations": steps taken, "learning_rate": the current number (None for a
        schedule, which is a function of the step count), "buffers": [{name: array} per
        parameter, empty for a parameter never stepped]}``; temporaries are left out.
        """
        buffers = []
        for parameter in parameters:
            state = self._state.get(parameter, {})
            kept = {k: v.copy() for k, v in state.items() if k not in self.temporaries}
            buffers.append(kept)
        rate = self.learning_rate
        return {
            "iterations": self.iterations,
            "learning_rate": None if callable(rate) else float(rate),
            "buffers": buffers,
        }

    def load_state_dict(self, parameters: list[Parameter], state: Any) -> None:
        """Continue from ``state``, a :meth:`state_dict` of this kind of optimizer for
        parameters of the same shapes and dtypes, in the same order.

        Everything is checked before anything changes: ``ValueError`` / ``TypeError`` naming
        the entry (a missing or extra buffer, a wrong shape or dtype, a non-finite value, a
        negative step count). A ``learning_rate`` of None keeps this optimizer's own.
        """
        if not isinstance(state, dict) or not {"iterations", "buffers"} <= set(state):
            raise TypeError(f"state must be a dict from state_dict(), got {describe(state)}")
        iterations = check_int(state["iterations"], "state['iterations']", minimum=0)
        rate = state.get("learning_rate")
        rate = None if rate is None else check_positive(rate, "state['learning_rate']")
        buffers = state["buffers"]
        if not isinstance(buffers, list) or len(buffers) != len(parameters):
            raise ValueError(
                f"state['buffers'] must be a list of {len(parameters)} dicts (one per "
                f"parameter), got {describe(buffers)}"
            )
        restored = {}
        for index, (parameter, saved) in enumerate(zip(parameters, buffers, strict=True)):
            if saved != {}:
                restored[parameter] = self._restored_state(parameter, saved, index)
        self._state = restored
        self.iterations = iterations
        if rate is not None:
            self.learning_rate = rate

    def _restored_state(self, parameter: Parameter, saved: Any, index: int) -> dict[str, Any]:
        """A fresh ``init_state`` with ``saved``'s buffers copied in, after checking them."""
        where = f"state['buffers'][{index}]"
        state = self.init_state(parameter)
        expected = sorted(set(state) - set(self.temporaries))
        if not isinstance(saved, dict) or sorted(saved) != expected:
            found = sorted(saved) if isinstance(saved, dict) else describe(saved)
            raise ValueError(f"{where} must hold the buffers {expected}, got {found}")
        for name in expected:
            array = saved[name]
            if (
                not isinstance(array, np.ndarray)
                or array.shape != parameter.shape
                or array.dtype != parameter.dtype
            ):
                raise ValueError(
                    f"{where}[{name!r}] must be a {parameter.dtype} array of shape "
                    f"{parameter.shape} (its parameter's), got {describe(array)}"
                )
            if not all_finite(array):
                raise ValueError(f"{where}[{name!r}] holds NaN or infinite values")
            state[name][...] = array
        return state

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
