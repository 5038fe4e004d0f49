"""The ``glassnet`` console script, kept outside the ``glassnet`` package on purpose.

Importing ``glassnet`` imports NumPy and the engine: about half a second on a cold start. A
script whose first line is ``from glassnet.cli import main`` runs that import before any of
glassnet's code can catch Ctrl-C, so a Ctrl-C then printed a 20-line ``KeyboardInterrupt``
traceback from inside NumPy. Here the import happens inside :func:`main`, which turns it into
the one line and exit code 130 of every other interruption (issue 19, item 7).
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run ``glassnet`` with ``sys.argv``; the exit code."""
    try:
        from glassnet.cli.command import main as run
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130
    return run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
