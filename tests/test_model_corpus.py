"""A corpus of broken model files, generated here, each refused by ``load_network`` with one
``ValueError`` line naming the file, without running code and without allocating what a
header merely announces.

``tests/test_io.py`` covers the round trip and a few tampered headers; this file is the
systematic corpus (``CORPUS`` below: every 1/16 truncation, overflowing length fields, dtype
and shape disagreements, non-JSON metadata, extra and missing tensors, pickles that would run
code, zips, an empty file, multi-GB announcements). ``docs/reliability.md`` quotes its size.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.io.model_files import load_network, save_network

MARKER = Path(os.environ.get("TMPDIR", "/tmp")) / f"glassnet-corpus-marker-{os.getpid()}"


class _RunsCode:
    """Unpickling this creates ``MARKER``: the proof that a loader ran a pickle."""

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str, str]]:
        return (os.system, (f"touch {MARKER}",))


def _valid() -> bytes:
    network = gn.Network(
        [gn.Dense(3, 4, "tanh", rng=0), gn.Dropout(0.5), gn.Dense(4, 2, "softmax", rng=1)],
        loss="categorical_cross_entropy",
    )
    buffer = Path(os.environ.get("TMPDIR", "/tmp")) / f"glassnet-corpus-{os.getpid()}.st"
    save_network(buffer, network, {"classes": ["a", "b"]})
    data = buffer.read_bytes()
    buffer.unlink()
    return data


VALID = _valid()
(HEADER_LENGTH,) = struct.unpack("<Q", VALID[:8])
HEADER = json.loads(VALID[8 : 8 + HEADER_LENGTH])
BODY = VALID[8 + HEADER_LENGTH :]


def _with_header(header: dict, body: bytes = BODY) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


def _edit(change: Callable[[dict], None], body: bytes = BODY) -> bytes:
    header = json.loads(json.dumps(HEADER))
    change(header)
    return _with_header(header, body)


def _edit_document(change: Callable[[dict], None]) -> bytes:
    def edit(header: dict) -> None:
        document = json.loads(header["__metadata__"]["glassnet"])
        change(document)
        header["__metadata__"]["glassnet"] = json.dumps(document)

    return _edit(edit)


def _announce_huge(header: dict) -> None:
    """The architecture and the tensor agree on a 100000 x 100000 float64 weight (80 GB)."""
    document = json.loads(header["__metadata__"]["glassnet"])
    document["architecture"]["layers"][0]["n_outputs"] = 100_000
    document["architecture"]["layers"][0]["n_inputs"] = 100_000
    header["__metadata__"]["glassnet"] = json.dumps(document)
    header["layers.0.weights"] = {
        "dtype": "F64",
        "shape": [100_000, 100_000],
        "data_offsets": [0, 8 * 10**10],
    }


def _deep_header(depth: int) -> bytes:
    """A valid file whose header also holds a list nested ``depth`` deep: Python's JSON reader
    recurses, so parsing it would end in RecursionError, not a ValueError."""
    raw = json.dumps(HEADER).encode()[:-1] + b', "x": ' + b"[" * depth + b"]" * depth + b"}"
    return struct.pack("<Q", len(raw)) + raw + BODY


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _set(key: str, field: str, value: object) -> Callable[[dict], None]:
    return lambda header: header[key].__setitem__(field, value)


PICKLE = pickle.dumps({"weights": _RunsCode()}, protocol=2)
CORPUS: dict[str, bytes] = {
    **{f"truncated-{k}-of-16": VALID[: len(VALID) * k // 16] for k in range(16)},
    "truncated-by-one-byte": VALID[:-1],
    "one-extra-byte": VALID + b"\x00",
    "empty": b"",
    "length-field-2**64-1": struct.pack("<Q", 2**64 - 1) + VALID[8:],
    "length-field-2**63": struct.pack("<Q", 2**63) + VALID[8:],
    "length-field-beyond-the-file": struct.pack("<Q", len(VALID)) + VALID[8:],
    "length-field-one-short": struct.pack("<Q", HEADER_LENGTH - 1) + VALID[8:],
    "length-field-zero": struct.pack("<Q", 0) + VALID[8:],
    "dtype-F32-in-header-F64-in-metadata": _edit(_set("layers.0.weights", "dtype", "F32")),
    "dtype-I64": _edit(_set("layers.0.bias", "dtype", "I64")),
    "dtype-unknown": _edit(_set("layers.0.bias", "dtype", "Q99")),
    "shape-transposed": _edit(_set("layers.0.weights", "shape", [4, 3])),
    "shape-vs-offsets": _edit(_set("layers.0.weights", "shape", [3, 5])),
    "offsets-overlapping": _edit(_set("layers.0.weights", "data_offsets", [0, 96])),
    "offsets-negative": _edit(_set("layers.0.bias", "data_offsets", [-8, 24])),
    "offsets-huge": _edit(_set("layers.2.weights", "data_offsets", [0, 2**62])),
    "architecture-sizes-disagree": _edit_document(
        lambda d: d["architecture"]["layers"][2].__setitem__("n_outputs", 3)
    ),
    "architecture-dtype-float16": _edit_document(
        lambda d: d["architecture"].__setitem__("dtype", "float16")
    ),
    "architecture-unknown-activation": _edit_document(
        lambda d: d["architecture"]["layers"][0].__setitem__("activation", "os.system")
    ),
    "architecture-unknown-loss": _edit_document(
        lambda d: d["architecture"]["loss"].__setitem__("name", "__import__")
    ),
    "architecture-dropout-rate-2": _edit_document(
        lambda d: d["architecture"]["layers"][1].__setitem__("rate", 2.0)
    ),
    "architecture-missing": _edit_document(lambda d: d.pop("architecture")),
    "format-version-3": _edit_document(lambda d: d.__setitem__("format_version", 3)),
    "metadata-not-json": _edit(lambda h: h["__metadata__"].__setitem__("glassnet", "{oops")),
    "metadata-json-but-a-list": _edit(lambda h: h["__metadata__"].__setitem__("glassnet", "[]")),
    "metadata-absent": _edit(lambda h: h.pop("__metadata__")),
    "header-not-json": struct.pack("<Q", 16) + b"{not json at al}" + BODY,
    "header-not-utf8": struct.pack("<Q", 8) + b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8" + BODY,
    "header-a-list": _with_header([]),  # type: ignore[arg-type]
    "tensor-extra": _edit(
        lambda h: h.__setitem__(
            "layers.9.weights", {"dtype": "F64", "shape": [0], "data_offsets": [136, 136]}
        )
    ),
    "tensor-missing": _edit(lambda h: h.pop("layers.2.bias")),
    "tensor-renamed": _edit(lambda h: h.__setitem__("layers.2.b", h.pop("layers.2.bias"))),
    "multi-GB-tensor-announced": _edit(_announce_huge),
    "multi-GB-body-announced-by-offsets": _edit(
        _set("layers.2.weights", "data_offsets", [88, 88 + 5 * 2**30])
    ),
    # issue 15: header numbers that are not integers, and nesting deeper than any real file
    "shape-float-numbers": _edit(_set("layers.0.weights", "shape", [3.0, 4.0])),
    "shape-true-for-one": _edit(_set("layers.0.bias", "shape", [True])),
    "shape-text-numbers": _edit(_set("layers.0.weights", "shape", ["3", "4"])),
    "offsets-float-numbers": _edit(_set("layers.0.weights", "data_offsets", [0.0, 96.0])),
    "offsets-three-numbers": _edit(_set("layers.0.weights", "data_offsets", [0, 96, 96])),
    "tensor-entry-extra-key": _edit(_set("layers.0.bias", "extra", 1)),
    "header-nested-100000-deep": _deep_header(100_000),
    "metadata-nested-100000-deep": _edit(
        lambda h: h["__metadata__"].__setitem__("glassnet", "[" * 100_000 + "]" * 100_000)
    ),
    "metadata-not-text": _edit(lambda h: h["__metadata__"].__setitem__("other", 5)),
    "pickle-that-runs-code": PICKLE,
    "pickle-protocol-5": pickle.dumps({"w": _RunsCode()}, protocol=5),
    "zip-torch-checkpoint-with-pickle": _zip({"archive/data.pkl": PICKLE, "archive/version": b"3"}),
    "zip-holding-a-valid-model": _zip({"model.safetensors": VALID}),
    "numpy-npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
    + b" " * 50
    + b"\n"
    + bytes(24),
    "text": b"hello, this is not a model\n" * 4,
    "all-zero-bytes": bytes(len(VALID)),
    "all-ff-bytes": b"\xff" * len(VALID),
}


def test_the_corpus_starts_from_a_valid_file(tmp_path) -> None:
    path = tmp_path / "valid.safetensors"
    path.write_bytes(VALID)
    network, metadata = load_network(path)
    assert metadata == {"classes": ["a", "b"]} and network.n_inputs == 3
    assert len(CORPUS) >= 50


@pytest.fixture
def no_unpickling(monkeypatch):
    """Any attempt to unpickle fails the test (besides the marker file's evidence)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the loader tried to unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), "a pickle in the corpus ran code"


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_broken_file_is_refused_in_one_line(tmp_path, no_unpickling, name: str) -> None:
    path = tmp_path / f"{name}.safetensors"
    path.write_bytes(CORPUS[name])
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as error:
            load_network(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(error.value)
    assert "\n" not in message and str(path) in message
    assert peak < 4 * len(CORPUS[name]) + 2**20, f"loading allocated {peak} bytes"


def test_the_pickle_would_have_run_code(tmp_path) -> None:
    """The corpus' pickle is live: unpickling it (never done by glassnet) creates the marker."""
    MARKER.unlink(missing_ok=True)
    pickle.loads(PICKLE)
    assert MARKER.exists()
    MARKER.unlink()


def test_the_cli_refuses_the_corpus_in_one_line(tmp_path, capsys) -> None:
    from glassnet.cli.command import main

    for name in (
        "pickle-that-runs-code",
        "zip-torch-checkpoint-with-pickle",
        "empty",
        "multi-GB-tensor-announced",
        "truncated-8-of-16",
    ):
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(CORPUS[name])
        assert main(["info", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("glassnet: error: ")
    assert not MARKER.exists()


def test_a_save_round_trip_of_every_dtype_still_loads(tmp_path) -> None:
    """The corpus' refusals are not over-eager: valid files of both dtypes load."""
    for dtype in (np.float32, np.float64):
        network = gn.Network([gn.Dense(2, 2, rng=0)], dtype=dtype)
        save_network(tmp_path / "m.safetensors", network)
        assert load_network(tmp_path / "m.safetensors")[0].dtype == np.dtype(dtype)


def test_a_file_announcing_more_than_the_memory_is_refused_before_allocating(tmp_path) -> None:
    """issue 15: sizes a file declares are compared with the machine's memory first. A sparse
    file holds a header and tensors tiling it exactly, so only the memory check can refuse it."""
    from glassnet.io.safetensors_checks import physical_memory

    memory = physical_memory()
    if memory is None:
        pytest.skip("this system does not report its memory")
    n = int((memory / 8) ** 0.5) + 1  # an n x n float64 weight alone exceeds the memory
    header = json.loads(json.dumps(HEADER))
    document = json.loads(header["__metadata__"]["glassnet"])
    document["architecture"]["layers"] = [
        {"type": "Dense", "n_inputs": n, "n_outputs": n, "activation": "tanh", "train_bias": True}
    ]
    header = {
        "__metadata__": {"glassnet": json.dumps(document)},
        "layers.0.weights": {"dtype": "F64", "shape": [n, n], "data_offsets": [0, 8 * n * n]},
        "layers.0.bias": {
            "dtype": "F64",
            "shape": [n],
            "data_offsets": [8 * n * n, 8 * n * n + 8 * n],
        },
    }
    raw = json.dumps(header).encode()
    path = tmp_path / "huge.safetensors"
    with path.open("wb") as file:
        file.write(struct.pack("<Q", len(raw)) + raw)
        file.truncate(8 + len(raw) + 8 * n * n + 8 * n)  # sparse: no disk space used
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"more than this machine's memory") as error:
            load_network(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(error.value) and f"{n * n + n} parameters" in str(error.value)
    assert peak < 2**20
