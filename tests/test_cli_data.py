"""The subcommands on files people have: other separators, other encodings, missing targets;
what `predict -o` says, `--proba` on a regression model, `explain --model` on any data file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassnet.cli.command import build_parser, main

FAST = ["--quiet", "--epochs", "3", "--hidden", "4"]


def _frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "label": np.where(a + b > 0, "oui", "non")})


def test_every_data_reading_subcommand_takes_sep_and_encoding():
    parser = build_parser()
    for argv in (
        ["train", "d.csv", "--target", "y"],
        ["predict", "m", "d.csv"],
        ["evaluate", "m", "d.csv"],
        ["plot", "m", "d.csv"],
        ["explain", "--model", "m", "--data", "d.csv"],
    ):
        args = parser.parse_args([*argv, "--sep", ";", "--encoding", "latin-1"])
        assert (args.sep, args.encoding) == (";", "latin-1")


def test_a_semicolon_latin1_file_trains_predicts_and_evaluates(tmp_path, capsys):
    data, model = tmp_path / "d.csv", tmp_path / "m.safetensors"
    frame = _frame().rename(columns={"a": "température"})
    frame.to_csv(data, sep=";", index=False, encoding="latin-1", decimal=",")
    assert main(["train", str(data), "--target", "label", "--out", str(model), *FAST]) == 2
    assert "--encoding latin-1" in capsys.readouterr().err
    argv = ["--encoding", "latin-1"]
    assert main(["train", str(data), "--target", "label", "--out", str(model), *FAST, *argv]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(model), str(data), *argv]) == 0
    assert f"{data} (120 rows)" in capsys.readouterr().out


def test_rows_without_a_target_are_dropped_with_their_count_in_train_and_evaluate(tmp_path, capsys):
    data, model = tmp_path / "d.csv", tmp_path / "m.safetensors"
    frame = _frame()
    frame.loc[[3, 50, 77], "label"] = None
    frame.to_csv(data, index=False)
    assert main(["train", str(data), "--target", "label", "--out", str(model), *FAST]) == 0
    warning = "target column 'label' is missing in 3 of 120 rows: those rows are dropped"
    assert f"glassnet: warning: {warning}\n" in capsys.readouterr().err
    assert main(["evaluate", str(model), str(data)]) == 0
    captured = capsys.readouterr()
    assert f"glassnet: warning: {warning}\n" in captured.err and "(117 rows)" in captured.out


def test_a_target_missing_in_most_rows_is_refused(tmp_path, capsys):
    data = tmp_path / "d.csv"
    frame = _frame(10)
    frame.loc[:5, "label"] = None  # 6 of 10
    frame.to_csv(data, index=False)
    out = tmp_path / "m.safetensors"
    assert main(["train", str(data), "--target", "label", "--out", str(out), *FAST]) == 2
    err = capsys.readouterr().err
    assert err == (
        "glassnet: error: target column 'label' is missing in 6 of 10 rows; is it the column "
        "to predict?\n"
    )
    assert not out.exists()


@pytest.fixture
def regression_model(tmp_path, capsys):
    data, model = tmp_path / "r.csv", tmp_path / "r.safetensors"
    frame = _frame()
    frame["value"] = frame["a"] * 2.5 + 0.1
    frame.drop(columns="label").to_csv(data, index=False)
    assert main(["train", str(data), "--target", "value", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    return model, data


def test_proba_for_a_regression_model_is_refused_before_reading_data(regression_model, capsys):
    model, data = regression_model
    assert main(["predict", str(model), str(data), "--proba"]) == 2
    assert capsys.readouterr().err == (
        f"glassnet: error: --proba is for classifiers; {model} is a regression model (it "
        "predicts values of 'value', not classes)\n"
    )


def test_predict_to_a_file_says_what_it_wrote(tmp_path, capsys):
    data, model, out = tmp_path / "d.csv", tmp_path / "m.safetensors", tmp_path / "p.csv"
    _frame().to_csv(data, index=False)
    assert main(["train", str(data), "--target", "label", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    assert main(["predict", str(model), str(data), "-o", str(out), "--proba"]) == 0
    said = capsys.readouterr().out
    assert said == f"wrote 120 rows x 3 columns (label, proba_non, proba_oui) to {out}\n"
    assert pd.read_csv(out).shape == (120, 3)


def test_explain_model_says_its_loss_optimizer_and_rate_and_takes_a_row_of_any_file(
    tmp_path, capsys
):
    data, other, model = tmp_path / "d.csv", tmp_path / "other.tsv", tmp_path / "m.safetensors"
    _frame().to_csv(data, index=False)
    train = ["train", str(data), "--target", "label", "--out", str(model), *FAST]
    assert main([*train, "--optimizer", "sgd", "--lr", "0.03"]) == 0
    _frame(8, seed=5).to_csv(other, sep="\t", index=False)  # a file it never saw, tab-separated
    capsys.readouterr()
    assert main(["explain", "--model", str(model), "--data", str(other), "--row", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "explaining with the model's own loss binary_cross_entropy, optimizer sgd, learning "
        "rate 0.03 (from its training)\n"
    )
    assert "η = 0.030000000" in out
    argv = ["explain", "--model", str(model), "--data", str(other), "--lr", "0.2"]
    assert main(argv) == 0
    assert "learning rate 0.2 (--lr)" in capsys.readouterr().out


def test_explain_model_refuses_a_row_without_target_and_its_own_loss_option(tmp_path, capsys):
    data, model = tmp_path / "d.csv", tmp_path / "m.safetensors"
    frame = _frame()
    frame.to_csv(data, index=False)
    assert main(["train", str(data), "--target", "label", "--out", str(model), *FAST]) == 0
    frame.loc[4, "label"] = None
    frame.to_csv(data, index=False)
    capsys.readouterr()
    assert main(["explain", "--model", str(model), "--data", str(data), "--row", "4"]) == 2
    assert "row 4 has no value in the target column 'label'" in capsys.readouterr().err
    assert main(["explain", "--model", str(model), "--data", str(data), "--loss", "huber"]) == 2
    assert "(the model has its own)" in capsys.readouterr().err
    assert main(["explain", "--model", str(model)]) == 2
    assert "any file with the model's columns and its target 'label'" in capsys.readouterr().err
