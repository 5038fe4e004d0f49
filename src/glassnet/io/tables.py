"""Tables in, numbers out: reading CSV/Parquet, inferring the task, preprocessing columns.

Columns are read as a person means them (:mod:`glassnet.io.columns` has the rule): a text
column whose cells are numbers but for a few (at most 10% non-numeric: ``?``, ``abc``) is numeric,
its non-numeric cells reported by column, count and example and then imputed like missing values;
formatting (``$1,234.56``, ``12%``) is parsed when the whole column parses that way; ``Decimal``
columns are numbers. Column names that occur twice are refused (:func:`read_table`,
:func:`split_target`), as are text columns with too many rare values and encodings that do not fit
in memory (:mod:`glassnet.io.table_memory`).

Preprocessing is scikit-learn's ``ColumnTransformer``:

- numeric columns: missing values -> the column's training **median** (``SimpleImputer``), then
  standardized, ``x' = (x - mean) / scale`` (``StandardScaler``);
- other columns (text, categories, booleans): missing values -> the training **most frequent**
  value, then one-hot encoded (``OneHotEncoder``); a category unseen in training encodes as all
  zeros ("unknown"), with a warning naming the column.

Each imputation warns, naming the columns (missing values and non-numeric cells apart). The
fitted preprocessing is stored as plain JSON (column names, medians, means, scales, categories)
by :meth:`Preprocessor.to_json` and rebuilt by :meth:`Preprocessor.from_json` without pickle: the
same scikit-learn transformers, given exactly the stored statistics.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .columns import ColumnReading, read_column, read_numbers
from .data_warnings import (
    DataWarning,
    check_magnitudes,
    rows_with_target,
    warn_missing,
    warn_non_numeric,
    warn_text_numbers,
)
from .table_files import check_unique_names, read_table
from .table_memory import check_categories, check_encoding_memory

__all__ = ["DataWarning", "Preprocessor", "infer_task", "read_table", "split_target"]

MAX_CLASSES = 20  # a numeric target with at most this many distinct integers is classification


def split_target(
    frame: pd.DataFrame, target: str, drop: list[str] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """The feature columns (without ``target`` and ``drop``) and the target column.

    Rows whose target is missing are dropped with a :class:`DataWarning` giving their count;
    refused when they are most of the rows.
    A target of text holding numbers but for a few cells is refused naming them (a label
    ``'?'`` is a typo, not a class); one of numbers or ``Decimal`` objects is returned as
    numbers (integers when every value is one).
    """
    check_unique_names(frame.columns, "the data")
    missing = [c for c in [target, *(drop or [])] if c not in frame.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(map(repr, missing))} not in the data; its columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    frame = rows_with_target(frame, target)
    y = _target_values(frame[target], f"target column {target!r}")
    features = frame.drop(columns=[target, *(drop or [])])
    if features.shape[1] == 0:
        raise ValueError("no feature columns left after removing the target and --drop columns")
    return features, y


def _target_values(y: pd.Series, name: str) -> pd.Series:
    if _is_numeric(y):
        check_magnitudes(y.to_numpy(dtype=float), name)
        return y
    reading = read_column(y)
    if reading.text:
        return y
    if reading.n_non_numeric:
        raise ValueError(
            f"{name} holds numbers but {reading.n_non_numeric} non-numeric cells (e.g. "
            f"{', '.join(map(repr, reading.examples))}); fix those cells or remove their rows"
        )
    values = reading.values.to_numpy()
    check_magnitudes(values, name)
    if np.all(np.mod(values, 1) == 0) and np.abs(values).max() < 2**53:
        return pd.Series(values.astype(np.int64), index=y.index, name=y.name)
    return pd.Series(values, index=y.index, name=y.name)


def infer_task(y: pd.Series) -> str:
    """``"classification"`` for non-numeric targets or few distinct integers, else
    ``"regression"``; a text column of numbers (``Decimal`` objects too) is numeric."""
    if pd.api.types.is_bool_dtype(y):
        return "classification"
    if not pd.api.types.is_numeric_dtype(y):
        reading = read_column(y)
        if reading.text or reading.n_non_numeric:
            return "classification"
        y = reading.values
    values = y.to_numpy(dtype=float)
    is_integral = bool(np.all(np.mod(values, 1) == 0))
    return "classification" if is_integral and y.nunique() <= MAX_CLASSES else "regression"


class Preprocessor:
    """Columns -> a float matrix: imputation, standardization and one-hot encoding.

    Attributes
    ----------
    numeric, categorical : list of str
        The input columns of each kind, in the order they are encoded.
    transformer : sklearn.compose.ColumnTransformer
        The fitted transformer; ``transform`` returns ``(n_samples, n_features_out)``.
    """

    def __init__(self, numeric: list[str], categorical: list[str]) -> None:
        self.numeric = list(numeric)
        self.categorical = list(categorical)
        self.transformer: Any = None

    @property
    def columns(self) -> list[str]:
        return self.numeric + self.categorical

    @classmethod
    def fit(cls, features: pd.DataFrame) -> Preprocessor:
        """Choose each column's treatment (:mod:`glassnet.io.columns`) and fit the
        transformers on ``features``, after checking the encoding fits in memory."""
        check_unique_names(features.columns, "the data")
        readings = {c: read_column(features[c]) for c in features.columns}
        numeric = [c for c in features.columns if readings[c].numeric]
        categorical = [c for c in features.columns if c not in numeric]
        check_categories(features, categorical)
        self = cls([str(c) for c in numeric], [str(c) for c in categorical])
        for column in numeric:
            check_magnitudes(readings[column].values.to_numpy(), f"column {column!r}")
        warn_text_numbers({c: readings[c] for c in categorical})
        widths = {str(c): 1 for c in numeric}
        widths.update({str(c): max(1, features[c].nunique()) for c in categorical})
        check_encoding_memory(widths, len(features))
        warn_missing(features[self.columns], "training")
        warn_non_numeric({c: readings[c] for c in numeric}, "training")
        self.transformer = _column_transformer(self.numeric, self.categorical)
        self.transformer.fit(self._frame(features)[0])
        return self

    def transform(self, features: pd.DataFrame, warn: bool = True) -> np.ndarray:
        """The encoded matrix, float64 of shape ``(n_samples, n_features_out)``."""
        check_unique_names(features.columns, "the data")
        missing = [c for c in self.columns if c not in features.columns]
        if missing:
            raise ValueError(
                f"the data lacks column(s) the model was trained on: {', '.join(missing)}"
            )
        check_encoding_memory(self.encoded_widths(), len(features))
        frame, readings = self._frame(features)
        for column in self.numeric:
            check_magnitudes(frame[column].to_numpy(), f"column {column!r}", limit=np.inf)
        if warn:
            warn_missing(features[self.columns], "input")
            warn_non_numeric(readings, "input")
            self._warn_unknown(frame)
        return np.asarray(self.transformer.transform(frame), dtype=np.float64)

    def encoded_widths(self) -> dict[str, int]:
        """Each input column's number of encoded features: 1, or its categories."""
        widths = {column: 1 for column in self.numeric}
        if self.categorical:
            encoder = self.transformer.named_transformers_["categorical"].named_steps["encode"]
            for column, known in zip(self.categorical, encoder.categories_, strict=True):
                widths[column] = len(known)
        return widths

    def _frame(self, features: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, ColumnReading]]:
        """The columns as the transformer takes them, and how each numeric column was read."""
        frame = features[self.columns].copy()
        for column in self.categorical:  # one text type so that categories compare equal
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
            frame[column] = frame[column].map(lambda v: v if v is None else str(v))
        readings = {column: read_numbers(frame[column]) for column in self.numeric}
        for column, reading in readings.items():
            frame[column] = reading.values
        return frame, readings

    def _warn_unknown(self, frame: pd.DataFrame) -> None:
        if not self.categorical:
            return
        encoder = self.transformer.named_transformers_["categorical"].named_steps["encode"]
        for column, known in zip(self.categorical, encoder.categories_, strict=True):
            values = frame[column].dropna()
            unknown = sorted(set(values) - set(known))
            if unknown:
                warnings.warn(
                    f"column {column!r} has categories unseen in training, encoded as unknown: "
                    f"{', '.join(map(repr, unknown[:5]))}",
                    DataWarning,
                    stacklevel=3,
                )

    def to_json(self) -> dict[str, Any]:
        """The fitted statistics as plain JSON types."""
        state: dict[str, Any] = {"numeric": [], "categorical": []}
        if self.numeric:
            steps = self.transformer.named_transformers_["numeric"].named_steps
            for i, column in enumerate(self.numeric):
                state["numeric"].append(
                    {
                        "column": column,
                        "median": float(steps["impute"].statistics_[i]),
                        "mean": float(steps["scale"].mean_[i]),
                        "scale": float(steps["scale"].scale_[i]),
                    }
                )
        if self.categorical:
            steps = self.transformer.named_transformers_["categorical"].named_steps
            for i, column in enumerate(self.categorical):
                state["categorical"].append(
                    {
                        "column": column,
                        "most_frequent": str(steps["impute"].statistics_[i]),
                        "categories": [str(c) for c in steps["encode"].categories_[i]],
                    }
                )
        return state

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> Preprocessor:
        """Rebuild the fitted transformers from :meth:`to_json`'s output, without pickle."""
        try:
            numeric = state["numeric"]
            categorical = state["categorical"]
            self = cls([n["column"] for n in numeric], [c["column"] for c in categorical])
            self.transformer = _column_transformer(
                self.numeric, self.categorical, [list(c["categories"]) for c in categorical]
            )
            self.transformer.fit(_synthetic_frame(numeric, categorical))
            # the fitted transformers get exactly the stored statistics
            if numeric:
                steps = self.transformer.named_transformers_["numeric"].named_steps
                steps["impute"].statistics_ = _floats(numeric, "median")
                steps["scale"].mean_ = _floats(numeric, "mean")
                steps["scale"].scale_ = _floats(numeric, "scale")
                steps["scale"].var_ = steps["scale"].scale_ ** 2
            if categorical:
                steps = self.transformer.named_transformers_["categorical"].named_steps
                modes = [c["most_frequent"] for c in categorical]
                steps["impute"].statistics_ = np.array(modes, dtype=object)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"the model's preprocessing is malformed ({error!r})") from None
        return self

    @property
    def feature_names(self) -> list[str]:
        """Names of the encoded features, e.g. ``numeric__Age``, ``categorical__Geography_X``."""
        return [str(n) for n in self.transformer.get_feature_names_out()]


