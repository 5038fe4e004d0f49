"""What the reading of a table changed, said as warnings; values too large to standardize.

Every change made to make the data usable (an imputed cell, a non-numeric cell treated as
missing, formatting removed, a column of numbers read as text) is one :class:`DataWarning`
naming the columns; the CLI shows each as one ``glassnet: warning:`` line.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .columns import MAX_NON_NUMERIC_SHARE, ColumnReading


class DataWarning(UserWarning):
    """Something in the data was changed to make it usable: imputed, or unknown category."""


MAX_MAGNITUDE = 1e150  # standardizing squares deviations; beyond ~1e154 the square overflows


def check_magnitudes(values: np.ndarray, name: str, limit: float = MAX_MAGNITUDE) -> None:
    """Refuse infinite values (``inf``, or ``1e400`` read as inf) and, for training, values
    whose squares overflow float64; missing values (NaN) are left to the imputer."""
    infinite = int(np.isinf(values).sum())
    if infinite:
        raise ValueError(
            f"{name} has {infinite} infinite value(s) (inf, or beyond float64 such as 1e400)"
        )
    finite = values[np.isfinite(values)]
    largest = float(np.abs(finite).max()) if finite.size else 0.0
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in magnitude; standardizing squares them, "
            f"which overflows beyond {limit:.0e}: rescale the column"
        )


def warn_missing(frame: pd.DataFrame, what: str) -> None:
    counts = frame.isna().sum()
    columns = [f"{c} ({n})" for c, n in counts.items() if n]
    if columns:
        warnings.warn(
            f"missing values in the {what} data imputed (numeric: training median, other: most "
            f"frequent): {', '.join(columns)}",
            DataWarning,
            stacklevel=3,
        )


def warn_non_numeric(readings: dict[Any, ColumnReading], what: str) -> None:
    columns = [f"{c} ({r.describe_non_numeric()})" for c, r in readings.items() if r.n_non_numeric]
    if columns:
        warnings.warn(
            f"non-numeric cells in numeric columns of the {what} data, imputed like missing "
            f"values (training median): {'; '.join(columns)}",
            DataWarning,
            stacklevel=3,
        )
    formatted = [str(c) for c, r in readings.items() if r.formatted]
    if formatted:
        warnings.warn(
            f"numbers read without their formatting (currency symbols, thousands separators, "
            f"percent signs) in the {what} data: {', '.join(formatted)}",
            DataWarning,
            stacklevel=3,
        )


def warn_text_numbers(readings: dict[Any, ColumnReading]) -> None:
    for column, r in readings.items():
        if r.n_numbers > r.n_non_numeric:  # mostly numbers, yet too many others
            warnings.warn(
                f"column {column!r} is read as text: {r.n_numbers} of its cells are numbers but "
                f"{r.describe_non_numeric()} are not, more than {MAX_NON_NUMERIC_SHARE:.0%}; "
                "clean them, or --drop it",
                DataWarning,
                stacklevel=3,
            )


def rows_with_target(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """The rows whose target is known: the others are dropped with a :class:`DataWarning`
    giving their count, refused when they are most of the rows (a wrong column?)."""
    missing = frame[target].isna().to_numpy()
    n_missing, n_rows = int(missing.sum()), len(frame)
    if not n_missing:
        return frame
    if 2 * n_missing > n_rows:
        raise ValueError(
            f"target column {target!r} is missing in {n_missing} of {n_rows} rows; is it the "
            "column to predict?"
        )
    warnings.warn(
        f"target column {target!r} is missing in {n_missing} of {n_rows} rows: those rows are "
        "dropped",
        DataWarning,
        stacklevel=3,
    )
    return frame.loc[~missing]
