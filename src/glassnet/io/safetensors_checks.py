"""What every safetensors file glassnet reads must pass before any array is allocated.

Model files (:mod:`glassnet.io`) and Dask checkpoints (:mod:`glassnet.distributed.checkpoint`)
are safetensors files: 8 bytes of little-endian header length, a JSON header, then the raw
bytes of the tensors. Reading one never runs code (no pickle), and this module keeps it from
allocating without bound:

- the header is at most :data:`MAX_HEADER_BYTES` and its JSON at most :data:`MAX_DEPTH` deep
  (Python's JSON reader recurses; a real file is less than 10 levels deep);
- every tensor entry holds exactly ``dtype``, ``shape`` and ``data_offsets``, with integers
  (not ``3.0``, not ``true``, not ``"3"``) that agree with each other, and the tensors tile
  the data exactly as the file's size says, so nothing the header announces is larger than
  the file;
- what loading will allocate (:func:`check_memory`) fits in the machine's memory: a sparse
  file can claim terabytes on disk while holding none.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

MAX_HEADER_BYTES = 64 * 1024 * 1024  # safetensors' own limit is 100 MB; ours is plenty
MAX_DEPTH = 32  # a model file's JSON is < 10 levels deep; Python's reader recurses
ITEM_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "U16": 2, "I16": 2,
              "F16": 2, "BF16": 2, "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8,
              "F64": 8}  # fmt: skip
# a JSON string, escapes included (possessive: no backtracking stack on a long string)
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_CHUNK = 1 << 16
_STEPS = bytes(1 if c in b"[{" else 255 if c in b"]}" else 0 for c in range(256))


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest (brackets inside strings not counted)."""
    skeleton = _STRING.sub("", text).encode("utf-8", "replace").translate(_STEPS)
    steps = np.frombuffer(skeleton, np.int8)  # +1 opens, -1 closes, 0 anything else
    depth = deepest = 0
    for start in range(0, steps.size, _CHUNK):  # in chunks: a few bytes per character at most
        levels = np.cumsum(steps[start : start + _CHUNK], dtype=np.int32) + depth
        deepest, depth = max(deepest, int(levels.max())), int(levels[-1])
    return deepest


def loads(text: str | bytes, what: str) -> Any:
    """``json.loads`` refusing nesting deeper than :data:`MAX_DEPTH` before parsing.

    ``ValueError`` (``what`` is deeper than...) for deep JSON; ``json.JSONDecodeError`` and
    ``UnicodeDecodeError`` (both ``ValueError``) for text that is not JSON.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    depth = json_depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(f"{what} nests {depth} levels deep (at most {MAX_DEPTH} are read)")
    return json.loads(text)


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0  # JSON true is no 1, 3.0 is no 3


def check_entries(header: dict[str, Any], data_bytes: int) -> str | None:
    """Why the tensor entries of a parsed safetensors ``header`` are malformed, or None.

    ``data_bytes`` is the file's size after the header; the tensors must tile it exactly.
    """
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        return "its __metadata__ is not a map of text"
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        problem = _entry_problem(info)
        if problem:
            return f"tensor {describe_name(name)} {problem}"
        spans.append(tuple(info["data_offsets"]))
    position = 0
    for start, end in sorted(spans):
        if start != position:
            return "its tensors overlap or leave gaps"
        position = end
    if position != data_bytes:
        return "it is truncated or has extra bytes"
    return None


def _entry_problem(info: Any) -> str | None:
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        return "must hold exactly dtype, shape and data_offsets"
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in ITEM_BYTES:
        shown = describe_name(dtype) if isinstance(dtype, str) else repr(dtype)[:40]
        return f"has an unknown dtype {shown}"
    if not isinstance(shape, list) or len(shape) > 8 or not all(map(_is_count, shape)):
        return "has a shape that is not a list of non-negative integers"
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_count, offsets)):
        return "has data_offsets that are not two non-negative integers"
    if offsets[1] - offsets[0] != math.prod(shape) * ITEM_BYTES[dtype]:
        return "has data_offsets that disagree with its shape and dtype"
    return None


def describe_name(name: str) -> str:
    """A tensor name read from a file, safe for a one-line message."""
    return name if name.isprintable() and len(name) <= 80 else repr(name[:80])


def read_header(source: Path, start: bytes) -> tuple[int, bytes]:
    """The header length and raw header of ``source``, whose first 8 bytes are ``start``;
    ``(-1, b"")`` when the length is impossible for this file."""
    size = source.stat().st_size
    length = int.from_bytes(start, "little") if len(start) == 8 else -1
    if not 0 < length <= min(MAX_HEADER_BYTES, size - 8):
        return -1, b""
    with source.open("rb") as file:
        file.seek(8)
        return length, file.read(length)


def read_checked_header(source: Path, what: str) -> dict[str, Any]:
    """The JSON header of the safetensors file ``source``, its entries checked
    (:func:`check_entries`); ``ValueError`` naming ``source`` (a ``what``: "model file")."""
    with source.open("rb") as file:
        start = file.read(8)
    length, raw = read_header(source, start)
    if length < 0:
        raise ValueError(f"{source} {_foreign(start, what)}")
    try:
        header = loads(raw, "the header")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{source} {_foreign(start, what)}") from None
    except ValueError as error:  # nested too deeply
        raise ValueError(f"{source}: {error}; not a glassnet {what}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{source} is not a safetensors {what} (bad header)")
    problem = check_entries(header, source.stat().st_size - 8 - length)
    if problem:
        raise ValueError(f"{source} is not an intact {what}: {problem}")
    return header


def _foreign(start: bytes, what: str) -> str:
    """Why a file whose header does not parse was refused (it is never unpickled)."""
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return f"is a pickle, not a safetensors {what} (pickles can run code; not loaded)"
    if start[:2] == b"PK":
        return f"is a zip archive (a PyTorch checkpoint?), not a safetensors {what}"
    return f"is not a safetensors {what}, or is truncated"


def physical_memory() -> int | None:
    """The machine's memory in bytes; None where the system does not say (then unchecked)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(needed: int, cause: str, source: Any) -> None:
    """Refuse, before allocating, what cannot fit in memory: one line naming the cause and
    the size. ``needed`` is an estimate in bytes."""
    problem = memory_problem(needed, cause)
    if problem:
        raise ValueError(f"{source}: {problem}")


def memory_problem(needed: int, cause: str) -> str | None:
    """Why ``needed`` bytes (for ``cause``) cannot be allocated here, or None."""
    memory = physical_memory()
    if memory is not None and needed > memory:
        return (
            f"{cause} would need about {_size(needed)}, more than this machine's memory "
            f"({_size(memory)}); not loaded"
        )
    return None


def _size(n: float) -> str:
    if n < 1024:
        return f"{n:.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} TB"
