"""The Dask checkpoint file (glassnet.distributed.checkpoint), without a cluster: its round
trip, and every kind of file that is not a checkpoint of this run refused with one ValueError
naming the file, before the caller's network changes. tests/test_dask.py resumes real runs."""

from __future__ import annotations

import json
import os
import pickle
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.distributed import checkpoint, driver
from glassnet.io.model_files import save_network

MARKER = Path(os.environ.get("TMPDIR", "/tmp")) / f"glassnet-checkpoint-marker-{os.getpid()}"


class _RunsCode:
    """Unpickling this creates ``MARKER``: the proof that a loader ran a pickle."""

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str, str]]:
        return (os.system, (f"touch {MARKER}",))


def network(hidden: int = 4, dropout: bool = False) -> gn.Network:
    layers = [gn.Dense(3, hidden, "tanh", rng=1), gn.Dense(hidden, 1, "identity", rng=2)]
    if dropout:
        layers.insert(1, gn.Dropout(0.5))
    return gn.Network(layers, loss="mse")


def trained_state(net: gn.Network, optimizer: object, rows: int = 20) -> driver.State:
    """A state two steps and one epoch into training, with a metric in its History."""
    state = driver.start(net, optimizer, 7, None, 5, rows)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(rows, 3)), rng.normal(size=(rows, 1))
    for _ in range(2):
        gn.train_step(net, state.optimizer, x, y)
    state.history.record({"loss": 0.5, "accuracy": 0.25})
    state.history.learning_rate.append(state.optimizer.current_learning_rate)
    state.rng.random(3)  # the run's generator has moved on
    state.epoch = 1
    return state


def saved(tmp_path: Path, net: gn.Network | None = None, optimizer: object = None) -> Path:
    optimizer = optimizer or gn.SGD(0.05, momentum=0.5)
    path = tmp_path / "run.ckpt"
    checkpoint.save(trained_state(net or network(), optimizer), path, 20)
    return path


def test_a_checkpoint_restores_every_part_of_the_state_exactly(tmp_path):
    net = network(dropout=True)
    state = trained_state(net, gn.Adam(gn.schedules.CosineDecay(0.01, decay_steps=50)))
    state.seed = 12345
    path = tmp_path / "run.ckpt"
    checkpoint.save(state, path, 20)
    caller = network(dropout=True)
    resumed = checkpoint.load(path, caller, None, 20)
    resumed.apply(caller)
    for mine, theirs in zip(caller.get_weights(), net.get_weights(), strict=True):
        assert np.array_equal(mine, theirs)
    before = state.optimizer.state_dict(net.parameters())
    after = resumed.optimizer.state_dict(caller.parameters())
    assert after["iterations"] == before["iterations"] == 2
    for a, b in zip(after["buffers"], before["buffers"], strict=True):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert isinstance(resumed.optimizer.learning_rate, gn.schedules.CosineDecay)
    assert resumed.history.loss == [0.5] and resumed.history.metrics == {"accuracy": [0.25]}
    assert resumed.epoch == 1 and resumed.seed == 12345
    assert resumed.rng.random() == state.rng.random()


def test_a_crafted_pickle_is_refused_and_never_run(tmp_path):
    """issue 15: the checkpoint was unpickled, so a crafted file ran code before any check."""
    path = tmp_path / "run.ckpt"
    path.write_bytes(pickle.dumps(_RunsCode()))
    MARKER.unlink(missing_ok=True)
    caller = network()
    before = caller.get_weights()
    with pytest.raises(ValueError, match="is a pickle, not a safetensors checkpoint") as caught:
        driver.start(caller, None, 0, path, 3, 20)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert not MARKER.exists()  # the pickle's code did not run
    assert all(np.array_equal(a, b) for a, b in zip(caller.get_weights(), before, strict=True))


@pytest.mark.parametrize(
    ("caller", "optimizer", "rows", "named"),
    [
        (lambda: network(hidden=5), None, 20, r"architecture.layers\[0\].n_outputs: 4 saved, 5"),
        (lambda: network(dropout=True), None, 20, "architecture.layers: 2 saved, 3 now"),
        (network, gn.Adam(0.05), 20, "optimizer.class: 'SGD' saved, 'Adam' now"),
        (network, gn.SGD(0.05, momentum=0.9), 20, "optimizer.settings.momentum: 0.5 saved"),
        (network, None, 21, "data.n_samples: 20 saved, 21 now"),
    ],
    ids=["units", "layers", "optimizer", "momentum", "rows"],
)  # fmt: skip
def test_a_checkpoint_of_another_run_is_refused_naming_what_differs(
    tmp_path, caller, optimizer, rows, named
):
    """issue 15: a checkpoint of another network silently replaced the caller's network."""
    path = saved(tmp_path)
    net = caller()
    before = net.get_weights()
    with pytest.raises(ValueError, match=named) as caught:
        driver.start(net, optimizer, 0, path, 3, rows)
    assert str(caught.value).startswith(f"checkpoint {path}: saved by another run (")
    assert all(np.array_equal(a, b) for a, b in zip(net.get_weights(), before, strict=True))


def test_a_numeric_learning_rate_continues_from_the_checkpoint(tmp_path):
    """A callback (ReduceLROnPlateau) may have lowered it; the resuming call's is not compared."""
    path = saved(tmp_path)
    optimizer = gn.SGD(0.5, momentum=0.5)
    state = driver.start(network(), optimizer, 0, path, 3, 20)
    assert state.optimizer is optimizer and optimizer.learning_rate == 0.05


