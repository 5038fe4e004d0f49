"""Fuzz the ``glassnet`` command through ``main(argv)`` with generated CSV files and options.

Allowed outcomes: exit code 0 with a usable result (the model file loads, the predictions
file has one row per input row), or exit code 2 with exactly one ``glassnet: error:`` line on
standard error (besides ``glassnet: warning:`` lines about the data) and no traceback. Nothing
else: no other exit code, no exception out of ``main``, no NumPy warning, no hang. Training
runs are tiny (one or two epochs, a 2-unit hidden layer) so that examples stay quick.
"""

from __future__ import annotations

import contextlib
import io
import string
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from glassnet.cli.command import main
from glassnet.io.model_files import load_network

from .conftest import count, fuzz, no_hang

CELL = st.one_of(
    st.floats(-5, 5).map(lambda v: f"{v:.3g}"),
    st.integers(-3, 3).map(str),
    st.sampled_from(
        [
            "",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e308",
            "1e400",
            "-1e400",
            "1e30",
            "NA",
            "null",
            "yes",
            "no",
            "red",
            "blue",
            "ü",
            '"q,uoted"',
            "0x10",
            "1,5",
            "  7 ",
            "True",
            "false",
        ]
    ),
    st.text(alphabet=string.ascii_letters + "äé中 ", min_size=1, max_size=4),
)
NAME = st.one_of(
    st.sampled_from(["a", "b", "c", "label", "y", "é", "名前", "", " a", "a.1"]),
    st.text(alphabet=string.ascii_letters + "äöü中", min_size=1, max_size=5),
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """(the file's bytes, a target column name): tables with all the usual defects."""
    kind = draw(
        st.sampled_from(
            ["usable"] * 6 + ["table"] * 4 + ["empty", "junk", "header-only", "one-class"]
        )
    )
    if kind == "usable":
        return draw(usable_tables())
    if kind == "empty":
        return b"", "label"
    if kind == "junk":
        return draw(st.binary(min_size=1, max_size=200)), "label"
    n_columns = draw(st.integers(1, 4))
    names = draw(st.lists(NAME, min_size=n_columns, max_size=n_columns))  # duplicates too
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t", "|", " "]))
    n_rows = 0 if kind == "header-only" else draw(st.integers(1, 14))
    rows = []
    for index in range(n_rows):
        width = n_columns if draw(st.integers(0, 9)) else draw(st.integers(0, n_columns + 2))
        cells = draw(st.lists(CELL, min_size=width, max_size=width))
        if kind == "one-class" and cells:
            cells[-1] = "same"
        elif cells and draw(st.booleans()):
            cells[-1] = str(index % 2)  # a usable binary target, most of the time
        rows.append(delimiter.join(cells))
    text = "\n".join([delimiter.join(names), *rows]) + draw(st.sampled_from(["\n", "", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    target = draw(st.one_of(st.sampled_from(names), NAME))
    return text.encode(encoding, errors="replace"), target


@st.composite
def usable_tables(draw: st.DrawFn) -> tuple[bytes, str]:
    """Tables that can be trained on, with a few defects: gaps, huge numbers, NaN/inf text,
    unicode names, constant columns, a categorical column."""
    n_rows = draw(st.integers(6, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    columns: dict[str, Any] = {}
    for index in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(["x", "größe", "名前", "a b", "1", "x"])) + str(index)
        style = draw(st.sampled_from(["normal", "huge", "constant", "categorical", "integers"]))
        values = {
            "normal": lambda: rng.normal(size=n_rows),
            "huge": lambda: rng.normal(size=n_rows) * 1e300,
            "constant": lambda: np.full(n_rows, 7.0),
            "categorical": lambda: rng.choice(["red", "grün", "青"], n_rows),
            "integers": lambda: rng.integers(-5, 5, n_rows),
        }[style]().astype(object)
        for row in draw(st.lists(st.integers(0, n_rows - 1), max_size=3)):
            values[row] = draw(st.sampled_from(["", "nan", "inf", "-inf", "1e400", "?"]))
        columns[name] = values
    target = draw(st.sampled_from(["label", "y", "ziel"]))
    labels = draw(st.sampled_from([["no", "yes"], [0, 1], [0, 1, 2], [1.5, 2.5, 3.25, 4.0]]))
    columns[target] = [labels[i % len(labels)] for i in range(n_rows)]
    frame = pd.DataFrame(columns)
    return frame.to_csv(index=False).encode(), target


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "--task": st.sampled_from(["classification", "regression"]),
        "--test-size": st.sampled_from(["0.3", "0", "1", "-1", "nan", "x", "0.99"]),
        "--hidden": st.sampled_from(["2", "", "0", "a,b", "2,,2", "-1", "99999999999999999999"]),
        "--activation": st.sampled_from(["tanh", "relu", "sigmoid", "nope", ""]),
        "--optimizer": st.sampled_from(["sgd", "adam", "rmsprop", "adagrad", "adamw", "lbfgs"]),
        "--lr": st.sampled_from(["0.01", "0", "-1", "nan", "inf", "1e300", "x"]),
        "--epochs": st.sampled_from(["1", "0", "-3", "x", "1.5"]),
        "--batch-size": st.sampled_from(["4", "0", "1", "100000"]),
        "--dropout": st.sampled_from(["0.2", "1", "-0.1", "nan"]),
        "--l2": st.sampled_from(["0.01", "-1", "nan", "inf"]),
        "--early-stopping": st.just(None),
        "--patience": st.sampled_from(["1", "0"]),
        "--seed": st.sampled_from(["0", "-1", "x", "99999999999999999999999"]),
        "--drop": st.sampled_from(["a", "nope", ",", ""]),
    },
)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with its output captured; any exception out of main fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check_exit(code: int, err: str) -> None:
    """Exit 0, or exit 2 with exactly one error line (warnings and notes aside: train's report
    notes, such as early stopping switched off on a small table) and no traceback."""
    assert "Traceback" not in err, err
    last = err.splitlines()[-1] if err else ""
    event(f"exit {code}" + ("" if code == 0 else f": {last.split('/tmp')[0][17:45]}"))
    lines = err.splitlines()
    asides = ("glassnet: warning: ", "glassnet: note: ")
    errors = [line for line in lines if not line.startswith(asides)]
    if code == 0:
        assert not [line for line in errors if "error" in line], err
        return
    assert code == 2, f"exit code {code}; stderr: {err!r}"
    assert len(errors) == 1, f"expected one error line, got {errors!r}"
    assert errors[0].startswith("glassnet: error: ") and len(errors[0]) > 17, errors


@fuzz(20)
@given(
    table=csv_files(), options=OPTIONS, suffix=st.sampled_from([".csv", ".csv", ".parquet", ".txt"])
)
def test_cli_train(table: tuple[bytes, str], options: dict[str, Any], suffix: str) -> None:
    count("cli train")
    data, target = table
    options = dict(list(options.items())[:2])  # at most two options, so that some runs train
    argv_options = [v for k, o in options.items() for v in ([k] if o is None else [k, o])]
    with tempfile.TemporaryDirectory() as folder:
        path, model = Path(folder) / f"data{suffix}", Path(folder) / "m.safetensors"
        path.write_bytes(data)
        defaults = [
            "--epochs",
            "1",
            "--hidden",
            "2",
            "--quiet",
            "--plot",
            str(Path(folder) / "loss.png"),
        ]
        argv = [
            "train",
            str(path),
            "--target",
            target,
            "--out",
            str(model),
            *defaults,
            *argv_options,
        ]
        with no_hang(60):
            code, _, err = run_cli(argv)
        check_exit(code, err)
        if code == 0:
            network, metadata = load_network(model)
            assert all(np.isfinite(p.value).all() for p in network.all_parameters())
            assert metadata["task"] in ("classification", "regression")
        else:
            assert not model.exists()
        leftovers = [p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp")]
        assert not leftovers, leftovers


_MODEL: dict[str, Path] = {}


def trained_model() -> Path:
    """A small model trained once per session on columns a, b, colour -> label."""
    if "path" not in _MODEL:
        folder = Path(tempfile.mkdtemp(prefix="glassnet-fuzz-"))
        rng = np.random.default_rng(0)
        frame = pd.DataFrame(
            {
                "a": rng.normal(size=40),
                "b": rng.normal(size=40),
                "colour": rng.choice(["red", "blue"], 40),
            }
        )
        frame["label"] = np.where(frame["a"] > 0, "yes", "no")
        frame.to_csv(folder / "train.csv", index=False)
        argv = [
            "train",
            str(folder / "train.csv"),
            "--target",
            "label",
            "--out",
            str(folder / "m.safetensors"),
            "--epochs",
            "2",
            "--hidden",
            "3",
            "--quiet",
            "--plot",
            str(folder / "loss.png"),
        ]
        code, _, err = run_cli(argv)
        assert code == 0, err
        _MODEL["path"] = folder / "m.safetensors"
    return _MODEL["path"]


@st.composite
def prediction_files(draw: st.DrawFn) -> bytes:
    """Tables with the model's columns (some missing, renamed, extra, or of the wrong type)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(csv_files())[0]
    known = ["a", "b", "colour"]
    columns = draw(
        st.one_of(
            st.just(known),
            st.permutations([*known, "label"]),
            st.lists(st.sampled_from([*known, "label", "extra", "A"]), max_size=5),
        )
    )
    n_rows = draw(st.integers(0, 8))
    rows = [
        ",".join(draw(st.lists(CELL, min_size=len(columns), max_size=len(columns))))
        for _ in range(n_rows)
    ]
    return ("\n".join([",".join(columns), *rows]) + "\n").encode()


@pytest.mark.parametrize("command", ["predict", "evaluate"])
@fuzz(20)
@given(data=prediction_files(), proba=st.booleans())
def test_cli_predict_and_evaluate(data: bytes, proba: bool, command: str) -> None:
    count(f"cli {command}")
    model = trained_model()
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "new.csv", Path(folder) / "out.csv"
        path.write_bytes(data)
        if command == "predict":
            argv = ["predict", str(model), str(path), "-o", str(out), *(["--proba"] * proba)]
        else:
            argv = ["evaluate", str(model), str(path), "--json"]
        with no_hang(30):
            code, _, err = run_cli(argv)
        check_exit(code, err)
        if command == "predict" and code == 0:
            n_rows = len(pd.read_csv(path))
            assert len(pd.read_csv(out)) == n_rows
        if command == "predict" and code != 0:
            assert not out.exists()
