"""What the subcommands share: the saved model, turning outputs into answers, the metrics."""

from __future__ import annotations

import argparse
import io as _io
import json
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.atomic import atomic_write_bytes
from ..io.model_files import load_network
from ..io.tables import Preprocessor, read_table
from ..network import Network


@dataclass
class Model:
    """A trained model as the CLI sees it: network, preprocessing and what the outputs mean."""

    network: Network
    preprocessor: Preprocessor
    metadata: dict[str, Any]

    @property
    def task(self) -> str:
        return str(self.metadata["task"])

    @property
    def classes(self) -> list[Any]:
        return list(self.metadata.get("classes", []))

    def outputs(self, features: pd.DataFrame) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)`` or values ``(n_samples,)``."""
        with warnings_to_stderr():
            x = self.preprocessor.transform(features)
        return raw_to_answer(self.network.predict(x), self)


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Show the data warnings raised inside as one ``glassnet: warning:`` line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        print(f"glassnet: warning: {warning.message}", file=sys.stderr)


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of reading a data file, the same in every subcommand that reads one."""
    parser.add_argument(
        "--sep",
        metavar="CHAR",
        help="CSV separator: , ; | or tab (default: detected among those four)",
    )
    parser.add_argument(
        "--encoding", metavar="NAME", help="CSV text encoding, e.g. latin-1 (default: utf-8)"
    )


def read_data(args: argparse.Namespace, path: str) -> pd.DataFrame:
    """The table at ``path`` read with the options of :func:`add_data_arguments`; a bar counts
    the bytes of a large file unless ``--quiet`` or standard error is not a terminal."""
    show = not getattr(args, "quiet", False) and sys.stderr.isatty()
    return read_table(path, sep=args.sep, encoding=args.encoding, progress=show)


def load_model(path: str) -> Model:
    """Load a model file written by ``glassnet train``; ``ValueError`` if it is not one.

    Its metadata was checked field by field on reading (:mod:`glassnet.io.model_schema`)."""
    network, metadata = load_network(path)
    for key in ("task", "preprocessing", "target"):
        if key not in metadata:
            raise ValueError(f"{path} is a glassnet network but not a `glassnet train` model")
    try:
        preprocessor = Preprocessor.from_json(metadata["preprocessing"])
    except ValueError as error:  # the schema let it through: still one line naming the file
        raise ValueError(f"{path}: {error}") from None
    return Model(network, preprocessor, metadata)


def raw_to_answer(raw: np.ndarray, model: Any) -> np.ndarray:
    """Network outputs -> probabilities of every class, or values in the target's units."""
    metadata = model.metadata
    if metadata["task"] == "regression":
        scaling = metadata["target_scaling"]
        return raw[:, 0] * scaling["scale"] + scaling["mean"]
    if raw.shape[1] == 1:  # binary: one sigmoid output is P(classes[1])
        return np.column_stack([1.0 - raw[:, 0], raw[:, 0]])
    return raw


def predicted_labels(answer: np.ndarray, classes: list[Any]) -> np.ndarray:
    """The most probable class of each row."""
    return np.asarray(classes, dtype=object)[answer.argmax(axis=1)]


def encode_target(y: pd.Series, metadata: dict[str, Any]) -> np.ndarray:
    """The target as the network was trained on it: scaled values, 0/1, or class indices."""
    if metadata["task"] == "regression":
        scaling = metadata["target_scaling"]
        return ((y.to_numpy(dtype=float) - scaling["mean"]) / scaling["scale"]).reshape(-1, 1)
    labels = label_indices(y, metadata["classes"], "the target")
    return labels.reshape(-1, 1).astype(float) if len(metadata["classes"]) == 2 else labels


