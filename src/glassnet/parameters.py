"""A trainable value and its gradient, side by side."""

from __future__ import annotations

from typing import Any

import numpy as np


class Parameter:
    """A tensor the network learns: its ``value`` and the ``grad`` of the loss with respect to it.

    ``grad`` has the shape and dtype of ``value`` and is overwritten by every backward pass.
    Optimizers keep their state keyed by the parameter object. ``np.asarray(parameter)`` gives
    the current value.

    Parameters
    ----------
    value : ndarray
        Initial value; the parameter owns this array and updates it in place.
    name : str
        ``"weights"`` or ``"bias"`` for a Dense layer; used in traces and error messages.
    trainable : bool
        Whether optimizers update it (the worked example holds its biases fixed).
    regularized : bool
        Whether weight penalties (L1/L2, max-norm) apply to it; true for weights, not biases.
    """

    def __init__(
        self, value: np.ndarray, name: str = "", trainable: bool = True, regularized: bool = True
    ) -> None:
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name
        self.trainable = trainable
        self.regularized = regularized

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy:
            return np.array(self.value, dtype=dtype, copy=True)
        return np.asarray(self.value, dtype=dtype)

    def __repr__(self) -> str:
        fixed = "" if self.trainable else ", trainable=False"
        return (
            f"Parameter({self.name or 'value'}, shape={self.shape}, dtype={self.dtype.name}{fixed})"
        )
