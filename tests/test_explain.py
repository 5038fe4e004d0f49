"""`glassnet explain`: the worked example by default, a user's network, JSON, bad input."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.command import main

from .test_trace import published_numbers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["explain", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_default_is_the_worked_example_with_every_published_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    assert "Step 7. The iteration" in out and "b1 = layer[0].bias (every neuron)" in out
    for printed in published_numbers():
        decimals = len(printed.split(".")[1])
        code, text, _ = run(capsys, "--precision", str(decimals))
        assert printed in text, printed


def test_json_is_valid_and_round_trips_the_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json")
    data = json.loads(out)
    assert code == 0 and data["names"] == "tutorial"
    assert round(data["loss"], 9) == 0.298371109
    assert [round(v, 9) for v in data["parameters"][2]["after"][0]] == [0.35891648, 0.51130127]
    assert data["weight_names"]["w5"] == [1, 0, 0]


def test_iterations_show_the_loss_decreasing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--iterations", "100", "--json")
    losses = [loss for _, loss in json.loads(out)["history"]]
    assert code == 0 and len(losses) == 8
    assert all(a > b for a, b in itertools.pairwise(losses))
    _, text, _ = run(capsys, "--iterations", "100")
    assert "       100 |" in text


def test_bias_zero_and_update_biases(capsys: pytest.CaptureFixture[str]) -> None:
    _, zero, _ = run(capsys, "--bias", "0")
    assert "b1 = layer[0].bias (every neuron) = 0.000000000 (held fixed)" in zero
    _, trained, _ = run(capsys, "--update-biases")
    assert "b_h1 = b_h1 − η × ∂E/∂b_h1 = 0.350000000" in trained


def test_a_users_own_network(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--weights", "0.1,0.2,0.3", "--weights", "0.5;0.6;-0.7",
        "--bias", "0.1", "--bias", "0.2", "--activation", "tanh", "--activation", "identity",
        "--input", "1.0;2.0", "--target", "0.5;-0.5", "--lr", "0.1",
    )  # fmt: skip
    assert code == 0
    assert "a 1-3-1 network (tanh, identity)" in out and "sample 2:" in out
    assert "w6 = layer[1].weights[2, 0] = −0.700000000" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--weights", "0.1,x"], "--weights (layer 0) must be numbers separated by ','"),
        (["--weights", "0.1,0.2;0.3"], "rows must all have the same length, got lengths 2, 1"),
        (
            ["--input", "1,2,3"],
            "--input has 3 value(s) per sample; the network (--weights) takes 2",
        ),
        (["--target", "1"], "--target has 1 value(s) per sample; the network (--weights) gives 2"),
        (["--bias", "1", "--bias", "2", "--bias", "3"], "--bias must be given once or once per"),
        (["--bias", "1,2,3"], "--bias (layer 0) needs 1 or 2 numbers, got 3"),
        (["--weights", "1,2;3,4", "--weights", "1;2;3"], "layers[1] expects 3 inputs"),
        (["--iterations", "0"], "--iterations must be >= 1, got 0"),
        (["--lr", "nan"], "--lr must be a positive number"),
        (["--input", "inf,1"], "--input must be finite numbers"),
        (["--activation", "nope"], "activation"),
        (["--dropout", "1"], "--dropout must be in [0, 1), got 1.0"),
        (["--weights", "1,2", "--dropout", "0.5", "--target", "0,0"], "--dropout needs a hidden"),
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
        # --seed draws dropout masks only: without dropout it was silently ignored
        (["--seed", "1"], "--seed only draws dropout masks: it needs --dropout P or a --model"),
        (["--seed", "0", "--dropout", "0"], "--seed only draws dropout masks"),
        (["--model", "m.safetensors", "--dropout", "0.5"], "cannot be combined with --weights"),
        (["--target", "1,2;3,4"], "--target has 2 sample(s) (rows separated by ';'), --input 1"),
        # a diverging run was a TrainingDiverged traceback; now one line naming the iteration
        (
            ["--lr", "1e6", "--iterations", "100", "--activation", "identity"],
            "training diverged: the loss stopped being finite after iteration 4; lower the "
            "learning rate (--lr 1e+06)",
        ),
        (
            ["--lr", "1e200", "--iterations", "5", "--activation", "identity", "--update-biases"],
            "the loss stopped being finite after iteration 1",
        ),
        (
            ["--input", "1e308,1e308", "--activation", "identity"],
            "the loss is not finite before the first update: the inputs, targets or weights",
        ),
        (  # the engine's "X is too large" in the command line's words
            ["--input", "1e150,1e150", "--activation", "identity"],
            "--input is too large for this network",
        ),
        (
            ["--activation", "softmax", "--loss", "categorical_cross_entropy", "--target", "9,1"],
            "--target rows must be one-hot or probabilities",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_large_network_text_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    row = ",".join(["0.01"] * 30)
    weights = ";".join([row] * 10)
    code, out, _ = run(
        capsys,
        "--weights",
        weights,
        "--input",
        ",".join(["1"] * 10),
        "--target",
        ",".join(["0"] * 30),
    )
    assert code == 0 and "too many to print one by one" in out and "--json" in out


def test_real_subprocess() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "glassnet.cli", "explain", "--precision", "8"],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0 and "0.29950229" in result.stdout


def test_json_equals_the_python_trace(capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import WORKED_X, WORKED_Y, worked_example_network

    _, out, _ = run(capsys, "--json", "--iterations", "3")
    expected = gn.trace_step(worked_example_network(), WORKED_X, WORKED_Y, iterations=3).to_dict()
    assert json.loads(out) == expected


def test_explain_a_saved_model_row_leaves_the_file_unchanged(tmp_path, capsys) -> None:
    import json

    import pandas as pd

    model = tmp_path / "m.safetensors"
    table = tmp_path / "t.csv"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    frame.to_csv(table, index=False)
    assert main(["train", str(table), "--target", "label", "--out", str(model), "--quiet",
                 "--epochs", "2", "--hidden", "3"]) == 0  # fmt: skip
    before = model.read_bytes()
    capsys.readouterr()
    assert (
        main(["explain", "--model", str(model), "--data", str(table), "--row", "5", "--json"]) == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert model.read_bytes() == before
    assert document["dry_run"] is True
    network = gn.load_network(model)[0]  # the traced loss is the saved network's loss on that row
    assert document["loss"] == pytest.approx(
        network.loss(np.asarray(document["x"]), np.asarray(document["y"])), rel=1e-12
    )
    assert main(["explain", "--model", str(model), "--data", str(table), "--row", "60"]) == 2
    assert "--row must be in [0, 59], got 60" in capsys.readouterr().err
    assert main(["explain", "--model", str(model)]) == 2
    assert "--model needs --data" in capsys.readouterr().err
    argv = ["explain", "--model", str(model), "--data", str(table), "--seed", "1"]
    assert main(argv) == 2  # a model without dropout draws no masks
    err = capsys.readouterr().err
    assert "--seed only draws dropout masks" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--precision", "abc"],
        ["explain", "--iterations", "1.5"],
        ["train", "--epochs", "x"],
        ["predict"],
        ["no-such-command"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "error: " in captured.err and "usage:" not in captured.err


def test_dropout_option_traces_the_step_with_the_seeds_masks(capsys) -> None:
    """``--dropout P --seed N`` is the step ``gn.trace_step(net, ..., rng=N)`` of that network."""
    from .conftest import WORKED_X, WORKED_Y, worked_example_network

    code, out, _ = run(capsys, "--dropout", "0.5", "--seed", "3", "--json")
    net = worked_example_network()
    net.layers.insert(1, gn.Dropout(0.5))
    assert code == 0 and json.loads(out) == gn.trace_step(net, WORKED_X, WORKED_Y, rng=3).to_dict()
    _, text, _ = run(capsys, "--dropout", "0.5", "--seed", "3")
    assert "a 2-2-2 network (sigmoid, dropout 0.5, sigmoid)" in text
    assert "∂E/∂w1 = ∂E/∂drop_h1 × ∂drop_h1/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1" in text
    masks = {run(capsys, "--dropout", "0.5", "--seed", str(seed), "--json")[1] for seed in range(6)}
    assert len(masks) > 1  # another seed, another mask


def test_explain_a_model_trained_with_dropout_shows_its_training_step(tmp_path, capsys) -> None:
    """The walk is a training step of the saved network, dropout on, masks drawn from --seed:
    the same update as one full-batch fit step of the model with that seed and its own
    optimizer and learning rate (Adam at 0.002 here)."""
    import pandas as pd

    from glassnet.io.model_files import load_network

    model, table = tmp_path / "m.safetensors", tmp_path / "t.csv"
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    frame["label"] = np.where(frame["a"] > frame["b"], "yes", "no")
    frame.to_csv(table, index=False)
    assert main(["train", str(table), "--target", "label", "--out", str(model), "--quiet",
                 "--epochs", "2", "--hidden", "3", "--dropout", "0.5", "--optimizer", "adam",
                 "--lr", "0.002"]) == 0  # fmt: skip
    capsys.readouterr()
    argv = ["explain", "--model", str(model), "--data", str(table), "--row", "2", "--json"]
    assert main([*argv, "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert "the model has dropout" in captured.err and "--seed 1" in captured.err
    assert "glassnet: note: explaining with the model's own loss" in captured.err
    assert captured.err.count("\n") == 2
    document = json.loads(captured.out)
    assert document["dry_run"] is True and len(document["dropouts"]) == 1
    assert not all(document["dropouts"][0]["kept"][0])  # this seed drops a unit: dropout is on
    saved = load_network(model)[0]
    x, y = np.asarray(document["x"]), np.asarray(document["y"])
    assert document["loss_no_dropout"] == pytest.approx(saved.loss(x, y), rel=1e-12)
    saved.fit(x, y, optimizer=gn.Adam(0.002), epochs=1, batch_size=None, shuffle=False, rng=1)
    for record, after in zip(document["parameters"], saved.get_weights(), strict=True):
        np.testing.assert_allclose(record["after"], after, rtol=1e-12, atol=1e-12)
    assert load_network(model)[0].get_weights()[0].tolist() == document["parameters"][0]["before"]


def test_the_readmes_dropout_excerpt_is_the_commands_output(capsys) -> None:
    """README.md quotes lines of `glassnet explain --dropout 0.5 --seed 0`: a seed that drops a
    unit (its example used --seed 1, which keeps both and so showed no dropped unit)."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    command = "glassnet explain --dropout 0.5 --seed 0"
    assert f"{command}   # dropout after the hidden layer: this seed drops h2" in readme
    after = readme.split(f"`{command}` shows it on the worked example", 1)[1]
    excerpt = after.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    code, out, _ = run(capsys, *command.split()[2:])
    lines = out.splitlines()
    assert code == 0 and len(excerpt) == 5
    positions = [lines.index(line) for line in excerpt]  # ValueError: not in the output
    assert positions == sorted(positions)
    assert "(dropped)" in excerpt[0] and "(kept)" in excerpt[0]
