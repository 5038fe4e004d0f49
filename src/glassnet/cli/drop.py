"""``--drop``: the names as the user wrote them, checked against the table's columns.

The option is split here; the columns are removed by :func:`glassnet.io.tables.split_target`,
which matches names exactly.
"""

from __future__ import annotations

from typing import Any

from .command import CommandError


def drop_names(option: str) -> list[str]:
    """``--drop`` split at commas, each name exactly as written (spaces are part of a name:
    a column may be called " a"); empty names, from a trailing comma, are skipped."""
    return [name for name in option.split(",") if name]


def check_drop(drop: list[str], columns: list[Any]) -> None:
    """``CommandError`` naming the ``--drop`` names that are no column, with close matches."""
    names = [str(c) for c in columns]
    unknown = [name for name in drop if name not in names]
    if not unknown:
        return
    close = {m for name in unknown for m in _close_matches(name, names)}
    hint = f"; close matches: {', '.join(map(repr, sorted(close)))}" if close else ""
    raise CommandError(
        f"--drop names {', '.join(map(repr, unknown))}, not a column of the data (names must "
        f"match exactly, spaces included){hint}"
    )


def _close_matches(name: str, names: list[str]) -> list[str]:
    import difflib

    same_but_spaces = [n for n in names if n.strip() == name.strip()]
    return same_but_spaces + difflib.get_close_matches(name, names, n=3, cutoff=0.6)
