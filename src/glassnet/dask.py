"""Data-parallel training on a Dask cluster: the data stays where it is; only parameters and
gradients travel.

One synchronous step on a global batch of ``B`` rows, of which block ``k`` holds ``n_k``::

    driver  -- weights W, broadcast once per step -->  every worker
    block k:   g_k = n_k · ∇L(W; its n_k rows),  l_k = n_k · L(W; its n_k rows)
    driver  <-- (g_k, l_k, n_k) --
    driver:    ∇L = Σ g_k / Σ n_k,   then one optimizer step (step 5)

Since ``Σ_k n_k · mean_k = B · mean over the batch`` (a penalty term adds ``Σ n_k · p / B = p``),
this is exactly the update single-process training makes on the same batch. The batches are
drawn as :func:`glassnet.fit` draws them (one permutation of all rows per epoch from ``rng``), so
``glassnet.dask.fit(net, X, y, rng=0)`` and ``net.fit(X.compute(), y.compute(), rng=0)`` give
the same network up to the order of floating-point sums.

Only this module imports dask; install it with ``pip install glassnet[dask]``.
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import as_rng, check_int
from .optimizers import SGD, Optimizer, as_optimizer
from .training import History, TrainingDiverged

if TYPE_CHECKING:
    from .network import Network

__all__ = ["block_gradient", "fit"]


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
    retries : int
        How often Dask recomputes a gradient task whose worker died. A task is a pure function
        of the weights and the block, so a retried step gives the same result.
    checkpoint : path, optional
        Every ``checkpoint_every`` epochs the network, optimizer, history and random state are
        written there (to a temporary file, then renamed). If the file exists when ``fit``
        starts, training resumes from it: ``network`` takes the saved layers and optimizer.
    connect_timeout : float
        Seconds to wait when ``client`` is an address.

    Returns
    -------
    History
        One loss per epoch, the batch losses weighted by batch size, as :func:`glassnet.fit`.
    """
    from dask.distributed import Client

    client = _client(client, Client, connect_timeout)
    x_blocks, y_blocks, offsets = _blocks(network, X, y)
    epochs = check_int(epochs, "epochs")
    checkpoint_every = check_int(checkpoint_every, "checkpoint_every")
    n = int(offsets[-1])
    size = n if batch_size is None else min(check_int(batch_size, "batch_size"), n)
    if optimizer is None:
        optimizer = getattr(network, "optimizer", None) or SGD(learning_rate=0.01)
    state = _State(network, as_optimizer(optimizer), History(), as_rng(rng), 0)
    if checkpoint is not None and Path(checkpoint).exists():
        state = _load(checkpoint)
        network.__dict__.update(state.network.__dict__)  # the caller's object, resumed
        state.network = network
    network.optimizer = state.optimizer  # type: ignore[attr-defined]
    cluster = _Cluster(client, _template(network), x_blocks, y_blocks, offsets, retries)
    shuffle = shuffle and size < n
    while state.epoch < epochs:  # step 7: iterate
        order = state.rng.permutation(n) if shuffle else np.arange(n)
        saved = network.get_weights()
        try:
            loss = _run_epoch(cluster, network, state.optimizer, order, size)
        except TrainingDiverged:
            network.set_weights(saved)
            raise
        state.history.loss.append(loss)
        state.epoch += 1
        if checkpoint is not None and state.epoch % checkpoint_every == 0:
            _save(state, checkpoint)
    return state.history


class _State:
    """Everything training changes; what a checkpoint holds."""

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer,
        history: History,
        rng: np.random.Generator,
        epoch: int,
    ) -> None:
        self.network = network
        self.optimizer = optimizer
        self.history = history
        self.rng = rng
        self.epoch = epoch


