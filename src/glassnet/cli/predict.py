"""``glassnet predict MODEL DATA [-o OUT.csv] [--proba]``: answers for every row, in order."""

from __future__ import annotations

import argparse

import pandas as pd

from ..io.output_paths import check_outputs
from ..io.tables import read_table
from .common import load_model, predicted_labels, write_csv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model file written by `glassnet train`")
    parser.add_argument("data", help="CSV or Parquet file with the model's input columns")
    parser.add_argument("-o", "--output", help="CSV file to write (default: standard output)")
    parser.add_argument("--proba", action="store_true", help="add each class's probability")


def run(args: argparse.Namespace) -> int:
    check_outputs({"-o": args.output}, [args.model, args.data])
    model = load_model(args.model)
    features = read_table(args.data)
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
    return 0
