"""Strategies for bad (and good) input, and the check that an outcome is allowed."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Floats as users send them: ordinary, tiny, huge, NaN, infinities, negative zero.
ANY_FLOAT = st.one_of(
    st.floats(-10.0, 10.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-310, 1e30, -1e30, 1e300, 3.4e38, np.nan, np.inf, -np.inf]),
)
DTYPES = st.sampled_from(
    [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_, np.complex128]
)


def arrays(max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy[np.ndarray]:
    """Arrays of any numeric dtype, 0 to ``max_dims`` dimensions, any values (NaN too)."""

    def of(dtype: Any) -> st.SearchStrategy[np.ndarray]:
        shape = hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side)
        if np.dtype(dtype).kind == "f":
            largest = float(np.finfo(dtype).max)
            elements = ANY_FLOAT.filter(lambda v: np.isnan(v) or abs(v) <= largest)
            return hnp.arrays(dtype, shape, elements=elements)
        return hnp.arrays(dtype, shape)

    return DTYPES.flatmap(of)


def junk() -> st.SearchStrategy[Any]:
    """Values of the wrong kind: None, bools, strings, bytes, huge ints, lists, objects."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        ANY_FLOAT,
        st.complex_numbers(max_magnitude=1e3),
        st.text(max_size=6),
        st.binary(max_size=6),
        st.lists(st.one_of(st.floats(-1, 1), st.text(max_size=2)), max_size=3),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
        st.just(object()),
        st.just(np.float32(0.5)),
        st.just(np.int64(3)),
        arrays(max_dims=2, max_side=3),
    )


def matrices(n_columns: int) -> st.SearchStrategy[Any]:
    """Mostly well-shaped ``(n, n_columns)`` float data, often with a defect; or anything."""
    good = st.integers(1, 6).flatmap(
        lambda n: hnp.arrays(np.float64, (n, n_columns), elements=ANY_FLOAT)
    )
    ragged = st.lists(st.lists(st.floats(-3, 3), min_size=0, max_size=n_columns + 1), max_size=4)
    return st.one_of(good, good.map(lambda a: a.tolist()), ragged, arrays(), junk())


# Cells of a table column as people write them: numbers, formatted numbers, junk, blanks.
JUNK_CELLS = ["?", "abc", "N/A", "NA", "", " ", "nan", "-", "1,5", "1e400", "inf", "TRUE", "é"]
FORMATTED_CELLS = ["$1,234.56", "12%", "€3", "1,234", "-$5", "$-0.5", "7.5%", "¥1,000,000"]


def plain_number_cells() -> st.SearchStrategy[str]:
    """A number as a CSV cell reads it: integers, decimals, exponents, spaces around."""
    return st.one_of(
        st.integers(-(10**6), 10**6).map(str),
        st.floats(-1e6, 1e6, allow_nan=False).map(repr),
        st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f" {v:.3g} "),
    )


def column_cells(n_rows: int) -> st.SearchStrategy[list[str]]:
    """``n_rows`` cells of one column: all plain numbers, or numbers mixed with formatted
    numbers, junk tokens and blanks in any share, or text."""
    cell = st.one_of(
        plain_number_cells(), st.sampled_from(JUNK_CELLS), st.sampled_from(FORMATTED_CELLS)
    )
    return st.one_of(
        st.lists(plain_number_cells(), min_size=n_rows, max_size=n_rows),
        st.lists(cell, min_size=n_rows, max_size=n_rows),
        st.lists(
            st.sampled_from(["red", "green", "blue", "", "?"]), min_size=n_rows, max_size=n_rows
        ),
    )


@st.composite
def table_columns(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """(column names, columns of cells): 1-4 columns of 1-30 rows, names repeated at times."""
    n_rows = draw(st.integers(1, 30))
    n_columns = draw(st.integers(1, 4))
    names = draw(
        st.lists(
            st.sampled_from(["x", "y", "a b", "y.1", "名前", ""]),
            min_size=n_columns,
            max_size=n_columns,
        )
    )
    return names, [draw(column_cells(n_rows)) for _ in names]


def check_outcome(
    call: Callable[[], Any],
    allowed: tuple[type[BaseException], ...] = (ValueError, TypeError),
    names: Iterable[str] = (),
    one_line: bool = True,
    tolerated_warnings: tuple[type[Warning], ...] = (),
) -> Any:
    """Run ``call``; return its result, or None if it raised one of ``allowed`` with a clear
    message (non-empty, one line unless ``one_line=False``, naming one of ``names`` if given).

    Any other exception propagates and fails the test; so does a warning (other than
    ``tolerated_warnings``, the documented ones such as scikit-learn's ConvergenceWarning).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for category in tolerated_warnings:
            warnings.simplefilter("ignore", category)
        try:
            result = call()
            event("result")
            return result
        except allowed as error:
            event(f"refused: {type(error).__name__}")
            message = str(error).strip()
            assert message, f"{type(error).__name__} without a message"
            assert not one_line or "\n" not in message, f"a multi-line message: {message!r}"
            names = list(names)
            if names:
                assert any(n in message for n in names), (
                    f"{type(error).__name__}: {message!r} names none of {names}"
                )
            return None


# Where a command may be told to write: a fresh or existing file, an input itself, an input
# through a symlink, a hard link or a folder link, a dangling symlink, a missing folder, a
# parent that is a file, a folder, the same file as the command's other output.
OUTPUT_KINDS = (
    "new",
    "existing",
    "data",
    "model",
    "link-to-data",
    "link-to-model",
    "link-to-new",
    "hard-link-to-data",
    "folder-link-to-data",
    "missing-folder",
    "parent-is-file",
    "folder",
    "other-output",
)


def output_kinds(n_outputs: int) -> st.SearchStrategy[list[str]]:
    """One kind from :data:`OUTPUT_KINDS` per output option of a command."""
    return st.lists(st.sampled_from(OUTPUT_KINDS), min_size=n_outputs, max_size=n_outputs)
