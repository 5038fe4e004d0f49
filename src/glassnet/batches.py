"""Step 7's unit of work: the mini-batches of one epoch, gathered into reused buffers; and
what a penalty may ask of one batch (:class:`Batch`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np

from ._workspace import Workspace
from .checks import check_int


class BatchOrder(Protocol):
    """The order in which one epoch visits the samples: ``order(n_samples)`` is an index array,
    or None for the rows as they are (each batch a view of consecutive rows). The orders
    themselves are the loop's (:class:`glassnet.loop.Shuffled`, :data:`glassnet.loop.IN_ORDER`)
    and the front ends'."""

    def order(self, n_samples: int) -> np.ndarray | None: ...


def check_batch_size(batch_size: object) -> int | None:
    """``batch_size`` at a door (``fit``, the Dask loops): an int ``>= 1``, or None for full
    batch."""
    return None if batch_size is None else check_int(batch_size, "batch_size")


def batch_rows(batch_size: int | None, n_samples: int) -> int:
    """Samples per step: ``batch_size`` (checked) clipped to ``n_samples``; None is full batch.

    The one place a batch size meets the data (:class:`Batches`, ``fit``'s shuffling, the
    Dask loops).
    """
    return n_samples if batch_size is None else min(batch_size, n_samples)


class Batches:
    """The mini-batches of one epoch, gathered into reused buffers.

    ``batch_size=None`` is full batch, ``1`` is online learning. ``order`` gives each epoch's
    order of the samples (:class:`BatchOrder`); each batch is then copied into a
    buffer with ``np.take(..., out=)``, so no epoch copies the whole dataset. When the order is
    None, batches are views of consecutive rows.
    """

    def __init__(
        self, arrays: list[np.ndarray | None], batch_size: int | None, order: BatchOrder
    ) -> None:
        self.arrays = arrays
        self.n_samples = arrays[0].shape[0]  # type: ignore[union-attr]
        self.batch_size = batch_rows(batch_size, self.n_samples)
        self.order = order
        self._workspace = Workspace()

    def __len__(self) -> int:
        return -(-self.n_samples // self.batch_size)

    def __iter__(self) -> Iterator[list[np.ndarray | None]]:
        size = self.batch_size
        order = self.order.order(self.n_samples)
        if order is None:
            for start in range(0, self.n_samples, size):
                yield [None if a is None else a[start : start + size] for a in self.arrays]
            return
        for start in range(0, self.n_samples, size):
            indices = order[start : start + size]
            yield [self._gather(i, a, indices) for i, a in enumerate(self.arrays)]

    def _gather(
        self, slot: int, array: np.ndarray | None, indices: np.ndarray
    ) -> np.ndarray | None:
        if array is None:
            return None
        if not isinstance(array, np.ndarray):  # a sparse CSR matrix: its own row indexing
            return array[indices]
        out = self._workspace.get(str(slot), (len(indices), *array.shape[1:]), array.dtype)
        # The indices are a permutation of the rows, so they are in range: mode="clip" skips the
        # bounds check, with which NumPy gathers into a temporary and then copies to ``out``.
        return array.take(indices, axis=0, out=out, mode="clip")  # no np.take wrapper


class Batch:
    """What a weight penalty may ask of the batch it is added to: its size and sample weights.

    The network passes one to each penalty's ``value`` (step 3) and ``add_gradient`` (step 4).
    ``weight_sum`` is computed on demand, so a penalty that ignores the batch (L1, L2) costs
    nothing.
    """

    __slots__ = ("n_samples", "sample_weight")

    def __init__(self, n_samples: int, sample_weight: np.ndarray | None = None) -> None:
        self.n_samples = n_samples
        self.sample_weight = sample_weight

    @property
    def weight_sum(self) -> float:
        """``Σ w_i`` over the batch; its number of samples without sample weights."""
        if self.sample_weight is None:
            return float(self.n_samples)
        return float(self.sample_weight.sum())

    def __repr__(self) -> str:
        weighted = "" if self.sample_weight is None else ", weighted"
        return f"Batch({self.n_samples} samples{weighted})"
