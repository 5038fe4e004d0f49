"""The pictures read back from their matplotlib objects: axes, labels, legends, ticks; and
`glassnet plot` draws each picture that applies and says why it skipped the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_rgb

from glassnet.cli import plot as plot_command
from glassnet.cli import plots
from glassnet.cli.command import main
from glassnet.cli.common import load_model
from glassnet.cli.network_picture import network_figure, strongest_units

FAST = ["--quiet", "--epochs", "4", "--hidden", "6"]


def _legend(axes) -> list[str]:
    return [text.get_text() for text in axes.get_legend().get_texts()]


def _close(figure) -> None:
    plots.pyplot().close(figure)


def test_the_loss_plot_has_both_curves_whole_epochs_and_the_loss_named():
    history = {"loss": [0.9, 0.5, 0.4, 0.35, 0.3], "val_loss": [1.0, 0.6, 0.5, 0.55, 0.6],
               "best_epoch": 3}  # fmt: skip
    figure = plots.loss_figure(history, "binary_cross_entropy")
    axes = figure.axes[0]
    assert axes.get_xlabel() == "epoch" and axes.get_ylabel() == "binary cross-entropy"
    assert _legend(axes) == ["training", "held-out", "kept model (epoch 3)"]
    figure.canvas.draw()
    ticks = [t for t in axes.get_xticks() if axes.get_xlim()[0] <= t <= axes.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)  # no epoch 2.5
    _close(figure)


def test_the_network_names_features_and_classes_has_a_colour_key_and_summarizes_wide_layers():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 64)), rng.normal(size=(64, 3))]
    weights[0][:, 7] *= 10  # unit 7 is the strongest: it must be among those shown
    figure = network_figure(weights, ["age", "income", "city_Paris"], ["a", "b", "c"],
                            max_units=12, max_links=20)  # fmt: skip
    axes, key = figure.axes
    texts = {t.get_text() for t in axes.texts}
    assert {"age", "income", "city_Paris", "a", "b", "c"} <= texts
    assert key.get_ylabel() == "weight (red < 0 < blue)"
    labels = [t.get_text() for t in axes.get_xticklabels()]
    assert labels[0] == "inputs\n3 units\n→ 20 of 192 links"
    assert labels[1] == "hidden 1\n12 of 64 units\n→ 20 of 192 links"
    assert labels[2] == "outputs\n3 units"
    assert len(axes.lines) == 40  # the 20 strongest links of each layer, no more
    assert 7 in strongest_units(weights, 12)[1]
    _close(figure)


def test_the_boundary_has_a_legend_per_class_distinct_colours_and_hollow_imputed_points():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.5, 2.0]])
    labels = np.array([0, 1, 2, 1])
    imputed = np.array([False, True, False, False])
    figure = plots.boundary_figure(lambda g: (g[:, 0] > 1).astype(int), x, labels,
                                   ["cat", "dog", "owl"], ("w", "h"), imputed)  # fmt: skip
    axes = figure.axes[0]
    assert _legend(axes) == ["cat", "dog", "owl", "value imputed (1 rows)"]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("w", "h")
    colours = [tuple(to_rgb(c)) for c in plots.class_colours(3)]
    assert len(set(colours)) == 3 and (1.0, 1.0, 1.0) not in colours
    _close(figure)


def test_the_regression_picture_has_predicted_vs_actual_and_residuals():
    actual = np.array([1.0, 2.0, 3.0, 4.0])
    figure = plots.regression_figure(actual, actual + np.array([0.5, -0.5, 0.0, 0.1]), "price")
    left, right = figure.axes
    assert (left.get_xlabel(), left.get_ylabel()) == ("actual price", "predicted price")
    assert left.get_title().startswith("Predicted vs actual (4 rows, R² ")
    assert _legend(left) == ["predicted = actual"] and _legend(right) == ["no error"]
    assert right.get_ylabel() == "residual (actual − predicted)"
    np.testing.assert_allclose(right.collections[0].get_offsets()[:, 1], [-0.5, 0.5, 0, -0.1])
    _close(figure)


def test_the_confusion_matrix_writes_each_count_under_class_names():
    figure = plots.confusion_figure(np.array([[5, 1], [2, 7]]), ["no", "yes"])
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.texts] == ["5", "1", "2", "7"]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["no", "yes"]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("predicted class", "true class")
    assert axes.get_title() == "Confusion matrix, 15 rows\naccuracy 0.800"
    _close(figure)


def _train(tmp_path, frame: pd.DataFrame, target: str, capsys) -> tuple:
    data, model = tmp_path / "d.csv", tmp_path / "m.safetensors"
    frame.to_csv(data, index=False)
    assert main(["train", str(data), "--target", target, "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    return data, model


def test_plot_draws_the_boundary_right_when_the_data_has_missing_values(tmp_path, capsys):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"u": rng.normal(size=90), "v": rng.normal(size=90)})
    frame["c"] = np.array(["x", "y", "z"])[rng.integers(0, 3, 90)]
    frame.loc[[4, 9], "u"] = np.nan
    data, model_path = _train(tmp_path, frame, "c", capsys)
    pictures, skipped = plot_command.plan(load_model(str(model_path)), frame)
    assert set(pictures) == {"loss", "network", "confusion", "boundary"} and skipped == {}
    figure = pictures["boundary"]()
    points = np.concatenate([c.get_offsets() for c in figure.axes[0].collections[-6:]])
    assert len(points) == 90 and np.isfinite(points).all()  # none left out, none NaN
    assert _legend(figure.axes[0])[-1] == "value imputed (2 rows)"
    _close(figure)
    assert main(["plot", str(model_path), str(data), "--prefix", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    for kind in ("loss", "network", "confusion", "boundary"):
        assert f"written {tmp_path / 'p'}-{kind}.png" in out
        assert (tmp_path / f"p-{kind}.png").read_bytes()[:4] == b"\x89PNG"


def test_plot_says_which_pictures_it_skipped_and_why(tmp_path, capsys):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(frame["a"] > 0, "up", "down")
    data, model = _train(tmp_path, frame, "label", capsys)
    assert main(["plot", str(model), "--prefix", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "skipped the confusion plot: needs labelled data: glassnet plot MODEL DATA" in out
    assert main(["plot", str(model), str(data), "--prefix", str(tmp_path / "q")]) == 0
    out = capsys.readouterr().out
    assert "written" in out and (tmp_path / "q-confusion.png").exists()
    assert (
        "skipped the boundary plot: a decision boundary needs exactly 2 numeric input columns; "
        "this model has 3 (a, b, c)"
    ) in out
    assert not (tmp_path / "q-boundary.png").exists()


def test_plot_of_a_regression_model_draws_predicted_vs_actual(tmp_path, capsys):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=80)})
    frame["price"] = 3 * frame["a"] + rng.normal(scale=0.1, size=80)
    data, model = _train(tmp_path, frame, "price", capsys)
    assert main(["plot", str(model), str(data), "--prefix", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert f"written {tmp_path / 'r'}-predictions.png" in out
    assert "skipped the boundary plot: a decision boundary is for classifiers" in out
