"""Callbacks: code that ``fit`` calls at the beginning and end of training, epochs and batches.

Each hook receives the :class:`TrainingState`: the network, the optimizer, the
:class:`~glassnet.training.History` so far, the epoch number and a ``stop_training`` flag. A
callback may read the history, set ``state.stop_training = True`` or set
``state.optimizer.learning_rate`` between epochs. ``fit`` calls the batch hooks only when some
callback overrides them, so plain training pays nothing for them.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checks import check_bool, check_in_range, check_int, check_positive, describe
from .stopping import Plateau


@dataclass
class TrainingState:
    """What callbacks see and may change during ``fit``."""

    network: Any
    optimizer: Any
    history: Any
    epoch: int = 0
    stop_training: bool = False
    n_samples: int = 0
    logs: dict[str, float] = field(default_factory=dict)


class Callback:
    """Base class: override any of the six hooks; each does nothing by default."""

    def on_train_begin(self, state: TrainingState) -> None: ...

    def on_train_end(self, state: TrainingState) -> None: ...

    def on_epoch_begin(self, state: TrainingState) -> None: ...

    def on_epoch_end(self, state: TrainingState) -> None: ...

    def on_batch_begin(self, state: TrainingState) -> None: ...

    def on_batch_end(self, state: TrainingState) -> None: ...


def overrides_batch_hooks(callback: Any) -> bool:
    """True when ``callback`` defines its own ``on_batch_begin`` or ``on_batch_end``."""
    return any(
        getattr(type(callback), name, None) is not getattr(Callback, name)
        for name in ("on_batch_begin", "on_batch_end")
    )


def as_callbacks(callbacks: Any) -> list[Callback]:
    """``callbacks`` as a new list: None (none), one :class:`Callback`, or a list or tuple of them.

    The one rule wherever ``callbacks`` is accepted: :func:`glassnet.fit`, the Dask loops and
    the estimators' parameter. The objects must be :class:`Callback` instances (not merely
    have hook-like methods): the loops call all six hooks, which the base class provides.
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if isinstance(callbacks, (list, tuple)) and all(isinstance(c, Callback) for c in callbacks):
        return list(callbacks)
    raise TypeError(
        "callbacks must be None, a Callback or a list of Callback objects, "
        f"got {describe(callbacks)}"
    )


def monitored(state: TrainingState, monitor: str) -> float:
    if monitor not in state.logs:
        known = ", ".join(sorted(state.logs))
        raise ValueError(f"monitor {monitor!r} is not recorded by this fit; recorded: {known}")
    return state.logs[monitor]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs
    (the rule of :class:`~glassnet.stopping.Plateau`); with ``restore_best_weights``, end
    training with the parameters of the best epoch.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 10,
        restore_best_weights: bool = False,
    ) -> None:
        self.monitor = monitor
        self.min_delta = check_in_range(min_delta, "min_delta", 0.0, math.inf)
        self.patience = check_int(patience, "patience")
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.best_weights: list[np.ndarray] | None = None
        self.stopped_epoch: int | None = None

    def on_train_begin(self, state: TrainingState) -> None:
        self.rule = Plateau(self.min_delta, self.patience)
        self.best_weights, self.stopped_epoch = None, None

    def on_epoch_end(self, state: TrainingState) -> None:
        value = monitored(state, self.monitor)
        if self.rule.update(value):
            state.stop_training, self.stopped_epoch = True, state.epoch
        if self.rule.best_epoch == self.rule._epoch and self.restore_best_weights:
            self.best_weights = state.network.get_weights()

    def on_train_end(self, state: TrainingState) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            state.network.set_weights(self.best_weights)


class LearningRateScheduler(Callback):
    """Set ``optimizer.learning_rate = schedule(epoch)`` before each epoch (from 0)."""

    def __init__(self, schedule: Callable[[int], float]) -> None:
        if not callable(schedule):
            raise TypeError(f"schedule must be callable (epoch) -> rate, got {describe(schedule)}")
        self.schedule = schedule

    def on_epoch_begin(self, state: TrainingState) -> None:
        state.optimizer.learning_rate = check_positive(
            float(self.schedule(state.epoch)), "learning rate from schedule"
        )


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved by more than
    ``min_delta`` for ``patience`` epochs; never below ``min_lr``. The optimizer's
    ``learning_rate`` must be a number (not a schedule)."""

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        min_lr: float = 0.0,
    ) -> None:
        self.monitor = monitor
        self.factor = check_in_range(factor, "factor", 0.0, 1.0, include_low=False)
        self.patience = check_int(patience, "patience")
        self.min_delta = check_in_range(min_delta, "min_delta", 0.0, math.inf)
        self.min_lr = check_in_range(min_lr, "min_lr", 0.0, math.inf)

    def on_train_begin(self, state: TrainingState) -> None:
        self.rule = Plateau(self.min_delta, self.patience)

    def on_epoch_end(self, state: TrainingState) -> None:
        if self.rule.update(monitored(state, self.monitor)):
            rate = state.optimizer.learning_rate
            if callable(rate):
                raise TypeError("ReduceLROnPlateau needs a numeric learning_rate, got a schedule")
            state.optimizer.learning_rate = max(rate * self.factor, self.min_lr)
            self.rule.wait = 0


class ProgressLog(Callback):
    """``fit(verbose=1)``: one line per epoch on standard error, standard library only.

    ``epoch 3/10: loss 0.1234, val_loss 0.2345, accuracy 0.9, 0.012 s``: the epoch's logs (the
    loss, the validation loss and the metrics) and its duration. A tqdm bar is
    :class:`glassnet.io.ProgressBar`, a front end's.
    """

    def on_epoch_begin(self, state: TrainingState) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, state: TrainingState) -> None:
        seconds = time.perf_counter() - self.started
        logs = ", ".join(f"{name} {value:.4g}" for name, value in state.logs.items())
        planned = state.history.planned_epochs
        print(f"epoch {state.epoch + 1}/{planned}: {logs}, {seconds:.3g} s", file=sys.stderr)
