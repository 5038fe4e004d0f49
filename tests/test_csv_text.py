"""Reading real CSV files: the separator detected or given, the encoding, a bar for big files."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from glassnet.io import csv_text
from glassnet.io.csv_text import (
    best_separator,
    check_separator,
    decimal_mark,
    first_undecodable,
)
from glassnet.io.table_files import read_table

FRAME = pd.DataFrame(
    {"price": [1.5, 2.0, 3.25, 4.0], "note": ["a;b", "c|d", "e,f", "g"], "y": [0, 1, 0, 1]}
)


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_each_separator_is_detected_even_with_the_others_inside_quoted_cells(tmp_path, sep):
    path = tmp_path / "t.csv"
    FRAME.to_csv(path, sep=sep, index=False)
    frame = read_table(path)
    assert list(frame.columns) == ["price", "note", "y"]
    assert frame["note"].tolist() == FRAME["note"].tolist()
    assert frame["price"].tolist() == FRAME["price"].tolist()


def test_detection_reads_through_compression(tmp_path):
    path = tmp_path / "t.tsv.gz"
    with gzip.open(path, "wt") as handle:
        FRAME.to_csv(handle, sep="\t", index=False)
    assert read_table(path).shape == (4, 3)


def test_a_given_separator_wins_and_tab_may_be_named(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a;b,c\n1;2,3\n4;5,6\n")
    assert list(read_table(path, sep=";").columns) == ["a", "b,c"]
    assert list(read_table(path, sep=",").columns) == ["a;b", "c"]
    assert check_separator("tab") == "\t" and check_separator("\\t") == "\t"
    with pytest.raises(ValueError, match=r"one character such as , ; \| or tab, got '::'"):
        read_table(path, sep="::")


def test_one_column_and_ragged_samples_fall_back_to_comma():
    assert best_separator("y\n1\n2\n") == ","
    assert best_separator("a;b\n1;2\n3;4\n5;6,7\n") == ";"  # most rows agree on ';'


def test_a_latin1_file_names_its_first_bad_byte_and_suggests_the_encoding(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("city,y\nZürich,1\nGenève,0\n".encode("latin-1"))
    with pytest.raises(ValueError) as caught:
        read_table(path)
    message = str(caught.value)
    assert message == (
        f"{path} is not utf-8 text (byte 0xfc at position 8 does not decode); give its "
        "encoding, e.g. --encoding latin-1"
    )
    assert read_table(path, encoding="latin-1")["city"].tolist() == ["Zürich", "Genève"]


def test_the_bad_byte_is_found_past_the_sample_and_past_a_chunk_boundary(tmp_path):
    # the sample (64 KiB) decodes; the byte sits after the first 1 MiB chunk, so the
    # position is counted across chunks, with a two-byte character cut by the boundary
    head = "x,y\n" + "é,1\n" * 300_000  # 'é' is two bytes in UTF-8
    data = head.encode() + b"\xff,0\n"
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    assert first_undecodable(path, "utf-8") == (len(head.encode()), 0xFF)
    with pytest.raises(ValueError, match=rf"byte 0xff at position {len(head.encode()):,} "):
        read_table(path)


def test_an_unknown_encoding_and_options_on_parquet_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    FRAME.to_csv(path, index=False)
    with pytest.raises(ValueError, match="unknown encoding 'utf-9'; give one Python knows"):
        read_table(path, encoding="utf-9")
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "t.parquet"
    FRAME.to_parquet(parquet)
    with pytest.raises(ValueError, match="Parquet file: a separator or encoding is for CSV"):
        read_table(parquet, sep=";")


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa;y\n1;0\n2;1\n".encode())
    assert list(read_table(path).columns) == ["a", "y"]


def test_a_large_file_moves_a_bar_of_bytes_while_it_is_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(csv_text, "PROGRESS_BYTES", 1000)
    monkeypatch.setattr(csv_text, "PROGRESS_SECONDS", 0)  # a small file reads in under 0.1 s
    path = tmp_path / "big.csv"
    pd.DataFrame({"a": range(200_000), "y": range(200_000)}).to_csv(path, index=False)
    frame = read_table(path, progress=True)
    assert frame.shape == (200_000, 2)
    err = capsys.readouterr().err
    assert "reading big.csv" in err
    # the bar was redrawn as pandas read, not once at the end: several distinct byte counts
    counts = {part.split("|")[-1].split("/")[0].strip() for part in err.split("\r") if "|" in part}
    assert len(counts) >= 2
    read_table(path)  # no progress asked: nothing written
    assert capsys.readouterr().err == ""


def test_a_semicolon_file_with_decimal_commas_reads_numbers(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("Preis;Stadt;y\n3,25;Köln;1\n-0,5;Bonn;0\n12;Köln;1\n")
    frame = read_table(path)
    assert frame["Preis"].tolist() == [3.25, -0.5, 12.0]
    assert decimal_mark("a;b\n1.5;2,5\n", ";") == "."  # a tie keeps the point
    assert decimal_mark('a,b\n"1,5",2\n', ",") == "."  # a comma file never has one
    # a point file separated by semicolons keeps its points
    assert read_table(tmp_path / "eu.csv", sep=";")["Preis"].dtype == float
    path.write_text("a;y\n1.25;0\n2.5;1\n")
    assert read_table(path)["a"].tolist() == [1.25, 2.5]
