"""How a column's cells become numbers: plain, formatted, or not numbers at all.

The rule, cell by cell, for a column pandas read as text (or as Python objects):

- **missing**: pandas' missing markers (an empty cell, ``NA``, ``N/A``, ``NaN``, ``null``, ...)
  and cells of spaces only;
- **plain number**: the cell reads as a float as written (spaces around it allowed): ``3``,
  ``-1.5e3``, ``inf``; ``Decimal`` objects and other non-boolean numbers too;
- **formatted number**: it does once its formatting is removed: one currency symbol
  (``$ € £ ¥``) before the digits, thousands separators (commas between groups of three
  digits), a trailing percent sign (``12%`` reads as 12: the column is standardized, so only
  the ratio between cells matters);
- **non-numeric**: anything else (``?``, ``abc``, ``1,5``).

Formatting is parsed only when the whole column parses that way: every non-missing cell is a
plain or formatted number, with one kind of currency symbol at most and a percent sign on every
cell or on none. Otherwise formatted cells count as non-numeric (a European ``1,234`` among
``1,5`` is not a thousand). The column is **numeric** when it has numbers and at most
:data:`MAX_NON_NUMERIC_SHARE` (10%) of its non-missing cells are non-numeric: those are reported
(column, count, examples) and treated as missing. Otherwise it is text. Booleans are never
numbers.
"""

from __future__ import annotations

import decimal
import numbers
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_NON_NUMERIC_SHARE = 0.1
CURRENCIES = "$€£¥"
_FORMATTED = re.compile(
    rf"^(?P<sign>[+-]?)(?P<currency>[{CURRENCIES}]?)(?P<sign2>[+-]?)"
    r"(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d*)?(?P<percent>%?)$"
)
_NAN_SPELLINGS = frozenset({"nan", "+nan", "-nan", ""})


@dataclass
class ColumnReading:
    """What a column's cells are: its numbers (NaN where missing or non-numeric) and counts.

    Attributes
    ----------
    values : pandas.Series
        float64, the column's index; NaN for missing and non-numeric cells.
    n_numbers, n_non_numeric : int
        Non-missing cells that are numbers, and that are not.
    examples : list of str
        Up to three distinct non-numeric cells, as written.
    formatted : bool
        True when formatting (currency, thousands separators, percent) was parsed.
    """

    values: pd.Series
    n_numbers: int
    n_non_numeric: int = 0
    examples: list[str] = field(default_factory=list)
    formatted: bool = False
    text: bool = False  # True when the column is text by :data:`MAX_NON_NUMERIC_SHARE`

    @property
    def numeric(self) -> bool:
        return not self.text

    def describe_non_numeric(self) -> str:
        """``"3, e.g. '?'"``: the count and the examples."""
        return f"{self.n_non_numeric}, e.g. {', '.join(map(repr, self.examples))}"


def read_column(column: pd.Series) -> ColumnReading:
    """Read ``column`` by the module's rule: numeric (with a report) or text."""
    if pd.api.types.is_bool_dtype(column):
        return ColumnReading(_nan_like(column), 0, int(column.notna().sum()), text=True)
    reading = read_numbers(column)
    cells = reading.n_numbers + reading.n_non_numeric
    if reading.n_numbers == 0 or reading.n_non_numeric > MAX_NON_NUMERIC_SHARE * cells:
        reading.text = True
    return reading


def read_numbers(column: pd.Series) -> ColumnReading:
    """The column's numbers, whatever its share of non-numeric cells (for a column a model
    knows as numeric)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        return ColumnReading(values, int(values.notna().sum()))
    original_index = column.index
    column = column.reset_index(drop=True)  # positions, whatever the index (duplicates too)
    objects, text = _cells(column)
    values = pd.Series(np.nan, index=column.index, dtype="float64")
    values.loc[objects.index] = objects.map(_object_number).astype("float64").to_numpy()
    bad_objects = objects[values.loc[objects.index].isna()]
    plain = pd.to_numeric(text, errors="coerce").astype("float64")
    values.loc[plain.index] = plain.to_numpy()
    rest = text[plain.isna()]
    formatted = _parse_formatted(rest, n_plain=int(plain.notna().sum()))
    use_formatting = bad_objects.empty and not rest.empty and bool(formatted.notna().all())
    if use_formatting:
        values.loc[formatted.index] = formatted.to_numpy()
        rest = rest.iloc[:0]
    non_numeric = [str(v) for v in bad_objects] + rest.tolist()
    values.index = original_index
    return ColumnReading(
        values,
        int(values.notna().sum()),
        len(non_numeric),
        list(dict.fromkeys(non_numeric))[:3],
        use_formatting,
    )


def _cells(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The non-missing cells: Python objects, and texts stripped of spaces (a text of spaces
    only, or ``nan``, is missing)."""
    present = column[column.notna()]
    if isinstance(column.dtype, pd.StringDtype):
        is_text = pd.Series(True, index=present.index)
    else:
        is_text = present.map(lambda v: isinstance(v, str)).astype(bool)
    text = present[is_text].astype(object).map(str.strip)
    return present[~is_text], text[~text.str.lower().isin(_NAN_SPELLINGS)]


def _object_number(value: object) -> float:
    """A Python number (``Decimal`` too, booleans not) as a float; NaN for anything else."""
    if isinstance(value, bool | np.bool_):
        return np.nan
    if isinstance(value, numbers.Real | decimal.Decimal):
        try:
            return float(value)
        except (OverflowError, ValueError, decimal.InvalidOperation):
            return np.nan
    return np.nan


def _parse_formatted(text: pd.Series, n_plain: int) -> pd.Series:
    """Formatted numbers as floats; NaN where a cell is not one, or all NaN when the formats
    disagree (two currencies; percent signs on some numbers only)."""
    result = pd.Series(np.nan, index=text.index, dtype="float64")
    matches = [_FORMATTED.match(cell) for cell in text]
    found = [m for m in matches if m is not None and not (m["sign"] and m["sign2"])]
    currencies = {m["currency"] for m in found if m["currency"]}
    percents = {bool(m["percent"]) for m in found}
    if not found or len(currencies) > 1 or len(percents) > 1:
        return result
    if percents == {True} and (n_plain or len(found) != len(text)):
        return result  # '12%' and '0.5' in one column: unclear units
    for index, match in zip(text.index, matches, strict=True):
        if match is None or (match["sign"] and match["sign2"]):
            continue
        number = float(match["digits"].replace(",", "") + (match["fraction"] or ""))
        result.loc[index] = -number if "-" in (match["sign"] + match["sign2"]) else number
    return result


def _nan_like(column: pd.Series) -> pd.Series:
    return pd.Series(np.nan, index=column.index, dtype="float64")
