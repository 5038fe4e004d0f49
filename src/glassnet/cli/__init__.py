"""The ``glassnet`` command: one module per subcommand."""

from .command import (
    SUBCOMMANDS,
    CommandError,
    build_parser,
    main,
)

__all__ = [
    "SUBCOMMANDS",
    "CommandError",
    "build_parser",
    "main",
]
