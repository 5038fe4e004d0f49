"""The `glassnet` command through main(argv), plus one real subprocess run."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassnet.cli.command import main
from glassnet.io.model_files import load_network, read_model_file, save_network
from glassnet.loop import Training

from .conftest import require_datasets

SRC = Path(__file__).resolve().parents[1] / "src"
FAST = ["--quiet", "--epochs", "15", "--hidden", "16", "--lr", "0.01"]


@pytest.fixture
def table(tmp_path) -> Path:
    """300 rows: two numbers, a colour (categorical), gaps in both, a yes/no label."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(size=300)
    colour = rng.choice(["red", "green", "blue"], 300)
    frame = pd.DataFrame({"a": a, "b": b, "colour": colour})
    frame["label"] = np.where(a + b + (colour == "red") > 0.5, "yes", "no")
    frame.loc[::17, "a"] = np.nan
    frame.loc[::23, "colour"] = None
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def _json_out(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_train_predict_evaluate_round_trip(tmp_path, table, capsys):
    model = tmp_path / "m.safetensors"
    assert main(["train", str(table), "--target", "label", "--out", str(model), *FAST]) == 0
    captured = capsys.readouterr()
    assert "test : accuracy" in captured.out and "confusion matrix" in captured.out
    assert "missing values in the training data imputed" in captured.err
    assert "a (" in captured.err and "colour (" in captured.err
    assert (tmp_path / "m-loss.png").stat().st_size > 0

    predictions = tmp_path / "p.csv"
    argv = ["predict", str(model), str(table), "-o", str(predictions), "--proba"]
    assert main(argv) == 0
    result = pd.read_csv(predictions)
    truth = pd.read_csv(table)["label"]
    assert list(result.columns) == ["label", "proba_no", "proba_yes"]
    assert len(result) == len(truth)
    assert np.allclose(result["proba_no"] + result["proba_yes"], 1.0)
    assert result["label"].tolist() == np.where(result["proba_yes"] >= 0.5, "yes", "no").tolist()

    capsys.readouterr()
    assert main(["evaluate", str(model), str(table), "--target", "label", "--json"]) == 0
    scores = _json_out(capsys)
    assert scores["accuracy"] == pytest.approx((result["label"] == truth).mean())  # order kept
    assert scores["accuracy"] > 0.9
    assert np.sum(scores["confusion_matrix"]) == len(truth)


def test_default_trains_on_breast_cancer(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--quiet", "--json"]) == 0
    report = _json_out(capsys)
    assert report["metrics"]["test"]["accuracy"] >= 0.93
    assert report["metrics"]["test"]["roc_auc"] >= 0.97
    network, metadata = load_network(tmp_path / "model.safetensors")
    assert network.n_inputs == 30 and metadata["classes"] == ["benign", "malignant"]
    assert (tmp_path / "model-loss.png").exists()


def test_regression_with_early_stopping(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, size=(400, 2))
    frame = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": 3 * x[:, 0] - x[:, 1] ** 2 + 10})
    frame.to_csv(tmp_path / "r.csv", index=False)
    model = tmp_path / "r.safetensors"
    argv = ["train", str(tmp_path / "r.csv"), "--target", "y", "--out", str(model), "--json"]
    assert main([*argv, "--quiet", "--early-stopping", "--patience", "3", "--epochs", "60"]) == 0
    report = _json_out(capsys)
    assert report["metrics"]["test"]["r2"] > 0.9
    _, metadata = load_network(model)
    assert metadata["task"] == "regression"
    assert len(metadata["history"]["val_loss"]) == len(metadata["history"]["loss"]) >= 1
    assert main(["predict", str(model), str(tmp_path / "r.csv")]) == 0
    values = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))["y"]
    assert np.abs(values - frame["y"]).mean() < 1.0  # in the target's own units


