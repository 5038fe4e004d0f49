"""Arrays reused across training steps, so the hot path allocates nothing.

NumPy frees and re-allocates every temporary; arrays over 128 KiB go through mmap/munmap and
page faults each time, which on these machines cost more than the arithmetic. A component asks
its workspace for a named buffer of a given shape and gets a view of an array it keeps, grown
only when a larger batch arrives.
"""

from __future__ import annotations

import numpy as np


class Workspace:
    """Named, reusable buffers whose first axis (the batch) may vary between calls."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        # The view handed out last for each (name, shape, dtype): a training loop asks for the
        # same shapes every step, and a dictionary hit costs less than re-checking the array.
        self._views: dict[tuple[str, tuple[int, ...], np.dtype], np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A C-contiguous array of ``shape`` and ``dtype``; its contents are undefined."""
        key = (name, shape, dtype)
        view = self._views.get(key)
        if view is not None:
            return view
        array = self._arrays.get(name)
        if (
            array is None
            or array.dtype != dtype
            or array.shape[1:] != shape[1:]
            or array.shape[0] < shape[0]
        ):
            array = np.empty(shape, dtype=dtype)
            self._arrays[name] = array
            self._views = {k: v for k, v in self._views.items() if k[0] != name}
        if len(self._views) > 64:  # many batch sizes seen (predict on varied inputs): start over
            self._views.clear()
        view = self._views[key] = array[: shape[0]]
        return view

    def clear(self) -> None:
        """Drop every buffer (for instance after predicting on a very large batch)."""
        self._arrays.clear()
        self._views.clear()
