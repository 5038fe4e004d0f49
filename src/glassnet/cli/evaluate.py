"""``glassnet evaluate MODEL DATA --target COL [--json]``: the model's metrics on labelled data.

Rows whose target is missing are left out with a warning giving their count (refused when
they are most of the rows), as ``train`` does.
"""

from __future__ import annotations

import argparse

from ..io.tables import split_target
from .common import (
    add_data_arguments,
    classification_metrics,
    format_metrics,
    label_indices,
    load_model,
    print_json,
    read_data,
    regression_metrics,
    warnings_to_stderr,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model file written by `glassnet train`")
    parser.add_argument("data", help="CSV or Parquet file with the inputs and the target")
    add_data_arguments(parser)
    parser.add_argument("--target", help="the target column (default: the one trained on)")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")


def run(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    with warnings_to_stderr():
        frame = read_data(args, args.data)
        features, y = split_target(frame, args.target or model.metadata["target"])
    answer = model.outputs(features)
    if model.task == "regression":
        scores = regression_metrics(y.to_numpy(dtype=float), answer)
    else:
        scores = classification_metrics(label_indices(y, model.classes, "the target"), answer)
    if args.json:
        print_json(scores)
    else:
        print(format_metrics(f"{args.data} ({len(y)} rows)", scores, model.classes))
    return 0
