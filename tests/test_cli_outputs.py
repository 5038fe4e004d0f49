"""No output destroys an input: every path a command writes is checked before any work.

Every example of issue 15 is here (``predict m d.csv -o d.csv``, ``-o m.safetensors``,
``train d.csv --out d.csv``, ``--plot d.csv``), with symlinks, hard links, two outputs that
are one file, missing folders and paths that are not regular files; the atomic writer writes
through a symlink at its target; ``--drop`` names are matched exactly as written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassnet.cli.command import main
from glassnet.io.atomic import atomic_write_bytes
from glassnet.io.model_files import load_network
from glassnet.io.output_paths import check_outputs

from .conftest import fail_renames_onto

SRC = Path(__file__).resolve().parents[1] / "src"
FAST = ["--quiet", "--epochs", "2", "--hidden", "4"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """d.csv (two numbers, one named " b", a yes/no label) and m.safetensors trained on it."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), " b": rng.normal(size=60)})
    frame["label"] = np.where(frame["a"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    argv = ["train", str(tmp_path / "d.csv"), "--target", "label"]
    assert main([*argv, "--out", str(tmp_path / "m.safetensors"), *FAST]) == 0
    (tmp_path / "m-loss.png").unlink()
    return tmp_path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "m.safetensors", "d.csv", "-o", "d.csv"], "-o {f}/d.csv is the input file"),
        (["predict", "m.safetensors", "d.csv", "-o", "m.safetensors"], "-o {f}/m.safetensors is"),
        (["train", "d.csv", "--target", "label", "--out", "d.csv"], "--out {f}/d.csv is the input"),
        (["train", "d.csv", "--target", "label", "--plot", "d.csv"], "--plot {f}/d.csv is the in"),
        (
            ["train", "d.csv", "--target", "label", "--out", "x.st", "--plot", "x.st"],
            "--plot {f}/x.st is the same file as --out {f}/x.st",
        ),
        (["predict", "m.safetensors", "d.csv", "-o", "none/p.csv"], "folder {f}/none does not"),
        (["predict", "m.safetensors", "d.csv", "-o", "d.csv/p.csv"], "folder {f}/d.csv is not a"),
        (["predict", "m.safetensors", "d.csv", "-o", "."], "-o {f} is a folder"),
        (["predict", "m.safetensors", "d.csv", "-o", "/dev/null"], "is not a regular file"),
        (["train", "d.csv", "--target", "label", "--out", ""], "--out needs a file name"),
    ],
)
def test_an_output_that_would_destroy_an_input_is_refused_before_any_work(
    folder, capsys, argv, message
):
    before = _snapshot(folder)
    paths = {"m.safetensors", "d.csv", "x.st", "none/p.csv", "d.csv/p.csv", "."}
    argv = [str(folder / a) if a in paths else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.format(f=folder) in err, err
    assert ".tmp" not in err
    assert _snapshot(folder) == before  # the inputs unchanged, nothing new, no temporary


def test_the_bad_plot_prefix_names_the_plot_and_the_option(folder, capsys):
    data = folder / "p-boundary.png"  # a data file that the boundary plot would replace
    data.write_bytes((folder / "d.csv").read_bytes())
    argv = ["plot", str(folder / "m.safetensors"), str(data), "--prefix", str(folder / "p")]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"glassnet: error: the boundary plot (--prefix {folder / 'p'}) {data} is the input file "
        f"{data}: writing it would destroy it; choose another path\n"
    )
    assert not (folder / "p-loss.png").exists()


def test_symlinks_and_hard_links_to_an_input_are_refused(folder, capsys):
    (folder / "link.csv").symlink_to(folder / "d.csv")
    os.link(folder / "m.safetensors", folder / "hard.safetensors")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder)  # a folder link: sub/up/d.csv is d.csv
    before = _snapshot(folder)
    model, data = str(folder / "m.safetensors"), str(folder / "d.csv")
    for output in ("link.csv", "hard.safetensors", "sub/up/d.csv"):
        assert main(["predict", model, data, "-o", str(folder / output)]) == 2
        assert f"-o {folder / output} is the input file" in capsys.readouterr().err
    link = str(folder / "link.csv")  # and an input given through a link
    assert main(["predict", model, link, "-o", data]) == 2
    assert f"-o {data} is the input file {link}" in capsys.readouterr().err
    assert _snapshot(folder) == before


