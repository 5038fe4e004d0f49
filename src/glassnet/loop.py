"""Steps 6 and 7: THE epoch loop, which every front end configures and none rewrites.

:class:`Training` runs epochs of batches: steps 2-5 on each batch (``train_step`` by default),
then the epoch's logs, the learning-rate rule of the epoch's end, the callbacks and the
stopping rule. What differs between front ends is configuration, never a second loop:

- ``order``, the samples' order in each epoch: the engine's :class:`Shuffled` (a Generator
  permutation) or :data:`IN_ORDER`; the estimators' scikit-learn ``RandomState.shuffle``
  order, composed epoch after epoch.
- ``step``, one batch's steps 2-5: ``train_step``; the estimators' reports the loss as
  scikit-learn does; a distributed front end computes the gradient where the data lives.
- ``measure``, the epoch's logs: the engine's validation loss and metrics; the estimators'
  held-out score and loss, and their fitted attributes (``loss_curve_``, ``n_iter_``).
- ``epoch_schedule``, the rate's change at an epoch's end: none for the engine (a per-step
  schedule is the optimizer's); scikit-learn's invscaling,
  :class:`~glassnet.schedules.EpochEnd` of ``InverseScaling`` over the samples seen.
- ``stopping``: the engine's tol/patience on ``monitor`` is the ``EarlyStopping`` callback;
  the estimators' is scikit-learn's ``n_iter_no_change`` rule, a :class:`StoppingRule` (asked
  after the callbacks; with 'adaptive' it divides the rate by 5 instead of stopping).

Stepping from outside::

    training = Training(network, optimizer, (x, y, None), epochs=100, batch_size=32)
    for logs in training.epochs():  # after each epoch: stop, save or redraw here
        if logs["loss"] < 0.01:
            training.stop()  # ends after this epoch, as a callback's stop_training does
    history = training.history

``training.run()`` is ``for _ in training.epochs(): pass`` and returns the history; ``fit`` is
``Training(...).run()`` and ``partial_fit`` is a run of one epoch.

Divergence: a batch loss that is NaN or infinite (:class:`~glassnet.step.TrainingDiverged`
from ``train_step``), or parameters that became non-finite, restore the latest epoch start
whose parameters were all finite, then raise ``TrainingDiverged``.

Interruption: a ``KeyboardInterrupt`` during an epoch (its batches, or its measure: the
validation loss of a large held-out set takes a while) puts back the parameters of the last
completed epoch (the start of the interrupted one), sets ``history.interrupted`` and is raised
again: the caller decides (the CLI saves what it has; a script stops). The optimizer's state
(momentum, Adam's moments, its step count) is not put back: it includes the interrupted epoch's
steps. ``on_train_end`` is called; the stopping rule's ``finish`` (restoring best weights) is
not, as on any error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import numpy as np

from .batches import Batches, BatchOrder
from .callbacks import Callback, TrainingState, overrides_batch_hooks
from .checks import all_finite
from .history import History
from .step import TrainingDiverged, train_step

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer
    from .parameters import Parameter

Data = tuple[np.ndarray, np.ndarray, np.ndarray | None]
Step = Callable[..., float]  # (x, y, sample_weight) -> the batch loss, or (*batch) -> it
Measure = Callable[[float], dict[str, float]]

__all__ = [  # BatchOrder is defined with Batches, TrainingDiverged with train_step
    "IN_ORDER",
    "BatchOrder",
    "BatchSource",
    "EpochSchedule",
    "InOrder",
    "Shuffled",
    "StoppingRule",
    "Training",
    "TrainingDiverged",
]


class InOrder:
    """The rows as they are, every epoch."""

    def order(self, n_samples: int) -> None:
        return None


IN_ORDER = InOrder()


class Shuffled:
    """A new permutation every epoch from ``rng`` (the engine's shuffling)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def order(self, n_samples: int) -> np.ndarray:
        return self.rng.permutation(n_samples)


class EpochSchedule(Protocol):
    """A learning-rate rule applied at each epoch's end, from the samples seen so far."""

    def iteration_ends(self, optimizer: Optimizer, samples_seen: int) -> None: ...


class StoppingRule:
    """When to stop, decided after each epoch's callbacks. This base never stops (as None).

    ``update(logs)`` sees the epoch's logs before the callbacks (to count, to keep the best
    weights); ``should_stop()`` runs after them unless a callback already stopped training;
    ``finish()`` runs once after the last epoch (not after an error), e.g. to restore the best
    weights. (The engine's tol/patience rule is the ``EarlyStopping`` callback.)
    """

    def update(self, logs: dict[str, float]) -> None:
        return None

    def should_stop(self) -> bool:
        return False

    def finish(self) -> None:
        return None


class BatchSource(Protocol):
    """Any epoch's batches: ``n_samples``, and iterating gives tuples whose first item has the
    batch's rows on axis 0; ``step(*batch)`` trains on one (e.g. row numbers of dask arrays,
    with a step that computes the gradient on the workers)."""

    n_samples: int

    def __iter__(self) -> Iterator[Any]: ...


class Training:
    """Epochs of batches on ``network``, with callbacks, stopping rule and divergence guard.

    Parameters
    ----------
    network, optimizer : Network, Optimizer
    train : (x, y, sample_weight) or BatchSource
        The training arrays, checked already (``sample_weight`` may be None), batched here by
        ``batch_size`` and ``order``; or a :class:`BatchSource` that makes its own batches.
    epochs : int
        The most epochs :meth:`epochs` runs.
    batch_size : int or None
        Samples per step (clipped to ``n_samples``); None is full batch.
    order : BatchOrder
        The samples' order in each epoch; default :data:`IN_ORDER`.
    step : callable ``(x, y, sample_weight) -> float``, optional
        One batch's steps 2-5, returning the batch loss before the update. Default:
        ``train_step(network, optimizer, x, y, sample_weight)``.
    measure : callable ``(loss) -> logs``, optional
        The epoch's logs from its loss; default ``{"loss": loss}``.
    epoch_schedule : EpochSchedule, optional
        Called with the samples seen after each epoch's logs; None (default) keeps the rate
        (a per-step :class:`~glassnet.schedules.Schedule` still runs).
    stopping : StoppingRule, optional
        None (default): only callbacks stop training.
    callbacks : list of Callback
        Called in order with ``self.state``.
    samples_seen : int
        Samples seen before this run (scikit-learn's ``t_`` across warm starts).
    first_epoch : int
        The epoch to start from (a run resumed from a checkpoint); epochs run up to ``epochs``.
    history : History, optional
        The history to append to (a resumed run's); default a new one.
    """

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer,
        train: Data | BatchSource,
        *,
        epochs: int,
        batch_size: int | None,
        order: BatchOrder = IN_ORDER,
        step: Step | None = None,
        measure: Measure | None = None,
        epoch_schedule: EpochSchedule | None = None,
        stopping: StoppingRule | None = None,
        callbacks: Iterable[Callback] = (),
        samples_seen: int = 0,
        first_epoch: int = 0,
        history: History | None = None,
    ) -> None:
        self.network, self.optimizer, self.max_epochs = network, optimizer, epochs
        self.batches: BatchSource = (
            train if not isinstance(train, tuple) else Batches(list(train), batch_size, order)
        )
        self.step: Step = step or partial(train_step, network, optimizer)
        self.measure: Measure = measure or (lambda loss: {"loss": loss})
        self.epoch_schedule, self.stopping = epoch_schedule, stopping
        self.hooks = list(callbacks)
        self.batch_hooks = [h for h in self.hooks if overrides_batch_hooks(h)]
        self.samples_seen = samples_seen
        self.stopped = False  # a callback or the stopping rule ended training
        self.first_epoch = first_epoch
        history = History() if history is None else history
        history.planned_epochs = epochs
        self.state = TrainingState(network, optimizer, history)
        self.state.n_samples = self.batches.n_samples
        # the parameters at the start of this epoch and of the one before: an update that
        # overflows with a finite loss shows up one step later, maybe in the next epoch
        self.parameters = network.all_parameters()
        self.checkpoints = [[p.value.copy() for p in self.parameters] for _ in "ab"]

    @property
    def history(self) -> History:
        return self.state.history

    def stop(self) -> None:
        """End training after the current epoch (from a loop over :meth:`epochs`)."""
        self.state.stop_training = True

    def run(self) -> History:
        """Every epoch to the end; the history."""
        for _ in self.epochs():
            pass
        return self.history

    def epochs(self) -> Iterator[dict[str, float]]:
        """Run the epochs, yielding each one's logs after its callbacks (see the module)."""
        self._call("on_train_begin")
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                yield from self._epochs()
                if self.stopping is not None:
                    self.stopping.finish()
                if not _finite(p.value for p in self.parameters):  # the last update overflowed
                    self._diverged()
        except KeyboardInterrupt:  # between batches, the parameters are an epoch's end
            self.history.interrupted = True
            raise
        finally:
            self._call("on_train_end")

    def _epochs(self) -> Iterator[dict[str, float]]:
        state, stopping, schedule = self.state, self.stopping, self.epoch_schedule
        for epoch in range(self.first_epoch, self.max_epochs):  # step 7: iterate
            state.epoch = epoch
            self._call("on_epoch_begin")
            state.history.learning_rate.append(self.optimizer.current_learning_rate)
            loss = self._epoch()
            self.samples_seen += self.batches.n_samples
            try:
                state.logs = self._measure(loss)
            except KeyboardInterrupt:  # not recorded yet: back to the last completed epoch
                _restore(self.parameters, self.checkpoints[0])
                raise
            if stopping is not None:
                stopping.update(state.logs)
            if schedule is not None:
                schedule.iteration_ends(self.optimizer, self.samples_seen)
            state.history.record(state.logs)
            self._call("on_epoch_end")
            # step 6: a callback said stop, or the stopping rule did (which may instead
            # change the rate, as scikit-learn's 'adaptive' does: asked every epoch)
            self.stopped = state.stop_training or (stopping is not None and stopping.should_stop())
            yield state.logs
            if self.stopped or state.stop_training:  # stop() may come from outside
                self.stopped = True
                state.history.stopped_early = epoch < self.max_epochs - 1
                return

    def _call(self, event: str, hooks: list[Callback] | None = None) -> None:
        for hook in self.hooks if hooks is None else hooks:
            getattr(hook, event)(self.state)

    def _epoch(self) -> float:
        """One pass over the batches; the mean batch loss, weighted by batch size."""
        step, batch_hooks = self.step, self.batch_hooks
        self.checkpoints.reverse()  # overwrite the older one
        _save(self.parameters, self.checkpoints[0])
        total = 0.0
        try:
            for batch in self.batches:
                if batch_hooks:
                    self._call("on_batch_begin", batch_hooks)
                total += step(*batch) * batch[0].shape[0]
                if batch_hooks:
                    self._call("on_batch_end", batch_hooks)
        except TrainingDiverged:
            self._restore_finite()
            raise
        except KeyboardInterrupt:
            _restore(self.parameters, self.checkpoints[0])  # the last completed epoch
            self.history.interrupted = True
            raise
        return total / self.batches.n_samples

    def _measure(self, loss: float) -> dict[str, float]:
        """The epoch's logs; an overflow there from infinite or huge parameters is divergence."""
        try:
            return self.measure(loss)
        except ValueError as error:  # predict's "outputs overflow": the inputs, or the parameters?
            huge = getattr(error, "parameters_diverged", False)  # finite, but they overflow it
            if _finite(p.value for p in self.parameters) and not huge:
                raise
            self._diverged()

    def _diverged(self) -> NoReturn:
        """Restore the last finite parameters and stop with ``TrainingDiverged``."""
        self._restore_finite()
        raise TrainingDiverged("the parameters became infinite or NaN; lower the learning rate")

    def _restore_finite(self) -> None:
        """Back to the latest epoch start whose parameters were all finite."""
        for checkpoint in self.checkpoints:
            if _finite(checkpoint):
                _restore(self.parameters, checkpoint)
                return


def _finite(arrays: Iterable[np.ndarray]) -> bool:
    return all(all_finite(array) for array in arrays)


def _save(parameters: list[Parameter], checkpoint: list[np.ndarray]) -> None:
    for saved, parameter in zip(checkpoint, parameters, strict=True):
        saved[...] = parameter.value  # item assignment: a third of np.copyto's call cost


def _restore(parameters: list[Parameter], checkpoint: list[np.ndarray]) -> None:
    for saved, parameter in zip(checkpoint, parameters, strict=True):
        parameter.value[...] = saved
