"""Fuzz ``MLPClassifier.load`` / ``MLPRegressor.load`` on mutated estimator model files.

A saved estimator holds more than a network: its params, fitted attributes and training state
in the JSON metadata, and extra tensors (``optimizer/{parameter}/{buffer}``,
``random_state/key``). Each example takes a valid file and mutates its bytes, one value
anywhere in its JSON document (or deletes or adds an entry), or one of its tensors (dropped,
renamed, added, retyped, reshaped, refilled). Allowed outcomes: a loaded estimator whose
``predict`` works, or a ``ValueError`` in one line naming the file. Another exception type, a
warning or a hang fails.
"""

from __future__ import annotations

import json
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import glassnet as gn

from ._strategies import check_outcome
from .conftest import count, fuzz, no_hang

_X = np.random.default_rng(0).normal(size=(16, 3))
SAFETENSORS_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I8": np.int8,
    "U8": np.uint8,
    "U32": np.uint32,
    "U64": np.uint64,
    "BOOL": np.bool_,
}


def _saved(estimator: Any, y: np.ndarray) -> bytes:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: three epochs are enough here
        estimator.fit(_X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.safetensors"
        estimator.save(path)
        return path.read_bytes()


def _valid_files() -> dict[str, tuple[type, bytes]]:
    """One file per kind of training state: Adam + dropout + a RandomState (its key tensor)
    + early stopping + penalties; SGD with momentum buffers; L-BFGS (no state tensors)."""
    small = {"hidden_layer_sizes": (3,), "max_iter": 3}
    classes = np.arange(16) % 3
    return {
        "adam-dropout-randomstate": (
            gn.MLPClassifier,
            _saved(
                gn.MLPClassifier(
                    **small,
                    solver="adam",
                    dropout=0.25,
                    random_state=np.random.RandomState(0),
                    early_stopping=True,
                    alpha=0.01,
                    l1=0.001,
                    class_weight={0: 2.0},
                ),
                classes,
            ),
        ),
        "sgd-regressor": (
            gn.MLPRegressor,
            _saved(gn.MLPRegressor(**small, solver="sgd", random_state=1), _X[:, :2].sum(1)),
        ),
        "lbfgs-strings": (
            gn.MLPClassifier,
            _saved(
                gn.MLPClassifier(**small, solver="lbfgs", random_state=2),
                np.array(["a", "b"])[np.arange(16) % 2],
            ),
        ),
    }


VALID = _valid_files()


def _split(data: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, list[int], bytes]]]:
    """A safetensors file as its ``__metadata__`` and its tensors (dtype, shape, bytes)."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    tensors = {
        name: (
            info["dtype"],
            info["shape"],
            body[info["data_offsets"][0] : info["data_offsets"][1]],
        )
        for name, info in header.items()
        if name != "__metadata__"
    }
    return header["__metadata__"], tensors


def _join(metadata: Any, tensors: dict[str, tuple[str, list[int], bytes]]) -> bytes:
    header: dict[str, Any] = {"__metadata__": metadata}
    body, start = b"", 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [start, start + len(raw)]}
        body += raw
        start += len(raw)
    raw_header = json.dumps(header).encode()
    return struct.pack("<Q", len(raw_header)) + raw_header + body


JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**130), 2**130),
        st.integers(-3, 700),
        st.floats(allow_nan=False),
        st.text(max_size=6),
        st.sampled_from(["inf", "-inf", "nan", "1e999", "-1", "0", "3", "Adam", "SGD", "float32"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON document (dict keys and list indices), the root excluded."""
    found: list[tuple] = []
    if isinstance(node, (dict, list)):
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    return found


def _mutate_document(draw: st.DrawFn, document: dict[str, Any]) -> None:
    path = draw(st.sampled_from(_paths(document)))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=6))] = draw(JSON_VALUE)
    elif action == "add":
        parent.append(draw(JSON_VALUE))
    else:
        parent[path[-1]] = draw(JSON_VALUE)


