"""No output destroys an input: the checks every path glassnet is asked to write goes through.

A command calls :func:`check_outputs` before any work starts, with every path it will write
(``--out``, ``--plot``, ``-o``, derived plot names, a checkpoint) and every file it reads
(data, model). A path is compared with the others resolved through symlinks, and as the same
file (device and inode, so hard links too) when both exist. Refused, in one ``ValueError`` line
naming the option and the path as the user wrote it:

- an output that is an input of the same call (``predict m.safetensors d.csv -o d.csv``);
- two outputs that are one file (``train --out x --plot x``);
- an output whose folder does not exist, is not a folder or is not writable, an output that
  is a folder, or an existing output that is not a regular file (``-o /dev/null``: writing
  atomically would replace the device by a regular file).

Writing through a symlink: an output path that is a symlink is written at the file it points
to (:func:`glassnet.io.atomic.atomic_write_bytes` resolves it), so the link survives and now shows
the new contents; it is refused when the file it points to is an input.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping

Path_ = str | os.PathLike[str]


def check_outputs(outputs: Mapping[str, Path_ | None], inputs: Iterable[Path_ | None]) -> None:
    """Refuse, before any work, outputs that would destroy an input or each other.

    Parameters
    ----------
    outputs : mapping of str to path or None
        What the call will write, keyed by how the user names it (``"--out"``, ``"-o"``,
        ``"the loss plot"``); None entries are skipped (nothing written).
    inputs : iterable of path or None
        The files the call reads; None entries are skipped.

    Raises
    ------
    ValueError
        One line naming the option and the path, and why it is refused.
    """
    sources = [path for path in inputs if path is not None]
    checked: list[tuple[str, Path_]] = []
    for option, path in outputs.items():
        if path is None:
            continue
        for source in sources:
            if same_file(path, source):
                raise ValueError(
                    f"{option} {os.fspath(path)} is the input file {os.fspath(source)}: "
                    "writing it would destroy it; choose another path"
                )
        for other_option, other in checked:
            if same_file(path, other):
                raise ValueError(
                    f"{option} {os.fspath(path)} is the same file as {other_option} "
                    f"{os.fspath(other)}: one would overwrite the other; choose another path"
                )
        check_writable(option, path)
        checked.append((option, path))


def same_file(a: Path_, b: Path_) -> bool:
    """Whether ``a`` and ``b`` are one file: the same inode when both exist, else the same
    path once symlinks are resolved."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def check_writable(option: str, path: Path_) -> None:
    """``ValueError`` unless ``path`` (resolved through symlinks) can be written atomically:
    its folder exists and is writable, and it is absent or a regular file."""
    shown = os.fspath(path)
    if not shown:
        raise ValueError(f"{option} needs a file name, got an empty path")
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise ValueError(f"{option} {shown} is a folder; give a file name")
    if os.path.lexists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        raise ValueError(f"{option} {shown} exists and is not a regular file")
    if not os.path.isdir(folder):
        reason = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise ValueError(f"{option} {shown}: its folder {folder} {reason}")
    # a new file is created beside the target and renamed over it: the folder must be writable
    # (os.access answers for this process; root passes, and a failure later is still one line)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {shown}: its folder {folder} is not writable")
