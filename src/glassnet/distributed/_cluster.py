"""What both training schemes need from Dask: a client, checked row blocks, one-time broadcasts.

Every check here runs before any training starts, so bad input costs nothing on the cluster.
"""

from __future__ import annotations

import copy
import math
import pickle
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import check_int

if TYPE_CHECKING:
    from ..network import Network


class Blocks:
    """The row blocks of ``X``, ``y`` (and ``sample_weight``) as dask delayed objects.

    Block ``k`` holds the global rows ``offsets[k]`` to ``offsets[k + 1] - 1``.
    """

    def __init__(self, network: Network, X: Any, y: Any, sample_weight: Any = None) -> None:
        x, y = _as_dask_array(X, "X"), _as_dask_array(y, "y")
        _check_shapes(network, x, y)
        x, y = x.rechunk({1: -1}), (y if y.ndim == 1 else y.rechunk({1: -1}))  # whole rows
        self.offsets = np.concatenate([[0], np.cumsum(x.chunks[0])]).astype(np.int64)
        self.x = list(x.to_delayed().ravel())
        self.y = list(y.to_delayed().ravel())
        self.w: list[Any] = [None] * len(self.x)
        if sample_weight is not None:
            self.w = list(_checked_weights(sample_weight, x).to_delayed().ravel())

    @property
    def n_samples(self) -> int:
        return int(self.offsets[-1])

    def owners(self, rows: np.ndarray) -> np.ndarray:
        """The block of each global row."""
        return np.searchsorted(self.offsets, rows, side="right") - 1

    def local(self, rows: np.ndarray, owners: np.ndarray, k: int) -> np.ndarray | slice:
        """The rows of block ``k`` among ``rows``, numbered within the block."""
        return compact(rows[owners == k] - self.offsets[k])


def _check_shapes(network: Network, x: Any, y: Any) -> None:
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


def _checked_weights(sample_weight: Any, x: Any) -> Any:
    """``sample_weight`` as a 1-D dask array in X's row blocks, >= 0 with a positive sum.

    The sign and the sum take one pass over the weights (not over X) before training.
    """
    import dask
    import dask.array as da

    w = _as_dask_array(sample_weight, "sample_weight")
    if w.ndim != 1 or w.chunks[0] != x.chunks[0]:
        raise ValueError(
            f"sample_weight must be 1-D with the row blocks of X {x.chunks[0]}, got shape "
            f"{w.shape} in blocks {w.chunks[0] if w.ndim else ()}"
        )
    negative, total, finite = dask.compute((w < 0).any(), w.sum(), da.isfinite(w).all())
    if not finite or negative or not total > 0:
        raise ValueError("sample_weight must be finite, >= 0 and have a positive sum")
    return w


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


def compact(rows: np.ndarray) -> np.ndarray | slice:
    """Consecutive rows (no shuffling) travel as a slice, not as 8 bytes per row."""
    if rows.shape[0] == 0:
        return slice(0, 0)
    if rows[-1] - rows[0] + 1 == rows.shape[0] and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def rows_of(block: Any, rows: np.ndarray | slice) -> np.ndarray | None:
    """``block[rows]`` as a NumPy array (None stays None: no sample weights)."""
    return None if block is None else np.asarray(block)[rows]


def get_client(client: Any, timeout: float) -> Any:
    """The client to use, or a clear error when there is none or it cannot be reached."""
    from dask.distributed import Client, default_client

    if isinstance(client, str):
        try:
            return Client(client, timeout=timeout)
        except (OSError, TimeoutError) as error:
            raise ValueError(
                f"client: cannot reach a Dask scheduler at {client!r}: {error}"
            ) from error
    if client is None:
        try:
            return default_client()
        except ValueError as error:
            raise ValueError(
                "client: no Dask client is running; pass client=Client(...) or an address"
            ) from error
    if not isinstance(client, Client):
        raise TypeError(f"client must be a dask.distributed.Client or an address, got {client!r}")
    if client.status != "running":
        raise ValueError(f"client: the Dask client is not connected (status {client.status!r})")
    return client


def scatter(client: Any, value: Any) -> Any:
    """Send ``value`` to every worker; return its future.

    ``hash=False`` gives every scatter a fresh key. With content-hashed keys, scattering a value
    equal to one whose future was just released (the same starting network twice, or equal
    weights in two runs) races with the scheduler forgetting that key: the new future can be
    cancelled as a "lost dependency" or the scatter can hang for good (reproduced here with
    distributed 2026.8 in about one run in ten).
    """
    return client.scatter([value], broadcast=True, hash=False)[0]


def dropout_seed(network: Network, rng: np.random.Generator) -> int | None:
    """A base seed for the workers' dropout masks, drawn once from the run's ``rng``.

    ``None`` for a network without :class:`~glassnet.Dropout`, so that such runs draw exactly
    the batches :func:`glassnet.fit` draws.
    """
    from ..layers import Dropout

    if not any(isinstance(layer, Dropout) for layer in network.layers):
        return None
    return int(rng.integers(2**63))


def reseed_dropout(network: Network, seed: tuple[int, ...] | None) -> None:
    """Give every Dropout layer of a worker's copy its own stream for one step and block.

    The copy the workers hold never changes, so without this each step would draw the same
    masks. Seeding from ``(base, step, block, layer)`` makes the masks differ between steps,
    blocks and layers, and a retried task draws the same masks as the first try.
    """
    from ..layers import Dropout

    if seed is None:
        return
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Dropout):
            layer.rng = np.random.default_rng([*seed, index])


def template(network: Network) -> Network:
    """A copy of the network for the workers, without the optimizer; checked to pickle."""
    copied = copy.copy(network)
    copied.__dict__.pop("optimizer", None)
    try:
        pickle.dumps(copied)
    except Exception as error:  # pickle raises many types; all mean the same to the user
        raise TypeError(
            f"network: the model cannot be pickled to send it to the workers: {error}"
        ) from error
    return copied


class Broadcast:
    """The network template on every worker, sent once; sent again if a dead worker took it.

    ``run(make_tasks)`` computes the tasks ``make_tasks(template_future)`` builds, with Dask's
    ``retries`` for tasks whose worker died. A task is a pure function of what it is sent and
    its block, so a retried task gives the same result.
    """

    def __init__(self, client: Any, network: Network, retries: int) -> None:
        self.client = client
        self.network = template(network)
        self.retries = check_int(retries, "retries", minimum=0)
        self.future = scatter(client, self.network)

    def run(self, make_tasks: Any) -> list[Any]:
        from concurrent.futures import CancelledError

        for attempt in range(self.retries + 1):
            try:
                tasks = make_tasks(self.future)
                return list(self.client.gather(self.client.compute(tasks, retries=self.retries)))
            except CancelledError:  # scattered data lost with a worker: scatter again
                if attempt == self.retries:
                    raise
                self.future = scatter(self.client, self.network)
        raise AssertionError("unreachable")  # pragma: no cover
