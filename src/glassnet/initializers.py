"""Step 1: random initialization of weights and biases.

Every initializer is a callable ``(shape, rng, dtype) -> array``. For a Dense layer the shape is
``(n_inputs, n_outputs)``, so ``fan_in = shape[0]`` and ``fan_out = shape[1]``; a bias has shape
``(n_outputs,)``. Randomness comes only from the ``rng`` passed in, so a seed fixes the result.

===============  ============================================================
name             distribution
===============  ============================================================
zeros            0
constant         ``value`` (default 0)
uniform          U(-limit, limit), ``limit`` default 0.05
normal           N(0, stddev²), ``stddev`` default 0.05
glorot_uniform   U(-l, l), l = sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio 2010)
glorot_normal    N(0, 2 / (fan_in + fan_out))
he_uniform       U(-l, l), l = sqrt(6 / fan_in)               (He et al. 2015)
he_normal        N(0, 2 / fan_in)
lecun_normal     N(0, 1 / fan_in)                             (LeCun et al. 1998)
===============  ============================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .checks import check_positive, check_real, describe

Initializer = Callable[[tuple[int, ...], np.random.Generator, np.dtype], np.ndarray]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    fan_in = shape[0]
    fan_out = shape[1] if len(shape) > 1 else shape[0]
    return fan_in, fan_out


class Zeros:
    """Every entry 0."""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        return np.zeros(shape, dtype=dtype)


class Constant:
    """Every entry ``value``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = check_real(value, "value")

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        return np.full(shape, self.value, dtype=dtype)


class Uniform:
    """U(-limit, limit)."""

    def __init__(self, limit: float = 0.05) -> None:
        self.limit = check_positive(limit, "limit")

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        return rng.uniform(-self.limit, self.limit, size=shape).astype(dtype, copy=False)


class Normal:
    """N(0, stddev²)."""

    def __init__(self, stddev: float = 0.05) -> None:
        self.stddev = check_positive(stddev, "stddev")

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        return rng.normal(0.0, self.stddev, size=shape).astype(dtype, copy=False)


class GlorotUniform:
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out))."""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        fan_in, fan_out = _fans(shape)
        return Uniform(math.sqrt(6.0 / (fan_in + fan_out)))(shape, rng, dtype)


class GlorotNormal:
    """N(0, 2 / (fan_in + fan_out))."""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        fan_in, fan_out = _fans(shape)
        return Normal(math.sqrt(2.0 / (fan_in + fan_out)))(shape, rng, dtype)


class HeUniform:
    """U(-l, l) with l = sqrt(6 / fan_in); suits ReLU layers."""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        fan_in, _ = _fans(shape)
        return Uniform(math.sqrt(6.0 / fan_in))(shape, rng, dtype)


class HeNormal:
    """N(0, 2 / fan_in); suits ReLU layers."""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        fan_in, _ = _fans(shape)
        return Normal(math.sqrt(2.0 / fan_in))(shape, rng, dtype)


class LecunNormal:
    """N(0, 1 / fan_in); suits SELU/tanh layers."""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        fan_in, _ = _fans(shape)
        return Normal(math.sqrt(1.0 / fan_in))(shape, rng, dtype)


INITIALIZERS: dict[str, type] = {
    "zeros": Zeros,
    "constant": Constant,
    "uniform": Uniform,
    "normal": Normal,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_normal": LecunNormal,
}


def get_initializer(spec: str | Initializer) -> Initializer:
    """Resolve a name from :data:`INITIALIZERS` or accept any ``(shape, rng, dtype)`` callable."""
    if isinstance(spec, str):
        key = spec.lower()
        if key not in INITIALIZERS:
            known = ", ".join(sorted(INITIALIZERS))
            raise ValueError(f"unknown initializer {describe(spec)}; known initializers: {known}")
        initializer: Initializer = INITIALIZERS[key]()
        return initializer
    if callable(spec):
        return spec
    raise TypeError(
        f"initializer must be a name or a callable (shape, rng, dtype), got {describe(spec)}"
    )
