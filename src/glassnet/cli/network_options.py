"""``glassnet train``'s network and training options: checked before any data is read, then
turned into the network and the optimizer (each resolved once, here).

The defaults are chosen to hold their own against a linear model on small, noisy tables
(issue 19; the measurements are in ``docs/quality.md``): early stopping on 10% of the training
rows with the best epoch restored, at most 200 epochs, and an L2 penalty sized to the data,
``5 / n`` for ``n`` training rows (``l2 · Σw²`` on a mean loss): the penalty of scikit-learn's
``LogisticRegression(C=0.1)``, ten times its default, which shrinks as the data grows.
(``1 / (2n)``, its default strength, overfits the small sets; ``10 / n`` underfits the
5-class weather set: see ``docs/quality.md``.)
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import itertools
import sys
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..layers import Dense
from ..network import Network
from ..optimizers import SGD, Adam, default_learning_rate
from .command import CommandError
from .loop import validation_size

MIN_ROWS_TO_HOLD_OUT = 20  # fewer training rows: early stopping is off unless asked for
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adamw": "AdamW"}


def check_options(args: argparse.Namespace) -> None:
    """Every option error, before any work on the data."""
    if not 0.0 < args.test_size < 1.0:
        raise CommandError(f"--test-size must be in (0, 1), got {args.test_size}")
    for name in ("epochs", "batch_size", "patience"):
        if getattr(args, name) < 1:
            raise CommandError(
                f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}"
            )
    if not 0.0 <= args.dropout < 1.0:
        raise CommandError(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.l2 is not None and not 0.0 <= args.l2 < float("inf"):
        raise CommandError(f"--l2 must be >= 0, got {args.l2}")
    if not 0 <= args.seed < 2**32:  # what scikit-learn's split accepts
        raise CommandError(f"--seed must be in [0, 2**32 - 1], got {args.seed}")
    if args.lr is not None and not 0.0 < args.lr < float("inf"):
        raise CommandError(f"--lr must be a positive number, got {args.lr}")
    if args.dropout:
        _engine_feature("layers", "Dropout", "--dropout")
    if args.l2:
        _engine_feature("regularizers", "L2", "--l2")
    args.hidden_sizes = hidden_sizes(args.hidden)
    check_activation(args.activation)


def hidden_sizes(option: str) -> list[int]:
    """``--hidden 64,32`` -> [64, 32]; ``""`` is no hidden layer (a linear model); an empty
    part (``64,,32``) or a size < 1 is refused."""
    if not option.strip():
        return []
    parts = [part.strip() for part in option.split(",")]
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise CommandError(
            f"--hidden must be sizes separated by commas like 64,32, got {option!r}"
        ) from None
    if any(n < 1 for n in sizes):
        raise CommandError(f"--hidden sizes must be >= 1, got {option!r}")
    return sizes


def check_activation(name: str) -> None:
    """``--activation`` must be a name the layers know; suggest the close ones."""
    known = list(ACTIVATIONS)
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise CommandError(f"--activation must be one of {', '.join(known)}; got {name!r}{hint}")


L2_PER_ROW = 5.0  # l2 = 5 / n: LogisticRegression(C=0.1)'s strength on a mean loss


def default_l2(n_rows: int) -> float:
    """The L2 strength sized to ``n_rows`` training rows: ``5 / n`` (see the module)."""
    return L2_PER_ROW / max(n_rows, 1)


def build_network(
    n_inputs: int, metadata: dict[str, Any], args: argparse.Namespace, l2: float
) -> Network:
    """The network ``args`` describe, its weights drawn from the ``--seed`` generator."""
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
    penalties = [_engine_feature("regularizers", "L2", "--l2")(l2)] if l2 else []
    return Network(layers, loss=loss, penalties=penalties)


def build_optimizer(args: argparse.Namespace) -> Any:
    """``--optimizer`` and ``--lr`` -> an optimizer object (resolved once, here)."""
    from .. import optimizers

    name = (args.optimizer or ("adam" if hasattr(optimizers, "Adam") else "sgd")).lower()
    args.optimizer = name
    if name == "sgd":
        return SGD(learning_rate=args.lr or default_learning_rate(SGD), momentum=0.9)
    if name not in OPTIMIZERS:
        raise CommandError(f"--optimizer must be one of sgd, {', '.join(OPTIMIZERS)}; got {name!r}")
    return _engine_feature("optimizers", OPTIMIZERS[name], "--optimizer")(
        learning_rate=args.lr or default_learning_rate(Adam)  # Adam's, for each adaptive one
    )


def _engine_feature(module: str, name: str, option: str) -> Any:
    try:
        return getattr(importlib.import_module(f"glassnet.{module}"), name)
    except (ImportError, AttributeError):
        raise CommandError(
            f"{option} needs glassnet.{module}.{name}, which this glassnet version lacks"
        ) from None


def resolve_early_stopping(args: argparse.Namespace, n_train: int) -> int:
    """Resolve ``--early-stopping`` (default: on from MIN_ROWS_TO_HOLD_OUT training rows);
    the number of training rows it holds out."""
    if args.early_stopping is None:
        args.early_stopping = n_train >= MIN_ROWS_TO_HOLD_OUT
        if not args.early_stopping:
            print(
                f"glassnet: note: early stopping off: {n_train} training rows are too few to "
                f"hold some out (it needs {MIN_ROWS_TO_HOLD_OUT})",
                file=sys.stderr,
            )
    if not args.early_stopping:
        return 0
    n_validation = validation_size(n_train)
    if n_train - n_validation < 1:
        raise CommandError(
            f"--early-stopping needs at least 2 training rows (one to hold out), got {n_train}"
        )
    return n_validation
