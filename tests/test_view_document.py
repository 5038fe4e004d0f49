"""The glass view's document (the trace's versioned JSON) and its self-contained page."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.command import main
from glassnet.trace.document import SCHEMA_VERSION, step_of, walkthrough
from glassnet.view import build_page, finite, iframe, to_json

from .conftest import WORKED_X, WORKED_Y, worked_example_network

# the document's fields and their JSON types: a change here is a change of the schema
SCHEMA = {
    "schema_version": int,
    "names": str,
    "neurons": list,
    "weight_names": dict,
    "bias_names": list,
    "x": list,
    "y": list,
    "sample_scale": list,
    "loss_function": str,
    "uses_logits": bool,
    "optimizer": str,
    "plain_sgd": bool,
    "learning_rate": float,
    "precision": int,
    "layers": list,
    "parameters": list,
    "dropouts": list,
    "loss": float,
    "data_loss": float,
    "loss_per_output": list,
    "loss_after": float,
    "history": list,
    "final_outputs": list,
    "dry_run": bool,
    "data_gradients": list,
    "numeric_gradients": list,
    "walkthrough_note": str,
    "walkthrough": list,
}
LAYER = {"layer", "activation", "net", "out", "dE_dout", "dout_dnet", "delta"}
PARAMETER = {"layer", "kind", "trainable", "before", "gradient", "penalty_gradient", "after"}


def worked_document(**options) -> dict:
    return worked_example_network().trace(WORKED_X, WORKED_Y, **options).to_dict()


def test_the_document_has_its_versioned_schema() -> None:
    document = json.loads(json.dumps(worked_document()))
    assert document["schema_version"] == SCHEMA_VERSION == 1
    for key, kind in SCHEMA.items():
        assert isinstance(document[key], kind), key
    assert all(set(layer) == LAYER for layer in document["layers"])
    assert all(set(p) == PARAMETER for p in document["parameters"])
    assert document["neurons"] == [["i1", "i2"], ["h1", "h2"], ["o1", "o2"]]
    assert document["bias_names"] == [["b1", "b1"], ["b2", "b2"]]
    assert document["weight_names"]["w5"] == [1, 0, 0]


def test_the_walkthrough_is_cut_into_the_views_seven_steps() -> None:
    document = worked_document(iterations=3)
    steps = [section["step"] for section in document["walkthrough"]]
    assert steps == sorted(steps) and set(steps) >= {1, 2, 3, 4, 5, 7}
    backward = [s for s in document["walkthrough"] if s["step"] == 4]
    lines = [line for section in backward for line in section["lines"]]
    assert any("∂E/∂w5 = " in line and line.endswith("= 0.082167041") for line in lines)
    update = next(s for s in document["walkthrough"] if s["step"] == 5)["lines"]
    assert any(line.startswith("w5 = w5 − η × ∂E/∂w5") and "0.358916480" in line for line in update)


@pytest.mark.parametrize(
    ("heading", "step"),
    [
        ("Step 1. Initialization: the starting parameters", 1),
        ("Step 4. Backpropagation: the hidden layers", 4),
        ("Step 5. The update", 5),
        ("Step 6. Convergence check: has the loss stopped falling?", 6),
        ("Step 7. The iteration", 7),
        ("Step 3. The loss", 3),
        ("Step 9. Something new", 9),
    ],
)
def test_a_heading_maps_to_the_views_step_by_its_words(heading: str, step: int) -> None:
    assert step_of(heading) == step


def test_walkthrough_keeps_the_text_before_the_first_heading() -> None:
    note, sections = walkthrough(
        "too many\n\nStep 1. A\n---------\n  x = 1\n\nStep 2. B\n---------\n"
    )
    assert note == "too many" and sections[0]["lines"] == ["x = 1"] and sections[1]["lines"] == []


def test_the_finite_difference_check_is_recorded_beside_backpropagation() -> None:
    document = worked_document()
    for parameter, numeric in zip(
        document["parameters"], document["numeric_gradients"], strict=True
    ):
        np.testing.assert_allclose(numeric, parameter["gradient"], rtol=1e-6, atol=1e-9)
    big = gn.Network([gn.Dense(30, 20, "relu", rng=0), gn.Dense(20, 1, rng=1)])
    assert big.trace(np.ones((1, 30)), [[1.0]], dry_run=True).to_dict()["numeric_gradients"] is None
    dropped = gn.Network([gn.Dense(2, 3, "tanh", rng=0), gn.Dropout(0.5), gn.Dense(3, 1, rng=1)])
    assert dropped.trace([[1.0, 2.0]], [[0.5]], rng=0).to_dict()["numeric_gradients"] is None


def test_the_page_is_self_contained_and_escapes_the_document() -> None:
    document = worked_document()
    document["optimizer"] = "</script><script>alert(1)</script>"
    page = build_page(document, title="a <title>")
    assert "<title>a &lt;title&gt;</title>" in page
    assert page.count("</script>") == 3  # the two JSON blocks and the module: no injected one
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", page)  # nothing fetched
    assert "fetch(" in page  # (the live page's requests go to its own server only)
    data = page.split("id='glassview-document'>")[1].split("</script>")[0]
    assert json.loads(data)["optimizer"] == document["optimizer"]


def test_non_finite_numbers_become_null() -> None:
    assert finite({"a": [1.0, float("nan")], "b": (float("inf"),)}) == {
        "a": [1.0, None],
        "b": [None],
    }
    assert json.loads(to_json({"loss": float("nan")})) == {"loss": None}


def test_to_html_writes_the_page_and_repr_html_embeds_it(tmp_path) -> None:
    trace = worked_example_network().trace(WORKED_X, WORKED_Y, iterations=5)
    path = tmp_path / "step.html"
    trace.to_html(path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "initPage(" in page and "0.08216704" in page
    assert not list(tmp_path.glob(".*.tmp"))
    shown = trace._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and html.escape("initPage(") in shown
    assert shown.count("<table>") == 3  # the numbers again, as tables, for script-less renderers
    assert iframe(trace.to_dict()).count("<iframe") == 1


def test_explain_html_writes_the_view_of_the_worked_example(tmp_path, capsys) -> None:
    path = tmp_path / "out.html"
    assert main(["explain", "--html", str(path), "--iterations", "4"]) == 0
    page = path.read_text(encoding="utf-8")
    data = json.loads(page.split("id='glassview-document'>")[1].split("</script>")[0])
    assert data["history"][-1][0] == 4 and data["schema_version"] == SCHEMA_VERSION
    assert capsys.readouterr().out == ""


def test_explain_html_never_overwrites_its_input(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    data, model = tmp_path / "rows.csv", tmp_path / "model.safetensors"
    rows = rng.normal(size=(40, 2))
    data.write_text("a,b,y\n" + "".join(f"{a},{b},{int(a > b)}\n" for a, b in rows))
    assert main(["train", str(data), "--target", "y", "--hidden", "3", "--epochs", "1",
                 "--out", str(model), "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    before = {path: path.read_bytes() for path in (data, model)}
    for path in (data, model):
        assert (
            main(["explain", "--model", str(model), "--data", str(data), "--html", str(path)]) == 2
        )
        assert "is the input file" in capsys.readouterr().err
    assert {path: path.read_bytes() for path in (data, model)} == before


def test_the_data_gradient_leaves_out_the_penalty_share() -> None:
    net = gn.Network([gn.Dense(2, 2, "tanh", rng=0), gn.Dense(2, 1, rng=1)], penalties=[gn.L2(0.1)])
    document = net.trace([[0.5, -1.0]], [[0.3]]).to_dict()
    for p, data in zip(document["parameters"], document["data_gradients"], strict=True):
        penalty = 0.0 if p["penalty_gradient"] is None else np.array(p["penalty_gradient"])
        np.testing.assert_allclose(data, np.array(p["gradient"]) - penalty, atol=1e-15)
    assert document["parameters"][0]["penalty_gradient"] is not None
