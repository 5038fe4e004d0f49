"""``glassnet train`` says what happened and how it compares (issue 19, items 1, 3 and 7):
the report (data, task and why, classes, split, network, optimizer, epochs, time), the linear
baseline on the same split, and the option checks that come before any data is read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassnet.cli import train
from glassnet.cli.command import main
from glassnet.io.model_files import load_network

FAST = ["--quiet", "--epochs", "15", "--hidden", "16", "--lr", "0.01"]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """300 rows: two numbers, a colour, an id column to drop, a yes/no label."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(size=300)
    colour = rng.choice(["red", "green", "blue"], 300)
    frame = pd.DataFrame({"id": np.arange(300), "a": a, "b": b, "colour": colour})
    frame["label"] = np.where(a + b + (colour == "red") > 0.5, "yes", "no")
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def _train_json(capsys, *argv: str) -> dict:
    assert main(["train", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_json_report_says_what_happened(tmp_path, table, capsys):
    out = tmp_path / "m.safetensors"
    report = _train_json(
        capsys, str(table), "--target", "label", "--drop", "id", "--early-stopping",
        "--out", str(out), *FAST,
    )  # fmt: skip
    assert report["data"] == {
        "source": str(table), "rows": 300, "target": "label",
        "columns_used": ["a", "b", "colour"], "columns_dropped": {"id": "--drop"},
    }  # fmt: skip
    assert report["task"] == {
        "kind": "classification", "reason": "the target is text (2 distinct values)",
        "classes": ["no", "yes"], "positive_class": "yes",
    }  # fmt: skip
    assert report["split"] == {"train": 240, "validation": 24, "test": 60}
    assert report["network"]["layers"] == "5-16-1"  # a, b and three colours
    assert report["network"]["loss"] == "BinaryCrossEntropy"
    assert report["optimizer"] == {"name": "adam", "learning_rate": 0.01, "batch_size": 32}
    epochs = report["epochs"]
    history = load_network(out)[1]["history"]
    assert epochs["max"] == 15 and epochs["run"] == len(history["loss"])
    assert epochs["kept"] == history["best_epoch"] == report["epoch"]
    assert epochs["kept"] == int(np.argmin(history["val_loss"])) + 1
    assert report["time_seconds"] > 0 and report["model"] == str(out)
    assert report["interrupted"] is False and 0.5 < report["metrics"]["test"]["accuracy"] <= 1


def test_the_baseline_is_a_logistic_regression_on_the_same_split(tmp_path, table, capsys):
    from sklearn.linear_model import LogisticRegression

    from glassnet.io.tables import Preprocessor

    report = _train_json(
        capsys, str(table), "--target", "label", "--drop", "id", "--out",
        str(tmp_path / "m.safetensors"), *FAST,
    )  # fmt: skip
    baseline = report["baseline"]
    assert baseline["model"] == "LogisticRegression(C=1)" and baseline["metric"] == "accuracy"
    # the same split, the same preprocessing, by hand
    frame = pd.read_csv(table)
    y = frame.pop("label")
    train_rows, test_rows = train._split(y, "classification", _Args(test_size=0.2, seed=0))
    features = frame.drop(columns="id")
    x = Preprocessor.fit(features.iloc[train_rows]).transform(features, warn=False)
    labels = (y == "yes").to_numpy().astype(int)
    model = LogisticRegression(max_iter=1000).fit(x[train_rows], labels[train_rows])
    assert baseline["test"] == pytest.approx(model.score(x[test_rows], labels[test_rows]))


class _Args:
    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def test_regression_reports_ridge_r2_and_why_regression(tmp_path, capsys):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    frame["price"] = 3 * frame["x"] - frame["z"] + rng.normal(scale=0.5, size=200)
    frame.to_csv(tmp_path / "r.csv", index=False)
    report = _train_json(
        capsys, str(tmp_path / "r.csv"), "--target", "price", "--out",
        str(tmp_path / "m.safetensors"), *FAST,
    )  # fmt: skip
    assert report["task"] == {
        "kind": "regression", "reason": "the target has 200 distinct numbers, not all whole"
    }  # fmt: skip
    assert report["baseline"]["model"] == "Ridge(alpha=1)"
    assert report["baseline"]["metric"] == "r2" and report["baseline"]["test"] > 0.9


def test_the_text_report_and_no_baseline(tmp_path, table, capsys):
    argv = ["train", str(table), "--target", "label", "--out", str(tmp_path / "m.safetensors")]
    assert main([*argv, *FAST, "--no-early-stopping"]) == 0
    out = capsys.readouterr().out
    assert f"data: {table}: 300 rows, 4 feature columns, target 'label'" in out
    assert "task: classification (the target is text (2 distinct values)); classes no, yes " \
        "(positive: yes)" in out  # fmt: skip
    assert "split: 240 train (0 of them held out for early stopping), 60 test" in out
    assert "epochs: 15 run of at most 15 (--epochs reached); kept epoch 15;" in out
    assert "baseline: LogisticRegression(C=1) on the same split: test accuracy " in out
    assert main([*argv, *FAST, "--no-baseline", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["baseline"] is None


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--hidden", "64,,32"], "--hidden must be sizes separated by commas like 64,32, got "),
        (["--hidden", "8,"], "--hidden must be sizes"),
        (["--activation", "relux"], "got 'relux' (did you mean relu"),
        (["--activation", "sigmod"], "(did you mean sigmoid"),
        (["--l2", "-1"], "--l2 must be >= 0"),
    ],
)
def test_bad_network_options_are_refused_before_the_data_is_read(
    tmp_path, capsys, monkeypatch, option, message
):
    def never(*args, **kwargs):
        raise AssertionError("the data was read before the options were checked")

    monkeypatch.setattr(train, "read_data", never)  # the shared reader of every command
    argv = ["train", str(tmp_path / "absent.csv"), "--target", "y", *option]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_empty_hidden_option_is_a_linear_model(tmp_path, table, capsys):
    report = _train_json(
        capsys, str(table), "--target", "label", "--hidden", "", "--out",
        str(tmp_path / "m.safetensors"), "--quiet", "--epochs", "3",
    )  # fmt: skip
    assert report["network"]["layers"].count("-") == 1


def test_the_defaults_stop_early_keep_the_best_and_size_the_penalty(tmp_path, table, capsys):
    out = tmp_path / "m.safetensors"
    report = _train_json(capsys, str(table), "--target", "label", "--drop", "id", "--quiet",
                         "--out", str(out))  # fmt: skip
    n_fit = 240 - 24
    assert report["split"] == {"train": 240, "validation": 24, "test": 60}
    assert report["network"]["penalties"] == [{"name": "L2", "l2": pytest.approx(5 / n_fit)}]
    assert report["network"]["layers"] == "5-64-32-1"
    assert report["epochs"]["max"] == 200 and report["epochs"]["run"] <= 200
    _, metadata = load_network(out)
    history = metadata["history"]
    assert report["epochs"]["kept"] == int(np.argmin(history["val_loss"])) + 1
    assert metadata["training"]["l2"] == pytest.approx(5 / n_fit)
    assert metadata["training"]["early_stopping"] is True
    if report["epochs"]["run"] < 200:
        assert report["epochs"]["why"].startswith("early stopping")
        assert report["epochs"]["run"] - report["epochs"]["kept"] == 10  # --patience 10


def test_too_few_rows_to_hold_out_turn_early_stopping_off_with_a_note(tmp_path, capsys):
    frame = pd.DataFrame({"x": np.arange(20.0), "y": ["a", "b"] * 10})
    frame.to_csv(tmp_path / "small.csv", index=False)
    argv = ["train", str(tmp_path / "small.csv"), "--target", "y", "--quiet", "--epochs", "3"]
    assert main([*argv, "--out", str(tmp_path / "m.safetensors"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "early stopping off: 16 training rows are too few to hold some out" in captured.err
    assert json.loads(captured.out)["split"]["validation"] == 0
    tiny = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 2.5]})
    tiny.to_csv(tmp_path / "tiny.csv", index=False)
    argv = ["train", str(tmp_path / "tiny.csv"), "--target", "y", "--early-stopping", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "t.safetensors"), "--test-size", "0.5"]) == 2
    assert "--early-stopping needs at least 2 training rows (one to hold out), got 1" in \
        capsys.readouterr().err  # fmt: skip
