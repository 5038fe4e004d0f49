"""``glassnet info MODEL``: architecture, preprocessing and training summary of a model file."""

from __future__ import annotations

import argparse
from typing import Any

from ..io.model_files import load_network
from .common import format_metrics, print_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a glassnet model file")
    parser.add_argument("--json", action="store_true", help="print the stored metadata as JSON")


def run(args: argparse.Namespace) -> int:
    network, metadata = load_network(args.model)
    if args.json:
        print_json(metadata)
        return 0
    print(f"model {args.model}")
    print(network)
    n_parameters = sum(p.value.size for p in network.parameters())
    print(f"{n_parameters} trainable parameters, {network.dtype.name}")
    if "task" in metadata:
        _describe_training(metadata)
    return 0


def _describe_training(metadata: dict[str, Any]) -> None:
    print(f"task: {metadata['task']} of {metadata['target']!r}", end="")
    print(f", classes {metadata['classes']}" if metadata.get("classes") else "")
    preprocessing = metadata.get("preprocessing", {})
    numeric = [n["column"] for n in preprocessing.get("numeric", [])]
    categorical = preprocessing.get("categorical", [])
    print(f"numeric columns (median-imputed, standardized): {', '.join(numeric) or 'none'}")
    for column in categorical:
        print(f"categorical column {column['column']!r}: one-hot of {column['categories']}")
    training = metadata.get("training", {})
    history = metadata.get("history", {})
    print(
        f"trained on {training.get('source')} for {len(history.get('loss', []))} epochs "
        f"(kept epoch {history.get('best_epoch')}), optimizer {training.get('optimizer')}, "
        f"hidden {training.get('hidden')}, activation {training.get('activation')}"
    )
    classes = metadata.get("classes", [])
    for split, scores in metadata.get("metrics", {}).items():
        print(format_metrics(split, scores, classes))
