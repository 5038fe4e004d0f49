"""``glassnet plot MODEL [DATA]``: every picture of the model that applies, each skipped one
said with its reason.

Always: the loss curves (training and held-out, when the model file has its history) and the
network (features and classes named, a colour key, wide layers summarized). With labelled
DATA (default: the bundled data, for a model trained on it): a classifier's confusion matrix,
and its decision boundary when it has exactly two numeric inputs (missing values imputed with
the model's own medians, drawn hollow); a regression model's predicted-against-actual values
and residuals. Files are ``PREFIX-loss.png``, ``PREFIX-network.png``, ``PREFIX-confusion.png``,
``PREFIX-boundary.png`` and ``PREFIX-predictions.png``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.output_paths import check_outputs
from ..io.tables import split_target
from .command import CommandError
from .common import (
    Model,
    add_data_arguments,
    label_indices,
    load_model,
    read_data,
    warnings_to_stderr,
)

Picture = Callable[[], Any]  # draws one figure


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model file written by `glassnet train`")
    parser.add_argument(
        "data",
        nargs="?",
        help="labelled data: confusion matrix, boundary, predicted vs actual (default: the "
        "bundled data, for a model trained on it)",
    )
    add_data_arguments(parser)
    parser.add_argument("--prefix", help="file name prefix (default: the model's name)")


def run(args: argparse.Namespace) -> int:
    try:
        from . import plots

        plots.pyplot()
    except ImportError as error:
        raise CommandError(str(error)) from None
    prefix = args.prefix or str(Path(args.model).with_suffix(""))
    model = load_model(args.model)
    frame = _read(args, model)
    pictures, skipped = plan(model, frame)
    paths = {kind: f"{prefix}-{kind}.png" for kind in pictures}
    check_outputs(
        {f"the {kind} plot (--prefix {prefix})": p for kind, p in paths.items()},
        [args.model, args.data],
    )
    for kind, draw in pictures.items():
        plots.save(draw(), paths[kind])
        print(f"written {paths[kind]}")
    for kind, reason in skipped.items():
        print(f"skipped the {kind} plot: {reason}")
    return 0


def _read(args: argparse.Namespace, model: Model) -> pd.DataFrame | None:
    """DATA, or the bundled data for a model trained on it, or None."""
    from .train import BUNDLED_SOURCE, bundled_frame

    if args.data is None:
        bundled = model.metadata.get("training", {}).get("source") == BUNDLED_SOURCE
        return bundled_frame() if bundled else None
    with warnings_to_stderr():
        return read_data(args, args.data)


def plan(model: Model, frame: pd.DataFrame | None) -> tuple[dict[str, Picture], dict[str, str]]:
    """The pictures that apply to ``model`` (and labelled ``frame``), and why the others do not."""
    from . import plots
    from .network_picture import network_figure

    pictures: dict[str, Picture] = {}
    skipped: dict[str, str] = {}
    history = model.metadata.get("history") or {}
    if history.get("loss"):
        loss = model.network.loss_function.name
        pictures["loss"] = lambda: plots.loss_figure(history, loss)
    else:
        skipped["loss"] = "the model file holds no training history"
    weights = [layer.weights.value for layer in model.network.layers if hasattr(layer, "weights")]
    names = input_names(model), output_names(model)
    pictures["network"] = lambda: network_figure(weights, *names)
    labelled = ["confusion", "boundary"] if model.task == "classification" else ["predictions"]
    if model.task != "classification":
        skipped["boundary"] = "a decision boundary is for classifiers; this model is regression"
    if frame is None:
        skipped.update({k: "needs labelled data: glassnet plot MODEL DATA" for k in labelled})
        return pictures, skipped
    target = model.metadata["target"]
    if target not in frame.columns:
        skipped.update({k: f"DATA has no target column {target!r}" for k in labelled})
        return pictures, skipped
    with warnings_to_stderr():
        features, y = split_target(frame, target)
        answer = model.outputs(features)
    if model.task == "regression":
        actual = y.to_numpy(dtype=float)
        pictures["predictions"] = lambda: plots.regression_figure(actual, answer, target)
        return pictures, skipped
    labels = label_indices(y, model.classes, "the target")
    matrix = _confusion(labels, answer)
    pictures["confusion"] = lambda: plots.confusion_figure(matrix, model.classes)
    reason = boundary_refusal(model)
    if reason:
        skipped["boundary"] = reason
    else:
        pictures["boundary"] = lambda: _boundary(model, features, labels)
    return pictures, skipped


def input_names(model: Model) -> list[str]:
    """The encoded features' names: a column, or ``column_category`` for a one-hot feature."""
    return [name.split("__", 1)[-1] for name in model.preprocessor.feature_names]


def output_names(model: Model) -> list[str]:
    if model.task == "regression":
        return [str(model.metadata["target"])]
    if len(model.classes) == 2:  # one sigmoid output
        return [f"P({model.classes[1]})"]
    return [str(c) for c in model.classes]


def boundary_refusal(model: Model) -> str:
    """Why the model has no 2-D decision boundary to draw, or ``""`` when it has one."""
    pre = model.preprocessor
    if len(pre.numeric) == 2 and not pre.categorical:
        return ""
    columns = ", ".join(pre.columns[:4]) + (", ..." if len(pre.columns) > 4 else "")
    return (
        "a decision boundary needs exactly 2 numeric input columns; this model has "
        f"{len(pre.columns)} ({columns})"
    )


def _confusion(labels: np.ndarray, answer: np.ndarray) -> np.ndarray:
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(labels, answer.argmax(axis=1), labels=range(answer.shape[1]))


def _boundary(model: Model, features: pd.DataFrame, labels: np.ndarray) -> Any:
    """The boundary over the two inputs; a missing or non-numeric cell is given the model's
    own median for its column (as its preprocessing does), and its point drawn hollow."""
    from . import plots

    columns = model.preprocessor.numeric
    medians = [entry["median"] for entry in model.metadata["preprocessing"]["numeric"]]
    raw = np.column_stack([pd.to_numeric(features[c], errors="coerce") for c in columns])
    imputed = np.isnan(raw).any(axis=1)
    x = np.where(np.isnan(raw), np.asarray(medians, dtype=float), raw)

    def predict(grid: np.ndarray) -> np.ndarray:
        return np.asarray(model.outputs(pd.DataFrame(grid, columns=columns)).argmax(axis=1))

    names = (columns[0], columns[1])
    return plots.boundary_figure(predict, x, labels, model.classes, names, imputed)
