"""``glassnet predict MODEL DATA [-o OUT.csv] [--proba]``: answers for every row, in order.

``--proba`` adds each class's probability; a regression model has none, so it is refused
there (an option that would silently do nothing is a mistake the user should hear about).
"""

from __future__ import annotations

import argparse

import pandas as pd

from ..io.output_paths import check_outputs
from .command import CommandError
from .common import (
    add_data_arguments,
    load_model,
    predicted_labels,
    read_data,
    warnings_to_stderr,
    write_csv,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model file written by `glassnet train`")
    parser.add_argument("data", help="CSV or Parquet file with the model's input columns")
    add_data_arguments(parser)
    parser.add_argument("-o", "--output", help="CSV file to write (default: standard output)")
    parser.add_argument(
        "--proba", action="store_true", help="add each class's probability (classifiers only)"
    )


def run(args: argparse.Namespace) -> int:
    check_outputs({"-o": args.output}, [args.model, args.data])
    model = load_model(args.model)
    if args.proba and model.task == "regression":
        raise CommandError(
            f"--proba is for classifiers; {args.model} is a regression model (it predicts "
            f"values of {model.metadata['target']!r}, not classes)"
        )
    with warnings_to_stderr():
        features = read_data(args, args.data)
    answer = model.outputs(features)
    target = model.metadata["target"]
    if model.task == "regression":
        result = pd.DataFrame({target: answer})
    else:
        result = pd.DataFrame({target: predicted_labels(answer, model.classes)})
        if args.proba:
            for index, label in enumerate(model.classes):
                result[f"proba_{label}"] = answer[:, index]
    write_csv(result, args.output)
    if args.output is not None:
        print(
            f"wrote {len(result)} rows x {result.shape[1]} columns "
            f"({', '.join(map(str, result.columns))}) to {args.output}"
        )
    return 0