def test_an_output_symlink_is_written_at_its_target_and_survives(folder):
    (folder / "out").mkdir()
    link = folder / "latest.csv"
    link.symlink_to(folder / "out" / "p.csv")  # dangling: its target does not exist yet
    model, data = str(folder / "m.safetensors"), str(folder / "d.csv")
    assert main(["predict", model, data, "-o", str(link)]) == 0
    assert link.is_symlink() and len(pd.read_csv(link)) == 60
    assert main(["predict", model, data, "-o", str(link), "--proba"]) == 0  # target replaced
    assert link.is_symlink() and "proba_yes" in pd.read_csv(folder / "out" / "p.csv")
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["p.csv"]


def test_train_writes_its_model_through_a_symlink(folder):
    link = folder / "current.safetensors"
    link.symlink_to(folder / "m.safetensors")
    argv = ["train", str(folder / "d.csv"), "--target", "label", "--out", str(link), *FAST]
    assert main([*argv, "--epochs", "3"]) == 0
    assert link.is_symlink() and len(load_network(link)[1]["history"]["loss"]) == 3
    assert len(load_network(folder / "m.safetensors")[1]["history"]["loss"]) == 3


def test_atomic_write_names_the_path_not_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "m.bin"
    fail_renames_onto(target, monkeypatch)
    with pytest.raises(OSError, match=r"^cannot write .*m\.bin: disk full$"):
        atomic_write_bytes(target, b"x")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OSError, match=r"^cannot write .*/no/such/m\.bin: No such file"):
        atomic_write_bytes(tmp_path / "no" / "such" / "m.bin", b"x")


def test_check_outputs_is_reusable_with_any_option_name(tmp_path):
    data = tmp_path / "data.npy"
    data.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"^checkpoint .*data\.npy is the input file"):
        check_outputs({"checkpoint": data}, [None, data])
    check_outputs({"checkpoint": tmp_path / "run.ckpt", "unused": None}, [data])


def test_drop_matches_names_exactly_spaces_included(folder, capsys):
    argv = ["train", str(folder / "d.csv"), "--target", "label", "--json", *FAST]
    assert main([*argv, "--out", str(folder / "x.st"), "--drop", " b"]) == 0
    _, metadata = load_network(folder / "x.st")
    assert [c["column"] for c in metadata["preprocessing"]["numeric"]] == ["a"]
    capsys.readouterr()
    assert main([*argv, "--out", str(folder / "y.st"), "--drop", "b,"]) == 2
    assert capsys.readouterr().err == (
        "glassnet: error: --drop names 'b', not a column of the data (names must match "
        "exactly, spaces included); close matches: ' b'\n"
    )
    assert main([*argv, "--out", str(folder / "y.st"), "--drop", "zzz"]) == 2
    assert "--drop names 'zzz', not a column" in capsys.readouterr().err
    assert not (folder / "y.st").exists()


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seed_out_of_range_names_the_option(folder, capsys, seed):
    argv = ["train", str(folder / "d.csv"), "--target", "label", "--seed", seed]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"glassnet: error: --seed must be in [0, 2**32 - 1], got {seed}\n"


def test_no_numpy_warning_reaches_the_terminal(folder):
    """The commands as a user runs them, with every warning an error (-W error)."""
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    big = pd.read_csv(folder / "d.csv")
    big.loc[0, "a"] = 1e300
    big.to_csv(folder / "big.csv", index=False)
    runs = [
        ["train", "d.csv", "--target", "label", "--lr", "1e300", "--quiet", "--out", "n.st"],
        ["train", "d.csv", "--target", "label", "--optimizer", "sgd", "--lr", "1e10", "--quiet"],
        ["predict", "m.safetensors", "big.csv"],
        ["explain", "--lr", "1e6", "--iterations", "100", "--activation", "identity"],
        ["explain", "--input", "1e150,1e150", "--activation", "identity"],
    ]
    for argv in runs:
        done = subprocess.run(
            [sys.executable, "-W", "error", "-m", "glassnet.cli", *argv],
            capture_output=True, text=True, env=env, cwd=folder, timeout=120,
        )  # fmt: skip
        assert done.returncode in (0, 2), done.stderr
        if done.returncode == 2:
            assert done.stderr.startswith("glassnet: error: ") and done.stderr.count("\n") == 1
        assert "Warning" not in done.stderr and "Traceback" not in done.stderr
