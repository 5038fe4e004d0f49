"""Issue 15, items 4, 5 and 7: columns read as a person means them, memory bounded before it is
spent, and every input file failing in one line naming it.

The issue's examples are regression tests here: two columns named ``y`` (refused: the second
was trained on as a feature, leaking the label) and three ``?`` cells in a numeric column
(numeric, reported as 3 non-numeric cells, not 63 one-hot categories).
"""

from __future__ import annotations

import bz2
import decimal
import gzip
import json
import lzma
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassnet.cli.command import main
from glassnet.cli.common import label_indices
from glassnet.io import table_memory
from glassnet.io.columns import read_column
from glassnet.io.model_files import load_network
from glassnet.io.table_memory import check_training_memory
from glassnet.io.tables import DataWarning, Preprocessor, infer_task, read_table, split_target

QUICK = ["--quiet", "--epochs", "2", "--hidden", "4"]


def _random_labels_with_a_copy(path: Path) -> None:
    """Random labels ``y``, noise ``x`` and a second column named ``y`` equal to the label."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    lines = [
        "y,x,y",
        *(f"{label},{x:.3f},{label}" for label, x in zip(y, rng.normal(size=200), strict=True)),
    ]
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------- duplicate column names
def test_two_columns_named_y_are_refused_naming_them(tmp_path):
    path = tmp_path / "d.csv"
    _random_labels_with_a_copy(path)
    with pytest.raises(ValueError, match="column 'y' appears 2 times"):
        read_table(path)


def test_two_columns_named_y_train_nothing(tmp_path, capsys):
    path = tmp_path / "d.csv"
    _random_labels_with_a_copy(path)
    out = tmp_path / "m.safetensors"
    assert main(["train", str(path), "--target", "y", "--out", str(out), *QUICK]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and "'y' appears 2 times" in err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_a_real_column_named_like_pandas_renaming_is_kept(tmp_path):
    (tmp_path / "d.csv").write_text("y,x,y.1\n1,2,3\n4,5,6\n")
    assert list(read_table(tmp_path / "d.csv").columns) == ["y", "x", "y.1"]


def test_duplicate_names_in_a_frame_and_in_parquet(tmp_path):
    frame = pd.DataFrame([[1, 2, 3]], columns=["y", "x", "y"])
    with pytest.raises(ValueError, match="'y' appears 2 times"):
        split_target(frame, "y")
    with pytest.raises(ValueError, match="'x' appears 2 times"):
        Preprocessor.fit(pd.DataFrame([[1, 2]], columns=["x", "x"]))
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4])], names=["a", "a"])
    pq.write_table(table, tmp_path / "d.parquet")
    with pytest.raises(ValueError, match="'a' appears 2 times"):
        read_table(tmp_path / "d.parquet")


# --------------------------------------------------------------- numbers with a few junk cells
def _sixty_three_numbers_and_three_question_marks() -> pd.DataFrame:
    cells = [str(v) for v in np.linspace(1.0, 63.0, 63)]
    for index in (5, 20, 40):
        cells.insert(index, "?")
    return pd.DataFrame({"x": cells, "other": np.arange(66.0)})


def test_three_question_marks_leave_the_column_numeric():
    frame = _sixty_three_numbers_and_three_question_marks()
    with pytest.warns(DataWarning, match=r"non-numeric cells .*: x \(3, e\.g\. '\?'\)"):
        preprocessor = Preprocessor.fit(frame)
    assert preprocessor.numeric == ["x", "other"] and preprocessor.categorical == []
    x = preprocessor.transform(frame, warn=False)
    assert x.shape == (66, 2)  # not 63 one-hot categories
    median = np.median(np.linspace(1.0, 63.0, 63))
    scaled_median = (median - preprocessor.to_json()["numeric"][0]["mean"]) / (
        preprocessor.to_json()["numeric"][0]["scale"]
    )
    assert np.allclose(x[[5, 20, 40], 0], scaled_median)  # imputed with the median


def test_non_numeric_cells_are_not_reported_as_missing():
    frame = _sixty_three_numbers_and_three_question_marks()
    with pytest.warns(DataWarning) as caught:
        Preprocessor.fit(frame)
    assert not any(str(w.message).startswith("missing values") for w in caught)


def test_three_question_marks_through_the_cli(tmp_path, capsys):
    frame = _sixty_three_numbers_and_three_question_marks()
    frame["label"] = [i % 2 for i in range(66)]
    frame.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "m.safetensors"
    argv = ["train", str(tmp_path / "d.csv"), "--target", "label", "--out", str(out), *QUICK]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "non-numeric cells" in err and "e.g. '?'" in err
    _, metadata = load_network(out)
    assert [n["column"] for n in metadata["preprocessing"]["numeric"]] == ["x", "other"]
    assert metadata["preprocessing"]["categorical"] == []


def test_non_numeric_cells_at_prediction_are_reported():
    preprocessor = Preprocessor.fit(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    with pytest.warns(DataWarning, match=r"input data.*x \(1, e\.g\. 'abc'\)"):
        x = preprocessor.transform(pd.DataFrame({"x": ["abc", "2"]}))
    assert x[0, 0] == 0.0  # the training median, 2, standardized


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["$1,234.56", "$99", "-$5"], [1234.56, 99.0, -5.0]),
        (["1,234", "12,345,678", "7"], [1234.0, 12345678.0, 7.0]),
        (["12%", "50%", " 7.5% "], [12.0, 50.0, 7.5]),
        (["€3", "€4.5"], [3.0, 4.5]),
    ],
)
def test_formatting_is_parsed_when_the_whole_column_parses(cells, expected):
    reading = read_column(pd.Series(cells))
    assert reading.numeric and reading.formatted and reading.n_non_numeric == 0
    assert reading.values.tolist() == expected


@pytest.mark.parametrize(
    "cells",
    [
        ["$1", "€2"] + ["3"] * 20,  # two currencies
        ["12%"] + ["0.5"] * 20,  # percent on some numbers only
        ["$1,234.56", "?"] + [str(i) for i in range(20)],  # the junk stops formatting
    ],
)
def test_formatting_that_does_not_hold_for_the_whole_column_is_non_numeric(cells):
    reading = read_column(pd.Series(cells))
    assert not reading.formatted and reading.numeric
    assert reading.n_non_numeric == len(cells) - 20


def test_a_column_with_many_non_numeric_cells_is_text_with_a_warning():
    frame = pd.DataFrame({"grade": ["1", "2", "3", "A", "B", "1", "2", "3", "2", "1"]})
    with pytest.warns(DataWarning, match=r"'grade' is read as text: 8 of its cells are numbers"):
        preprocessor = Preprocessor.fit(frame)
    assert preprocessor.categorical == ["grade"]


def test_european_decimals_are_not_read_as_thousands():
    reading = read_column(pd.Series(["1,5", "2,25", "1,234"]))
    assert reading.text and np.isnan(reading.values).all()


def test_decimal_objects_are_numbers():
    column = pd.Series([decimal.Decimal("1.50"), decimal.Decimal("2"), None], dtype=object)
    reading = read_column(column)
    assert reading.numeric and reading.n_non_numeric == 0
    assert reading.values.tolist()[:2] == [1.5, 2.0]
    assert infer_task(pd.Series([decimal.Decimal("0.5"), decimal.Decimal("1.25")])) == "regression"


def test_parquet_decimal_columns_are_numbers(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    values = [decimal.Decimal(f"{i}.25") for i in range(8)]
    table = pa.table({"price": pa.array(values, pa.decimal128(6, 2)), "label": [0, 1] * 4})
    pq.write_table(table, tmp_path / "d.parquet")
    features, _ = split_target(read_table(tmp_path / "d.parquet"), "label")
    preprocessor = Preprocessor.fit(features)
    assert preprocessor.numeric == ["price"]
    assert preprocessor.transform(features).shape == (8, 1)


def test_booleans_stay_categories():
    assert read_column(pd.Series([True, False, None], dtype=object)).text


# --------------------------------------------------------------- targets
def test_a_target_read_back_as_floats_matches_integer_classes():
    assert label_indices(pd.Series([0.0, 1.0, 1.0]), [0, 1], "target").tolist() == [0, 1, 1]
    assert label_indices(pd.Series([1, 0]), [0.0, 1.0], "target").tolist() == [1, 0]
    assert label_indices(pd.Series(["b", "a"]), ["a", "b"], "target").tolist() == [1, 0]
    with pytest.raises(ValueError, match="does not know: 1.5"):
        label_indices(pd.Series([1.5]), [0, 1], "the target")


def test_evaluate_on_a_target_written_as_floats(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.normal(size=120)
    frame = pd.DataFrame({"x": x, "label": (x > 0).astype(int)})
    frame.to_csv(tmp_path / "train.csv", index=False)
    out = tmp_path / "m.safetensors"
    argv = ["train", str(tmp_path / "train.csv"), "--target", "label", "--out", str(out)]
    assert main([*argv, *QUICK]) == 0
    assert load_network(out)[1]["classes"] == [0, 1]
    (tmp_path / "test.csv").write_text(
        "x,label\n" + "".join(f"{v},{float(v > 0)}\n" for v in x[:20])
    )
    capsys.readouterr()
    assert main(["evaluate", str(out), str(tmp_path / "test.csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] >= 0.0


def test_a_numeric_target_with_a_junk_cell_is_refused():
    frame = pd.DataFrame({"x": range(20), "y": [str(i % 3) for i in range(19)] + ["?"]})
    with pytest.raises(ValueError, match=r"target column 'y' holds numbers but 1 non-numeric"):
        split_target(frame, "y")


def test_a_decimal_target_becomes_integers():
    frame = pd.DataFrame({"x": [1, 2], "y": [decimal.Decimal("0"), decimal.Decimal("1")]})
    _, y = split_target(frame, "y")
    assert y.tolist() == [0, 1] and y.dtype == np.int64


# --------------------------------------------------------------- memory and cardinality
def test_ten_thousand_cities_in_forty_thousand_rows_are_refused():
    cities = np.repeat([f"city {i}" for i in range(10_000)], 4)
    frame = pd.DataFrame({"city": cities, "x": np.arange(40_000.0)})
    with pytest.raises(
        ValueError, match=r"'city' is text with 10,000 distinct values.*--drop city"
    ):
        Preprocessor.fit(frame)


def test_a_category_seen_often_enough_is_encoded():
    frame = pd.DataFrame({"zip": np.repeat([f"z{i}" for i in range(150)], 10)})
    assert Preprocessor.fit(frame).encoded_widths() == {"zip": 150}


def test_an_encoding_larger_than_memory_is_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(table_memory, "available_memory", lambda: 10_000)
    frame = pd.DataFrame({"colour": ["red", "green", "blue"] * 100, "x": np.arange(300.0)})
    with pytest.raises(ValueError) as caught:
        Preprocessor.fit(frame)
    message = str(caught.value)
    assert "19.2 KB (300 rows × 4 features" in message and "10.0 KB" in message
    assert "column 'colour' alone gives 3 features" in message and "--drop colour" in message


def test_a_network_larger_than_memory_is_refused_naming_hidden(monkeypatch):
    frame = pd.DataFrame({"colour": ["red", "green", "blue"] * 100, "x": np.arange(300.0)})
    preprocessor = Preprocessor.fit(frame)
    monkeypatch.setattr(table_memory, "available_memory", lambda: 10**9)
    check_training_memory(preprocessor, 300, [64, 32])  # fits
    with pytest.raises(ValueError, match=r"4 inputs × 100,000,000 units.*fewer --hidden units"):
        check_training_memory(preprocessor, 300, [100_000_000])


def test_train_refuses_a_huge_hidden_layer_in_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(table_memory, "available_memory", lambda: 10**9)
    out = tmp_path / "m.safetensors"
    assert main(["train", "--hidden", "50000000", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "fewer --hidden units" in err and not out.exists()


def test_available_memory_is_a_positive_number_of_bytes():
    assert table_memory.available_memory() > 0


# --------------------------------------------------------------- files
def _csv_bytes() -> bytes:
    return b"a,b\n" + b"1,2\n" * 2000


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("d.csv.gz", gzip.compress(_csv_bytes())[:-30], "is a truncated gzip file"),
        ("d.csv.bz2", bz2.compress(_csv_bytes())[:-30], "is a truncated bzip2 file"),
        ("d.csv.xz", lzma.compress(_csv_bytes())[:-30], "is a truncated xz file"),
        ("d.csv.gz", b"a,b\n1,2\n", "is not a readable gzip file"),
        ("d.csv.bz2", b"a,b\n1,2\n", "is not a readable bzip2 file"),
        ("d.csv.xz", b"a,b\n1,2\n", "is not a readable xz file"),
        ("d.zip", b"a,b\n1,2\n", "is not a readable zip file"),
        ("d.parquet", b"a,b\n1,2\n", "is not a readable Parquet file"),
        ("d.tar", b"a,b\n1,2\n", "is not a readable tar file"),
    ],
)
def test_corrupt_or_truncated_files_fail_in_one_line(tmp_path, name, data, message):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError) as caught:
        read_table(path)
    text = str(caught.value)
    assert message in text and str(path) in text and "\n" not in text
    assert "does not exist" not in text


def test_a_truncated_zip_fails_in_one_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "whole.zip", "w") as archive:
        archive.writestr("d.csv", _csv_bytes())
    (tmp_path / "d.zip").write_bytes((tmp_path / "whole.zip").read_bytes()[:-30])
    with pytest.raises(ValueError, match="d.zip is not a readable zip file"):
        read_table(tmp_path / "d.zip")


def test_zstandard_missing_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import fails as when not installed
    (tmp_path / "d.csv.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    with pytest.raises(ValueError, match="d.csv.zst needs the zstandard package"):
        read_table(tmp_path / "d.csv.zst")


@pytest.mark.parametrize("kind", ["list", "struct"])
def test_nested_parquet_columns_are_named(tmp_path, kind):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    nested = pa.array([[1], [2, 3]]) if kind == "list" else pa.array([{"v": 1}, {"v": 2}])
    pq.write_table(pa.table({"x": [1.0, 2.0], "n": nested}), tmp_path / "d.parquet")
    with pytest.raises(ValueError, match=rf"column 'n' \({kind}<.*holds nested values"):
        read_table(tmp_path / "d.parquet")


def test_a_directory_is_named_as_one(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        read_table(tmp_path)
    (tmp_path / "link.csv").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="link.csv is a directory"):
        read_table(tmp_path / "link.csv")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")  # opening it would block: refusing must not open it
    with pytest.raises(ValueError, match=r"pipe.csv is not a regular file \(a FIFO\)"):
        read_table(tmp_path / "pipe.csv")


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_refused_without_being_read(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(ValueError, match=rf"{device} is not a regular file \(a device\)"):
        read_table(device)


def test_the_cli_names_a_device_in_one_line(capsys):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    assert main(["train", "/dev/zero", "--target", "y", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == "glassnet: error: data file /dev/zero is not a regular file (a device); " + (
        "give a CSV or Parquet file\n"
    )
