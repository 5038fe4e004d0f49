"""Opening a data file: what kind of file it is, its compression, its header, its columns.

Every way a file can be unusable is one ``ValueError`` naming the file and what is wrong:

- it does not exist, is a directory, or is not a regular file (a FIFO, a device such as
  ``/dev/zero``, a socket): checked with ``os.stat`` before the file is opened, so nothing is
  read from a pipe or a device;
- its compression (by extension, as pandas infers it: ``.gz``, ``.bz2``, ``.xz``, ``.zip``,
  ``.zst``, ``.tar``) is truncated or corrupt, or needs a package that is not installed
  (``.zst`` needs ``zstandard``);
- it is not CSV (or not Parquet, for ``.parquet``/``.pq``), or it has no data rows;
- it is not text in the encoding given (UTF-8 by default): the first byte that does not decode
  is named, with its position, and an encoding suggested (:mod:`glassnet.io.csv_text`);
- two of its columns have the same name (pandas would rename the second ``y`` to ``y.1`` and
  train on it as a feature), or a Parquet column holds nested values (lists, structs, maps).
"""

from __future__ import annotations

import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .csv_text import (
    DEFAULT_ENCODING,
    check_encoding,
    check_separator,
    detect_dialect,
    not_text_error,
    read_progress,
)

PARQUET_SUFFIXES = (".parquet", ".pq")
# pandas' compression by extension (pandas.io.common.extension_to_compression), named for people
COMPRESSIONS = {
    ".gz": "gzip",
    ".tgz": "gzip",
    ".bz2": "bzip2",
    ".xz": "xz",
    ".zip": "zip",
    ".zst": "zstandard",
    ".tar": "tar",
}
_DECOMPRESSION_ERRORS = (
    OSError,  # gzip.BadGzipFile, bz2's "Invalid data stream"
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
    NotImplementedError,  # zipfile: a damaged header names a method or flag it does not know
)


def read_table(
    path: str | Path, sep: str | None = None, encoding: str | None = None, progress: bool = False
) -> pd.DataFrame:
    """Read a CSV (optionally compressed) or Parquet file, by extension, into a DataFrame.

    Parameters
    ----------
    sep : str, optional
        The CSV separator; default: detected (comma, tab, semicolon or pipe).
    encoding : str, optional
        The CSV file's text encoding; default UTF-8 (a byte-order mark is skipped).
    progress : bool
        Show a bar counting the bytes read, for files of 32 MiB and more.

    Raises
    ------
    ValueError
        One line naming the file and what is wrong with it (see the module docstring).
    """
    source = Path(path)
    check_regular_file(source)
    if source.suffix.lower() in PARQUET_SUFFIXES:
        if sep is not None or encoding is not None:
            raise ValueError(f"{source} is a Parquet file: a separator or encoding is for CSV")
        frame = _read_parquet(source)
    else:
        frame = _read_csv(source, sep, check_encoding(encoding or DEFAULT_ENCODING), progress)
    if frame.empty or frame.shape[1] == 0:
        raise ValueError(f"{source} has no data rows")
    return frame


def check_regular_file(source: Path) -> None:
    """Refuse a path that does not exist or is not a regular file, before opening it."""
    try:
        info = source.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"data file {str(source)!r} does not exist") from None
    except OSError as error:  # permission denied on a folder, a symlink loop, a long name
        raise ValueError(f"cannot read data file {source}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"data file {source} is a directory, not a CSV or Parquet file")
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "a device"
        )
        raise ValueError(
            f"data file {source} is not a regular file ({kind}); give a CSV or Parquet file"
        )
    if not os.access(source, os.R_OK):
        raise ValueError(f"cannot read data file {source}: permission denied")


def check_unique_names(names: Iterable[object], where: str) -> None:
    """Refuse column names that occur more than once (blank names aside: pandas numbers them)."""
    counts = Counter(str(name) for name in names if str(name) != "")
    repeated = [f"{name!r} appears {n} times" for name, n in counts.items() if n > 1]
    if repeated:
        raise ValueError(
            f"{where}: column {', column '.join(repeated)}; give each column its own name "
            "(which one would be the target or a feature?)"
        )


def _read_csv(source: Path, sep: str | None, encoding: str, progress: bool) -> pd.DataFrame:
    compression = _compression(source)
    if compression == "zstandard":
        try:
            import zstandard  # noqa: F401
        except ImportError:
            raise ValueError(
                f"reading {source} needs the zstandard package: pip install zstandard"
            ) from None
    options = {"encoding": "utf-8-sig" if encoding == "utf-8" else encoding}
    given = None if sep is None else check_separator(sep)
    try:
        options["sep"], options["decimal"] = detect_dialect(source, encoding, given)
        with read_progress(source, progress) as file:
            frame = pd.read_csv(file, compression=_pandas_compression(source), **options)
        # pandas renames a repeated name ('y' -> 'y.1'): the header as written tells them apart
        header = pd.read_csv(
            source, header=None, nrows=1, dtype=str, keep_default_na=False, **options
        )
    except UnicodeDecodeError:
        raise not_text_error(source, encoding) from None
    except Exception as error:
        raise _unreadable(source, compression, error) from None
    if len(header):
        check_unique_names(header.iloc[0].tolist(), str(source))
    return frame


def _unreadable(source: Path, compression: str | None, error: Exception) -> Exception:
    """The one-line ``ValueError`` for a CSV file pandas could not read (any other error is
    returned as it is, to be raised: a bug, not a bad file)."""
    detail = _first_line(error)
    if isinstance(error, pd.errors.EmptyDataError | pd.errors.ParserError | UnicodeDecodeError):
        return ValueError(f"cannot read {source}: {detail}")
    if isinstance(error, EOFError):
        return ValueError(
            f"{source} is a truncated {compression} file: it ends before its compressed data"
        )
    if type(error).__module__.startswith("zstandard"):  # ZstdError; no import when absent
        return ValueError(f"{source} is a corrupt zstandard file ({detail})")
    if isinstance(error, (*_DECOMPRESSION_ERRORS, ValueError)):
        if compression is None and isinstance(error, OSError):
            return ValueError(f"cannot read {source}: {detail}")
        return ValueError(f"{source} is not a readable {compression or 'CSV'} file ({detail})")
    return error


def _read_parquet(source: Path) -> pd.DataFrame:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(f"reading {source} needs pyarrow: pip install pyarrow") from None
    try:
        schema = pq.read_schema(source)
        check_unique_names(schema.names, str(source))  # pandas cannot read them apart
        nested = [f"{f.name!r} ({f.type})" for f in schema if pa.types.is_nested(f.type)]
        if nested:
            raise ValueError(
                f"{source}: column {', '.join(nested)} holds nested values; glassnet reads "
                "flat columns of numbers or text: flatten or remove it"
            )
        return pd.read_parquet(source)
    except (pa.ArrowException, OSError, NotImplementedError) as error:
        raise ValueError(
            f"{source} is not a readable Parquet file ({_first_line(error)})"
        ) from None


def _pandas_compression(source: Path) -> str | None:
    """pandas' name of the compression, given explicitly: a bar's file handle has no name."""
    from pandas.io.common import infer_compression

    return infer_compression(str(source), "infer")


def _compression(source: Path) -> str | None:
    suffix = source.suffix.lower()
    return COMPRESSIONS.get(suffix)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
