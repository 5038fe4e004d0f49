"""Data-parallel synchronous training: the data stays where it is; only parameters and
gradients travel.

One step on a global batch of ``B`` rows, of which block ``k`` holds rows with weights summing
to ``W_k`` (``W_k = n_k``, the row count, without ``sample_weight``)::

    driver  -- weights θ, broadcast once per step -->  every block with rows in the batch
    block k:   g_k = W_k · ∇L(θ; its rows),  l_k = W_k · L(θ; its rows)
    driver  <-- (g_k, l_k, W_k) --
    driver:    ∇L = Σ g_k / Σ W_k,   then one optimizer step (step 5)

Since ``L`` on a share is the weighted mean ``Σ w_i ℓ_i / W_k`` (plus the penalty ``p``),
``Σ_k W_k · L_k = Σ_i w_i ℓ_i + W · p``: dividing by ``W = Σ W_k`` gives exactly the loss and
gradient single-process training computes on the same batch. The batches are drawn as
:func:`glassnet.fit` draws them (one permutation of all rows per epoch from ``rng``), so
``glassnet.dask.fit(net, X, y, rng=0)`` and ``net.fit(X.compute(), y.compute(), rng=0)`` give
the same network up to the order of floating-point sums.
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
    from ..training import History


def fit(
    network: Network,
    X: Any,
    y: Any,
    client: Any = None,
    *,
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
    """Train ``network`` data-parallel on the blocks of the dask arrays ``X`` and ``y``.

    Parameters
    ----------
    network : Network
        Trained in place on the driver; workers receive a copy once and weights every step.
    X : dask array, shape (n_samples, n_inputs), or dask DataFrame
    y : dask array, shape (n_samples, n_outputs) or (n_samples,), or dask Series/DataFrame
        Chunked the same way as ``X`` along the rows. Persist them first
        (``X, y = client.persist([X, y])``) when they fit in the cluster's memory; otherwise
        every step loads or generates the blocks it needs, and frees them after.
    client : dask.distributed.Client, str or None
        The cluster; an address string connects to it; None uses the current default client.
    epochs, batch_size, shuffle, rng :
        As in :func:`glassnet.fit`: the same ``rng`` gives the same batches.
    optimizer : Optimizer, optional
        Applied once per step on the driver. Default: the network's previous optimizer, or
        ``SGD(learning_rate=0.01)``.
    sample_weight : dask array, shape (n_samples,), optional
        Each sample's weight in the loss (a weighted mean), in the row blocks of ``X``.
    tol, patience, callbacks, verbose :
        As in :func:`glassnet.fit`: stop when the epoch loss has not improved by more than
        ``tol`` for ``patience`` epochs; :mod:`glassnet.callbacks` (batch hooks run once per
        step); a tqdm progress bar.
    retries : int
        How often Dask recomputes a gradient task whose worker died. A task is a pure function
        of the weights and the block, so a retried step gives the same result.
    checkpoint : path, optional
        Every ``checkpoint_every`` epochs the network, optimizer, history and random state are
        written there (a safetensors file, never a pickle: :mod:`.checkpoint`; to a temporary
        file, then renamed). If the file exists when ``fit`` starts, training resumes from it:
        ``network`` gets the saved parameter values and the saved optimizer is used (or
        ``optimizer``, given the saved state). A checkpoint of another architecture,
        optimizer or data shape is refused (``ValueError`` naming what differs). Callbacks,
        including the ``tol`` rule, start afresh on resume.
    connect_timeout : float
        Seconds to wait when ``client`` is an address.

    Returns
    -------
    History
        As :func:`glassnet.fit` returns it: one loss (batch losses weighted by batch size) and
        one learning rate per epoch, ``stopped_early`` and ``planned_epochs``.
    """
    client = get_client(client, connect_timeout)
    blocks = Blocks(network, X, y, sample_weight)
    epochs = check_int(epochs, "epochs")
    size = driver.batch_rows(batch_size, blocks.n_samples)
    every = check_int(checkpoint_every, "checkpoint_every")
    hooks = driver.hooks(callbacks, tol, patience, verbose)
    state = driver.start(network, optimizer, rng, checkpoint, epochs, blocks.n_samples)
    step = Synchronous(Broadcast(client, network, retries), blocks, network, state.optimizer)
    step.seed = state.seed
    batches = driver.row_batches(blocks.n_samples, size, shuffle, state.rng)
    return driver.train(state, step, batches, hooks, epochs=epochs, checkpoint=checkpoint,
                        checkpoint_every=every)  # fmt: skip


class Synchronous:
    """The loop's step: one global batch, the gradient summed over the blocks, one optimizer
    step on the driver."""

    def __init__(
        self, broadcast: Broadcast, blocks: Blocks, network: Network, optimizer: Optimizer
    ) -> None:
        self.broadcast, self.blocks = broadcast, blocks
        self.network, self.optimizer = network, optimizer
        self.seed: int | None = None  # the base of the workers' dropout masks

    def __call__(self, rows: np.ndarray) -> float:
        """Steps 2-5 on the global batch ``rows``; its loss before the update."""
        network, optimizer = self.network, self.optimizer
        driver.check_parameters(network)
        loss, grads, weight = self.batch_gradient(network.get_weights(), rows, optimizer.iterations)
        driver.check_finite([loss])
        for parameter, grad in zip(network.parameters(), grads, strict=True):
            np.divide(grad, weight, out=parameter.grad)  # the batch's (weighted) mean gradient
        optimizer.step(network.parameters())  # step 5, once per global batch
        return loss

    def batch_gradient(
        self, weights: list[np.ndarray], rows: np.ndarray, step: int = 0
    ) -> tuple[float, list[np.ndarray], float]:
        """The batch loss, ``Σ_k W_k · ∇L_k`` and ``Σ_k W_k`` over the blocks holding ``rows``."""
        from dask import delayed

        blocks = self.blocks
        owners = blocks.owners(rows)

        def tasks(template: Any) -> list[Any]:
            weights_future = scatter(self.broadcast.client, weights)  # once per step
            task = delayed(block_gradient, pure=False)
            return [
                task(template, weights_future, blocks.x[k], blocks.y[k],
                     blocks.local(rows, owners, k), blocks.w[k],
                     None if self.seed is None else (self.seed, step, int(k)))
                for k in np.unique(owners)
            ]  # fmt: skip

        parts = [part for part in self.broadcast.run(tasks) if part[2] > 0]
        weight = math.fsum(part[2] for part in parts)
        loss = math.fsum(part[0] for part in parts) / weight if weight > 0 else math.nan
        grads = [sum(grad) for grad in zip(*(part[1] for part in parts), strict=True)]
        return loss, grads, weight


def block_gradient(
    network: Network,
    weights: list[np.ndarray],
    x: Any,
    y: Any,
    rows: np.ndarray | slice,
    sample_weight: Any = None,
    dropout_seed: tuple[int, ...] | None = None,
) -> tuple[float, list[np.ndarray], float]:
    """On a worker: steps 2-4 on ``rows`` of one block; returns sums, not means.

    Returns ``(W · L, [W · ∂L/∂θ for every trainable θ], W)`` for the selected rows, with ``L``
    their (weighted) mean loss plus penalty at ``weights`` and ``W`` their weight sum (their
    count without ``sample_weight``). A share whose weights are all zero returns ``W = 0``.
    """
    network = copy.deepcopy(network)  # the worker's copy is shared by its threads
    network.set_weights(weights)
    reseed_dropout(network, dropout_seed)
    x_rows = network.check_inputs(np.asarray(x)[rows])
    y_rows = network.check_targets(np.asarray(y)[rows], x_rows.shape[0])
    w_rows = rows_of(sample_weight, rows)
    if w_rows is not None and not w_rows.sum() > 0:
        return 0.0, [], 0.0
    w_rows = network.check_sample_weight(w_rows, x_rows.shape[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        y_pred = network.forward(x_rows, training=True)  # step 2
        value = network.loss_value(y_pred, y_rows, w_rows)  # step 3
        grad = network.loss_gradient(y_pred, y_rows, w_rows)
        network.backward(grad, sample_weight=w_rows)  # step 4
    weight = float(x_rows.shape[0] if w_rows is None else w_rows.sum())
    return value * weight, [p.grad * weight for p in network.parameters()], weight
