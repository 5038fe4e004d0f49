"""Writing a file all or nothing: a temporary file beside the target, then a rename.

Every file glassnet writes (model files, predictions, plots, checkpoints) goes through
:func:`atomic_write_bytes`, so an interrupted write never leaves a half-written file. A path
that is a symlink is written at the file it points to, so the link survives (see
:mod:`glassnet.io.output_paths`, which checks outputs against inputs before any work).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename: all or nothing.

    The temporary file ``.{name}.XXXX.tmp`` beside ``path`` is flushed to disk (``fsync``)
    before ``os.replace`` renames it over ``path``, and the folder is synced after, so neither
    a killed process nor a power cut leaves a torn ``path``: it holds the old bytes or the new.
    A process killed mid-write (SIGKILL cannot be caught) leaves its temporary file behind;
    it is never read, and the next save uses a fresh name. ``path`` gets a new file's usual
    permissions (``0o666`` less the umask, as from ``open``), not ``mkstemp``'s ``0o600``.

    A ``path`` that is a symlink is written at the file it points to (the temporary file goes
    beside that file and replaces it), so the link survives; renaming over ``path`` itself
    would replace the link by a regular file. An ``OSError`` names ``path``, never the
    temporary file.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    try:
        descriptor, temporary = _create_temporary(folder, target.name)
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _cannot_write(path, error) from None
        raise
    _sync_folder(folder)


def _cannot_write(path: str | os.PathLike[str], error: OSError) -> OSError:
    """The error of a failed write, naming the user's path instead of the temporary file."""
    reason = error.strerror or str(error) or type(error).__name__
    return OSError(f"cannot write {os.fspath(path)}: {reason}")


def _create_temporary(folder: Path, name: str) -> tuple[int, str]:
    """A new file ``.{name}.XXXX.tmp`` in ``folder``, opened for writing; created as ``open``
    creates files (mode ``0o666``, which the kernel reduces by the umask), never reused."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temporary, flags, 0o666), str(temporary)
        except FileExistsError:  # 48 random bits taken already: draw again
            continue


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