def _model_file(tmp_path: Path) -> bytes:
    save_network(tmp_path / "m.safetensors", network())
    return (tmp_path / "m.safetensors").read_bytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda tmp: b"", "is not a safetensors checkpoint"),
        (lambda tmp: os.urandom(300), "is not a safetensors checkpoint"),
        (_model_file, "is a glassnet model file, not a glassnet checkpoint"),
        (lambda tmp: saved(tmp).read_bytes()[:-7], "truncated"),
        (lambda tmp: saved(tmp).read_bytes()[:200], "not a safetensors checkpoint|truncated"),
        (lambda tmp: saved(tmp).read_bytes() + b"\0", "extra bytes"),
    ],
    ids=["empty", "random", "model-file", "cut-end", "cut-header", "extended"],
)
def test_a_file_of_another_kind_is_one_value_error_naming_it(tmp_path, content, message):
    data = content(tmp_path)
    path = tmp_path / "other.ckpt"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as caught:
        checkpoint.load(path, network(), None, 20)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    """Rewrite the checkpoint's JSON document (the tensors stay as they are)."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    document = json.loads(header["__metadata__"]["glassnet.dask_checkpoint"])
    change(document)
    header["__metadata__"]["glassnet.dask_checkpoint"] = json.dumps(document)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + length :])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.__setitem__("epoch", 3), "epoch 3 disagrees with its 1 losses"),
        (lambda d: d.__setitem__("rng", {"bit_generator": "os.system"}), "rng is not a NumPy"),
        (lambda d: d["rng"].__setitem__("state", 5), "rng state is malformed"),
        (lambda d: d["optimizer"].__setitem__("class", "eval"), "optimizer is malformed"),
        (lambda d: d["optimizer"].__setitem__("iterations", -1), "iterations"),
        (lambda d: d.pop("history"), "missing entry 'history'"),
        (lambda d: d.__setitem__("dropout_seed", 1.5), "dropout_seed must be null"),
        (lambda d: d.__setitem__("format_version", 2), "checkpoint format version 2"),
        (lambda d: d.__setitem__("deep", json.loads("[" * 100 + "]" * 100)), "101 levels deep"),
    ],
    ids=["epoch", "bit-generator", "rng-state", "optimizer", "iterations", "history", "seed",
         "version", "nesting"],
)  # fmt: skip
def test_an_edited_checkpoint_is_one_value_error_naming_it(tmp_path, change, message):
    path = saved(tmp_path)
    _edit(path, change)
    with pytest.raises(ValueError, match=message) as caught:
        driver.start(network(), None, 0, path, 3, 20)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_what_a_checkpoint_cannot_hold_is_refused_before_training(tmp_path):
    path = tmp_path / "run.ckpt"
    with pytest.raises(TypeError, match="learning rate, never code"):
        driver.start(network(), gn.SGD(lambda step: 0.1), 0, path, 3, 20)
    assert not path.exists()


def test_a_folder_at_the_checkpoint_path_is_named_as_a_folder(tmp_path):
    folder = tmp_path / "run.ckpt"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"checkpoint '.*run.ckpt' is a directory"):
        driver.start(network(), None, 0, folder, 3, 20)


def test_a_checkpoint_given_as_a_model_file_is_named_as_a_checkpoint(tmp_path):
    from glassnet.io.model_files import load_network

    path = saved(tmp_path)
    with pytest.raises(ValueError, match="is a glassnet Dask checkpoint, not a glassnet model"):
        load_network(path)


def test_a_checkpoint_path_that_cannot_be_written_is_refused_before_training(tmp_path):
    """issue 16: the checkpoint goes through check_outputs; a missing folder was found only when
    the first checkpoint was written, an epoch into training."""
    net = network()
    missing = tmp_path / "no-such-folder" / "run.ckpt"
    with pytest.raises(ValueError, match=r"^checkpoint .*run.ckpt: its folder .* does not exist"):
        driver.start(net, None, 0, missing, 3, 20)
    assert not hasattr(net, "optimizer")  # refused before the network was touched
    assert not missing.parent.exists()


class _Ends(gn.callbacks.Callback):
    def __init__(self) -> None:
        self.ended = 0

    def on_train_end(self, state: object) -> None:
        self.ended += 1


def test_a_failed_checkpoint_write_ends_the_loop_before_the_error_is_raised(tmp_path, monkeypatch):
    """driver.train steps THE loop from outside to save between epochs; a save that fails must
    not leave the loop suspended (its on_train_end, e.g. the progress bar's close, pending until
    the traceback is freed). Run here with a local step, no cluster."""
    net = network()
    state = driver.start(net, gn.SGD(0.05), 0, None, 3, 20)
    x, y = np.random.default_rng(1).normal(size=(20, 3)), np.zeros((20, 1))

    def step(rows: np.ndarray) -> float:
        return gn.train_step(net, state.optimizer, x[rows], y[rows])

    def disk_full(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint, "save", disk_full)
    ends = _Ends()
    batches = driver.row_batches(20, 5, True, state.rng)
    with pytest.raises(OSError, match="disk full"):
        driver.train(state, step, batches, [ends], epochs=3, checkpoint=tmp_path / "c.ckpt",
                     checkpoint_every=1)  # fmt: skip
    assert ends.ended == 1
    assert state.epoch == 1 and len(state.history.loss) == 1
