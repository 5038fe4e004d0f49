"""``glassnet train [DATA] --target COL``: preprocess a table, train a network, save it.

With no DATA, trains on scikit-learn's bundled breast-cancer dataset (569 tumours, 30
measurements, malignant or benign), so the command works on a fresh machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.model_files import save_network
from ..io.output_paths import check_outputs
from ..io.table_memory import check_training_memory
from ..io.tables import Preprocessor, infer_task, split_target
from ..network import Network
from ..optimizers import SGD, Adam, default_learning_rate
from .baseline import linear_baseline
from .command import CommandError, Interrupted
from .common import (
    add_data_arguments,
    classification_metrics,
    encode_target,
    format_metrics,
    label_indices,
    print_json,
    raw_to_answer,
    read_data,
    regression_metrics,
    warnings_to_stderr,
)
from .drop import check_drop, drop_names
from .interrupt import NOTHING_WRITTEN, kept_message, sigint_deferred
from .loop import Trained, train_network
from .network_options import (
    MIN_ROWS_TO_HOLD_OUT,
    build_network,
    build_optimizer,
    check_options,
    default_l2,
    resolve_early_stopping,
)
from .report import (
    baseline_line,
    data_report,
    network_report,
    report_lines,
    task_report,
    training_report,
)

DEFAULT_OUT = "model.safetensors"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", help="CSV or Parquet file (default: breast cancer)")
    parser.add_argument("--target", help="the column to predict")
    add_data_arguments(parser)
    parser.add_argument("--drop", default="", help="comma-separated columns to ignore")
    parser.add_argument("--task", choices=["classification", "regression"], help="default: infer")
    parser.add_argument("--test-size", type=float, default=0.2, help="held-out fraction (0.2)")
    parser.add_argument("--hidden", default="64,32", help="hidden layer sizes (64,32)")
    parser.add_argument("--activation", default="relu", help="hidden activation (relu)")
    parser.add_argument(
        "--optimizer", help="adam, sgd (momentum 0.9), rmsprop, ... (adam when available, else sgd)"
    )
    rates = f"adam {default_learning_rate(Adam)}, sgd {default_learning_rate(SGD)}"
    parser.add_argument("--lr", type=float, help=f"learning rate ({rates})")
    parser.add_argument(
        "--epochs", type=int, default=200, help="most passes over the data (200; see --patience)"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="samples per step (32)")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout rate after hidden")
    parser.add_argument(
        "--l2",
        type=float,
        help="L2 penalty strength (default 5/n for n training rows; 0: none)",
    )
    parser.add_argument(
        "--early-stopping",
        action=argparse.BooleanOptionalAction,
        help="hold out 10%% of the training rows; stop when their loss stops improving and "
        f"keep the best epoch (on, from {MIN_ROWS_TO_HOLD_OUT} training rows)",
    )
    parser.add_argument("--patience", type=int, default=10, help="early-stopping patience (10)")
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also fit a linear model on the same split and report its score (on)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for split, init, shuffling")
    parser.add_argument("--out", help=f"model file to write ({DEFAULT_OUT})")
    parser.add_argument("--plot", help="loss-curve PNG (default: next to the model)")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    check_options(args)  # option errors come before any work on the data
    optimizer = build_optimizer(args)
    started = time.perf_counter()
    out = DEFAULT_OUT if args.out is None else args.out
    plot = os.path.splitext(out)[0] + "-loss.png" if args.plot is None else args.plot
    check_outputs({"--out": out, "--plot": plot}, [args.data])
    try:
        setup = _prepare(args)
        run_ = train_network(
            setup.network, optimizer, setup.x[setup.train], setup.targets[setup.train], args
        )
    except KeyboardInterrupt:  # start-up: reading the data, preprocessing
        raise Interrupted(NOTHING_WRITTEN) from None
    if run_.history["best_epoch"] is None:  # Ctrl-C in the first epoch: no model to keep
        raise Interrupted(NOTHING_WRITTEN)
    setup.seconds = time.perf_counter() - started
    return _finish(args, setup, run_, out, plot)


@dataclass
class _Setup:
    """The data as the network sees it, and the untrained network."""

    metadata: dict[str, Any]
    preprocessor: Preprocessor
    x: np.ndarray
    y: pd.Series
    targets: np.ndarray
    train: np.ndarray
    test: np.ndarray
    network: Network
    source: str
    report: dict[str, Any]
    seconds: float = 0.0


def _prepare(args: argparse.Namespace) -> _Setup:
    features, y, source = _load_data(args)
    task = args.task or infer_task(y)
    train_index, test_index = _split(y, task, args)
    with warnings_to_stderr():
        preprocessor = Preprocessor.fit(features.iloc[train_index])
    check_training_memory(preprocessor, len(features), args.hidden_sizes)
    x = preprocessor.transform(features, warn=False)
    metadata = _target_metadata(y, task, train_index, args.target or "diagnosis")
    targets = encode_target(y, metadata)
    n_validation = resolve_early_stopping(args, len(train_index))
    if args.l2 is None:  # sized to the rows the network trains on
        args.l2 = default_l2(len(train_index) - n_validation)
    network = build_network(x.shape[1], metadata, args, args.l2)
    report = {
        "data": data_report(
            source, len(y), preprocessor.columns,
            {c: "--drop" for c in drop_names(args.drop)}, str(y.name),
        ),
        "task": task_report(y, metadata, bool(args.task)),
        "split": {
            "train": len(train_index), "validation": n_validation, "test": len(test_index),
        },
        "network": network_report(network, args.activation, metadata),
    }  # fmt: skip
    return _Setup(
        metadata, preprocessor, x, y, targets, train_index, test_index, network, source, report
    )


def _finish(args: argparse.Namespace, setup: _Setup, run_: Trained, out: str, plot: str) -> int:
    """Metrics, the save, the report and the plot; Ctrl-C here still writes the kept model."""
    notes: list[str] = []
    try:
        metrics = _final_metrics(setup)
        baseline = _baseline(setup) if args.baseline else None
    except KeyboardInterrupt:
        run_.interrupted, metrics, baseline = True, {}, None
        notes.append("no metrics (interrupted while computing them)")
    setup.metadata.update(
        preprocessing=setup.preprocessor.to_json(),
        history=run_.history,
        metrics=metrics,
        training={k: v for k, v in vars(args).items() if k != "run"} | {"source": setup.source},
    )
    with sigint_deferred() as received:  # a file half saved is no file
        save_network(out, setup.network, setup.metadata)
    run_.interrupted = run_.interrupted or bool(received)
    report = training_report(
        args, setup.report, run_, {"metrics": metrics, "baseline": baseline, "model": out},
        setup.seconds,
    )  # fmt: skip
    try:
        _report(args, report)
        if not run_.interrupted:
            _loss_plot(args, plot, run_.history, setup.network.loss_function.name)
    except KeyboardInterrupt:
        run_.interrupted = True
        notes.append("no loss plot")
    if run_.interrupted:
        raise Interrupted(kept_message(run_.history, args.early_stopping, out, notes))
    return 0


def _baseline(setup: _Setup) -> dict[str, Any]:
    return linear_baseline(setup.x, setup.targets, setup.train, setup.test, setup.metadata["task"])


def _final_metrics(setup: _Setup) -> dict[str, Any]:
    model = _ModelView(setup.network, setup.metadata)
    return {
        split: _metrics(model, setup.x[rows], setup.y.iloc[rows])
        for split, rows in (("train", setup.train), ("test", setup.test))
    }


BUNDLED_SOURCE = "sklearn breast cancer"


def bundled_frame() -> pd.DataFrame:
    """scikit-learn's breast-cancer data with its target as the column ``diagnosis``."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame["diagnosis"] = np.asarray(bunch.target_names)[bunch.target]
    return frame


