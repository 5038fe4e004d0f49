"""``glassnet train [DATA] --target COL``: preprocess a table, train a network, save it.

With no DATA, trains on scikit-learn's bundled breast-cancer dataset (569 tumours, 30
measurements, malignant or benign), so the command works on a fresh machine.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.model_files import save_network
from ..io.output_paths import check_outputs
from ..io.table_memory import check_training_memory
from ..io.tables import Preprocessor, infer_task, read_table, split_target
from ..layers import Dense
from ..network import Network
from ..optimizers import SGD
from .common import (
    classification_metrics,
    encode_target,
    format_metrics,
    label_indices,
    print_json,
    raw_to_answer,
    regression_metrics,
    warnings_to_stderr,
)
from .drop import check_drop, drop_names
from .interrupt import NOTHING_WRITTEN, kept_message, sigint_deferred
from .loop import Trained, train_network
from .main import CommandError, Interrupted

DEFAULT_OUT = "model.safetensors"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", help="CSV or Parquet file (default: breast cancer)")
    parser.add_argument("--target", help="the column to predict")
    parser.add_argument("--drop", default="", help="comma-separated columns to ignore")
    parser.add_argument("--task", choices=["classification", "regression"], help="default: infer")
    parser.add_argument("--test-size", type=float, default=0.2, help="held-out fraction (0.2)")
    parser.add_argument("--hidden", default="64,32", help="hidden layer sizes (64,32)")
    parser.add_argument("--activation", default="relu", help="hidden activation (relu)")
    parser.add_argument(
        "--optimizer", help="adam, sgd (momentum 0.9), rmsprop, ... (adam when available, else sgd)"
    )
    parser.add_argument("--lr", type=float, help="learning rate (adam 0.001, sgd 0.01)")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the data (20)")
    parser.add_argument("--batch-size", type=int, default=32, help="samples per step (32)")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout rate after hidden")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 penalty strength")
    parser.add_argument(
        "--early-stopping",
        action="store_true",
        help="hold out 10%% of the training rows; stop when their loss stops improving",
    )
    parser.add_argument("--patience", type=int, default=10, help="early-stopping patience (10)")
    parser.add_argument("--seed", type=int, default=0, help="seed for split, init, shuffling")
    parser.add_argument("--out", help=f"model file to write ({DEFAULT_OUT})")
    parser.add_argument("--plot", help="loss-curve PNG (default: next to the model)")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    _check_options(args)  # option errors come before any work on the data
    optimizer = _optimizer(args)
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
    network = _build_network(x.shape[1], metadata, args)
    return _Setup(metadata, preprocessor, x, y, targets, train_index, test_index, network, source)


def _finish(args: argparse.Namespace, setup: _Setup, run_: Trained, out: str, plot: str) -> int:
    """Metrics, the save, the report and the plot; Ctrl-C here still writes the kept model."""
    notes: list[str] = []
    try:
        metrics = _final_metrics(setup)
    except KeyboardInterrupt:
        run_.interrupted, metrics = True, {}
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
    try:
        _report(args, metrics, setup.metadata, out, run_)
        if not run_.interrupted:
            _loss_plot(args, plot, run_.history)
    except KeyboardInterrupt:
        run_.interrupted = True
        notes.append("no loss plot")
    if run_.interrupted:
        raise Interrupted(kept_message(run_.history, args.early_stopping, out, notes))
    return 0


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
        frame, source = read_table(args.data), str(args.data)
    check_drop(drop, list(frame.columns))
    features, y = split_target(frame, args.target or "diagnosis", drop)
    return features, y, source


def _check_options(args: argparse.Namespace) -> None:
    if not 0.0 < args.test_size < 1.0:
        raise CommandError(f"--test-size must be in (0, 1), got {args.test_size}")
    for name in ("epochs", "batch_size", "patience"):
        if getattr(args, name) < 1:
            raise CommandError(
                f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}"
            )
    if not 0.0 <= args.dropout < 1.0:
        raise CommandError(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.l2 < 0:
        raise CommandError(f"--l2 must be >= 0, got {args.l2}")
    if not 0 <= args.seed < 2**32:  # what scikit-learn's split accepts
        raise CommandError(f"--seed must be in [0, 2**32 - 1], got {args.seed}")
    if args.lr is not None and not 0.0 < args.lr < float("inf"):
        raise CommandError(f"--lr must be a positive number, got {args.lr}")
    if args.dropout:
        _engine_feature("layers", "Dropout", "--dropout")
    if args.l2:
        _engine_feature("regularizers", "L2", "--l2")
    try:
        args.hidden_sizes = [int(n) for n in args.hidden.split(",") if n.strip()]
    except ValueError:
        raise CommandError(f"--hidden must be sizes like 64,32, got {args.hidden!r}") from None
    if any(n < 1 for n in args.hidden_sizes):
        raise CommandError(f"--hidden sizes must be >= 1, got {args.hidden!r}")


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


def _build_network(n_inputs: int, metadata: dict[str, Any], args: argparse.Namespace) -> Network:
    rng = np.random.default_rng(args.seed)
    if metadata["task"] == "regression":
        n_outputs, output, loss = 1, "identity", "mean_squared_error"
    elif len(metadata["classes"]) == 2:
        n_outputs, output, loss = 1, "sigmoid", "binary_cross_entropy"
    else:
        n_outputs, output, loss = len(metadata["classes"]), "softmax", "categorical_cross_entropy"
    sizes = [n_inputs, *args.hidden_sizes]
    init = "he_uniform" if args.activation in ("relu", "leaky_relu", "elu") else "glorot_uniform"
    layers: list[Any] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers.append(Dense(n_in, n_out, args.activation, weight_init=init, rng=rng))
        if args.dropout:
            layers.append(_engine_feature("layers", "Dropout", "--dropout")(args.dropout))
    layers.append(Dense(sizes[-1], n_outputs, output, rng=rng))
    penalties = [_engine_feature("regularizers", "L2", "--l2")(args.l2)] if args.l2 else []
    return Network(layers, loss=loss, penalties=penalties)


def _optimizer(args: argparse.Namespace) -> Any:
    """``--optimizer`` and ``--lr`` -> an optimizer object (resolved once, here)."""
    from .. import optimizers

    name = (args.optimizer or ("adam" if hasattr(optimizers, "Adam") else "sgd")).lower()
    args.optimizer = name
    if name == "sgd":
        return SGD(learning_rate=args.lr or 0.01, momentum=0.9)
    class_name = {"adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adamw": "AdamW"}
    if name not in class_name:
        raise CommandError(f"--optimizer must be one of sgd, {', '.join(class_name)}; got {name!r}")
    return _engine_feature("optimizers", class_name[name], "--optimizer")(
        learning_rate=args.lr or 0.001
    )


def _engine_feature(module: str, name: str, option: str) -> Any:
    try:
        return getattr(importlib.import_module(f"glassnet.{module}"), name)
    except (ImportError, AttributeError):
        raise CommandError(
            f"{option} needs glassnet.{module}.{name}, which this glassnet version lacks"
        ) from None


class _ModelView:
    def __init__(self, network: Network, metadata: dict[str, Any]) -> None:
        self.network, self.metadata = network, metadata


def _metrics(model: _ModelView, x: np.ndarray, y: pd.Series) -> dict[str, Any]:
    answer = raw_to_answer(model.network.predict(x), model)
    if model.metadata["task"] == "regression":
        return regression_metrics(y.to_numpy(dtype=float), answer)
    return classification_metrics(label_indices(y, model.metadata["classes"], "target"), answer)


def _report(args: Any, metrics: dict, metadata: dict, out: str, run_: Any) -> None:
    if args.json:
        kept = run_.history["best_epoch"]
        print_json(
            {"metrics": metrics, "model": out, "epoch": kept, "interrupted": run_.interrupted}
        )
        return
    classes = metadata.get("classes", [])
    for split, scores in metrics.items():
        print(format_metrics(f"{split:<5}", scores, classes))
    print(f"model written to {out}")


def _loss_plot(args: argparse.Namespace, path: str, history: dict[str, Any]) -> None:
    try:
        from .plots import plot_loss

        plot_loss(history, path)
    except ImportError as error:
        print(f"glassnet: note: no loss plot ({error})", file=sys.stderr)
        return
    if not args.json:
        print(f"loss curve written to {path}")
