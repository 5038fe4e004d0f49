"""Reading tables, inferring the task, and preprocessing stored as JSON without pickle."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from glassnet.io.tables import DataWarning, Preprocessor, infer_task, read_table, split_target


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [20.0, 30.0, np.nan, 50.0],
            "city": ["Paris", "Rome", "Paris", None],
            "member": [True, False, True, True],
        }
    )


def test_fit_imputes_scales_and_one_hot_encodes():
    with pytest.warns(DataWarning, match=r"age \(1\), city \(1\)"):
        preprocessor = Preprocessor.fit(_frame())
    x = preprocessor.transform(_frame(), warn=False)
    ages = np.array([20.0, 30.0, 30.0, 50.0])  # the missing age is the median, 30
    assert np.allclose(x[:, 0], (ages - ages.mean()) / ages.std())
    # city one-hot: Paris, Rome; the missing city is the most frequent, Paris
    assert preprocessor.feature_names[1:3] == ["categorical__city_Paris", "categorical__city_Rome"]
    assert x[:, 1:3].tolist() == [[1, 0], [0, 1], [1, 0], [1, 0]]
    assert x[:, 3:].tolist() == [[0, 1], [1, 0], [0, 1], [0, 1]]  # member False, True


def test_json_round_trip_rebuilds_the_same_transform():
    with pytest.warns(DataWarning):
        preprocessor = Preprocessor.fit(_frame())
    state = json.loads(json.dumps(preprocessor.to_json()))  # plain JSON, nothing else
    rebuilt = Preprocessor.from_json(state)
    new = pd.DataFrame({"age": [np.nan, 41.5], "city": ["Rome", None], "member": [False, True]})
    expected = preprocessor.transform(new, warn=False)
    assert np.array_equal(rebuilt.transform(new, warn=False), expected)


def test_unknown_category_encodes_as_zeros_with_a_warning():
    with pytest.warns(DataWarning):
        preprocessor = Preprocessor.fit(_frame())
    new = pd.DataFrame({"age": [25.0], "city": ["Oslo"], "member": [True]})
    with pytest.warns(DataWarning, match="'city' has categories unseen in training.*'Oslo'"):
        x = preprocessor.transform(new)
    assert x[0, 1:3].tolist() == [0, 0]


def test_missing_column_at_transform_is_named():
    with pytest.warns(DataWarning):
        preprocessor = Preprocessor.fit(_frame())
    with pytest.raises(ValueError, match="lacks column.*city"):
        preprocessor.transform(_frame().drop(columns="city"))


def test_id_like_text_column_cannot_be_encoded():
    frame = pd.DataFrame({"name": [f"person {i}" for i in range(300)], "x": np.arange(300.0)})
    with pytest.raises(ValueError, match="'name' is text with a different value in each of its 30"):
        Preprocessor.fit(frame)


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["a", "b", "a"], "classification"),
        ([0, 1, 1, 0], "classification"),
        ([True, False], "classification"),
        ([0.5, 1.25, 3.0], "regression"),
        (list(range(100)), "regression"),
    ],
)
def test_infer_task(values, task):
    assert infer_task(pd.Series(values)) == task


def test_read_table_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_table(tmp_path / "none.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="cannot read"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="no data rows"):
        read_table(tmp_path / "header.csv")


def test_parquet_is_read(tmp_path):
    pytest.importorskip("pyarrow")
    _frame().to_parquet(tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet").shape == (4, 3)


def test_split_target_names_unknown_columns():
    with pytest.raises(ValueError, match="'price' not in the data"):
        split_target(_frame(), "price")
    features, y = split_target(_frame(), "member", drop=["city"])
    assert list(features.columns) == ["age"] and y.tolist() == [True, False, True, True]
