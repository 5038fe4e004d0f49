"""Writing a file all or nothing: a temporary file beside the target, then a rename.

Every file glassnet writes (model files, predictions, plots, checkpoints) goes through
:func:`atomic_write_bytes`, so an interrupted write never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename: all or nothing.

    The temporary file ``.{name}.XXXX.tmp`` beside ``path`` is flushed to disk (``fsync``)
    before ``os.replace`` renames it over ``path``, and the folder is synced after, so neither
    a killed process nor a power cut leaves a torn ``path``: it holds the old bytes or the new.
    A process killed mid-write (SIGKILL cannot be caught) leaves its temporary file behind;
    it is never read, and the next save uses a fresh name.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(folder)


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