def label_indices(y: pd.Series, classes: list[Any], name: str) -> np.ndarray:
    """Each label's position in ``classes``; ``ValueError`` naming labels the model never saw.

    Labels compare by value: a target read back as ``1.0`` is the class ``1``.
    """
    index = pd.Index([_label_key(c) for c in classes])
    keys = pd.Series([_label_key(v) for v in y], index=y.index, dtype=object)
    positions = index.get_indexer(keys)
    if (positions < 0).any():
        unknown = sorted(set(y.astype(str)[positions < 0]))[:5]
        raise ValueError(f"{name} has labels the model does not know: {', '.join(unknown)}")
    return positions


def _label_key(value: Any) -> str:
    """A label as text, integral numbers without their ``.0`` (``1.0`` and ``1`` are one class)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        if np.isfinite(value) and float(value).is_integer():
            return str(int(value))
    return str(value)


def classification_metrics(labels: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    """Accuracy, precision, recall, F1 (positive class = the second class when binary, else
    macro averages), ROC AUC and the confusion matrix (rows: true, columns: predicted)."""
    from sklearn import metrics

    n_classes = proba.shape[1]
    predicted = proba.argmax(axis=1)
    average = "binary" if n_classes == 2 else "macro"
    scores: dict[str, Any] = {
        "accuracy": metrics.accuracy_score(labels, predicted),
        "precision": metrics.precision_score(labels, predicted, average=average, zero_division=0),
        "recall": metrics.recall_score(labels, predicted, average=average, zero_division=0),
        "f1": metrics.f1_score(labels, predicted, average=average, zero_division=0),
        "roc_auc": None,  # undefined unless every class occurs
    }
    if len(np.unique(labels)) == n_classes:
        if n_classes == 2:
            scores["roc_auc"] = metrics.roc_auc_score(labels, proba[:, 1])
        else:
            scores["roc_auc"] = metrics.roc_auc_score(labels, proba, multi_class="ovr")
    scores = {k: None if v is None else float(v) for k, v in scores.items()}
    matrix = metrics.confusion_matrix(labels, predicted, labels=list(range(n_classes)))
    scores["confusion_matrix"] = matrix.tolist()
    return scores


def regression_metrics(y: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """MAE, RMSE and R² of ``y_pred`` against ``y``."""
    from sklearn import metrics

    return {
        "mae": float(metrics.mean_absolute_error(y, y_pred)),
        "rmse": float(np.sqrt(metrics.mean_squared_error(y, y_pred))),
        "r2": float(metrics.r2_score(y, y_pred)) if len(y) > 1 else None,
    }


def format_metrics(name: str, scores: dict[str, Any], classes: list[Any]) -> str:
    """A few readable lines: the scores, then the confusion matrix if any."""
    numbers = [
        f"{k} {v:.4f}" if v is not None else f"{k} n/a"
        for k, v in scores.items()
        if k != "confusion_matrix"
    ]
    lines = [f"{name}: " + ", ".join(numbers)]
    if "confusion_matrix" in scores:
        counts = [str(n) for row in scores["confusion_matrix"] for n in row]
        cells = [str(c) for c in classes] + counts
        width = max(len(cell) for cell in cells) + 2  # wide enough for labels and counts
        header = " " * width + "".join(f"{c!s:>{width}}" for c in classes)
        lines.append(f"  confusion matrix (rows: true, columns: predicted)\n  {header}")
        for c, row in zip(classes, scores["confusion_matrix"], strict=True):
            lines.append("  " + f"{c!s:>{width}}" + "".join(f"{n:>{width}}" for n in row))
    return "\n".join(lines)


def write_csv(frame: pd.DataFrame, path: str | None) -> None:
    """Write ``frame`` as CSV to ``path`` (atomically) or to standard output."""
    if path is None:
        print(frame.to_csv(index=False), end="")
        return
    buffer = _io.StringIO()
    frame.to_csv(buffer, index=False)
    atomic_write_bytes(Path(path), buffer.getvalue().encode())


def print_json(document: Any) -> None:
    print(json.dumps(document, indent=2))
