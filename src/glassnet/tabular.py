"""Tables in, numbers out: reading CSV/Parquet, inferring the task, preprocessing columns.

Preprocessing is scikit-learn's ``ColumnTransformer``:

- numeric columns: missing values -> the column's training **median** (``SimpleImputer``), then
  standardized, ``x' = (x - mean) / scale`` (``StandardScaler``);
- other columns (text, categories, booleans): missing values -> the training **most frequent**
  value, then one-hot encoded (``OneHotEncoder``); a category unseen in training encodes as all
  zeros ("unknown"), with a warning naming the column.

Each imputation warns, naming the columns. The fitted preprocessing is stored as plain JSON
(column names, medians, means, scales, categories) by :meth:`Preprocessor.to_json` and rebuilt by
:meth:`Preprocessor.from_json` without pickle: the same scikit-learn transformers, given exactly
the stored statistics.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MAX_CATEGORIES = 100  # more distinct values than this in a text column: likely an ID or free text
MAX_CLASSES = 20  # a numeric target with at most this many distinct integers is classification


class DataWarning(UserWarning):
    """Something in the data was changed to make it usable: imputed, or unknown category."""


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file (by extension) into a DataFrame; ``ValueError`` if unusable."""
    source = Path(path)
    if not source.is_file():
        raise ValueError(f"data file {str(source)!r} does not exist")
    try:
        if source.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(source)
        else:
            frame = pd.read_csv(source)
    except ImportError:
        raise ValueError(f"reading {source} needs pyarrow: pip install pyarrow") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {source}: {str(error).splitlines()[0]}") from None
    if frame.empty or frame.shape[1] == 0:
        raise ValueError(f"{source} has no data rows")
    return frame


def split_target(
    frame: pd.DataFrame, target: str, drop: list[str] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """The feature columns (without ``target`` and ``drop``) and the target column."""
    missing = [c for c in [target, *(drop or [])] if c not in frame.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(map(repr, missing))} not in the data; its columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    y = frame[target]
    if y.isna().any():
        raise ValueError(f"target column {target!r} has {int(y.isna().sum())} missing values")
    if _is_numeric(y):
        _check_magnitudes(y.to_numpy(dtype=float), f"target column {target!r}")
    features = frame.drop(columns=[target, *(drop or [])])
    if features.shape[1] == 0:
        raise ValueError("no feature columns left after removing the target and --drop columns")
    return features, y


def infer_task(y: pd.Series) -> str:
    """``"classification"`` for non-numeric targets or few distinct integers, else
    ``"regression"``."""
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return "classification"
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
        """Choose each column's treatment and fit the transformers on ``features``."""
        numeric = [c for c in features.columns if _is_numeric(features[c])]
        categorical = [c for c in features.columns if c not in numeric]
        _check_encodable(features, categorical)
        self = cls([str(c) for c in numeric], [str(c) for c in categorical])
        for column in self.numeric:
            values = pd.to_numeric(features[column], errors="coerce").to_numpy(dtype=float)
            _check_magnitudes(values, f"column {column!r}")
        _warn_missing(features[self.columns], "training")
        self.transformer = _column_transformer(self.numeric, self.categorical)
        self.transformer.fit(self._frame(features))
        return self

    def transform(self, features: pd.DataFrame, warn: bool = True) -> np.ndarray:
        """The encoded matrix, float64 of shape ``(n_samples, n_features_out)``."""
        missing = [c for c in self.columns if c not in features.columns]
        if missing:
            raise ValueError(
                f"the data lacks column(s) the model was trained on: {', '.join(missing)}"
            )
        frame = self._frame(features)
        for column in self.numeric:
            _check_magnitudes(frame[column].to_numpy(), f"column {column!r}", limit=np.inf)
        if warn:
            _warn_missing(frame, "input")
            self._warn_unknown(frame)
        return np.asarray(self.transformer.transform(frame), dtype=np.float64)

    def _frame(self, features: pd.DataFrame) -> pd.DataFrame:
        frame = features[self.columns].copy()
        for column in self.categorical:  # one text type so that categories compare equal
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
            frame[column] = frame[column].map(lambda v: v if v is None else str(v))
        for column in self.numeric:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        return frame

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


MAX_MAGNITUDE = 1e150  # standardizing squares deviations; beyond ~1e154 the square overflows


def _check_magnitudes(values: np.ndarray, name: str, limit: float = MAX_MAGNITUDE) -> None:
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


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _check_encodable(features: pd.DataFrame, categorical: list[str]) -> None:
    for column in features.columns:
        if features[column].isna().all():
            raise ValueError(f"column {column!r} has no values at all; drop it with --drop")
    for column in categorical:
        n_distinct = features[column].nunique()
        if n_distinct > MAX_CATEGORIES and n_distinct > 0.5 * len(features):
            raise ValueError(
                f"column {column!r} is text with {n_distinct} distinct values (an ID or free "
                "text?) and cannot be one-hot encoded; drop it with --drop"
            )


def _warn_missing(frame: pd.DataFrame, what: str) -> None:
    counts = frame.isna().sum()
    columns = [f"{c} ({n})" for c, n in counts.items() if n]
    if columns:
        warnings.warn(
            f"missing values in the {what} data imputed (numeric: training median, other: most "
            f"frequent): {', '.join(columns)}",
            DataWarning,
            stacklevel=3,
        )


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
