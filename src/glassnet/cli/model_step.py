"""What ``glassnet explain --model`` walks: a row of any data file as the model sees it, and
the model's own optimizer, rebuilt from what ``glassnet train`` recorded in the model file."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .command import CommandError
from .common import Model, encode_target, read_data, warnings_to_stderr


def model_row(args: argparse.Namespace, model: Model) -> tuple[np.ndarray, np.ndarray]:
    """Row ``--row`` of ``--data`` (or of the bundled data the model was trained on) through the
    model's own preprocessing, and its target as the network was trained on it."""
    from ..io.tables import split_target
    from .train import BUNDLED_SOURCE, bundled_frame

    if args.data is not None:
        with warnings_to_stderr():
            frame = read_data(args, args.data)
    elif model.metadata.get("training", {}).get("source") == BUNDLED_SOURCE:
        frame = bundled_frame()
    else:
        raise CommandError(
            "--model needs --data: any file with the model's columns and its target "
            f"{model.metadata['target']!r}, holding the row to explain"
        )
    if not 0 <= args.row < len(frame):
        raise CommandError(f"--row must be in [0, {len(frame) - 1}], got {args.row}")
    row = frame.iloc[[args.row]]
    target = model.metadata["target"]
    if target in row.columns and row[target].isna().all():
        raise CommandError(
            f"row {args.row} has no value in the target column {target!r}: a training step "
            "needs one; choose another --row"
        )
    features, y = split_target(row, target)
    with warnings_to_stderr():
        x = model.preprocessor.transform(features)
    return x, encode_target(y, model.metadata)


def model_optimizer(metadata: dict[str, Any], lr: float | None) -> tuple[Any, str]:
    """The optimizer ``glassnet train`` used for this model (its ``--optimizer`` and ``--lr``,
    with train's defaults), ``lr`` replacing the rate when given; and a phrase saying which."""
    from .network_options import build_optimizer

    training = metadata.get("training", {})
    name, recorded = training.get("optimizer"), training.get("lr")
    if name is None:  # not written by `glassnet train` (or by an early version)
        from ..optimizers import SGD

        rate = 0.5 if lr is None else lr
        return SGD(learning_rate=rate), (
            f"optimizer sgd (the model file records none), learning rate {rate:g}"
        )
    optimizer = build_optimizer(argparse.Namespace(optimizer=str(name), lr=lr or recorded))
    origin = "--lr" if lr is not None else "from its training"
    return optimizer, (
        f"optimizer {name}, learning rate {optimizer.current_learning_rate:g} ({origin})"
    )
