"""``glassnet view``: the glass view, live on the engine, in your browser.

With no options it opens the tutorials' worked example (the 2-2-2 network of ``glassnet
explain``): step through the seven steps, select a weight to see its chain-rule product, edit
any number and watch the engine recompute the others, play the iterations. ::

    glassnet view                                   # the worked example
    glassnet view --dataset spiral                  # a 2-8-8-1 network on a toy 2-D set
    glassnet view --model model.safetensors --data rows.csv   # a trained model on its rows

The server listens on 127.0.0.1 only, on a free port (or ``--port``), and answers only
requests carrying the random token of the printed URL. Ctrl-C stops it. Training in the view
changes the network in memory only: the model file is never written.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from typing import Any

import numpy as np

from .command import CommandError

MAX_ROWS = 500  # rows of --data shown and trained on (the first ones)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--dataset", choices=("xor", "circles", "moons", "spiral"), help="a toy 2-D dataset")
    add("--model", metavar="MODEL", help="a model saved by `glassnet train`")
    add("--data", metavar="DATA", help="with --model: the CSV/Parquet rows to show")
    add("--rows", type=int, default=200, metavar="N", help=f"with --data: the first N rows "
        f"(default 200, at most {MAX_ROWS})")  # fmt: skip
    add(
        "--lr",
        type=float,
        default=None,
        help="learning rate η (default 0.5; toy sets 1.0; a model 0.1)",
    )
    add("--port", type=int, default=0, help="the port (default: a free one)")
    add("--no-browser", action="store_true", help="print the URL without opening a browser")


def run(args: argparse.Namespace) -> int:
    from ..live import ViewServer

    session = make_session(args)
    try:
        server = ViewServer(session, port=args.port)
    except OSError as error:
        raise CommandError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}") from None
    print(f"glassnet view: {server.url}  (Ctrl-C stops the server)", flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("glassnet view: stopped", file=sys.stderr)
    finally:
        server.close()
    return 0


def make_session(args: argparse.Namespace) -> Any:
    """The session the options describe: a model on its rows, a toy set, or the worked example."""
    from ..live import Session, playground_network, toy_dataset, worked_example

    if args.lr is not None and not (np.isfinite(args.lr) and args.lr > 0):
        raise CommandError(f"--lr must be a positive number, got {args.lr}")
    if args.model is not None and args.dataset is not None:
        raise CommandError("--model and --dataset cannot be combined: choose one")
    if args.data is not None and args.model is None:
        raise CommandError("--data needs --model: the model whose rows these are")
    if args.model is not None:
        network, x, y, labels = model_rows(args)
        return Session(network, x, y, learning_rate=args.lr or 0.1, labels=labels)
    if args.dataset is not None:
        x, y = toy_dataset(args.dataset)
        return Session(playground_network(), x, y, learning_rate=args.lr or 1.0)
    network, x, y = worked_example()
    return Session(network, x, y, learning_rate=args.lr or 0.5)


def model_rows(args: argparse.Namespace) -> tuple[Any, np.ndarray, np.ndarray, dict[str, Any]]:
    """The saved model's network, the first ``--rows`` rows as it sees them, and the names."""
    from ..io.tables import read_table, split_target
    from .common import encode_target, load_model, warnings_to_stderr

    if args.data is None:
        raise CommandError("--model needs --data: the rows to show the model on")
    if not 1 <= args.rows <= MAX_ROWS:
        raise CommandError(f"--rows must be in [1, {MAX_ROWS}], got {args.rows}")
    model = load_model(args.model)
    frame = read_table(args.data).head(args.rows)
    features, target = split_target(frame, model.metadata["target"])
    with warnings_to_stderr():
        x = model.preprocessor.transform(features)
    y = encode_target(target, model.metadata)
    if y.ndim == 1:  # class indices of a multi-class model: one-hot, as the network outputs
        y = np.eye(len(model.classes))[y]
    inputs = [name.split("__", 1)[-1] for name in model.preprocessor.feature_names]
    classes = [str(c) for c in model.classes]
    outputs = classes[-1:] if len(classes) == 2 else classes or [str(model.metadata["target"])]
    return model.network, x, y, {"inputs": inputs, "outputs": outputs}