class _Cluster:
    """The blocks on the cluster and the one thing done with them: a batch's gradient sum."""

    def __init__(
        self,
        client: Any,
        network: Network,
        x_blocks: list[Any],
        y_blocks: list[Any],
        offsets: np.ndarray,
        retries: int,
    ) -> None:
        self.client = client
        self.network = network  # the workers' copy, without the optimizer
        self.template = _scatter(client, network)  # sent once
        self.x_blocks = x_blocks
        self.y_blocks = y_blocks
        self.offsets = offsets
        self.retries = check_int(retries, "retries", minimum=0)

    def batch_gradient(self, weights: list[np.ndarray], rows: np.ndarray) -> tuple[Any, ...]:
        """Sum ``(loss · n_k, [grad · n_k], n_k)`` over the blocks holding ``rows``.

        Dask recomputes a task whose worker died (``retries``); if the worker took the only
        copy of the scattered network or weights with it, the step is sent again.
        """
        from concurrent.futures import CancelledError

        for attempt in range(self.retries + 1):
            try:
                return self._sum_over_blocks(weights, rows)
            except CancelledError:  # scattered data lost with a worker: scatter again
                if attempt == self.retries:
                    raise
                self.template = _scatter(self.client, self.network)
        raise AssertionError("unreachable")  # pragma: no cover

    def _sum_over_blocks(self, weights: list[np.ndarray], rows: np.ndarray) -> tuple[Any, ...]:
        from dask import delayed

        owner = np.searchsorted(self.offsets, rows, side="right") - 1
        weights_future = _scatter(self.client, weights)  # once per step
        tasks = []
        for k in np.unique(owner):
            local = _compact(rows[owner == k] - self.offsets[k])
            task = delayed(block_gradient, pure=False)
            tasks.append(
                task(self.template, weights_future, self.x_blocks[k], self.y_blocks[k], local)
            )
        parts = self.client.gather(self.client.compute(tasks, retries=self.retries))
        loss = math.fsum(part[0] for part in parts)
        grads = [sum(grad) for grad in zip(*(part[1] for part in parts), strict=True)]
        return loss, grads, sum(part[2] for part in parts)


def _scatter(client: Any, value: Any) -> Any:
    """Send ``value`` to every worker; return its future.

    ``hash=False`` gives every scatter a fresh key. With content-hashed keys, scattering a value
    equal to one whose future was just released (the same starting network twice, or equal
    weights in two runs) races with the scheduler forgetting that key: the new future can be
    cancelled as a "lost dependency" or the scatter can hang for good (reproduced here with
    distributed 2026.8 in about one run in ten).
    """
    return client.scatter([value], broadcast=True, hash=False)[0]


def block_gradient(
    network: Network, weights: list[np.ndarray], x: Any, y: Any, rows: np.ndarray | slice
) -> tuple[float, list[np.ndarray], int]:
    """On a worker: steps 2-4 on ``rows`` of one block; returns sums, not means.

    Returns ``(n · L, [n · ∂L/∂θ for every trainable θ], n)`` for the ``n`` selected rows,
    with ``L`` the mean loss (plus penalty) of those rows at ``weights``.
    """
    network = copy.deepcopy(network)  # the worker's copy is shared by its threads
    network.set_weights(weights)
    x_rows = network.check_inputs(np.asarray(x)[rows])
    y_rows = network.check_targets(np.asarray(y)[rows], x_rows.shape[0])
    network.forward(x_rows, training=True)  # step 2
    value = network.batch_loss(y_rows)  # step 3
    network.backward(y_rows)  # step 4
    count = x_rows.shape[0]
    return value * count, [p.grad * count for p in network.parameters()], count


def _compact(rows: np.ndarray) -> np.ndarray | slice:
    """Consecutive rows (no shuffling) travel as a slice, not as 8 bytes per row."""
    if rows[-1] - rows[0] + 1 == rows.shape[0] and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _run_epoch(
    cluster: _Cluster, network: Network, optimizer: Optimizer, order: np.ndarray, size: int
) -> float:
    total = 0.0
    for start in range(0, order.shape[0], size):
        rows = order[start : start + size]
        loss, grads, count = cluster.batch_gradient(network.get_weights(), rows)
        if not math.isfinite(loss):
            raise TrainingDiverged(f"the loss became {loss / count}; lower the learning rate")
        for parameter, grad in zip(network.parameters(), grads, strict=True):
            np.divide(grad, count, out=parameter.grad)  # the batch's mean gradient
        optimizer.step(network.parameters())  # step 5, once per global batch
        total += loss
    return total / order.shape[0]


