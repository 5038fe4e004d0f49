"""``glassnet explain``: one training step walked through in seven steps, every number shown.

With no options it explains the tutorials' worked example (a 2-2-2 sigmoid network, biases
held fixed as published). A user's own small network is given layer by layer::

    glassnet explain --weights "0.15,0.25;0.20,0.30" --weights "0.40,0.50;0.45,0.55" \\
        --bias 0.35 --bias 0.60 --input 0.05,0.10 --target 0.01,0.99

``--weights`` takes a layer's matrix ``W`` of shape (n_inputs, n_outputs): rows separated by
``;``, entries by ``,``. ``--bias`` takes one number for the whole layer or one per neuron;
given once it applies to every layer (``--bias 0`` is seed 000's variant of the example).
``--input`` and ``--target`` take one sample as ``a,b``, or a batch as ``a,b;c,d``.
``--dropout P`` puts a Dropout layer of rate ``P`` after each hidden layer: the step shows the
mask it draws (from ``--seed``), the scaling ``1/(1 − P)`` and the mask's chain-rule factor.
``--seed`` draws only those masks: without dropout it is an error, not silently ignored.

A saved model (``glassnet train --out MODEL``) is walked on one row of a data file::

    glassnet explain --model model.safetensors --data data.csv --row 3 --json

``--data`` is any CSV/Parquet file with the model's input columns and its target (read with
``--sep`` and ``--encoding`` as in ``train``); it may be left out only for a model trained on
the bundled breast-cancer data. The row goes through the model's own preprocessing, and the
step uses the model's own loss, optimizer and learning rate (as recorded by ``glassnet train``;
``--lr`` overrides the rate), printed before the step. The model file is not changed. A model
trained with ``--dropout`` is walked through a training step with its dropout on, the masks
drawn from ``--seed`` (predicting, dropout is the identity; the step says so).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from ..io.output_paths import check_outputs
from .command import CommandError
from .common import add_data_arguments

WORKED_WEIGHTS = ["0.15,0.25;0.20,0.30", "0.40,0.50;0.45,0.55"]
WORKED_BIAS = ["0.35", "0.60"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--weights",
        action="append",
        metavar="ROWS",
        help='one layer\'s W, e.g. "0.15,0.25;0.2,0.3"; repeat per layer',
    )
    add(
        "--bias",
        action="append",
        metavar="B",
        help="a layer's bias: one number or one per neuron; given once: every layer",
    )
    add(
        "--input", metavar="X", help='the sample(s), e.g. "0.05,0.10" (default: the worked example)'
    )
    add("--target", metavar="Y", help='the target(s), e.g. "0.01,0.99"')
    add(
        "--activation",
        action="append",
        metavar="NAME",
        help="activation per layer (once: every layer); default sigmoid",
    )
    add("--loss", help="loss name (default half_squared_error; with --model: the model's own)")
    add("--lr", type=float, help="learning rate η (default 0.5; with --model: the model's own)")
    add(
        "--iterations",
        type=int,
        default=1,
        metavar="N",
        help="train N iterations; show the loss table",
    )
    add("--update-biases", action="store_true", help="train the biases too, one per neuron")
    add("--dropout", type=float, default=0.0, metavar="P", help="dropout rate after hidden layers")
    add("--seed", type=int, metavar="N", help="seed of the dropout masks (default 0)")
    add("--precision", type=int, default=9, metavar="K", help="decimals printed (default 9)")
    add("--json", action="store_true", help="print the trace as JSON")
    add("--html", metavar="FILE", help="write the glass view to FILE (one self-contained page)")
    add("--model", metavar="MODEL", help="explain a step of a model saved by `glassnet train`")
    add(
        "--data",
        metavar="DATA",
        help="with --model: any CSV/Parquet file with the model's columns and target, holding "
        "the row (needed unless the model was trained on the bundled data)",
    )
    add_data_arguments(parser)
    add("--row", type=int, default=0, metavar="N", help="with --model: the row of --data (0-based)")


def run(args: argparse.Namespace) -> int:
    import glassnet as gn

    check_outputs({"--html": args.html}, [args.model, args.data])  # before any work
    check_numbers(args)
    if args.model is not None:
        network, x, y, optimizer = model_step(args)
        dry_run = True  # explaining a saved model never changes it
    else:
        network = build_network(args)
        x = parse_matrix(args.input or "0.05,0.10", "--input")
        y = parse_matrix(args.target or "0.01,0.99", "--target")
        optimizer, dry_run = gn.SGD(learning_rate=0.5 if args.lr is None else args.lr), False
    check_seed(args, network)
    if args.model is not None:  # after the checks: an error stays one line
        note_dropout(network, args.seed or 0)
    check_shapes(network, x, y, args.model is not None)
    try:
        trace = gn.trace_step(
            network, x, y, optimizer=optimizer, iterations=args.iterations,
            precision=args.precision, dry_run=dry_run, rng=args.seed or 0,
        )  # fmt: skip
    except gn.TrainingDiverged as error:
        rate = f"{optimizer.current_learning_rate:g}"
        said = f"--lr {rate}" if args.model is None or args.lr else f"the model's rate {rate}"
        raise CommandError(f"training diverged: {error} ({said})") from None
    except ValueError as error:  # the engine names its arguments X and Y: say the options
        raise CommandError(in_option_names(str(error), args.model is not None)) from None
    if args.html:
        trace.to_html(args.html)
    elif args.json:
        print(json.dumps(trace.to_dict(), indent=1, ensure_ascii=False))
    else:
        print(trace.to_text(), end="")
    return 0


def check_numbers(args: argparse.Namespace) -> None:
    """The numeric options, before any file is read."""
    if args.iterations < 1:
        raise CommandError(f"--iterations must be >= 1, got {args.iterations}")
    if not 0 <= args.precision <= 17:
        raise CommandError(f"--precision must be between 0 and 17, got {args.precision}")
    if args.lr is not None and not (np.isfinite(args.lr) and args.lr > 0):
        raise CommandError(f"--lr must be a positive number, got {args.lr}")


def model_step(args: argparse.Namespace) -> tuple[Any, np.ndarray, np.ndarray, Any]:
    """The saved model's network, row ``--row`` of ``--data`` as the network sees it, and the
    model's own optimizer; the loss, optimizer and rate are printed (stderr with ``--json``)."""
    from .common import load_model
    from .model_step import model_optimizer, model_row

    if args.weights or args.input or args.target or args.dropout or args.loss:
        raise CommandError(
            "--model cannot be combined with --weights, --input, --target, --dropout or --loss "
            "(the model has its own)"
        )
    model = load_model(args.model)
    x, y = model_row(args, model)
    optimizer, said = model_optimizer(model.metadata, args.lr)
    loss = model.network.loss_function.name
    line = f"explaining with the model's own loss {loss}, {said}"
    if args.json:  # the JSON stays one document
        print(f"glassnet: note: {line}", file=sys.stderr)
    else:
        print(line)
    return model.network, x, y, optimizer


