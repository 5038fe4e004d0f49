"""Ctrl-C never loses training and never passes off an untrained model (issue 15, item 3).

The policy (``glassnet/cli/interrupt.py``), pinned through ``main(argv)`` at each moment
of a run, and through a real subprocess sent SIGINT: after a completed epoch the kept model is
written where a normal run writes it (``--out``, else ``model.safetensors``) and one line says
which epoch and why; before the first epoch completes nothing is written and the line says so.
Whatever loop trains the network, these tests must keep passing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassnet.callbacks import EarlyStopping
from glassnet.cli import loop as _loop
from glassnet.cli import train
from glassnet.cli.command import main
from glassnet.io.model_files import load_network
from glassnet.loop import Training

SRC = Path(__file__).resolve().parents[1] / "src"
FAST = ["--quiet", "--epochs", "6", "--hidden", "4"]
# the tests of "the last completed epoch" add --no-early-stopping: early stopping is on by
# default since issue 19, and the kept epoch is then the one of the lowest held-out loss
NOTHING = "glassnet: interrupted before the first epoch completed: no model written\n"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    (tmp_path / "in").mkdir()
    frame.to_csv(tmp_path / "in" / "d.csv", index=False)
    (tmp_path / "run").mkdir()
    monkeypatch.chdir(tmp_path / "run")  # where model.safetensors goes without --out
    return tmp_path / "in" / "d.csv"


def _interrupt_epoch(
    monkeypatch: pytest.MonkeyPatch, number: int, real_signal: bool = False
) -> list[list[np.ndarray]]:
    """Ctrl-C in epoch ``number`` (1-based), after its first batch changed the weights (a
    ``KeyboardInterrupt``, or a real SIGINT); returns the weights after each completed epoch."""
    real = Training._epoch
    completed: list[list[np.ndarray]] = []

    def epoch(self):
        if len(completed) + 1 == number:
            step = self.step

            def interrupted(*batch):
                step(*batch)  # the weights change, then Ctrl-C comes
                if real_signal:
                    os.kill(os.getpid(), signal.SIGINT)
                raise KeyboardInterrupt

            self.step = interrupted
        loss = real(self)
        completed.append(self.network.get_weights())
        return loss

    monkeypatch.setattr(Training, "_epoch", epoch)
    return completed


def _written(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_ctrl_c_in_the_first_epoch_writes_nothing_and_says_so(data, monkeypatch, capsys):
    _interrupt_epoch(monkeypatch, 1)
    out = data.parent / "m.safetensors"
    assert main(["train", str(data), "--target", "label", "--out", str(out), *FAST]) == 130
    assert capsys.readouterr().err == NOTHING  # was: the initial weights, "the best model"
    assert _written(data.parent) == ["d.csv"] and _written(Path.cwd()) == []
    assert main(["train", str(data), "--target", "label", *FAST]) == 130  # without --out
    assert capsys.readouterr().err == NOTHING and _written(Path.cwd()) == []


@pytest.mark.parametrize("where", ["read_table", "Preprocessor.fit"])
def test_ctrl_c_during_start_up_is_one_line_exit_130(data, monkeypatch, capsys, where):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "read_table":
        monkeypatch.setattr(train, "read_data", interrupted)  # reads the table
    else:
        monkeypatch.setattr(train.Preprocessor, "fit", interrupted)
    assert main(["train", str(data), "--target", "label", *FAST]) == 130
    assert capsys.readouterr().err == NOTHING
    assert _written(Path.cwd()) == []


def test_ctrl_c_importing_a_subcommand_is_one_line(monkeypatch, capsys):

    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["glassnet.cli.command"].importlib, "import_module", interrupted)
    assert main(["train"]) == 130
    assert capsys.readouterr().err == "glassnet: interrupted\n"


def test_ctrl_c_while_the_package_loads_is_one_line(monkeypatch, capsys):
    """The console script imports glassnet (NumPy: ~0.5 s on a cold start) inside its main,
    so a Ctrl-C then is the usual line, not a traceback from inside NumPy (issue 19)."""
    import importlib.abc

    import glassnet_command

    class Interrupted(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "glassnet.cli.command":
                raise KeyboardInterrupt  # Ctrl-C while the command's modules load
            return None

    monkeypatch.delitem(sys.modules, "glassnet.cli.command")
    monkeypatch.setattr(sys, "meta_path", [Interrupted(), *sys.meta_path])
    assert glassnet_command.main() == 130
    assert capsys.readouterr().err == "glassnet: interrupted\n"


def test_the_console_script_runs_the_command(monkeypatch, capsys):
    import glassnet_command

    monkeypatch.setattr(sys, "argv", ["glassnet", "--version"])
    assert glassnet_command.main() == 0
    assert capsys.readouterr().out.startswith("glassnet ")


@pytest.mark.parametrize("with_out", [True, False])
def test_ctrl_c_after_epochs_writes_the_last_completed_one_where_a_run_writes(
    data, monkeypatch, capsys, with_out
):
    completed = _interrupt_epoch(monkeypatch, 4)
    out = data.parent / "m.safetensors" if with_out else Path("model.safetensors")
    argv = ["train", str(data), "--target", "label", *FAST, "--no-early-stopping"]
    assert main([*argv, "--out", str(out)] if with_out else argv) == 130
    assert capsys.readouterr().err == (
        "glassnet: interrupted after 3 completed epochs: wrote the model of epoch 3 (the last "
        f"completed epoch) to {out}\n"
    )
    network, metadata = load_network(out)
    assert metadata["history"]["best_epoch"] == 3 and len(metadata["history"]["loss"]) == 3
    assert all(
        np.array_equal(a, b) for a, b in zip(network.get_weights(), completed[-1], strict=True)
    )
    assert "accuracy" in metadata["metrics"]["test"]
    assert not list(Path.cwd().glob("*.png")) and not list(data.parent.glob("*.png"))


def test_with_early_stopping_the_kept_epoch_is_the_lowest_held_out_loss(data, monkeypatch, capsys):
    _interrupt_epoch(monkeypatch, 6)
    argv = ["train", str(data), "--target", "label", "--early-stopping", "--lr", "0.3"]
    assert main([*argv, *FAST, "--epochs", "10"]) == 130
    _, metadata = load_network("model.safetensors")
    history = metadata["history"]
    best = int(np.argmin(history["val_loss"])) + 1
    assert history["best_epoch"] == best and len(history["val_loss"]) == 5
    assert capsys.readouterr().err == (
        f"glassnet: interrupted after 5 completed epochs: wrote the model of epoch {best} (the "
        "lowest held-out loss) to model.safetensors\n"
    )


def test_ctrl_c_while_measuring_an_epoch_keeps_the_one_before(data, monkeypatch, capsys):
    """The held-out loss of epoch 4 is interrupted: epoch 4 is not recorded, so its weights
    are not kept either (the loop puts back the end of epoch 3)."""
    completed = _interrupt_epoch(monkeypatch, 0)  # only records each epoch's weights
    real = _loop.epoch_logs

    def measure(*args):
        if len(completed) == 4:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(_loop, "epoch_logs", measure)
    argv = ["train", str(data), "--target", "label", "--early-stopping", *FAST]
    assert main(argv) == 130
    _, metadata = load_network("model.safetensors")
    history = metadata["history"]
    assert len(history["loss"]) == len(history["val_loss"]) == 3
    best = int(np.argmin(history["val_loss"])) + 1
    assert history["best_epoch"] == best
    network, _ = load_network("model.safetensors")
    assert all(
        np.array_equal(a, b)
        for a, b in zip(network.get_weights(), completed[best - 1], strict=True)
    )
    assert capsys.readouterr().err.startswith("glassnet: interrupted after 3 completed epochs")


def test_a_second_ctrl_c_while_the_kept_epoch_is_put_back_is_held(data, monkeypatch, capsys):
    """A double press: the second SIGINT lands while the best weights are restored."""
    completed = _interrupt_epoch(monkeypatch, 5, real_signal=True)
    real = EarlyStopping.on_train_end

    def restore_with_sigint(self, state):
        os.kill(os.getpid(), signal.SIGINT)  # a real second Ctrl-C, in the middle of it
        real(self, state)

    monkeypatch.setattr(EarlyStopping, "on_train_end", restore_with_sigint)
    argv = ["train", str(data), "--target", "label", "--early-stopping", "--lr", "3"]
    assert main([*argv, *FAST, "--epochs", "10", "--l2", "0"]) == 130
    network, metadata = load_network("model.safetensors")
    best = metadata["history"]["best_epoch"]
    assert best == int(np.argmin(metadata["history"]["val_loss"])) + 1
    assert best < 4  # so the weights put back differ from the last completed epoch's
    assert all(
        np.array_equal(a, b)
        for a, b in zip(network.get_weights(), completed[best - 1], strict=True)
    )
    assert capsys.readouterr().err.startswith("glassnet: interrupted after 4 completed epochs")


def test_ctrl_c_during_the_final_metrics_still_writes_the_model(data, monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "_metrics", interrupted)
    assert main(["train", str(data), "--target", "label", *FAST, "--no-early-stopping"]) == 130
    assert capsys.readouterr().err == (
        "glassnet: interrupted after 6 completed epochs: wrote the model of epoch 6 (the last "
        "completed epoch) to model.safetensors; no metrics (interrupted while computing them)\n"
    )
    _, metadata = load_network("model.safetensors")
    assert metadata["metrics"] == {} and metadata["history"]["best_epoch"] == 6
    assert _written(Path.cwd()) == ["model.safetensors"]


def test_ctrl_c_during_the_save_is_held_until_the_file_is_complete(data, monkeypatch, capsys):
    real = train.save_network

    def save_with_sigint(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, in the middle of the save
        real(*args, **kwargs)

    monkeypatch.setattr(train, "save_network", save_with_sigint)
    assert main(["train", str(data), "--target", "label", *FAST, "--no-early-stopping"]) == 130
    err = capsys.readouterr().err
    assert err.endswith(
        "wrote the model of epoch 6 (the last completed epoch) to model.safetensors\n"
    )
    assert load_network("model.safetensors")[1]["history"]["best_epoch"] == 6
    assert _written(Path.cwd()) == ["model.safetensors"]  # no plot, no temporary


def test_ctrl_c_during_the_plot_keeps_the_written_model(data, monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "_loss_plot", interrupted)
    assert main(["train", str(data), "--target", "label", *FAST]) == 130
    assert capsys.readouterr().err.endswith("to model.safetensors; no loss plot\n")
    assert load_network("model.safetensors")[1]["history"]["best_epoch"] == 6


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as at a terminal, even under "pytest &"


def _sigint_when(child: subprocess.Popen[bytes], pattern: bytes, timeout: float) -> bytes:
    """Send SIGINT once the child's stderr matches ``pattern``; return all its stderr."""
    assert child.stderr is not None
    seen = bytearray()
    found = threading.Event()

    def reader() -> None:
        while chunk := os.read(child.stderr.fileno(), 4096):  # type: ignore[union-attr]
            seen.extend(chunk)
            if not found.is_set() and re.search(pattern, bytes(seen)):
                found.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert found.wait(timeout), f"never saw {pattern!r}: {bytes(seen)[-300:]!r}"
    child.send_signal(signal.SIGINT)
    child.wait(timeout=120)
    thread.join(timeout=10)
    return bytes(seen)


def test_real_sigint_before_the_first_epoch_completes_writes_nothing(tmp_path):
    """A slow first epoch (60,000 rows, one row per step); SIGINT once its bar shows 0/3."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60_000, 8)), columns=[f"x{i}" for i in range(8)])
    frame["label"] = np.where(frame["x0"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    command = [sys.executable, "-m", "glassnet.cli", "train", "d.csv", "--target", "label"]
    with subprocess.Popen(
        [*command, "--epochs", "3", "--batch-size", "1", "--hidden", "64,64"],
        cwd=tmp_path, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_default_sigint,
    ) as child:  # fmt: skip
        err = _sigint_when(child, rb"\| *0/3", timeout=120).decode()
    assert child.returncode == 130, err
    assert err.endswith(NOTHING) and err.count("glassnet:") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]
