"""Steps 6 and 7 on the driver, for both schemes: epochs of global batches, the History, the
callbacks and stopping rule of :func:`glassnet.fit`, and checkpoints (:mod:`.checkpoint`).

A *scheme* turns a group of global batches (row numbers) into their batch losses and updates
the network and optimizer: synchronous training takes one batch per call, averaging ``K``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..batches import batch_rows, check_batch_size
from ..callbacks import Callback, TrainingState, overrides_batch_hooks
from ..checks import all_finite, as_rng
from ..io.progress import ProgressBar
from ..optimizers import Optimizer
from ..stopping import check_stopping
from ..training import History, TrainingDiverged, fit_callbacks, resolve_optimizer
from . import checkpoint as _checkpoint
from ._cluster import dropout_seed

if TYPE_CHECKING:
    from ..network import Network

Scheme = Callable[["Network", Optimizer, list[np.ndarray]], list[float]]


class State:
    """Everything training changes; what a checkpoint holds."""

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer,
        history: History,
        rng: np.random.Generator,
        epoch: int,
        seed: int | None = None,
    ) -> None:
        self.network = network
        self.optimizer = optimizer
        self.history = history
        self.rng = rng
        self.epoch = epoch
        self.seed = seed  # the workers' dropout seed (_cluster.dropout_seed), drawn once


def start(
    network: Network,
    optimizer: Any,
    rng: Any,
    checkpoint: Any,
    epochs: int,
    n_samples: int,
    check: Callable[[Optimizer], None] = lambda optimizer: None,
) -> State:
    """A fresh state, or the one saved at ``checkpoint``, whose parameter values are copied
    into ``network`` once the file is checked to fit this call (:mod:`.checkpoint`).

    ``check`` may refuse the optimizer; it runs before ``network`` is changed.
    """
    if checkpoint is not None and Path(checkpoint).exists():
        resumed = _checkpoint.load(checkpoint, network, optimizer, n_samples)
        check(resumed.optimizer)
        resumed.apply(network)
        state = State(network, resumed.optimizer, resumed.history, resumed.rng, resumed.epoch,
                      resumed.seed)  # fmt: skip
    else:
        state = State(network, resolve_optimizer(network, optimizer), History(), as_rng(rng), 0)
        check(state.optimizer)
        state.seed = dropout_seed(network, state.rng)
    if checkpoint is not None:
        _checkpoint.check_saveable(network, state.optimizer)  # refused now, not after an epoch
    state.history.planned_epochs = epochs
    network.optimizer = state.optimizer  # type: ignore[attr-defined]
    return state


def hooks(
    callbacks: Callback | Sequence[Callback] | None, tol: float | None, patience: int, verbose: bool
) -> list[Callback]:
    """As :func:`glassnet.fit` checks and builds them: the stopping rule from ``tol`` on the
    epoch loss, a progress bar, the user's callbacks."""
    tol, patience = check_stopping(tol, patience)
    return fit_callbacks(callbacks, tol, patience, ProgressBar() if verbose else None)


def train(
    state: State,
    scheme: Scheme,
    n_samples: int,
    group: int,
    *,
    epochs: int,
    batch_size: int | None,
    shuffle: bool,
    callbacks: list[Callback],
    checkpoint: Any,
    checkpoint_every: int,
) -> History:
    """Run epochs until ``epochs`` or a stopping rule; ``group`` batches per call of ``scheme``."""
    size = batch_rows(check_batch_size(batch_size), n_samples)
    shuffle = shuffle and size < n_samples
    view = TrainingState(state.network, state.optimizer, state.history, n_samples=n_samples)
    _call(callbacks, "on_train_begin", view)
    try:
        while state.epoch < epochs:  # step 7: iterate
            view.epoch = state.epoch
            _call(callbacks, "on_epoch_begin", view)
            state.history.learning_rate.append(state.optimizer.current_learning_rate)
            order = state.rng.permutation(n_samples) if shuffle else np.arange(n_samples)
            batches = [order[i : i + size] for i in range(0, n_samples, size)]
            # as in glassnet.fit: an overflow ends as TrainingDiverged, not as warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss = _epoch(state, scheme, batches, group, callbacks, view)
            view.logs = {"loss": loss}
            state.history.record(view.logs)
            _call(callbacks, "on_epoch_end", view)
            state.epoch += 1
            if checkpoint is not None and state.epoch % checkpoint_every == 0:
                _checkpoint.save(state, checkpoint, n_samples)
            if view.stop_training:  # step 6: converged (or a callback said stop)
                state.history.stopped_early = state.epoch < epochs
                break
    finally:
        _call(callbacks, "on_train_end", view)
    return state.history


def _epoch(
    state: State,
    scheme: Scheme,
    batches: list[np.ndarray],
    group: int,
    callbacks: list[Callback],
    view: TrainingState,
) -> float:
    """One pass; the loss is the mean of the batch losses weighted by batch size."""
    network, batch_hooks = state.network, [c for c in callbacks if overrides_batch_hooks(c)]
    saved = network.get_weights()
    total = 0.0
    for first in range(0, len(batches), group):
        chunk = batches[first : first + group]
        _call(batch_hooks, "on_batch_begin", view)
        try:
            losses = scheme(network, state.optimizer, chunk)
        except TrainingDiverged:
            network.set_weights(saved)  # the last finite parameters
            raise
        total += math.fsum(loss * rows.shape[0] for loss, rows in zip(losses, chunk, strict=True))
        _call(batch_hooks, "on_batch_end", view)
    if not all(all_finite(p.value) for p in network.all_parameters()):
        network.set_weights(saved)  # an update overflowed although its loss was finite
        raise TrainingDiverged("the parameters became infinite or NaN; lower the learning rate")
    return total / sum(rows.shape[0] for rows in batches)


def check_finite(losses: list[float]) -> None:
    """Raise before any update when a batch loss is NaN or infinite."""
    for loss in losses:
        if not math.isfinite(loss):
            raise TrainingDiverged(f"the loss became {loss}; lower the learning rate")


def _call(callbacks: list[Callback], event: str, view: TrainingState) -> None:
    for callback in callbacks:
        getattr(callback, event)(view)
