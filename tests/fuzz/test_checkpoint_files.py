"""Fuzz the Dask checkpoint reader (glassnet.distributed.checkpoint) without a cluster.

Each example takes a real checkpoint (Adam with a schedule, a Dropout layer, a History with a
metric) and changes one value anywhere in its JSON document (another type, deleted, an entry
added), or drops, renames or retypes one of its tensors. Allowed outcomes: the checkpoint
resumes (``driver.start`` returns a state whose network was given the saved values), or one
``ValueError`` line naming the file; the caller's network is unchanged unless it resumed.
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
from glassnet.distributed import checkpoint, driver

from ._strategies import check_outcome
from .conftest import count, fuzz, no_hang
from .test_model_metadata import WRONG_VALUES, _paths

KEY = "glassnet.dask_checkpoint"


def _network() -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 4, "tanh", rng=1), gn.Dropout(0.2), gn.Dense(4, 1, "identity", rng=2)],
        loss="mse",
    )


def _valid() -> bytes:
    network = _network()
    optimizer = gn.Adam(gn.schedules.StepDecay(0.01, step_size=2))
    state = driver.start(network, optimizer, 3, None, 4, 10)
    x, y = np.ones((10, 3)), np.zeros((10, 1))
    gn.train_step(network, state.optimizer, x, y)
    state.history.record({"loss": 0.25, "accuracy": 0.5})
    state.history.learning_rate.append(0.01)
    state.epoch = 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.ckpt"
        checkpoint.save(state, path, 10)
        return path.read_bytes()


VALID = _valid()


def _split(data: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    return json.loads(header["__metadata__"][KEY]), header, data[8 + length :]


@st.composite
def mutated_checkpoints(draw: st.DrawFn) -> bytes:
    document, header, body = _split(VALID)
    if draw(st.booleans()):
        path = draw(st.sampled_from(_paths(document)))
        parent: Any = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=5))] = draw(WRONG_VALUES)
        elif action == "add":
            parent.append(draw(WRONG_VALUES))
        else:
            parent[path[-1]] = draw(WRONG_VALUES)
    else:  # a tensor renamed, or its dtype changed (same bytes: the sizes may disagree)
        name = draw(st.sampled_from(sorted(k for k in header if k != "__metadata__")))
        if draw(st.booleans()):
            header[draw(st.sampled_from(["history/x", "optimizer/zz", name + "x"]))] = header.pop(
                name
            )
        else:
            header[name]["dtype"] = draw(st.sampled_from(["F32", "I64", "U8", "F64"]))
    header["__metadata__"][KEY] = json.dumps(document)
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


@fuzz(60)
@given(data=mutated_checkpoints(), rows=st.sampled_from([10, 10, 11]))
def test_a_mutated_checkpoint_resumes_or_is_one_value_error_naming_it(data, rows):
    count("dask checkpoint")
    network = _network()
    before = network.get_weights()
    with tempfile.TemporaryDirectory() as folder, no_hang(20):
        path = Path(folder) / "c.ckpt"
        path.write_bytes(data)
        state = check_outcome(
            lambda: driver.start(network, None, 0, path, 4, rows), allowed=(ValueError,),
            names=[str(path)],
        )  # fmt: skip
    if state is None:
        assert all(np.array_equal(a, b) for a, b in zip(network.get_weights(), before, strict=True))
    else:
        assert state.network is network and state.epoch == len(state.history.loss)
