"""Periodic parameter averaging ("local SGD"): fewer round trips than synchronous training.

Every row block of ``X`` is one replica. A round covers ``K = local_steps`` consecutive global
batches, drawn as :func:`glassnet.fit` draws them. The driver sends the parameters θ and the
optimizer's state s (velocities, Adam's moments) once; replica ``k`` takes ``K`` optimizer steps
of its own, step ``j`` on its share of global batch ``j``, starting from (θ, s); then::

    θ ← Σ_k W_k θ_k / Σ_k W_k,     s ← Σ_k W_k s_k / Σ_k W_k

with ``W_k`` the replica's weight in the round (its rows, or the sum of their sample weights).
The optimizer's step count advances by ``K``, so schedules and Adam's bias correction go on as
in one process.

When is it synchronous training? With ``K = 1`` and :class:`~glassnet.SGD` (plain, momentum or
Nesterov): every replica starts from the same (θ, v), and the update is linear in the gradient,
so the weighted average of the replicas' updates is the update with the weighted average
gradient, which is the synchronous gradient. Equal to rounding (tested to 1e-10). Adam,
RMSprop, Adagrad and Adadelta keep squares of the gradient, and an average of squares is not
the square of the average, so they differ already at ``K = 1``; with ``K > 1`` every optimizer
follows a different path (each replica's later steps see only its own data).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..callbacks import Callback
from ..checks import check_int
from ..optimizers import Optimizer
from ..training import TrainingDiverged, train_step
from . import driver
from ._cluster import (
    Blocks,
    Broadcast,
    get_client,
    reseed_dropout,
    rows_of,
    scatter,
)

if TYPE_CHECKING:
    from ..network import Network
    from ..parameters import Parameter
    from ..training import History

States = list[dict[str, np.ndarray]]  # Optimizer.state_dict's buffers: parameters in order


def fit_averaged(
    network: Network,
    X: Any,
    y: Any,
    client: Any = None,
    *,
    local_steps: int = 4,
    epochs: int = 1,
    batch_size: int | None = 32,
    optimizer: Optimizer | None = None,
    shuffle: bool = True,
    rng: Any = None,
    sample_weight: Any = None,
    tol: float | None = None,
    patience: int = 10,
    callbacks: Sequence[Callback] = (),
    verbose: bool = False,
    retries: int = 3,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    connect_timeout: float = 10.0,
) -> History:
    """Train ``network`` with ``local_steps`` steps per replica between averagings.

    Each row block of ``X`` is a replica: chunk ``X`` into as many row blocks as you want
    replicas, usually one or two per worker (``X.rechunk({0: n_rows // n_workers})``). Use
    ``shuffle=True`` (the default): without it a global batch lies in one or two blocks and the
    other replicas wait. ``local_steps=1`` with SGD is :func:`glassnet.dask.fit` (see the module
    docstring for when exactly); larger values send the model ``K`` times less often.

    Parameters are those of :func:`glassnet.dask.fit`, plus ``local_steps`` (``K``, >= 1). The
    optimizer must be a glassnet first-order optimizer (its state is averaged). Batch hooks of
    callbacks run once per round. Returns the same :class:`~glassnet.training.History`; an
    epoch's loss is the mean of each global batch's loss, each the weighted mean of the
    replicas' losses on their shares before their local step.
    """
    client = get_client(client, connect_timeout)
    blocks = Blocks(network, X, y, sample_weight)
    epochs, group = check_int(epochs, "epochs"), check_int(local_steps, "local_steps")
    size = driver.batch_rows(batch_size, blocks.n_samples)
    every = check_int(checkpoint_every, "checkpoint_every")
    hooks = driver.hooks(callbacks, tol, patience, verbose)
    state = driver.start(
        network, optimizer, rng, checkpoint, epochs, blocks.n_samples, _check_optimizer
    )
    step = Averaging(Broadcast(client, network, retries), blocks, network, state.optimizer, size)
    step.seed = state.seed
    # a round's rows are K consecutive global batches of the epoch's order; the step splits them
    rounds = driver.row_batches(blocks.n_samples, size, shuffle, state.rng, per_step=group)
    return driver.train(state, step, rounds, hooks, epochs=epochs, checkpoint=checkpoint,
                        checkpoint_every=every, measure=step.epoch_logs)  # fmt: skip


def _check_optimizer(optimizer: Optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "optimizer: fit_averaged averages the optimizer's state and needs a glassnet "
            f"first-order optimizer such as SGD or Adam, got {optimizer!r}"
        )


class Averaging:
    """The loop's step: one round, ``K`` local steps on every replica, then the weighted
    average of their parameters and optimizer states on the driver."""

    def __init__(self, broadcast: Broadcast, blocks: Blocks, network: Network,
                 optimizer: Optimizer, batch_size: int) -> None:  # fmt: skip
        self.broadcast, self.blocks = broadcast, blocks
        self.network, self.optimizer, self.batch_size = network, optimizer, batch_size
        self.seed: int | None = None  # the base of the workers' dropout masks
        self.total = 0.0  # this epoch's Σ (global batch loss × its rows)

    def __call__(self, rows: np.ndarray) -> float:
        """A round on the rows of its global batches, ``batch_size`` each; its loss (the
        mean of the batches' losses weighted by their rows) before the round."""
        size = self.batch_size
        batches = [rows[i : i + size] for i in range(0, rows.shape[0], size)]
        losses = self.round(batches)
        weighted = math.fsum(loss * b.shape[0] for loss, b in zip(losses, batches, strict=True))
        self.total += weighted
        return weighted / rows.shape[0]

    def epoch_logs(self, loss: float) -> dict[str, float]:
        """The epoch's logs: its loss summed over the global batches (not over the rounds as
        the loop sums: ``(a / n) · n`` may differ from ``a`` in the last bit)."""
        logs = {"loss": self.total / self.blocks.n_samples}
        self.total = 0.0
        return logs

    def round(self, batches: list[np.ndarray]) -> list[float]:
        """``K`` local steps per replica, then the average; each global batch's loss."""
        from dask import delayed

        network, optimizer = self.network, self.optimizer
        blocks, parameters = self.blocks, network.parameters()
        owners = [blocks.owners(rows) for rows in batches]
        shell = copy.copy(optimizer)
        shell._state = {}  # the state travels as arrays in parameter order, not keyed by object
        buffers = optimizer.state_dict(parameters)["buffers"]
        model = ([p.value for p in parameters], shell, buffers)

        def tasks(template: Any) -> list[Any]:
            model_future = scatter(self.broadcast.client, model)  # once per round
            task = delayed(local_steps, pure=False)
            return [
                task(template, model_future, blocks.x[k], blocks.y[k], blocks.w[k],
                     [blocks.local(r, o, k) for r, o in zip(batches, owners, strict=True)],
                     None if self.seed is None else (self.seed, optimizer.iterations, int(k)))
                for k in np.unique(np.concatenate(owners))
            ]  # fmt: skip

        parts = self.broadcast.run(tasks)
        losses = [_batch_loss([part[3][j] for part in parts]) for j in range(len(batches))]
        driver.check_finite(losses)
        _average(network, optimizer, [part for part in parts if part[0] > 0])
        optimizer.iterations += len(batches)
        return losses


def local_steps(
    network: Network,
    model: tuple[list[np.ndarray], Optimizer, States],
    x: Any,
    y: Any,
    sample_weight: Any,
    batches: list[np.ndarray | slice],
    dropout_seed: tuple[int, ...] | None = None,
) -> tuple[float, list[np.ndarray], States, list[tuple[float, float]]]:
    """On a worker: one replica's round, :func:`glassnet.training.train_step` on each share.

    Returns ``(W, [W · θ], [W · s], [(W_j · L_j, W_j) for every step j])`` with ``W = Σ W_j``
    the weight of the replica's rows in the round; a step with no rows (or zero weight) is
    skipped. A non-finite loss ends the round with ``(nan, 1)`` for that step and the rest.
    """
    values, shell, states = model
    network, optimizer = copy.deepcopy(network), copy.deepcopy(shell)
    reseed_dropout(network, dropout_seed)
    parameters = network.parameters()
    for parameter, start in zip(parameters, values, strict=True):
        parameter.value[...] = start
    _load_states(optimizer, parameters, states)
    first, x, y = optimizer.iterations, np.asarray(x), np.asarray(y)
    steps: list[tuple[float, float]] = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for j, rows in enumerate(batches):
            x_rows, w_rows = x[rows], rows_of(sample_weight, rows)
            if x_rows.shape[0] == 0 or (w_rows is not None and not w_rows.sum() > 0):
                steps.append((0.0, 0.0))
                continue
            x_rows = network.check_inputs(x_rows)
            y_rows = network.check_targets(y[rows], x_rows.shape[0])
            w_rows = network.check_sample_weight(w_rows, x_rows.shape[0])
            optimizer.iterations = first + j  # the global step number: schedules, Adam's t
            try:
                value = train_step(network, optimizer, x_rows, y_rows, w_rows)
            except TrainingDiverged:
                return 0.0, [], [], steps + [(math.nan, 1.0)] * (len(batches) - j)
            weight = float(x_rows.shape[0] if w_rows is None else w_rows.sum())
            steps.append((value * weight, weight))
    total = math.fsum(weight for _, weight in steps)
    scaled = optimizer.state_dict(parameters)["buffers"]  # copies: scaled in place
    for buffers in scaled:
        for array in buffers.values():
            array *= total
    return total, [p.value * total for p in parameters], scaled, steps


def _batch_loss(shares: list[tuple[float, float]]) -> float:
    """One global batch's loss: the replicas' share losses, weighted by their weights."""
    weight = math.fsum(w for _, w in shares)
    return math.fsum(v for v, _ in shares) / weight if weight > 0 else math.nan


def _average(network: Network, optimizer: Optimizer, parts: list[Any]) -> None:
    """θ and s become the weighted means of the replicas' (they arrive multiplied by W_k)."""
    total = math.fsum(part[0] for part in parts)
    for i, parameter in enumerate(network.parameters()):
        parameter.value[...] = sum(part[1][i] for part in parts) / total
        state = optimizer._state.get(parameter) or optimizer.init_state(parameter)
        for key in parts[0][2][i]:
            state[key][...] = sum(part[2][i][key] for part in parts) / total
        optimizer._state[parameter] = state


def _load_states(optimizer: Optimizer, parameters: list[Parameter], states: States) -> None:
    """Give a replica's ``parameters`` the driver's buffers (from ``state_dict``).

    Not :meth:`~glassnet.optimizers.Optimizer.load_state_dict`: that refuses NaN or infinite
    buffers, but a round may end with a finite loss and a non-finite state; the next round must
    then fail as one process does, with :class:`~glassnet.training.TrainingDiverged` on the
    driver, not with a ValueError on a worker.
    """
    for parameter, saved in zip(parameters, states, strict=True):
        if saved:
            state = optimizer.init_state(parameter)
            for key, value in saved.items():
                state[key][...] = value
            optimizer._state[parameter] = state
