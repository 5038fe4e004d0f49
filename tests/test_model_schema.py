"""The one schema of a model file's metadata (glassnet.io.model_schema): every field of a
`glassnet train` model and of an estimator file, checked against the network, so an edited file
is one ValueError naming the file and the field, for every door that reads model files; and
the files earlier glassnet versions wrote (tests/data/earlier_models) still load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassnet.cli.command import main
from glassnet.cli.common import load_model
from glassnet.estimators.mlp import MLPClassifier, MLPRegressor
from glassnet.io.model_files import load_network, save_network

EARLIER = Path(__file__).parent / "data" / "earlier_models"
FAST = ["--quiet", "--epochs", "2", "--hidden", "4"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """A classification model (colour is categorical) and its data."""
    folder = tmp_path_factory.mktemp("schema")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "colour": rng.choice(["red", "blue"], 60)})
    frame["label"] = rng.choice(["x", "y", "z"], 60)
    data = folder / "data.csv"
    frame.to_csv(data, index=False)
    model = folder / "m.safetensors"
    assert main(["train", str(data), "--target", "label", "--out", str(model), *FAST]) == 0
    return model, data


def _edited(trained: tuple[Path, Path], tmp_path: Path, change: Callable[[dict], None]) -> Path:
    network, metadata = load_network(trained[0])
    change(metadata)
    path = tmp_path / "edited.safetensors"
    save_network(path, network, metadata)
    return path


def _set(path: str, value: object) -> Callable[[dict], None]:
    """Set the field at the dotted ``path`` (list items by number) to ``value``."""

    def change(metadata: dict) -> None:
        *parents, last = path.split(".")
        node: object = metadata
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value  # type: ignore[index]

    return change


EDITS = [
    ("task", "clustering", "'task'"),
    ("target", ["label"], "'target'"),
    ("classes", ["x", "y"], "2 classes make 1 output"),
    ("classes", ["x", "y", "z", "w"], "4 classes make 4 output"),
    ("classes", ["x", "x", "y"], "lists a label twice"),
    ("classes", "xyz", "'classes'"),
    ("preprocessing.numeric.0.mean", "0.5", r"'preprocessing.numeric\[0\].mean'"),
    ("preprocessing.numeric.0.scale", -1.0, r"'preprocessing.numeric\[0\].scale'"),
    ("preprocessing.categorical.0.categories", ["blue", "red", "green"], "makes 4 features"),
    ("preprocessing.categorical.0.categories", ["red", "red"], "categories'"),
    ("preprocessing.categorical.0.most_frequent", None, "most_frequent'"),
    ("preprocessing.categorical.0.column", "a", "names a column twice"),
    ("preprocessing.numeric", {}, "'preprocessing.numeric'"),
    ("history.loss", [0.5, "x"], "'history.loss'"),
    ("history.best_epoch", 1.5, "'history.best_epoch'"),
    ("metrics.test.accuracy", "high", "'metrics.test.accuracy'"),
    ("metrics.test.confusion_matrix", [[1, 2], [3, 4]], "3 rows of 3 counts"),
    ("training.hidden", {"a": 1}, "'training.hidden'"),
    ("training", [], "'training'"),
]


@pytest.mark.parametrize(("field", "value", "named"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_field_is_one_value_error_naming_the_file_and_field(
    trained, tmp_path, field, value, named
):
    path = _edited(trained, tmp_path, _set(field, value))
    with pytest.raises(ValueError, match=named) as caught:
        load_network(path)
    assert str(caught.value).startswith(f"{path}: metadata field '")
    assert "\n" not in str(caught.value)


def test_a_regression_model_needs_its_target_scaling(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": rng.normal(size=40), "y": rng.normal(size=40)}).to_csv(data, index=False)
    model = tmp_path / "r.safetensors"
    assert main(["train", str(data), "--target", "y", "--out", str(model), *FAST]) == 0
    network, metadata = load_network(model)
    edited = tmp_path / "edited.safetensors"
    for value, named in [(None, "'target_scaling'"), ({"mean": 0.0, "scale": 0.0}, "scale'")]:
        save_network(edited, network, metadata | {"target_scaling": value})
        with pytest.raises(ValueError, match=named):
            load_network(edited)


@pytest.mark.parametrize("command", ["predict", "evaluate", "info", "plot", "explain"])
def test_every_command_refuses_an_edited_model_in_one_line(trained, tmp_path, capsys, command):
    path = _edited(trained, tmp_path, _set("classes", ["x", "y"]))
    data = str(trained[1])
    argv = {
        "predict": ["predict", str(path), data, "-o", str(tmp_path / "p.csv")],
        "evaluate": ["evaluate", str(path), data],
        "info": ["info", str(path)],
        "plot": ["plot", str(path), data, "--prefix", str(tmp_path / "plot")],
        "explain": ["explain", "--model", str(path), "--data", data, "--row", "0"],
    }[command]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"glassnet: error: {path}: metadata field 'classes'"), err
    assert err.count("\n") == 1
    assert not (tmp_path / "p.csv").exists()


def test_json_nested_deeper_than_any_real_file_is_refused(trained, tmp_path):
    deep = json.loads("[" * 40 + "]" * 40)
    path = _edited(trained, tmp_path, _set("training.notes", deep))
    with pytest.raises(ValueError, match="nests 4[0-9] levels deep"):
        load_network(path)


EARLIER_FILES = sorted(EARLIER.glob("*/*.safetensors"))


@pytest.mark.parametrize(
    "path", EARLIER_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in EARLIER_FILES]
)
def test_files_written_by_earlier_versions_still_load(path):
    """Each folder is named after the commit whose code wrote the files (a `glassnet train`
    model of each task, an estimator of each kind since estimators could save)."""
    network, metadata = load_network(path)
    x = np.zeros((2, network.n_inputs))
    assert network.predict(x).shape[0] == 2
    if "task" in metadata:
        model = load_model(str(path))
        frame = pd.DataFrame({"a": [0.1, -0.2], "b": [0.3, 0.0], "colour": ["red", "blue"]})
        assert len(model.outputs(frame)) == 2
    else:
        cls = MLPClassifier if path.stem == "classifier" else MLPRegressor
        assert cls.load(path).predict(np.zeros((2, 2))).shape[0] == 2


def test_the_earlier_files_are_all_there():
    assert len(EARLIER_FILES) == 18  # 3 train models x 4 commits, 2 estimators x 3 commits


def test_categories_that_would_not_fit_in_memory_are_refused_before_rebuilding(
    trained, tmp_path, monkeypatch
):
    """Rebuilding the encoder fits it on (most categories) x (columns) cells: estimated and
    compared with the machine's memory before anything is allocated."""
    from glassnet.io import safetensors_checks

    path = _edited(trained, tmp_path, lambda metadata: None)
    assert load_network(path)  # fits
    parameters = sum(p.value.size for p in load_network(path)[0].all_parameters())
    # enough for the parameters (3 x 8 bytes each), not for 100 bytes x 2 cells x 2 columns
    monkeypatch.setattr(safetensors_checks, "physical_memory", lambda: 24 * parameters + 1)
    monkeypatch.setattr("glassnet.io.model_schema.CELL_BYTES", 24 * parameters, raising=True)
    with pytest.raises(
        ValueError, match=r"metadata field 'preprocessing': rebuilding it \(4 cells\)"
    ):
        load_network(path)


def test_entries_a_later_glassnet_may_add_to_history_and_training_still_load(trained, tmp_path):
    """The schema is strict on what each field means, not on plain entries it does not know
    (a newer `glassnet train` recording ``history.interrupted`` must not break older readers)."""

    def add(metadata: dict) -> None:
        metadata["history"]["interrupted"] = True
        metadata["history"]["kept_epoch"] = 2
        metadata["training"]["new_option"] = [1, "two"]
        metadata["notes"] = {"anything": ["the user's own"]}

    _, metadata = load_network(_edited(trained, tmp_path, add))
    assert metadata["history"]["interrupted"] is True and metadata["notes"]
