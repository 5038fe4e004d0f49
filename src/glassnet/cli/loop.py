"""The CLI's training loop: the engine's ``fit`` one epoch at a time, with a progress bar,
early stopping on held-out rows, and the best weights kept for Ctrl-C."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..network import Network
from ..stopping import Plateau
from .interrupt import sigint_deferred

VALIDATION_FRACTION = 0.1  # of the training rows, held out when --early-stopping is on


class TrainingRun:
    """Train ``network`` epoch by epoch; ``history`` holds ``loss`` (and ``val_loss``).

    Each epoch is one call of :meth:`Network.fit` with ``epochs=1``: the optimizer's state
    carries over, so this is the engine's own training, observed between epochs.
    """

    def __init__(self, network: Network, optimizer: Any, args: argparse.Namespace) -> None:
        self.network = network
        self.optimizer = optimizer
        self.args = args
        self.rng = np.random.default_rng(args.seed)
        self.history: dict[str, Any] = {"loss": [], "val_loss": [], "best_epoch": None}
        self.interrupted = False
        self._best = network.get_weights()
        self._bar: Any = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """Train on ``x``, ``y``; on Ctrl-C stop and restore the best weights so far.

        ``history["best_epoch"]`` stays None when no epoch completed: the network then holds
        its initial weights, which are no model to keep.
        """
        try:
            self._train(x, y)
        except KeyboardInterrupt:
            self.interrupted = True
        finally:
            with sigint_deferred() as received:  # a second Ctrl-C must not tear the weights
                if self._bar is not None:
                    self._bar.close()
                self.network.set_weights(self._best)
            self.interrupted = self.interrupted or bool(received)

    def _train(self, x: np.ndarray, y: np.ndarray) -> None:
        x_fit, y_fit, x_val, y_val = self._validation_split(x, y)
        stopping = Plateau(0.0, self.args.patience) if x_val is not None else None
        best_loss = np.inf
        for epoch in self._epochs():
            loss = self._one_epoch(x_fit, y_fit)
            val_loss = None if x_val is None else self.network.loss(x_val, y_val)
            watched = loss if val_loss is None else val_loss
            with sigint_deferred(then_raise=True):  # an epoch's record and weights go together
                self.history["loss"].append(loss)
                if val_loss is not None:
                    self.history["val_loss"].append(val_loss)
                if watched < best_loss or val_loss is None:
                    best_loss, self._best = watched, self.network.get_weights()
                    self.history["best_epoch"] = epoch + 1
            self._show(loss, val_loss)
            if stopping is not None and stopping.update(watched):
                break

    def _one_epoch(self, x: np.ndarray, y: np.ndarray) -> float:
        history = self.network.fit(
            x, y, optimizer=self.optimizer, epochs=1, batch_size=self.args.batch_size, rng=self.rng
        )
        return float(history.loss[-1])

    def _validation_split(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any, Any, Any]:
        if not self.args.early_stopping:
            return x, y, None, None
        order = self.rng.permutation(x.shape[0])
        n_val = max(1, round(VALIDATION_FRACTION * x.shape[0]))
        val, fit = order[:n_val], order[n_val:]
        return x[fit], y[fit], x[val], y[val]

    def _epochs(self) -> Any:
        from tqdm.auto import tqdm

        self._bar = tqdm(
            range(self.args.epochs), desc="training", unit="epoch", disable=self.args.quiet
        )
        return self._bar

    def _show(self, loss: float, val_loss: float | None) -> None:
        postfix = {"loss": f"{loss:.4f}"}
        if val_loss is not None:
            postfix["val_loss"] = f"{val_loss:.4f}"
        self._bar.set_postfix(postfix, refresh=False)
