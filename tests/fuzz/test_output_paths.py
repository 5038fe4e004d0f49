"""Fuzz where ``glassnet train`` and ``glassnet predict`` are told to write.

Each example draws a kind of path for every output option (``--out`` and ``--plot``, or
``-o``; see ``_strategies.OUTPUT_KINDS``): an input itself or through a symlink, hard link or
folder link, a dangling symlink, a missing folder, a parent that is a file, a folder, the
command's other output. Allowed outcomes: exit 2 with one ``glassnet: error:`` line naming the
option, and every file in the folder unchanged; or exit 0, the outputs written where the
documentation says (a symlink's target; the link survives), the inputs unchanged. A path that
would destroy an input or the other output, or that cannot be written, must be refused.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given

from glassnet.cli.command import main

from ._strategies import output_kinds
from .conftest import count, fuzz, no_hang

REFUSED = {"predict": {"data", "model", "link-to-data", "link-to-model", "hard-link-to-data",
                       "folder-link-to-data", "missing-folder", "parent-is-file", "folder",
                       "other-output"},
           "train": {"data", "link-to-data", "hard-link-to-data", "folder-link-to-data",
                     "missing-folder", "parent-is-file", "folder", "other-output"}}  # fmt: skip
OPTIONS = {"predict": ["-o"], "train": ["--out", "--plot"]}


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """d.csv and m.safetensors, copied into a fresh folder for each example."""
    folder = tmp_path_factory.mktemp("outputs")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    frame["label"] = np.where(frame["a"] > 0, "yes", "no")
    frame.to_csv(folder / "d.csv", index=False)
    argv = ["train", str(folder / "d.csv"), "--target", "label", "--quiet", "--epochs", "1"]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main([*argv, "--hidden", "2", "--out", str(folder / "m.safetensors")]) == 0
    (folder / "m-loss.png").unlink()
    return folder


def _path(kind: str, index: int, folder: Path, first: Path | None) -> Path:
    """Make the file system ready for an output of ``kind``; return the path to give."""
    name = folder / f"out{index}.bin"
    if kind == "existing":
        name.write_bytes(b"old")
    elif kind in ("data", "model"):
        return folder / ("d.csv" if kind == "data" else "m.safetensors")
    elif kind.startswith("link-to-"):
        target = {"data": "d.csv", "model": "m.safetensors", "new": f"t{index}.bin"}[kind[8:]]
        name.symlink_to(folder / target)
    elif kind == "hard-link-to-data":
        os.link(folder / "d.csv", name)
    elif kind == "folder-link-to-data":
        (folder / f"up{index}").symlink_to(folder)
        return folder / f"up{index}" / "d.csv"
    elif kind == "missing-folder":
        return folder / f"none{index}" / "x.bin"
    elif kind == "parent-is-file":
        return folder / "d.csv" / "x.bin"
    elif kind == "folder":
        name.mkdir()
    elif kind == "other-output" and first is not None:
        return first
    return name


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@fuzz(ci_examples=30)
@given(command=..., kinds=output_kinds(2))
def test_outputs_never_destroy_inputs(seed_folder: Path, command: bool, kinds: list[str]) -> None:
    name = "train" if command else "predict"
    options = OPTIONS[name]
    kinds = kinds[: len(options)]
    if kinds[0] == "other-output":
        kinds[0] = "new"  # the first output has no other before it
    event(f"{name}: {'/'.join(kinds)}")
    count(f"glassnet {name} output paths")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for file in ("d.csv", "m.safetensors"):
            shutil.copy(seed_folder / file, folder / file)
        paths: list[Path] = []
        for index, kind in enumerate(kinds):
            paths.append(_path(kind, index, folder, paths[0] if paths else None))
        read = ["d.csv"] if name == "train" else ["d.csv", "m.safetensors"]
        inputs = {folder / file: (folder / file).read_bytes() for file in read}
        one_file = len({os.path.realpath(path) for path in paths}) < len(paths)
        before = _snapshot(folder)
        argv = ["predict", str(folder / "m.safetensors"), str(folder / "d.csv")]
        if name == "train":
            argv = ["train", str(folder / "d.csv"), "--target", "label", "--quiet", "--epochs", "1"]
            argv += ["--hidden", "2"]
        for option, path in zip(options, paths, strict=True):
            argv += [option, str(path)]
        out, err = io.StringIO(), io.StringIO()
        with no_hang(60), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        message = err.getvalue()
        if set(kinds) & REFUSED[name] or one_file:
            assert code == 2, (kinds, message)
            errors = [line for line in message.splitlines() if line.startswith("glassnet: error")]
            assert len(errors) == 1 and any(f"{o} " in errors[0] for o in options), message
            assert ".tmp" not in message
            assert _snapshot(folder) == before  # nothing changed, nothing new
            return
        assert code == 0, (kinds, message)
        assert all(path.read_bytes() == data for path, data in inputs.items())
        for kind, path in zip(kinds, paths, strict=True):
            written = path.resolve()
            assert written.is_file() and written.stat().st_size > 0
            assert path.is_symlink() == kind.startswith("link-to")
        assert not list(folder.glob(".*.tmp"))
