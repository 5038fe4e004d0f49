"""The driver's side of both schemes: start or resume a run, and drive THE epoch loop.

There is no Dask epoch loop: both schemes run :class:`glassnet.loop.Training`, which owns the
epochs, the History, callbacks and stopping, divergence (the last finite parameters restored,
``TrainingDiverged``) and interruption. What a scheme plugs in:

- the batches: :func:`row_batches`, the engine's :class:`~glassnet.batches.Batches` over the
  global row numbers ``0 .. n_samples - 1`` in the engine's order (:class:`~glassnet.loop.
  Shuffled` on the run's Generator, or :data:`~glassnet.loop.IN_ORDER`), so the Dask run draws
  exactly the batches :func:`glassnet.fit` draws with the same ``rng``;
- the step: ``step(rows) -> loss``, which computes on the workers holding ``rows`` and updates
  the network and optimizer on the driver (:mod:`.synchronous`: one global batch; :mod:`.averaging`:
  one round of ``K`` global batches).

:func:`train` steps the loop from outside to write a checkpoint (:mod:`.checkpoint`) every
``checkpoint_every`` epochs; :func:`start` resumes from one: the loop then starts at the saved
epoch with the saved History, optimizer and generator.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..batches import Batches
from ..callbacks import Callback
from ..checks import all_finite, as_rng, check_int
from ..history import History
from ..io.output_paths import check_outputs
from ..loop import IN_ORDER, Measure, Shuffled, Step, Training, TrainingDiverged
from ..optimizers import Optimizer
from ..stopping import check_stopping
from ..training import fit_callbacks, resolve_optimizer
from . import checkpoint as _checkpoint
from ._cluster import dropout_seed

if TYPE_CHECKING:
    from ..network import Network


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
        self.epoch = epoch  # epochs completed: the loop's first epoch on resume
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

    ``check`` may refuse the optimizer; it runs before ``network`` is changed. A checkpoint
    path that could not be written (no such folder, a folder, a device) is refused now.
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
    if checkpoint is not None:  # refused now, not after an epoch
        check_outputs({"checkpoint": checkpoint}, ())  # dask arrays: no input file to protect
        _checkpoint.check_saveable(network, state.optimizer)
    state.history.planned_epochs = epochs
    network.optimizer = state.optimizer  # type: ignore[attr-defined]
    return state


def hooks(
    callbacks: Callback | Sequence[Callback] | None, tol: float | None, patience: int, verbose: bool
) -> list[Callback]:
    """As :func:`glassnet.fit` checks and builds them: the stopping rule from ``tol`` on the
    epoch loss, a progress bar, the user's callbacks."""
    tol, patience = check_stopping(tol, patience)
    return fit_callbacks(callbacks, tol, patience, verbose)


def batch_rows(batch_size: int | None, n_samples: int) -> int:
    """Rows per global batch: ``batch_size`` checked and clipped, None is all rows."""
    return n_samples if batch_size is None else min(check_int(batch_size, "batch_size"), n_samples)


def row_batches(
    n_samples: int, size: int, shuffle: bool, rng: np.random.Generator, per_step: int = 1
) -> Batches:
    """The global row numbers of each step, in :func:`glassnet.fit`'s order: a permutation
    from ``rng`` per epoch when shuffling (and a batch of ``size`` is not all rows), else in
    order; ``per_step`` consecutive batches of ``size`` rows per step (the last may be short).

    The row numbers are gathered into one reused buffer: a step must be done with them before
    the next step's are drawn (both schemes are).
    """
    order = Shuffled(rng) if shuffle and size < n_samples else IN_ORDER
    return Batches([np.arange(n_samples)], size * per_step, order)


def train(
    state: State,
    step: Step,
    batches: Batches,
    callbacks: list[Callback],
    *,
    epochs: int,
    checkpoint: str | os.PathLike[str] | None,
    checkpoint_every: int,
    measure: Measure | None = None,
) -> History:
    """Run the loop from the state's epoch to ``epochs``; a checkpoint every
    ``checkpoint_every`` epochs, between epochs (never of non-finite parameters: the loop
    then ends in ``TrainingDiverged``, and the last checkpoint is the last finite state)."""
    training = Training(
        state.network, state.optimizer, batches, epochs=epochs, batch_size=None, step=step,
        measure=measure, callbacks=callbacks, first_epoch=state.epoch, history=state.history,
    )  # fmt: skip
    parameters = state.network.all_parameters()
    for _ in training.epochs():  # a save that fails ends the loop (its on_train_end) too
        state.epoch += 1
        due = checkpoint is not None and state.epoch % checkpoint_every == 0
        if due and all(all_finite(p.value) for p in parameters):
            _checkpoint.save(state, checkpoint, batches.n_samples)  # type: ignore[arg-type]
    return training.history


def check_finite(losses: list[float]) -> None:
    """Raise before any update when a batch loss is NaN or infinite."""
    for loss in losses:
        if not math.isfinite(loss):
            raise TrainingDiverged(f"the loss became {loss}; lower the learning rate")


def check_parameters(network: Network) -> None:
    """Raise before sending parameters that an update made infinite with a finite loss: the
    workers' ``set_weights`` would refuse them (a ``ValueError`` on every retry), where one
    process would go on to a NaN loss; the loop then restores the last finite parameters."""
    if not all(all_finite(p.value) for p in network.parameters()):
        raise TrainingDiverged("the parameters became infinite or NaN; lower the learning rate")
