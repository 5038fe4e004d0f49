"""Kill a process with SIGKILL at random moments while it saves models or writes predictions;
afterwards the target file must be the old version or the new one, intact, never torn.

Each kill runs a fresh child process that rewrites one file in a loop, alternating between
two known versions ("old" and "new"). The parent waits until the loop runs, sleeps a random
few milliseconds, sends SIGKILL, then checks the file: it must load (a model) or parse (a
CSV) and equal one of the two versions byte for byte. A kill that lands mid-write leaves the
child's temporary file ``.NAME.XXXX.tmp`` behind: it is counted, never read, and a later save
into the same folder works.

Ctrl-C (SIGINT) during ``glassnet train --out`` is tested for real too: exit code 130, one
line on standard error after the progress bar naming the kept epoch, and the model of the last
finished epoch saved.

Kills per target: 8 in the CI profile, 100 with ``--long`` (``GLASSNET_FUZZ=long``).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glassnet as gn
from glassnet.io.model_files import load_network, save_network

from .conftest import _state, count

SRC = Path(__file__).resolve().parents[2] / "src"
ENV = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}


def kills() -> int:
    return 100 if _state["long"] else 8


def _child(script: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_after_ready(child: subprocess.Popen[str], rng: random.Random, spread: float) -> None:
    """Wait for the child's "ready" line, let it run a random while, then SIGKILL it."""
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "ready", (line, child.stderr.read() if child.stderr else "")
    time.sleep(rng.uniform(0.0, spread))
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)  # reaps the child and closes its pipes
    assert child.returncode == -signal.SIGKILL


SAVE_LOOP = """
    import sys
    import numpy as np
    import glassnet as gn
    versions = [
        gn.Network([gn.Dense(400, 500, rng=seed), gn.Dense(500, 2, rng=seed + 1)])
        for seed in (1, 2)
    ]
    print("ready", flush=True)
    i = 0
    while True:
        gn.save_network("m.safetensors", versions[i % 2], {"version": i % 2})
        i += 1
"""


def test_sigkill_during_save_leaves_the_old_or_the_new_model(tmp_path) -> None:
    expected = [
        gn.Network([gn.Dense(400, 500, rng=s), gn.Dense(500, 2, rng=s + 1)]).get_weights()
        for s in (1, 2)
    ]
    save_network(
        tmp_path / "m.safetensors",
        gn.Network([gn.Dense(400, 500, rng=1), gn.Dense(500, 2, rng=2)]),
        {"version": 0},
    )
    rng = random.Random(0)
    mid_write = 0
    for _ in range(kills()):
        before = set(tmp_path.glob(".m.safetensors.*.tmp"))
        _kill_after_ready(_child(SAVE_LOOP, tmp_path), rng, spread=0.25)
        count("kills: save_network")
        mid_write += len(set(tmp_path.glob(".m.safetensors.*.tmp")) - before)
        network, metadata = load_network(tmp_path / "m.safetensors")  # intact: it loads
        version = metadata["version"]
        weights = network.get_weights()
        assert all(np.array_equal(a, b) for a, b in zip(weights, expected[version], strict=True))
    leftovers = list(tmp_path.glob(".m.safetensors.*.tmp"))
    assert len(leftovers) == mid_write
    # leftovers break nothing: a new save and load in the same folder work
    save_network(tmp_path / "m.safetensors", gn.Network([gn.Dense(1, 1, rng=0)]))
    assert load_network(tmp_path / "m.safetensors")[0].n_inputs == 1
    count_mid_write("kills mid-write: save_network", mid_write)


def count_mid_write(name: str, n: int) -> None:
    for _ in range(n):
        count(name)


PREDICT_LOOP = """
    from glassnet.cli.command import main
    import contextlib, io
    print("ready", flush=True)
    i = 0
    while True:
        with contextlib.redirect_stderr(io.StringIO()):
            main(["predict", "m.safetensors", f"data{i % 2}.csv", "-o", "out.csv", "--proba"])
        i += 1
"""