def test_info_and_plot(tmp_path, capsys):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 2))
    frame = pd.DataFrame({"u": x[:, 0], "v": x[:, 1], "c": (x[:, 0] * x[:, 1] > 0).astype(int)})
    frame.to_csv(tmp_path / "two.csv", index=False)
    model = tmp_path / "two.safetensors"
    argv = ["train", str(tmp_path / "two.csv"), "--target", "c", "--out", str(model), *FAST]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    text = capsys.readouterr().out
    assert "Dense(2, 16, activation='relu')" in text and "classes [0, 1]" in text
    assert "numeric columns (median-imputed, standardized): u, v" in text  # preprocessing
    assert "for 15 epochs" in text and "test: accuracy" in text  # training summary
    assert main(["plot", str(model), str(tmp_path / "two.csv")]) == 0
    for suffix in ("loss", "network", "boundary"):
        assert (tmp_path / f"two-{suffix}.png").stat().st_size > 1000


def test_predict_and_evaluate_read_a_model_file_with_extra_tensors(tmp_path, table, capsys):
    model, extended = tmp_path / "m.safetensors", tmp_path / "x.safetensors"
    assert main(["train", str(table), "--target", "label", "--out", str(model), *FAST]) == 0
    network, metadata, _ = read_model_file(model)
    save_network(extended, network, metadata, {"optimizer/layers.0.bias/m": np.ones(16)})
    outputs = []
    for path in (model, extended):
        capsys.readouterr()
        assert main(["predict", str(path), str(table), "--proba"]) == 0
        assert main(["evaluate", str(path), str(table)]) == 0
        assert main(["info", str(path)]) == 0
        outputs.append(capsys.readouterr().out.replace(str(path), "MODEL"))
    assert outputs[0] == outputs[1] and "accuracy" in outputs[0]