def _floats(entries: list[dict], key: str) -> np.ndarray:
    return np.array([float(entry[key]) for entry in entries], dtype=np.float64)


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _column_transformer(
    numeric: list[str], categorical: list[str], categories: list[list[str]] | None = None
) -> Any:
    """The ColumnTransformer: median-impute + scale numbers, mode-impute + one-hot the rest."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if numeric:
        steps = [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
        parts.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        encoder = OneHotEncoder(
            categories=categories or "auto", handle_unknown="ignore", sparse_output=False
        )
        steps = [("impute", SimpleImputer(strategy="most_frequent")), ("encode", encoder)]
        parts.append(("categorical", Pipeline(steps), categorical))
    return ColumnTransformer(parts, verbose_feature_names_out=True)


def _synthetic_frame(numeric: list[dict], categorical: list[dict]) -> pd.DataFrame:
    """A small frame holding every stored category, to fit the rebuilt encoder on."""
    n_rows = max([2] + [len(c["categories"]) for c in categorical])
    data: dict[str, Any] = {n["column"]: np.arange(n_rows, dtype=float) for n in numeric}
    for c in categorical:
        values = list(c["categories"]) or [c["most_frequent"]]
        data[c["column"]] = [values[i % len(values)] for i in range(n_rows)]
    return pd.DataFrame(data)
