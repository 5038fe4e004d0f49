"""The CLI's configuration of THE epoch loop (:class:`glassnet.loop.Training`): one fit.

``glassnet train`` does not write a loop of its own. It checks its data once, holds out
validation rows when asked, and configures the engine's loop with the engine's pieces: the
shuffled batch order (drawn from the run's generator), the validation loss as the epoch's
logs, the :class:`~glassnet.callbacks.EarlyStopping` callback (which also restores the best
epoch) and the tqdm :class:`~glassnet.io.progress.ProgressBar`. It steps the loop from outside
(``for logs in training.epochs()``) only to know, between epochs, which epoch it would keep.

Ctrl-C (the policy is :mod:`glassnet.cli.interrupt`'s): the loop puts back the parameters
of the last completed epoch and the early-stopping callback those of the best one; a second
Ctrl-C while they are put back is held (:func:`~glassnet.cli.interrupt.first_sigint_only`).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..callbacks import Callback, EarlyStopping
from ..heldout import epoch_logs, prepare_datasets
from ..io.progress import ProgressBar
from ..loop import IN_ORDER, Shuffled, Training, TrainingDiverged
from ..network import Network
from .command import CommandError
from .interrupt import first_sigint_only, sigint_deferred

VALIDATION_FRACTION = 0.1  # of the training rows, held out when --early-stopping is on


@dataclass
class Trained:
    """What one ``train`` fit did: the history as saved in the model file, and the kept epoch.

    ``history`` is ``{"loss": [...], "val_loss": [...], "best_epoch": n}``; ``best_epoch``
    (1-based) is None when no epoch completed: the network then holds its initial weights,
    which are no model to keep.
    """

    history: dict[str, Any] = field(
        default_factory=lambda: {"loss": [], "val_loss": [], "best_epoch": None}
    )
    interrupted: bool = False
    stopped_early: bool = False


def train_network(
    network: Network, optimizer: Any, x: np.ndarray, y: np.ndarray, args: argparse.Namespace
) -> Trained:
    """Train ``network`` on ``x``, ``y`` as ``args`` say; on Ctrl-C stop and keep what the
    policy keeps (see the module). Divergence is a :class:`CommandError` (nothing is written)."""
    rng = np.random.default_rng(args.seed)
    training, stopping = _configure(network, optimizer, x, y, args, rng)
    trained = Trained()
    with first_sigint_only() as received:
        try:
            for _ in training.epochs():
                pass
        except KeyboardInterrupt:  # the loop put back the last completed epoch (or the best)
            trained.interrupted = True
        except TrainingDiverged as error:
            raise CommandError(
                f"training diverged in epoch {training.state.epoch + 1} ({error}); no model "
                f"written: try a smaller --lr than {optimizer.current_learning_rate:g}"
            ) from None
    with sigint_deferred() as late:  # the record and the weights must go together
        _record(trained, training, stopping)
    trained.interrupted = trained.interrupted or bool(received) or bool(late)
    return trained


def _configure(
    network: Network,
    optimizer: Any,
    x: np.ndarray,
    y: np.ndarray,
    args: argparse.Namespace,
    rng: np.random.Generator,
) -> tuple[Training, EarlyStopping | None]:
    """THE loop, configured for ``args``; the data checked here, once for the whole fit."""
    x_fit, y_fit, validation = _validation_split(x, y, args, rng)
    train, held_out = prepare_datasets(network, x_fit, y_fit, None, None, validation, 0.0, rng)
    for layer in network.layers:  # dropout masks come from the run's generator, as in fit
        if callable(getattr(layer, "use_rng", None)):
            layer.use_rng(rng)
    hooks: list[Callback] = []
    stopping = None
    if held_out is not None:
        stopping = EarlyStopping("val_loss", 0.0, args.patience, restore_best_weights=True)
        hooks.append(stopping)
    if not args.quiet:
        hooks.append(ProgressBar(desc="training"))
    n_samples = train[0].shape[0]
    training = Training(
        network, optimizer, train, epochs=args.epochs, batch_size=args.batch_size,
        order=Shuffled(rng) if args.batch_size < n_samples else IN_ORDER, callbacks=hooks,
        measure=lambda loss: epoch_logs(network, loss, train, held_out, {}),
    )  # fmt: skip
    return training, stopping


def _validation_split(
    x: np.ndarray, y: np.ndarray, args: argparse.Namespace, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``--early-stopping`` holds out a random 10% of the training rows (drawn first from
    the run's generator, before any shuffle)."""
    if not args.early_stopping:
        return x, y, None
    order = rng.permutation(x.shape[0])
    n_val = validation_size(x.shape[0])
    val, fit = order[:n_val], order[n_val:]
    return x[fit], y[fit], (x[val], y[val])


def validation_size(n_train: int) -> int:
    """The rows held out of ``n_train`` training rows for early stopping."""
    return max(1, round(VALIDATION_FRACTION * n_train))


def _record(trained: Trained, training: Training, stopping: EarlyStopping | None) -> None:
    """The history as the model file keeps it, and the epoch the network now holds."""
    history = training.history
    completed = min(len(history.loss), len(history.val_loss) if stopping else len(history.loss))
    trained.history["loss"] = [float(v) for v in history.loss[:completed]]
    trained.history["val_loss"] = [float(v) for v in history.val_loss[:completed]]
    trained.stopped_early = history.stopped_early and not trained.interrupted
    if completed == 0:
        return
    rule = getattr(stopping, "rule", None)
    if stopping is not None and stopping.best_weights is not None and rule is not None:
        trained.history["best_epoch"] = rule.best_epoch + 1  # the weights it restored
    else:
        trained.history["best_epoch"] = completed  # the loop's last completed epoch