def test_new_category_at_predict_time_warns(tmp_path, table, capsys):
    model = tmp_path / "m.safetensors"
    main(["train", str(table), "--target", "label", "--out", str(model), *FAST])
    new = pd.DataFrame({"a": [0.1], "b": [0.2], "colour": ["purple"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    capsys.readouterr()
    assert main(["predict", str(model), str(tmp_path / "new.csv")]) == 0
    err = capsys.readouterr().err
    assert "glassnet: warning: column 'colour' has categories unseen in training" in err


def _bad_model(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "bad.safetensors"
    if kind == "pickle":
        path.write_bytes(pickle.dumps({"weights": np.zeros(3)}))
    else:
        path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "{tmp}/none.csv", "--target", "y"], "does not exist"),
        (["train", "{tmp}/empty.csv", "--target", "y"], "cannot read"),
        (["train", "{table}", "--target", "price"], "'price' not in the data"),
        (["train", "{table}"], "--target is required"),
        (["train", "{tmp}/one.csv", "--target", "label"], "single class"),
        (["train", "{tmp}/ids.csv", "--target", "label"], "cannot be one-hot encoded"),
        (["train", "{table}", "--target", "label", "--optimizer", "lbfgsx"], "--optimizer"),
        # the CLI trains epoch by epoch, so it offers no L-BFGS (whose fit refuses epochs)
        (["train", "{table}", "--target", "label", "--optimizer", "lbfgs"], "--optimizer must"),
        (["train", "{table}", "--target", "label", "--hidden", "a,b"], "--hidden"),
        (["predict", "{tmp}/pickle.safetensors", "{table}"], "pickle"),
        (["predict", "{tmp}/garbage.safetensors", "{table}"], "not a safetensors model"),
        (["predict", "{tmp}/none.safetensors", "{table}"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, table, capsys, argv, message):
    (tmp_path / "empty.csv").write_text("")
    pd.DataFrame({"x": [1, 2, 3], "label": ["a"] * 3}).to_csv(tmp_path / "one.csv", index=False)
    ids = pd.DataFrame({"id": [f"p{i}" for i in range(300)], "label": [0, 1] * 150})
    ids.to_csv(tmp_path / "ids.csv", index=False)
    (tmp_path / "pickle.safetensors").write_bytes(pickle.dumps({"w": np.zeros(3)}))
    (tmp_path / "garbage.safetensors").write_bytes(b"\x10" + b"\x00" * 7 + b"{not json!}" * 2)
    before = set(tmp_path.iterdir())
    out = tmp_path / "out.file"
    argv = [a.format(tmp=tmp_path, table=table) for a in argv]
    argv += ["--out", str(out)] if argv[0] == "train" else ["-o", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and message in err
    assert err.count("\n") == 1
    assert set(tmp_path.iterdir()) == before  # nothing written, no temporary left


def test_columns_that_do_not_match_the_model(tmp_path, table, capsys):
    model = tmp_path / "m.safetensors"
    main(["train", str(table), "--target", "label", "--out", str(model), *FAST])
    pd.read_csv(table).drop(columns="colour").to_csv(tmp_path / "less.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", str(model), str(tmp_path / "less.csv")]) == 2
    assert "lacks column(s) the model was trained on: colour" in capsys.readouterr().err


def test_ctrl_c_saves_the_best_model_so_far(tmp_path, table, monkeypatch, capsys):
    real_epoch = Training._epoch
    calls: list[int] = []
    completed: list[np.ndarray] = []

    def interrupted_on_third(self):
        calls.append(1)
        if len(calls) == 3:  # the third epoch changes the weights, then Ctrl-C comes
            step = self.step

            def interrupted(*batch):
                step(*batch)
                raise KeyboardInterrupt

            self.step = interrupted
        loss = real_epoch(self)
        if len(calls) == 2:
            completed.extend(self.network.get_weights())
        return loss

    monkeypatch.setattr(Training, "_epoch", interrupted_on_third)
    model = tmp_path / "m.safetensors"
    argv = ["train", str(table), "--target", "label", *FAST, "--no-early-stopping"]
    assert main([*argv, "--out", str(model)]) == 130
    _, metadata = load_network(model)
    assert metadata["history"]["loss"] and len(metadata["history"]["loss"]) == 2
    saved = load_network(model)[0].get_weights()  # the last completed epoch's, not the torn one
    assert all(np.array_equal(a, b) for a, b in zip(saved, completed, strict=True))
    assert capsys.readouterr().err.endswith(
        "glassnet: interrupted after 2 completed epochs: wrote the model of epoch 2 (the last "
        f"completed epoch) to {model}\n"
    )
    calls.clear()  # without --out, the model goes where a normal run writes it
    (tmp_path / "run").mkdir()
    monkeypatch.chdir(tmp_path / "run")
    assert main(argv) == 130
    assert sorted(p.name for p in Path.cwd().iterdir()) == ["model.safetensors"]  # no plot
    _, metadata = load_network("model.safetensors")
    assert metadata["history"]["best_epoch"] == 2


def test_train_checks_its_data_once_not_every_epoch(tmp_path, table, monkeypatch):
    """The engine's input check runs a fixed number of times, whatever the epochs (issue 16:
    the CLI configures one fit instead of calling fit once per epoch)."""
    from glassnet.network import Network

    real = Network.check_inputs
    calls: list[int] = []

    def counted(self, X, name="X"):
        calls.append(len(X))
        return real(self, X, name)

    monkeypatch.setattr(Network, "check_inputs", counted)
    counts = []
    for epochs in ("2", "6"):
        calls.clear()
        argv = ["train", str(table), "--target", "label", *FAST, "--epochs", epochs]
        argv.append("--no-early-stopping")  # all 240 training rows go to the fit
        assert main([*argv, "--out", str(tmp_path / f"m{epochs}.safetensors")]) == 0
        counts.append(len(calls))
    assert counts[0] == counts[1]
    n_train = 240  # 300 rows, --test-size 0.2
    assert calls.count(n_train) == 2  # the fit's door, then the final training metrics


def test_churn_reaches_085_held_out_accuracy(tmp_path, capsys):
    data = require_datasets("churn-modelling", "Churn_Modelling.csv")
    argv = ["train", str(data), "--target", "Exited", "--drop", "RowNumber,CustomerId,Surname"]
    assert main([*argv, "--out", str(tmp_path / "churn.safetensors"), "--quiet", "--json"]) == 0
    assert _json_out(capsys)["metrics"]["test"]["accuracy"] >= 0.85


def test_real_subprocess_run(tmp_path, table):
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    model = tmp_path / "m.safetensors"
    command = [sys.executable, "-m", "glassnet.cli", "train", str(table), "--target", "label"]
    done = subprocess.run(
        [*command, "--out", str(model), *FAST], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "test : accuracy" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "glassnet.cli", "info", str(table)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("glassnet: error: ") and "Traceback" not in bad.stderr


def test_dropout_l2_and_optimizer_options_reach_the_engine(tmp_path, table, capsys):
    model = tmp_path / "m.safetensors"
    options = ["--dropout", "0.2", "--l2", "1e-4", "--optimizer", "rmsprop", "--lr", "0.005"]
    argv = ["train", str(table), "--target", "label", "--out", str(model), "--json"]
    assert main([*argv, *options, *FAST]) == 0
    assert _json_out(capsys)["metrics"]["test"]["accuracy"] > 0.8
    network, metadata = load_network(model)
    assert [type(layer).__name__ for layer in network.layers] == ["Dense", "Dropout", "Dense"]
    assert network.layers[1].rate == 0.2
    assert metadata["training"]["optimizer"] == "rmsprop" and metadata["training"]["l2"] == 1e-4


def test_model_with_malformed_preprocessing_is_refused(tmp_path, table, capsys):
    model = tmp_path / "m.safetensors"
    main(["train", str(table), "--target", "label", "--out", str(model), *FAST])
    network, metadata = load_network(model)
    metadata["preprocessing"]["numeric"][0] = {"column": "a"}  # statistics removed
    save_network(model, network, metadata)
    capsys.readouterr()
    assert main(["predict", str(model), str(table), "-o", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert "metadata field 'preprocessing.numeric[0]'" in err and err.count("\n") == 1
    assert not (tmp_path / "p.csv").exists()


def test_confusion_matrix_columns_stay_apart_when_counts_are_wider_than_labels():
    from glassnet.cli.common import format_metrics

    scores = {"accuracy": 0.85, "confusion_matrix": [[6153, 217], [730, 900]]}
    lines = format_metrics("train", scores, [0, 1]).splitlines()
    assert lines[2].split() == ["0", "1"]
    assert lines[3].split() == ["0", "6153", "217"]  # was "06153217": no gap between columns
    assert lines[4].split() == ["1", "730", "900"]


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-12])


def _tamper(path: Path) -> None:
    """Claim another shape for the first weights in the header (same byte length, so only the
    check against the metadata's architecture can catch it)."""
    data = path.read_bytes()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    name = next(k for k in header if k.endswith("weights"))
    header[name]["shape"] = header[name]["shape"][::-1]
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + length :])


def _drop_column(table: Path, tmp_path: Path) -> Path:
    less = tmp_path / "less.csv"
    pd.read_csv(table).drop(columns="colour").to_csv(less, index=False)
    return less


@pytest.mark.parametrize(
    ("damage", "command", "message"),
    [
        (_truncate, "predict", "truncated"),
        (_truncate, "evaluate", "truncated"),
        (_tamper, "predict", "should be F64"),
        (_tamper, "info", "should be F64"),
        (None, "predict", "lacks column(s) the model was trained on: colour"),
    ],
    ids=["truncated-predict", "truncated-evaluate", "tampered-predict", "tampered-info",
         "columns-predict"],
)  # fmt: skip
def test_damaged_model_or_wrong_columns_one_line_exit_2_no_output(
    tmp_path, table, capsys, damage, command, message
):
    model = tmp_path / "m.safetensors"
    assert main(["train", str(table), "--target", "label", "--out", str(model), *FAST]) == 0
    data = table
    if damage is None:
        data = _drop_column(table, tmp_path)
    else:
        damage(model)
    out = tmp_path / "predictions.csv"
    argv = {
        "predict": ["predict", str(model), str(data), "-o", str(out)],
        "evaluate": ["evaluate", str(model), str(data), "--target", "label"],
        "info": ["info", str(model)],
    }[command]
    before = set(tmp_path.iterdir())
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and message in err and err.count("\n") == 1
    assert set(tmp_path.iterdir()) == before  # no output file, no temporary


def test_binary_file_as_csv_is_refused_without_writing_a_model(tmp_path, capsys):
    data = tmp_path / "noise.csv"
    data.write_bytes(bytes(np.random.default_rng(0).integers(128, 256, 3000, dtype=np.uint8)))
    out = tmp_path / "m.safetensors"
    assert main(["train", str(data), "--target", "y", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"glassnet: error: {data} is not utf-8 text (byte 0x")
    assert "--encoding latin-1" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noise.csv"]


def test_without_matplotlib_train_still_writes_the_model_and_plot_says_what_to_install(
    tmp_path, table, monkeypatch, capsys
):
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)  # import matplotlib now raises ImportError
    model = tmp_path / "m.safetensors"
    assert main(["train", str(table), "--target", "label", "--out", str(model), *FAST]) == 0
    assert "no loss plot (plots need matplotlib: pip install 'glassnet[plot]')" in (
        capsys.readouterr().err
    )
    assert model.exists() and not (tmp_path / "m-loss.png").exists()
    assert main(["plot", str(model)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'glassnet[plot]'" in err and err.count("\n") == 1
    assert not list(tmp_path.glob("*.png"))


def test_progress_bar_is_on_in_the_cli_and_off_in_the_library(tmp_path, table, capsys):
    import glassnet as gn

    argv = ["train", str(table), "--target", "label", "--out", str(tmp_path / "m.safetensors")]
    assert main([*argv, "--epochs", "3", "--hidden", "4"]) == 0
    assert "3/3" in capsys.readouterr().err  # tqdm's finished bar over the epochs
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    net.fit(np.ones((8, 2)), np.zeros(8), epochs=3, validation_split=0.25, rng=0)
    assert capsys.readouterr().err == ""


def test_task_test_size_seed_activation_and_batch_size_options(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    frame = pd.DataFrame({"u": x[:, 0], "v": x[:, 1], "grade": np.digitize(x.sum(axis=1), [-1, 1])})
    frame.to_csv(tmp_path / "g.csv", index=False)

    def train(name: str, *options: str) -> tuple[dict, list[np.ndarray], dict]:
        path = tmp_path / f"{name}.safetensors"
        argv = ["train", str(tmp_path / "g.csv"), "--target", "grade", "--out", str(path)]
        assert main([*argv, "--quiet", "--json", "--epochs", "3", "--hidden", "4", *options]) == 0
        network, metadata = load_network(path)
        layers = [layer.activation.name for layer in network.layers]
        return _json_out(capsys), network.get_weights(), {"layers": layers, **metadata}

    report, weights, meta = train("a", "--seed", "5", "--test-size", "0.5")
    assert meta["task"] == "classification" and meta["classes"] == [0, 1, 2]  # 3 integers
    assert np.sum(report["metrics"]["test"]["confusion_matrix"]) == 100  # half of 200 rows
    _, same, _ = train("b", "--seed", "5", "--test-size", "0.5")
    _, other, _ = train("c", "--seed", "6", "--test-size", "0.5")
    assert all(np.array_equal(a, b) for a, b in zip(weights, same, strict=True))
    assert not np.array_equal(weights[0], other[0])
    _, full_batch, _ = train("d", "--seed", "5", "--test-size", "0.5", "--batch-size", "100")
    assert not np.array_equal(weights[0], full_batch[0])  # 1 step per epoch instead of 4
    report, _, meta = train("e", "--task", "regression", "--activation", "tanh")
    assert meta["task"] == "regression" and set(report["metrics"]["test"]) == {"mae", "rmse", "r2"}
    assert meta["layers"] == ["tanh", "identity"]
    assert main(["train", str(tmp_path / "g.csv"), "--target", "grade", "--lr", "-1"]) == 2
    assert "--lr must be a positive number, got -1.0" in capsys.readouterr().err