@pytest.fixture(scope="module")
def predict_folder(tmp_path_factory) -> tuple[Path, list[bytes]]:
    """A trained model, two input tables, and the exact bytes of their predictions."""
    from glassnet.cli.command import main

    folder = tmp_path_factory.mktemp("predict")
    rng = np.random.default_rng(0)
    for index, n in enumerate((20_000, 19_999)):
        frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
        frame["label"] = np.where(frame["a"] > frame["b"], "up", "down")
        frame.to_csv(folder / f"data{index}.csv", index=False)
    argv = [
        "train",
        str(folder / "data0.csv"),
        "--target",
        "label",
        "--quiet",
        "--epochs",
        "1",
        "--hidden",
        "4",
        "--out",
        str(folder / "m.safetensors"),
        "--plot",
        str(folder / "loss.png"),
    ]
    assert main(argv) == 0
    outputs = []
    for index in range(2):
        out = folder / f"expected{index}.csv"
        argv = [
            "predict",
            str(folder / "m.safetensors"),
            str(folder / f"data{index}.csv"),
            "-o",
            str(out),
            "--proba",
        ]
        assert main(argv) == 0
        outputs.append(out.read_bytes())
    return folder, outputs


def test_sigkill_during_predict_output_leaves_the_old_or_the_new_csv(predict_folder) -> None:
    folder, outputs = predict_folder
    (folder / "out.csv").write_bytes(outputs[0])
    rng = random.Random(1)
    mid_write = 0
    for _ in range(kills()):
        before = set(folder.glob(".out.csv.*.tmp"))
        _kill_after_ready(_child(PREDICT_LOOP, folder), rng, spread=2.0)
        count("kills: glassnet predict -o")
        mid_write += len(set(folder.glob(".out.csv.*.tmp")) - before)
        written = (folder / "out.csv").read_bytes()
        assert written in outputs, "a torn predictions file"
        assert len(pd.read_csv(folder / "out.csv")) in (20_000, 19_999)
    count_mid_write("kills mid-write: glassnet predict -o", mid_write)
    for leftover in folder.glob(".out.csv.*.tmp"):
        leftover.unlink()


def test_ctrl_c_during_training_exits_130_and_keeps_the_model(tmp_path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.safetensors"
    command = [
        sys.executable,
        "-m",
        "glassnet.cli",
        "train",
        str(tmp_path / "d.csv"),
        "--target",
        "label",
        "--out",
        str(model),
        "--epochs",
        "100000",
        "--hidden",
        "8",
        "--plot",
        str(tmp_path / "loss.png"),
        "--no-early-stopping",  # the default since issue 19: the kept epoch is then the last
    ]
    child = subprocess.Popen(  # SIGINT as at a terminal: a pytest started with "&" by a
        command,  # script ignores SIGINT, and its children would inherit that and run on
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
    err = _read_until(child, re.compile(rb"\| *[3-9]/100000|\| *\d\d+/100000"), timeout=120)
    child.send_signal(signal.SIGINT)
    out, rest = child.communicate(timeout=120)
    err += rest
    assert child.returncode == 130, err.decode(errors="replace")
    text = err.decode()
    assert "Traceback" not in text
    # the progress bar redraws with carriage returns; after it, exactly one line
    after_bar = [
        line
        for line in text.replace("\r", "\n").splitlines()
        if line and not line.startswith("training")
    ]
    network, metadata = load_network(model)
    epochs = len(metadata["history"]["loss"])
    assert after_bar == [
        f"glassnet: interrupted after {epochs} completed epochs: wrote the model of epoch "
        f"{epochs} (the last completed epoch) to {model}"
    ], after_bar
    assert epochs >= 3 and metadata["history"]["best_epoch"] == epochs
    assert all(np.isfinite(p.value).all() for p in network.all_parameters())
    assert b"model written to" in out
    assert not list(tmp_path.glob(".*.tmp"))


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _read_until(
    child: subprocess.Popen[bytes], pattern: re.Pattern[bytes], timeout: float
) -> bytes:
    """Collect the child's stderr until ``pattern`` appears (the bar shows finished epochs)."""
    assert child.stderr is not None
    seen = bytearray()
    found = threading.Event()

    def reader() -> None:
        while not found.is_set():
            chunk = os.read(child.stderr.fileno(), 4096)  # type: ignore[union-attr]
            if not chunk:
                return
            seen.extend(chunk)
            if pattern.search(bytes(seen)):
                found.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert found.wait(timeout), f"training never showed progress: {bytes(seen)[-500:]!r}"
    thread.join(timeout=5)
    return bytes(seen)
