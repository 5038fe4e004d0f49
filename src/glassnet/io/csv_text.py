"""A CSV file's text: its separator, its encoding, and a progress bar while a large one is read.

The separator is detected on the first 64 KiB (decompressed) when none is given: of comma, tab,
semicolon and pipe, the one that splits the most sample rows into the same number of fields
(more than one), the widest on a tie, comma first. In a file not separated by commas, numbers
mostly written ``3,25`` mean a decimal comma (a semicolon file from a European spreadsheet).
The whole file is then read by pandas' C parser with that separator: pandas' own detection
(``sep=None``) needs its Python parser, 8.5 times slower on the 10,000-row churn CSV (143 ms
against 17 ms on an idle machine). On a loaded one, detecting on the sample took 15 ms, the
whole ``read_table`` 56 ms, and pandas' ``sep=None`` 458 ms.

A file that does not decode is refused naming the first byte that does not, and where
(``byte 0xe9 at position 1,234``), with the option that reads it (``--encoding latin-1``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

SEPARATORS = (",", "\t", ";", "|")
SEPARATOR_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SAMPLE_BYTES = 65536
PROGRESS_BYTES = 32 * 2**20  # files from this size show a bar while they are read
PROGRESS_SECONDS = 0.1  # tqdm's default: the bar is redrawn at most this often
DEFAULT_ENCODING = "utf-8"
_COMMA_DECIMAL = re.compile(r"[-+]?\d+,\d+")
_POINT_DECIMAL = re.compile(r"[-+]?\d*\.\d+")


def check_encoding(encoding: str) -> str:
    """The encoding's name, or ``ValueError`` when Python does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {encoding!r}; give one Python knows, e.g. utf-8, latin-1, cp1252"
        ) from None


def check_separator(sep: str) -> str:
    """``--sep`` as one character; ``\\t`` and the words tab, comma, ... are understood."""
    names = {name: char for char, name in SEPARATOR_NAMES.items()} | {"\\t": "\t"}
    sep = names.get(sep.lower(), sep)
    if len(sep) != 1 or sep in '\r\n"':
        raise ValueError(f"the separator must be one character such as , ; | or tab, got {sep!r}")
    return sep


def detect_dialect(source: Path, encoding: str, sep: str | None = None) -> tuple[str, str]:
    """The separator (``sep`` when given) and the decimal mark of ``source``, judged on its
    first 64 KiB: a file separated by other than commas whose numbers are mostly written
    ``3,25`` (as in much of Europe) has the decimal comma."""
    with _open_binary(source) as raw:
        data = raw.read(SAMPLE_BYTES)
    complete = len(data) < SAMPLE_BYTES
    text = _decode_sample(data, encoding, final=complete)
    if not complete:  # the last line may be cut: judge whole lines only
        text = text[: text.rfind("\n") + 1] or text
    sep = best_separator(text) if sep is None else sep
    return sep, decimal_mark(text, sep)


def decimal_mark(text: str, sep: str) -> str:
    """``","`` when more cells of ``text`` read as ``-3,25`` than as ``-3.25``, else ``"."``."""
    if sep == ",":
        return "."
    cells = [cell.strip() for row in csv.reader(io.StringIO(text), delimiter=sep) for cell in row]
    commas = sum(bool(_COMMA_DECIMAL.fullmatch(cell)) for cell in cells)
    points = sum(bool(_POINT_DECIMAL.fullmatch(cell)) for cell in cells)
    return "," if commas > points else "."


def best_separator(text: str) -> str:
    """The separator splitting the most rows of ``text`` into one width > 1 (see the module)."""
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        widths = [len(row) for row in csv.reader(io.StringIO(text), delimiter=sep) if row]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count / len(widths), width)
        if width > 1 and score > best_score:
            best, best_score = sep, score
    return best


def not_text_error(source: Path, encoding: str) -> ValueError:
    """The one-line error for a file that is not ``encoding`` text, naming its first bad byte."""
    position, byte = first_undecodable(source, encoding)
    where = f"byte 0x{byte:02x} at position {position:,}" if byte is not None else "its end"
    other = "latin-1" if codecs.lookup(encoding).name != "iso8859-1" else "cp1252"
    return ValueError(
        f"{source} is not {encoding} text ({where} does not decode); give its encoding, "
        f"e.g. --encoding {other}"
    )


def first_undecodable(source: Path, encoding: str) -> tuple[int, int | None]:
    """The position (decompressed) and value of the first byte that does not decode, or the
    file's length and ``None`` when it ends inside a character."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with _open_binary(source) as raw:
        while chunk := raw.read(2**20):
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return offset - pending + error.start, error.object[error.start]
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset, None
    return offset, None


@contextmanager
def read_progress(source: Path, show: bool) -> Iterator[Any]:
    """``source`` itself, or, for a large file when ``show``, a binary handle on it that moves
    a tqdm bar by the (compressed) bytes pandas reads."""
    size = source.stat().st_size
    if not show or size < PROGRESS_BYTES:
        yield source
        return
    from tqdm import tqdm

    bar = tqdm(
        total=size, desc=f"reading {source.name}", unit="B", unit_scale=True,
        unit_divisor=1024, leave=False, mininterval=PROGRESS_SECONDS,
    )  # fmt: skip
    with bar, open(source, "rb", buffering=0) as raw:
        yield io.BufferedReader(_Counted(raw, bar.update))


class _Counted(io.RawIOBase):
    """A raw file that reports each read's size: every path pandas reads by (``read`` with
    its C parser, ``read1`` under a text decoder, a decompressor's reads) ends here."""

    def __init__(self, raw: Any, update: Any) -> None:
        self._raw, self._update = raw, update

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = int(self._raw.readinto(buffer) or 0)
        self._update(n)
        return n


def _decode_sample(data: bytes, encoding: str, final: bool) -> str:
    """The sample as text (``UnicodeDecodeError`` when it is not ``encoding``)."""
    decoder = codecs.getincrementaldecoder(_with_bom(encoding))()
    return str(decoder.decode(data, final=final))


def _with_bom(encoding: str) -> str:
    """UTF-8 files written by Excel start with a byte-order mark: not part of the header."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


@contextmanager
def _open_binary(source: Path) -> Iterator[IO[bytes]]:
    """The decompressed bytes of ``source`` (compression inferred from its name, as pandas)."""
    from pandas.io.common import get_handle

    handles = get_handle(source, "rb", compression="infer", is_text=False)
    try:
        yield handles.handle
    finally:
        handles.close()
