"""Fuzz the metadata of `glassnet train` model files (glassnet.io.model_schema).

Each example takes a real model file (classification with a categorical column, regression)
and changes one field of its metadata: anywhere in the document, a value of another type, a
list made shorter, longer or repeated, an entry deleted or added. The file stays a valid
safetensors file, so only the metadata schema stands between it and the commands. Allowed
outcomes: the model loads (``load_model``) and then ``info`` and a prediction work, or one
``ValueError`` line naming the file. Another exception, a warning or a hang fails.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from glassnet.cli import info
from glassnet.cli.command import main
from glassnet.cli.common import load_model
from glassnet.io.model_files import load_network, save_network

from ._strategies import check_outcome
from .conftest import count, fuzz, no_hang


def _trained() -> dict[str, tuple[Any, dict[str, Any]]]:
    """The network and metadata of a classification and a regression model."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "colour": rng.choice(["red", "blue"], 40)})
    frame["label"] = rng.choice(["x", "y", "z"], 40)
    frame["b"] = rng.normal(size=40)
    models = {}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "d.csv"
        frame.to_csv(data, index=False)
        for name, target, drop in (("classes", "label", "b"), ("regression", "b", "label")):
            path = Path(folder) / f"{name}.safetensors"
            argv = ["train", str(data), "--target", target, "--drop", drop, "--out", str(path)]
            with contextlib.redirect_stderr(io.StringIO()):
                assert main([*argv, "--quiet", "--epochs", "2", "--hidden", "3"]) == 0
            models[name] = load_network(path)
    return models


MODELS = _trained()

WRONG_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.integers(-2, 5),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=5),
        st.sampled_from(["red", "blue", "x", "a", "classification", "regression", "1"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON document (dict keys and list indices), the root excluded."""
    found: list[tuple] = []
    if isinstance(node, dict | list):
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    return found


@st.composite
def mutated_metadata(draw: st.DrawFn, metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` with one field changed: another value, a list resized, deleted, added."""
    document = json.loads(json.dumps(metadata))
    path = draw(st.sampled_from(_paths(document)))
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    value = parent[path[-1]]
    action = draw(st.sampled_from(["replace", "replace", "delete", "add", "resize"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add":
        target = value if isinstance(value, dict | list) else parent
        if isinstance(target, dict):
            target[draw(st.text(max_size=6))] = draw(WRONG_VALUES)
        else:
            target.append(draw(WRONG_VALUES))
    elif action == "resize" and isinstance(value, list) and value:
        how = draw(st.sampled_from(["shorter", "longer", "repeat"]))
        parent[path[-1]] = (
            value[:-1] if how == "shorter" else value + value[-1:] if how == "repeat"
            else [*value, draw(WRONG_VALUES)]
        )  # fmt: skip
    else:
        parent[path[-1]] = draw(WRONG_VALUES)
    return document


def _use(path: Path) -> None:
    """What the commands do with a model file: load it, describe it, predict."""
    model = load_model(str(path))
    with contextlib.redirect_stdout(io.StringIO()):
        info.run(argparse.Namespace(model=str(path), json=False))
    numbers = {column: [0.5, np.nan] for column in model.preprocessor.numeric}
    texts = {column: ["red", None] for column in model.preprocessor.categorical}
    model.outputs(pd.DataFrame(numbers | texts))


@fuzz(ci_examples=60)
@given(data=st.data(), kind=st.sampled_from(sorted(MODELS)))
def test_an_edited_metadata_field_loads_or_is_one_value_error_naming_the_file(data, kind):
    network, metadata = MODELS[kind]
    edited = data.draw(mutated_metadata(metadata))
    count("model metadata")
    with tempfile.TemporaryDirectory() as folder, no_hang(20):
        path = Path(folder) / "m.safetensors"
        save_network(path, network, edited)
        check_outcome(lambda: _use(path), allowed=(ValueError,), names=[str(path)])
