"""The ``glassnet`` command: ``glassnet SUBCOMMAND [options]``.

Each subcommand lives in :mod:`glassnet.cli` as a module with ``add_arguments(parser)``
and ``run(args) -> int``, imported only when it is used. Errors the user can fix
(:class:`CommandError`, bad input) print one line and exit with code 2; Ctrl-C prints one
line and exits with 130 (:class:`Interrupted` carries a command's own line, such as which
epoch ``train`` kept; see :mod:`glassnet.cli.interrupt`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from .. import __version__

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "train": ("glassnet.cli.train", "train a network on a CSV/Parquet file"),
    "predict": ("glassnet.cli.predict", "predict with a saved model"),
    "evaluate": ("glassnet.cli.evaluate", "score a saved model on labelled data"),
    "info": ("glassnet.cli.info", "describe a saved model"),
    "plot": ("glassnet.cli.plot", "draw a saved model's loss curves, network and boundary"),
    "explain": ("glassnet.cli.explain", "walk through one training step, every number shown"),
    "view": ("glassnet.cli.view", "open the glass view: the real numbers, live in a browser"),
}


class CommandError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


class Interrupted(Exception):
    """Ctrl-C, handled by the command: its message is printed as one line, exit code 130."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors (``--epochs x``) as one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"glassnet: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="glassnet", description="Train, use and explain feedforward neural networks."
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue  # not built yet
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    try:
        return _run(argv)
    except Interrupted as interrupted:
        print(f"glassnet: {interrupted}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # start-up (importing a subcommand), or a command's own work
        print("glassnet: interrupted", file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed its message
        return int(exit_.code or 0)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    try:
        with _data_warnings_as_lines():
            return int(args.run(args))
    except CommandError as error:
        print(f"glassnet: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError) as error:
        print(f"glassnet: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except MemoryError as error:  # a last resort: sizes are meant to be checked before
        print(f"glassnet: error: out of memory ({_one_line(error)})", file=sys.stderr)
        return 2


@contextmanager
def _data_warnings_as_lines() -> Iterator[None]:
    """Each data warning (rows dropped, cells imputed) shown when it happens, as one
    ``glassnet: warning:`` line, where no subcommand collects them itself."""
    from ..io.data_warnings import DataWarning

    def show(message: Warning | str, *_: object, **__: object) -> None:
        print(f"glassnet: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", DataWarning)
        warnings.showwarning = show
        yield


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