def _mutate_tensors(draw: st.DrawFn, tensors: dict[str, tuple[str, list[int], bytes]]) -> None:
    extra = [name for name in tensors if "/" in name] or list(tensors)
    name = draw(st.sampled_from(extra))
    dtype, shape, raw = tensors[name]
    kind = draw(st.sampled_from(["drop", "rename", "add", "dtype", "shape", "values"]))
    if kind == "drop":
        del tensors[name]
    elif kind == "rename":
        new = draw(
            st.one_of(
                st.text(max_size=8),
                st.sampled_from(["random_state/key", "optimizer/", "optimizer/x/m", "key"]),
                st.sampled_from(sorted(tensors)).map(lambda n: n + "x"),
            )
        )
        tensors[new] = tensors.pop(name)
    elif kind == "add":
        new = draw(st.sampled_from(["optimizer/layers.0.weights/m", "random_state/key"]))
        added = draw(st.sampled_from(["optimizer/layers.0.weights/zz", "random_state/key2", new]))
        tensors[added] = ("F64", [3, 3], bytes(72))
    elif kind == "dtype":  # another type, the bytes resized to stay consistent (or not)
        code = draw(st.sampled_from(sorted(SAFETENSORS_DTYPES)))
        size = int(np.prod(shape)) * np.dtype(SAFETENSORS_DTYPES[code]).itemsize
        tensors[name] = (code, shape, raw[:size].ljust(size, b"\0") if draw(st.booleans()) else raw)
    elif kind == "shape":
        new_shape = draw(st.lists(st.integers(0, 700), max_size=3))
        size = int(np.prod(new_shape)) * np.dtype(SAFETENSORS_DTYPES.get(dtype, np.uint8)).itemsize
        tensors[name] = (dtype, new_shape, bytes(size) if draw(st.booleans()) else raw)
    else:  # the same shape and type, other values: zeros, 0xFF, NaN/inf, random bytes
        fill = draw(st.sampled_from(["zeros", "ones", "nan", "random"]))
        n = len(raw)
        if fill == "random":
            new_raw = bytes(draw(st.binary(min_size=min(n, 64), max_size=min(n, 64)))).ljust(
                n, b"\0"
            )
        elif fill == "nan" and dtype == "F64":
            new_raw = np.full(n // 8, draw(st.sampled_from([np.nan, np.inf, 1e308]))).tobytes()
        else:
            new_raw = (b"\xff" if fill == "ones" else b"\0") * n
        tensors[name] = (dtype, shape, new_raw)


@st.composite
def mutated_estimator_files(draw: st.DrawFn) -> tuple[type, bytes]:
    cls, data = VALID[draw(st.sampled_from(sorted(VALID)))]
    kind = draw(st.sampled_from(["bytes", "json", "json", "json", "tensors", "tensors"]))
    if kind == "bytes":
        mutated = bytearray(data)
        how = draw(st.sampled_from(["flip", "cut", "insert"]))
        if how == "flip":
            for _ in range(draw(st.integers(1, 4))):
                mutated[draw(st.integers(0, len(mutated) - 1))] = draw(st.integers(0, 255))
        elif how == "cut":
            mutated = mutated[: draw(st.integers(0, len(mutated)))]
        else:
            at = draw(st.integers(0, len(mutated)))
            mutated[at:at] = draw(st.binary(min_size=1, max_size=16))
        return cls, bytes(mutated)
    metadata, tensors = _split(data)
    if kind == "json":
        document = json.loads(metadata["glassnet"])
        _mutate_document(draw, document)
        metadata = {"glassnet": json.dumps(document)}
    else:
        _mutate_tensors(draw, tensors)
    return cls, _join(metadata, tensors)


@fuzz(60)
@given(file=mutated_estimator_files())
def test_load_estimator(file: tuple[type, bytes]) -> None:
    cls, data = file
    count(f"{cls.__name__}.load (mutated estimator files)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.safetensors"
        path.write_bytes(data)
        with no_hang(10):
            estimator = check_outcome(
                lambda: cls.load(path), allowed=(ValueError,), names=[str(path)]
            )
            if estimator is not None:  # a mutation the format cannot see (a weight's bits)
                _check_predict(estimator)


def _check_predict(estimator: Any) -> None:
    """``predict`` works; with weights of 1e300 (finite, so a valid file) the engine may say
    that the outputs overflow, as it would for such a network built by hand."""
    X = _X[:4, : estimator.n_features_in_]
    largest = max(float(np.abs(p.value).max()) for p in estimator.network_.parameters())
    if largest < 1e100:
        assert len(estimator.predict(X)) == 4
    elif (
        check_outcome(lambda: estimator.predict(X), allowed=(ValueError,), names=["X"]) is not None
    ):
        assert len(estimator.predict(X)) == 4