def _load_data(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.Series, str]:
    drop = drop_names(args.drop)
    if args.data is None:
        frame, source = bundled_frame(), BUNDLED_SOURCE
    elif not args.target:
        raise CommandError("--target is required with a DATA file (the column to predict)")
    else:
        frame, source = read_data(args, args.data), str(args.data)
    check_drop(drop, list(frame.columns))
    features, y = split_target(frame, args.target or "diagnosis", drop)
    return features, y, source


def _split(y: pd.Series, task: str, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    if task == "classification":
        counts = y.astype(str).value_counts()
        if len(counts) < 2:
            raise CommandError(f"target {y.name!r} has a single class ({counts.index[0]!r})")
        stratify = y.astype(str) if counts.min() >= 2 else None
    else:
        stratify = None
    try:
        train, test = train_test_split(
            np.arange(len(y)), test_size=args.test_size, random_state=args.seed, stratify=stratify
        )
    except ValueError as error:
        raise CommandError(
            f"cannot split {len(y)} rows into train and test with --test-size {args.test_size}: "
            f"{error}"
        ) from None
    return np.sort(train), np.sort(test)


def _target_metadata(y: pd.Series, task: str, train: np.ndarray, name: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"task": task, "target": name}
    if task == "classification":
        classes = sorted(pd.unique(y), key=lambda v: (str(type(v)), v))
        metadata["classes"] = [v.item() if hasattr(v, "item") else v for v in classes]
    else:
        if not pd.api.types.is_numeric_dtype(y):
            raise CommandError(f"regression needs a numeric target; {name!r} is not numeric")
        values = y.to_numpy(dtype=float)[train]
        metadata["target_scaling"] = {"mean": float(values.mean()), "scale": float(values.std())}
        if metadata["target_scaling"]["scale"] == 0:
            metadata["target_scaling"]["scale"] = 1.0
    return metadata


class _ModelView:
    def __init__(self, network: Network, metadata: dict[str, Any]) -> None:
        self.network, self.metadata = network, metadata


def _metrics(model: _ModelView, x: np.ndarray, y: pd.Series) -> dict[str, Any]:
    answer = raw_to_answer(model.network.predict(x), model)
    if model.metadata["task"] == "regression":
        return regression_metrics(y.to_numpy(dtype=float), answer)
    return classification_metrics(label_indices(y, model.metadata["classes"], "target"), answer)


def _report(args: argparse.Namespace, report: dict[str, Any]) -> None:
    if args.json:
        print_json(report)
        return
    for line in report_lines(report):
        print(line)
    classes = report["task"].get("classes", [])
    for split, scores in report["metrics"].items():
        print(format_metrics(f"{split:<5}", scores, classes))
    compared = baseline_line(report)
    if compared is not None:
        print(compared)
    print(f"model written to {report['model']}")


def _loss_plot(
    args: argparse.Namespace, path: str, history: dict[str, Any], loss: str
) -> None:
    try:
        from .plots import plot_loss

        plot_loss(history, path, loss)  # the y axis names the loss
    except ImportError as error:
        print(f"glassnet: note: no loss plot ({error})", file=sys.stderr)
        return
    if not args.json:
        print(f"loss curve written to {path}")
