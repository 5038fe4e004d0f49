"""Fuzz the file readers: IDX datasets (``load_idx``, ``load_mnist``) and model files
(``glassnet.io.load_network``), with generated and mutated bytes.

Allowed outcomes: a correct array / network, or the documented errors: ``ValueError`` (and
``FileNotFoundError`` for a missing MNIST file) in one line naming the file. A model file is
never unpickled, and a reader never allocates what a header merely announces.
"""

from __future__ import annotations

import gzip
import json
import struct
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import glassnet as gn
from glassnet.io.datasets import IDX_DTYPES, load_fashion_mnist, load_idx
from glassnet.io.model_files import load_network, save_network

from ._strategies import check_outcome
from .conftest import count, fuzz, no_hang


def idx_bytes() -> st.SearchStrategy[bytes]:
    """IDX files: valid ones, and ones with a wrong magic, dtype, size or length."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        code = draw(st.sampled_from([*IDX_DTYPES, 0x00, 0x0A, 0xFF]))
        shape = draw(st.lists(st.integers(0, 5), min_size=0, max_size=3))
        if draw(st.booleans()):  # a header announcing an enormous array
            shape = [*shape, draw(st.integers(2**20, 2**32 - 1))]
        magic = draw(st.sampled_from([b"\x00\x00", b"\x00\x01", b"PK", b"\x1f\x8b"]))
        header = magic + bytes([code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape)
        itemsize = IDX_DTYPES[code].itemsize if code in IDX_DTYPES else 1
        n = (
            int(np.prod(shape, dtype=np.int64)) * itemsize
            if len(shape) and max(shape) < 2**20
            else 4
        )
        body = draw(st.binary(min_size=n, max_size=n)) if n <= 400 else bytes(n)
        data = header + body
        cut = draw(st.sampled_from(["none", "truncate", "extend"]))
        if cut == "truncate" and data:
            data = data[: draw(st.integers(0, len(data) - 1))]
        elif cut == "extend":
            data += draw(st.binary(min_size=1, max_size=8))
        return data

    raw = build()
    return st.one_of(
        raw,
        raw.map(gzip.compress),
        raw.map(lambda b: gzip.compress(b)[:-5]),
        st.binary(max_size=64),
    )


@fuzz(100)
@given(data=idx_bytes())
def test_load_idx(data: bytes) -> None:
    count("datasets.load_idx")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f-idx3-ubyte"
        path.write_bytes(data)
        with no_hang(10):
            array = check_outcome(lambda: load_idx(path), names=[str(path)])
    if array is not None:
        assert array.dtype.isnative and array.flags.writeable


MNIST = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def _idx(array: np.ndarray) -> bytes:
    sizes = b"".join(struct.pack(">I", s) for s in array.shape)
    return b"\x00\x00\x08" + bytes([array.ndim]) + sizes + array.astype(np.uint8).tobytes()


@fuzz(40)
@given(
    n=st.lists(st.integers(0, 3), min_size=4, max_size=4),
    ndims=st.lists(st.sampled_from([1, 2, 3]), min_size=4, max_size=4),
    missing=st.sets(st.sampled_from(MNIST)),
    gz=st.booleans(),
    scale=st.one_of(st.booleans(), st.just("yes"), st.none(), st.just(1)),
)
def test_load_mnist_folder(n, ndims, missing, gz, scale) -> None:
    count("datasets.load_mnist / load_fashion_mnist")
    with tempfile.TemporaryDirectory() as folder:
        for stem, rows, ndim in zip(MNIST, n, ndims, strict=True):
            if stem in missing:
                continue
            array = np.zeros((rows, 2, 2)[:ndim], dtype=np.uint8)
            data = _idx(array)
            name = stem + (".gz" if gz else "")
            (Path(folder) / name).write_bytes(gzip.compress(data) if gz else data)
        with no_hang(10):
            result = check_outcome(
                lambda: load_fashion_mnist(folder, scale=scale),
                allowed=(ValueError, TypeError, FileNotFoundError),
                names=[folder, "scale"],
            )
    if result is not None:
        X_train, y_train, X_test, y_test = result
        assert X_train.shape[0] == y_train.shape[0] and X_test.shape[0] == y_test.shape[0]


def _valid_model_bytes() -> bytes:
    network = gn.Network(
        [gn.Dense(2, 3, "tanh", rng=0), gn.Dropout(0.25), gn.Dense(3, 2, "softmax", rng=1)],
        loss="categorical_cross_entropy",
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.safetensors"
        save_network(path, network, {"classes": ["a", "b"]})
        return path.read_bytes()


VALID_MODEL = _valid_model_bytes()


@st.composite
def mutated_models(draw: st.DrawFn) -> bytes:
    """The valid model with bytes flipped, cut, inserted, or its header's JSON rewritten."""
    data = bytearray(VALID_MODEL)
    (length,) = struct.unpack("<Q", data[:8])
    kind = draw(st.sampled_from(["flip", "cut", "insert", "header", "length", "junk"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif kind == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == "insert":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=16))
    elif kind == "length":
        data[:8] = struct.pack(
            "<Q", draw(st.sampled_from([0, 1, length - 1, length + 1, 2**63, 2**64 - 1, len(data)]))
        )
    elif kind == "header":
        header = json.loads(data[8 : 8 + length])
        json_value = st.recursive(
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(-9, 2**40),
                st.floats(allow_nan=False),
                st.text(max_size=4),
            ),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=4), inner, max_size=3)
            ),
            max_leaves=6,
        )
        key = draw(st.sampled_from(sorted(header)))
        if key == "__metadata__" and draw(st.booleans()):
            document = json.loads(header[key]["glassnet"])
            path = draw(
                st.sampled_from(
                    [
                        "format",
                        "format_version",
                        "architecture",
                        "metadata",
                        "dtype",
                        "loss",
                        "layers",
                        "layer0",
                        "layer1",
                    ]
                )
            )
            value = draw(json_value)
            architecture = document.setdefault("architecture", {})
            if path in ("format", "format_version", "architecture", "metadata"):
                document[path] = value
            elif path in ("layer0", "layer1"):
                layer = architecture["layers"][int(path[-1])]
                layer[draw(st.sampled_from([*layer, "x"]))] = value
            else:
                architecture[path] = value
            header[key]["glassnet"] = json.dumps(document)
        else:
            header[key] = draw(json_value)
        raw = json.dumps(header).encode()
        data = bytearray(struct.pack("<Q", len(raw)) + raw + bytes(data[8 + length :]))
    else:
        data = bytearray(draw(st.binary(max_size=200)))
    return bytes(data)


@fuzz(150)
@given(data=mutated_models())
def test_load_network(data: bytes) -> None:
    count("io.load_network")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.safetensors"
        path.write_bytes(data)
        with no_hang(10):
            loaded = check_outcome(
                lambda: load_network(path), allowed=(ValueError,), names=[str(path)]
            )
    if loaded is not None:  # a mutation the format cannot see (a weight's bits) still loads
        network, metadata = loaded
        assert isinstance(metadata, dict)
        assert network.predict(np.zeros((1, network.n_inputs))).shape == (1, network.n_outputs)
