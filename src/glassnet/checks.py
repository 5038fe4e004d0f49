"""Checks made at the door of every public function.

Each check names the argument, what was expected and what was received, so that a user who
passes the wrong thing reads the problem instead of a traceback from deep inside NumPy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """Resolve ``dtype`` to float32 or float64, the two precisions the engine computes in."""
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError) as error:  # ValueError: strings NumPy cannot parse (b"0\0")
        raise TypeError(f"{name} must be float32 or float64, got {describe(dtype)}") from error
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be float32 or float64, got {resolved.name}")
    return resolved


def as_float_array(
    values: Any,
    name: str,
    dtype: np.dtype,
    ndim: int | tuple[int, ...] = 2,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``values`` as a C-contiguous, finite array of ``dtype``, or raise a clear error."""
    if isinstance(values, np.ndarray) and values.dtype == dtype and values.flags.c_contiguous:
        array = values
    else:
        array = _convert(values, name, dtype)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if array.ndim not in allowed:
        expected = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be a {expected} array, got shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not all_finite(array):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"{name} must contain only finite numbers, got {bad} NaN or infinite value(s)"
        )
    return array


def all_finite(array: np.ndarray) -> bool:
    """Whether every value is finite, without a boolean copy of the array.

    NaN and infinities propagate through products and sums, so a finite ``Σ x²`` proves every
    value finite; BLAS's dot product computes it about twice as fast as ``np.sum``. Only when it
    is not finite (a NaN, an infinity, or an overflow of huge finite values) is each value
    checked. ``np.isfinite(array).all()`` would allocate a mask a quarter the size of a float32
    dataset on every ``fit``.
    """
    flat = array.reshape(-1)  # a view when the array is C-contiguous (a copy otherwise)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.dot(flat, flat)):
            return True
    return bool(np.isfinite(array).all())


def as_array(values: Any, name: str) -> np.ndarray:
    """``np.asarray(values)``, with ragged nested lists reported as a clear ``ValueError``."""
    try:
        return np.asarray(values)
    except (ValueError, TypeError) as error:  # ragged nested lists and the like
        first = str(error).split(". ")[0]
        raise ValueError(f"{name} must be a rectangular array of numbers: {first}") from error


def _convert(values: Any, name: str, dtype: np.dtype) -> np.ndarray:
    raw = as_array(values, name)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got values of type {raw.dtype}")
    with np.errstate(over="ignore"):  # values beyond the dtype's range become inf, reported below
        return np.asarray(raw, dtype=dtype, order="C")


def describe(value: Any, limit: int = 60) -> str:
    """``value`` for an error message: one line, at most ``limit`` characters; arrays by
    shape and dtype (a repr of a large array would flood the message)."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"array of shape {value.shape} ({value.dtype})"
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def typed(value: Any) -> str:
    """``value`` with its type, for "must be a number, got str 'abc'"."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return describe(value)
    return f"{type(value).__name__} {describe(value)}"


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a float, requiring a finite number > 0."""
    number = check_real(value, name)
    if not number > 0:
        raise ValueError(f"{name} must be > 0, got {describe(value)}")
    return number


def check_real(value: Any, name: str) -> float:
    """Return ``value`` as a float, requiring a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {typed(value)}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {describe(value)}")
    return number


def check_in_range(
    value: Any,
    name: str,
    low: float,
    high: float,
    include_high: bool = False,
    include_low: bool = True,
) -> float:
    """Return ``value`` as a float in ``[low, high)``, or raise; ``include_high`` closes the
    interval at ``high`` (``[low, high]``), ``include_low=False`` opens it at ``low``."""
    number = check_real(value, name)
    below = number < low if include_low else number <= low
    above = number > high if include_high else number >= high
    if below or above:
        opening, closing = "[" if include_low else "(", "]" if include_high else ")"
        raise ValueError(
            f"{name} must be in {opening}{low}, {high}{closing}, got {describe(value)}"
        )
    return number


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a bool: True, False, NumPy's bools, or the integers 0 and 1."""
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, numbers.Integral) and value in (0, 1)
    ):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {typed(value)}")


def check_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum``, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {typed(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {describe(value)}")
    return int(value)


def as_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Resolve ``rng`` (None, an int seed or a Generator) to a NumPy Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"{name} seed must be >= 0, got {describe(rng)}")
        return np.random.default_rng(None if rng is None else int(rng))
    raise TypeError(
        f"{name} must be None, an int seed or a numpy.random.Generator, got {describe(rng)}"
    )


def resolve(spec: Any, registry: dict[str, type], kind: str, required: tuple[str, ...]) -> Any:
    """Turn a name from ``registry`` into a fresh object, or accept an object with ``required``."""
    if isinstance(spec, str):
        key = spec.lower()
        if key not in registry:
            known = ", ".join(sorted(registry))
            plural = kind + ("es" if kind.endswith("s") else "s")
            raise ValueError(f"unknown {kind} {describe(spec)}; known {plural}: {known}")
        return registry[key]()
    if all(callable(getattr(spec, method, None)) for method in required):
        return spec
    raise TypeError(
        f"{kind} must be a name or an object with {', '.join(required)}(), got {describe(spec)}"
    )
