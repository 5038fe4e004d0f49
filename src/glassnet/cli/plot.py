"""``glassnet plot MODEL``: loss curves, the network with weight-coloured links, and, when
the model has two numeric inputs and DATA is given, the decision boundary."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.output_paths import check_outputs
from ..io.tables import read_table
from .command import CommandError
from .common import Model, label_indices, load_model


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model file written by `glassnet train`")
    parser.add_argument("data", nargs="?", help="labelled data for the decision boundary")
    parser.add_argument("--prefix", help="file name prefix (default: the model's name)")


def run(args: argparse.Namespace) -> int:
    try:
        from . import plots
    except ImportError as error:  # pragma: no cover - plots imports matplotlib lazily
        raise CommandError(str(error)) from None
    prefix = args.prefix or str(Path(args.model).with_suffix(""))
    paths = {
        f"the {kind} plot (--prefix {prefix})": f"{prefix}-{kind}.png"
        for kind in ("loss", "network", "boundary")
        if kind != "boundary" or args.data is not None
    }
    check_outputs(paths, [args.model, args.data])
    model = load_model(args.model)
    weights = [layer.weights.value for layer in model.network.layers if hasattr(layer, "weights")]
    written = []
    try:
        plots.plot_loss(model.metadata["history"], f"{prefix}-loss.png")
        plots.plot_network(weights, f"{prefix}-network.png")
        written = [f"{prefix}-loss.png", f"{prefix}-network.png"]
        if args.data is not None:
            written.append(_boundary(model, read_table(args.data), f"{prefix}-boundary.png"))
    except ImportError as error:
        raise CommandError(str(error)) from None
    for path in written:
        print(f"written {path}")
    return 0


def _boundary(model: Model, frame: pd.DataFrame, path: str) -> str:
    from . import plots

    pre = model.preprocessor
    if model.task != "classification" or len(pre.numeric) != 2 or pre.categorical:
        raise CommandError("a decision boundary needs a classifier on exactly 2 numeric columns")
    target = model.metadata["target"]
    if target not in frame.columns:
        raise CommandError(f"the data lacks the target column {target!r}")
    labels = label_indices(frame[target], model.classes, "the target")

    def predict(grid: np.ndarray) -> np.ndarray:
        answer = model.outputs(pd.DataFrame(grid, columns=pre.numeric))
        return np.asarray(answer.argmax(axis=1))

    x = frame[pre.numeric].to_numpy(dtype=float)
    plots.plot_decision_boundary(predict, x, labels, path, (pre.numeric[0], pre.numeric[1]))
    return path