def _client(client: Any, client_type: Any, timeout: float) -> Any:
    """The client to use, or a clear error when there is none or it cannot be reached."""
    if isinstance(client, str):
        try:
            return client_type(client, timeout=timeout)
        except (OSError, TimeoutError) as error:
            raise ValueError(
                f"client: cannot reach a Dask scheduler at {client!r}: {error}"
            ) from error
    if client is None:
        from dask.distributed import default_client

        try:
            return default_client()
        except ValueError as error:
            raise ValueError(
                "client: no Dask client is running; pass client=Client(...) or an address"
            ) from error
    if not isinstance(client, client_type):
        raise TypeError(f"client must be a dask.distributed.Client or an address, got {client!r}")
    if client.status != "running":
        raise ValueError(f"client: the Dask client is not connected (status {client.status!r})")
    return client


def _blocks(network: Network, X: Any, y: Any) -> tuple[list[Any], list[Any], np.ndarray]:
    """Check ``X`` and ``y`` before any training; return their row blocks and block offsets."""
    x, y = _as_dask_array(X, "X"), _as_dask_array(y, "y")
    for name, array in (("X", x), ("y", y)):
        if any(math.isnan(c) for c in array.chunks[0]):
            raise ValueError(
                f"{name} has blocks of unknown length; call {name}.compute_chunk_sizes() first"
            )
    if x.ndim != 2 or x.shape[1] != network.n_inputs:
        raise ValueError(f"X must have shape (n_samples, {network.n_inputs}), got {x.shape}")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be a 1-D or 2-D array, got shape {y.shape}")
    if x.chunks[0] != y.chunks[0]:
        raise ValueError(
            f"X and y must have the same row blocks, got {x.shape[0]} rows in blocks "
            f"{x.chunks[0]} and {y.shape[0]} rows in blocks {y.chunks[0]}; rechunk one to match"
        )
    if x.shape[0] == 0:
        raise ValueError("X must not be empty, got 0 rows")
    x, y = x.rechunk({1: -1}), (y if y.ndim == 1 else y.rechunk({1: -1}))  # whole rows per block
    offsets = np.concatenate([[0], np.cumsum(x.chunks[0])]).astype(np.int64)
    return list(x.to_delayed().ravel()), list(y.to_delayed().ravel()), offsets


def _as_dask_array(data: Any, name: str) -> Any:
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(data, dd.Series | dd.DataFrame):
        return data.to_dask_array(lengths=True)
    if not isinstance(data, da.Array):
        raise TypeError(
            f"{name} must be a dask array or dask DataFrame, got {type(data).__name__}; "
            "for in-memory data use glassnet.fit"
        )
    return data


def _template(network: Network) -> Network:
    """A copy of the network for the workers, without the optimizer; checked to pickle."""
    template = copy.copy(network)
    template.__dict__.pop("optimizer", None)
    try:
        pickle.dumps(template)
    except Exception as error:  # pickle raises many types; all mean the same to the user
        raise TypeError(
            f"network: the model cannot be pickled to send it to the workers: {error}"
        ) from error
    return template


def _save(state: _State, path: str | os.PathLike[str]) -> None:
    """Write the training state to ``path`` atomically (temporary file, then rename)."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(state, file)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _load(path: str | os.PathLike[str]) -> _State:
    with open(path, "rb") as file:
        state = pickle.load(file)  # a file this module wrote (trusted)
    if not isinstance(state, _State):
        raise ValueError(f"checkpoint: {path} is not a glassnet.dask checkpoint")
    return state