def check_shapes(network: Any, x: np.ndarray, y: np.ndarray, from_model: bool) -> None:
    """The sample and target sizes against the network, named by the options that gave them."""
    if from_model:
        return  # the row went through the model's own preprocessing
    if x.shape[1] != network.n_inputs:
        raise CommandError(
            f"--input has {x.shape[1]} value(s) per sample; the network (--weights) takes "
            f"{network.n_inputs}"
        )
    if y.shape[1] != network.n_outputs:
        raise CommandError(
            f"--target has {y.shape[1]} value(s) per sample; the network (--weights) gives "
            f"{network.n_outputs}"
        )
    if y.shape[0] != x.shape[0]:
        raise CommandError(
            f"--target has {y.shape[0]} sample(s) (rows separated by ';'), --input {x.shape[0]}"
        )


def in_option_names(message: str, from_model: bool) -> str:
    """An engine message about ``X`` or ``Y`` in the words of the command line."""
    names = {"X": "--row of --data", "Y": "--row's target"} if from_model else {
        "X": "--input", "Y": "--target"}  # fmt: skip
    for symbol, option in names.items():
        for before in (f"{symbol} ", f"|{symbol}|"):
            if before in message:
                message = message.replace(before, before.replace(symbol, option))
    return message


def check_seed(args: argparse.Namespace, network: Any) -> None:
    """``--seed`` only draws dropout masks: refused where there are none to draw."""
    from ..layers import Dropout

    if args.seed is None:
        return
    if args.seed < 0:
        raise CommandError(f"--seed must be >= 0, got {args.seed}")
    if not any(isinstance(layer, Dropout) for layer in network.layers):
        raise CommandError(
            "--seed only draws dropout masks: it needs --dropout P or a --model trained with "
            "dropout"
        )


def note_dropout(network: Any, seed: int) -> None:
    """Say that a dropout model's step depends on its masks, and where they come from."""
    from ..layers import Dropout

    if any(isinstance(layer, Dropout) for layer in network.layers):
        print(
            f"glassnet: note: the model has dropout: this training step drops units with masks "
            f"drawn from --seed {seed} (another seed, another step); predicting, dropout is off",
            file=sys.stderr,
        )


def build_network(args: argparse.Namespace) -> Any:
    """The network the options describe (the worked example by default)."""
    import glassnet as gn

    weights = args.weights or WORKED_WEIGHTS
    biases = args.bias or (WORKED_BIAS if not args.weights else ["0"])
    activations = args.activation or ["sigmoid"]
    for option, values in (("--bias", biases), ("--activation", activations)):
        if len(values) not in (1, len(weights)):
            raise CommandError(
                f"{option} must be given once or once per layer ({len(weights)}), got {len(values)}"
            )
    if not 0.0 <= args.dropout < 1.0:
        raise CommandError(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.dropout and len(weights) < 2:
        raise CommandError("--dropout needs a hidden layer: give --weights twice or more")
    layers: list[Any] = []
    for index, text in enumerate(weights):
        w = parse_matrix(text, f"--weights (layer {index})")
        b = parse_row(biases[index if len(biases) > 1 else 0], f"--bias (layer {index})")
        if b.size not in (1, w.shape[1]):
            raise CommandError(
                f"--bias (layer {index}) needs 1 or {w.shape[1]} numbers, got {b.size}"
            )
        activation = activations[index if len(activations) > 1 else 0]
        layers.append(
            gn.Dense(w.shape[0], w.shape[1], activation, weights=w, bias=b if b.size > 1 else b[0],
                     train_bias=args.update_biases)
        )  # fmt: skip
        if args.dropout and index < len(weights) - 1:  # after each hidden layer, as in train
            layers.append(gn.Dropout(args.dropout))
    return gn.Network(layers, loss=args.loss or "half_squared_error")


def parse_row(text: str, option: str) -> np.ndarray:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise CommandError(f"{option} must be numbers separated by ',', got {text!r}") from None
    if not all(np.isfinite(values)):
        raise CommandError(f"{option} must be finite numbers, got {text!r}")
    return np.array(values)


def parse_matrix(text: str, option: str) -> np.ndarray:
    """``"a,b;c,d"`` -> ``[[a, b], [c, d]]``: rows separated by ';'."""
    rows = [parse_row(row, option) for row in text.split(";")]
    if len({row.size for row in rows}) != 1:
        sizes = ", ".join(str(row.size) for row in rows)
        raise CommandError(f"{option} rows must all have the same length, got lengths {sizes}")
    return np.stack(rows)
