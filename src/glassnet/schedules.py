"""Learning-rate schedules: ``schedule(iteration) -> rate``, evaluated once per optimizer step.

Any first-order optimizer accepts a schedule wherever it accepts a number, e.g.
``Adam(learning_rate=CosineDecay(0.01, decay_steps=1000))``. ``iteration`` is the number of
steps the optimizer has taken so far (0 for the first step). Reduce-on-plateau depends on the
validation loss, not on the step count, so it is a callback:
:class:`glassnet.callbacks.ReduceLROnPlateau`.
"""

from __future__ import annotations

import math
from typing import Any

from .checks import check_in_range, check_int, check_positive


class Schedule:
    """Base class: a callable ``(iteration) -> learning rate``."""

    def __call__(self, iteration: int) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Constant(Schedule):
    """``rate = learning_rate`` at every step."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")

    def __call__(self, iteration: int) -> float:
        return self.learning_rate


class InverseScaling(Schedule):
    """``rate = learning_rate / (iteration + 1) ** power_t`` (scikit-learn's ``invscaling``,
    which counts the steps from 1)."""

    def __init__(self, learning_rate: float, power_t: float = 0.5) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.power_t = check_in_range(power_t, "power_t", 0.0, math.inf)

    def __call__(self, iteration: int) -> float:
        return self.learning_rate / (iteration + 1) ** self.power_t


class StepDecay(Schedule):
    """``rate = learning_rate * gamma ** floor(iteration / step_size)``: drop by ``gamma`` every
    ``step_size`` steps (PyTorch's ``StepLR``)."""

    def __init__(self, learning_rate: float, step_size: int, gamma: float = 0.1) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.step_size = check_int(step_size, "step_size")
        self.gamma = check_in_range(gamma, "gamma", 0.0, 1.0, include_high=True)

    def __call__(self, iteration: int) -> float:
        return self.learning_rate * self.gamma ** (iteration // self.step_size)


class ExponentialDecay(Schedule):
    """``rate = learning_rate * decay_rate ** (iteration / decay_steps)`` (Keras'
    ``ExponentialDecay`` without staircase)."""

    def __init__(self, learning_rate: float, decay_steps: int, decay_rate: float) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.decay_steps = check_int(decay_steps, "decay_steps")
        self.decay_rate = check_in_range(
            decay_rate, "decay_rate", 0.0, 1.0, include_high=True, include_low=False
        )

    def __call__(self, iteration: int) -> float:
        return self.learning_rate * self.decay_rate ** (iteration / self.decay_steps)


class CosineDecay(Schedule):
    """Half a cosine from ``learning_rate`` down to ``min_rate`` over ``decay_steps`` steps::

        rate = min_rate + (learning_rate - min_rate) * (1 + cos(π * min(iteration, T) / T)) / 2

    with ``T = decay_steps``; after ``T`` steps the rate stays at ``min_rate``.
    """

    def __init__(self, learning_rate: float, decay_steps: int, min_rate: float = 0.0) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.decay_steps = check_int(decay_steps, "decay_steps")
        self.min_rate = check_in_range(min_rate, "min_rate", 0.0, self.learning_rate, True)

    def __call__(self, iteration: int) -> float:
        progress = min(iteration, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_rate + (self.learning_rate - self.min_rate) * cosine


class EpochEnd:
    """A schedule over the samples seen, applied at each epoch's end: after an epoch that
    brings the count to ``t``, ``optimizer.learning_rate = schedule(t)``.

    scikit-learn's ``invscaling`` is ``EpochEnd(InverseScaling(learning_rate_init, power_t))``:
    the rate of the next epoch is ``learning_rate_init / (t + 1) ** power_t``, as its
    ``optimizer.iteration_ends(t)``. It is a :class:`glassnet.loop.EpochSchedule`.
    """

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def iteration_ends(self, optimizer: Any, samples_seen: int) -> None:
        optimizer.learning_rate = self.schedule(samples_seen)
