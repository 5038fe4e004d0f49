"""The ``glassnet`` command: one module per subcommand."""

from .main import (
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
