"""Fuzz how columns are read (issue 15, item 4): generated CSV columns mixing numbers,
formatted numbers, junk tokens, blanks and repeated names, through ``read_table`` and
``Preprocessor``; and compressed files (gzip, bzip2, xz, zip) cut or with a byte flipped
(item 7).

Allowed outcomes: a float matrix with one row per data row (the changes reported as
:class:`DataWarning`), or one ``ValueError`` in one line; never another exception. A column
whose cells are all plain numbers is always numeric, with no non-numeric cell reported.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import tempfile
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from glassnet.io.columns import read_column
from glassnet.io.tables import DataWarning, Preprocessor, read_table

from ._strategies import check_outcome, plain_number_cells, table_columns
from .conftest import count, fuzz, no_hang


def _write(path: Path, names: list[str], columns: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(names)
        writer.writerows(zip(*columns, strict=True))


def _encode(path: Path) -> tuple[int, np.ndarray]:
    frame = read_table(path)
    return len(frame), Preprocessor.fit(frame).transform(frame, warn=False)


@fuzz(60)
@given(table=table_columns())
def test_columns_are_read_or_refused_in_one_line(table) -> None:
    count("tabular.read_table+Preprocessor")
    names, columns = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        _write(path, names, columns)
        with no_hang(20):
            result = check_outcome(
                lambda: _encode(path), allowed=(ValueError,), tolerated_warnings=(DataWarning,)
            )
    repeated = [n for n, k in Counter(names).items() if n and k > 1]
    if repeated:
        assert result is None, f"repeated names {repeated} were not refused"
    if result is not None:  # pandas skips lines of spaces only: rows as read
        n_rows, x = result
        assert x.dtype == np.float64 and x.shape[0] == n_rows <= len(columns[0])
        assert np.isfinite(x).all()


@fuzz(60)
@given(cells=st.lists(plain_number_cells(), min_size=1, max_size=30), table=table_columns())
def test_a_column_of_plain_numbers_is_numeric(cells, table) -> None:
    count("tabular.Preprocessor (a column of plain numbers)")
    names, columns = table
    names = [f"other{i}" for i in range(len(names))]  # unique: the table must be usable
    columns = [(c * len(cells))[: len(cells)] for c in columns]
    reading = read_column(pd.Series(cells, dtype=object))
    assert reading.numeric and reading.n_non_numeric == 0 and not reading.formatted
    assert reading.n_numbers == len(cells)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        _write(path, ["numbers", *names], [cells, *columns])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            try:
                preprocessor = Preprocessor.fit(read_table(path))
            except ValueError as error:  # the other columns may be unusable; not this one
                assert "'numbers'" not in str(error), error
                return
    assert "numbers" in preprocessor.numeric


def _compress(kind: str, data: bytes) -> bytes:
    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("d.csv", data)
        return buffer.getvalue()
    return {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[kind](data)


@fuzz(60)
@given(
    kind=st.sampled_from(["gz", "bz2", "xz", "zip"]),
    n_rows=st.integers(1, 300),
    damage=st.sampled_from(["none", "cut", "flip"]),
    where=st.floats(0.0, 1.0, exclude_max=True),
)
def test_compressed_files_are_read_or_refused_naming_the_file(kind, n_rows, damage, where):
    count("tabular.read_table (compressed, damaged)")
    data = _compress(kind, b"a,b\n" + b"".join(b"%d,%d\n" % (i, i % 2) for i in range(n_rows)))
    at = int(where * len(data))
    if damage == "cut":
        data = data[:at]
    elif damage == "flip":
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"d.csv.{kind}"
        path.write_bytes(data)
        with no_hang(20):
            frame = check_outcome(
                lambda: read_table(path), allowed=(ValueError,), names=[str(path)]
            )
    if damage == "none":  # an intact file reads back whole
        assert frame is not None and frame["a"].tolist() == list(range(n_rows))
