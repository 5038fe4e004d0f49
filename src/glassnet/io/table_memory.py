"""Memory bounded before it is spent: one-hot widths, the network's layers, rare categories.

Before one-hot encoding, the encoded matrix is estimated as ``rows × features × 8`` bytes
(float64), counted twice because encoding holds the parts and the joined matrix at once; the
network's parameters as ``Σ n_inputs × n_outputs × 8`` bytes, counted four times (values,
gradients and an optimizer's two moments). Above the memory the machine has available
(``MemAvailable`` of ``/proc/meminfo``, else ``os.sysconf``), the work is refused before it
starts, in one line naming the cause, the size and the way out (``--drop``, fewer ``--hidden``
units).

A text column is refused, whatever the memory, when it has more than :data:`MAX_CATEGORIES`
distinct values and fewer than :data:`MIN_ROWS_PER_CATEGORY` rows per value on average (10,000
cities in 40,000 rows): a one-hot feature seen in a handful of rows cannot be learned, and an
ID (every value distinct) cannot help predict a new row.
"""

from __future__ import annotations

import itertools
import os
import shlex
from collections.abc import Sequence
from typing import Any

import pandas as pd

MAX_CATEGORIES = 100
MIN_ROWS_PER_CATEGORY = 10
BYTES_PER_NUMBER = 8  # float64
ENCODING_COPIES = 2  # the encoded parts and the joined matrix
PARAMETER_COPIES = 4  # values, gradients, two optimizer moments


def available_memory() -> int:
    """Bytes of memory available to a new allocation (``MemAvailable``, else free pages)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63  # unknown: do not refuse


def check_categories(features: pd.DataFrame, categorical: Sequence[Any]) -> None:
    """Refuse an empty column, and a text column too rare or too unique to one-hot encode."""
    for column in features.columns:
        if features[column].isna().all():
            raise ValueError(
                f"column {column!r} has no values at all; drop it with {_drop(column)}"
            )
    for column in categorical:
        values = features[column].dropna()
        n_distinct = values.nunique()
        if n_distinct <= MAX_CATEGORIES or len(values) >= MIN_ROWS_PER_CATEGORY * n_distinct:
            continue
        if n_distinct == len(values):
            raise ValueError(
                f"column {column!r} is text with a different value in each of its "
                f"{n_distinct:,} rows (an ID?) and cannot be one-hot encoded usefully; drop it "
                f"with {_drop(column)}"
            )
        raise ValueError(
            f"column {column!r} is text with {n_distinct:,} distinct values in {len(values):,} "
            f"rows ({len(values) / n_distinct:.1f} per value) and cannot be one-hot encoded "
            f"usefully (at least {MIN_ROWS_PER_CATEGORY} rows per value); drop it with "
            f"{_drop(column)}"
        )


def check_encoding_memory(widths: dict[str, int], n_rows: int) -> None:
    """Refuse to encode ``n_rows`` rows into ``sum(widths)`` float64 features when that does
    not fit in the available memory; ``widths`` maps each column to its encoded features."""
    width = sum(widths.values())
    needed = n_rows * width * BYTES_PER_NUMBER * ENCODING_COPIES
    available = available_memory()
    if needed <= available:
        return
    widest = max(widths, key=lambda c: widths[c])
    raise ValueError(
        f"encoding the data needs {_size(needed)} ({n_rows:,} rows × {width:,} features × 8 "
        f"bytes, twice while encoding; column {widest!r} alone gives {widths[widest]:,} "
        f"features), more than the {_size(available)} of memory available: drop columns with "
        f"--drop, e.g. {_drop(widest)}"
    )


def check_training_memory(preprocessor: Any, n_rows: int, hidden_sizes: Sequence[int]) -> None:
    """Refuse, before any allocation, a training run whose encoded data and network do not fit
    in memory: ``n_rows`` rows through ``preprocessor``, then hidden layers ``hidden_sizes``."""
    widths = preprocessor.encoded_widths()
    check_encoding_memory(widths, n_rows)
    sizes = [sum(widths.values()), *hidden_sizes, 1]
    layers = [(n_in, n_out) for n_in, n_out in itertools.pairwise(sizes)]
    parameters = sum(n_in * n_out for n_in, n_out in layers)
    data = n_rows * sizes[0] * BYTES_PER_NUMBER * ENCODING_COPIES
    needed = parameters * BYTES_PER_NUMBER * PARAMETER_COPIES + data
    available = available_memory()
    if needed <= available:
        return
    n_in, n_out = max(layers, key=lambda layer: layer[0] * layer[1])
    widest = max(widths, key=lambda c: widths[c])
    raise ValueError(
        f"the network needs {_size(needed)} with its data ({n_in:,} inputs × {n_out:,} units in "
        f"its largest layer, × 8 bytes × 4 for weights, gradients and optimizer state), more "
        f"than the {_size(available)} of memory available: use fewer --hidden units, or drop "
        f"wide columns with --drop, e.g. {_drop(widest)} ({widths[widest]:,} features)"
    )


def _size(n_bytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n_bytes < 1000:
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:,.1f} TB"


def _drop(column: Any) -> str:
    return f"--drop {shlex.quote(str(column))}"
