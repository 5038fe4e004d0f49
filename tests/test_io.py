"""The model file: bit-exact round trip, and every damaged or foreign file refused in one line."""

from __future__ import annotations

import json
import os
import pickle
import stat
import struct
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.io.model_files import load_network, read_model_file, save_network


def _network(dtype: type = np.float64) -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 4, "tanh", rng=0), gn.Dense(4, 2, "softmax", rng=1)],
        loss="categorical_cross_entropy",
        dtype=dtype,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    network = _network(dtype)
    path = tmp_path / "m.safetensors"
    save_network(path, network, {"classes": ["a", "b"], "history": {"loss": [0.5, 0.25]}})
    loaded, metadata = load_network(path)
    assert metadata == {"classes": ["a", "b"], "history": {"loss": [0.5, 0.25]}}
    assert loaded.dtype == np.dtype(dtype)
    for saved, restored in zip(network.get_weights(), loaded.get_weights(), strict=True):
        assert saved.dtype == restored.dtype
        assert np.array_equal(saved, restored)
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(dtype)
    assert np.array_equal(network.predict(x), loaded.predict(x))
    assert type(loaded.loss_function) is gn.CategoricalCrossEntropy
    assert [type(layer.activation) for layer in loaded.layers] == [gn.Tanh, gn.Softmax]


def test_save_network_and_load_network_at_the_package_top(tmp_path):
    network = gn.Network([gn.Dense(2, 1, "sigmoid", rng=3)], loss=gn.Huber(delta=0.5))
    gn.save_network(tmp_path / "n.safetensors", network)
    loaded = gn.load_network(tmp_path / "n.safetensors")[0]
    assert loaded.loss_function.delta == 0.5
    assert np.array_equal(loaded.get_weights()[0], network.get_weights()[0])


def test_extra_tensors_travel_beside_the_network_and_network_loaders_skip_them(tmp_path):
    network, path = _network(np.float32), tmp_path / "m.safetensors"
    extra = {"optimizer/layers.0.weights/m": np.full((3, 4), 0.5, np.float32),
             "random_state/key": np.arange(624, dtype=np.uint32)}  # fmt: skip
    save_network(path, network, {"note": 1}, extra)
    loaded, metadata = load_network(path)
    assert metadata == {"note": 1} and len(loaded.layers) == 2
    for saved, restored in zip(network.get_weights(), loaded.get_weights(), strict=True):
        assert np.array_equal(saved, restored)
    assert isinstance(gn.load_network(path)[0], gn.Network)
    again, metadata, found = read_model_file(path)
    assert np.array_equal(
        again.predict(np.ones((2, 3), np.float32)), network.predict(np.ones((2, 3), np.float32))
    )
    assert sorted(found) == sorted(extra) and metadata == {"note": 1}
    for name, array in extra.items():
        assert found[name].dtype == array.dtype and np.array_equal(found[name], array)
    save_network(tmp_path / "plain.safetensors", network)
    assert read_model_file(tmp_path / "plain.safetensors")[2] == {}


@pytest.mark.parametrize(
    "extra",
    [{"layers.0.weights": np.zeros((3, 4))}, {"m": np.zeros(2)}, {"optimizer/m": [0.0, 1.0]}],
    ids=["a-model-tensor-name", "no-slash", "not-an-array"],
)
def test_extra_tensors_must_be_arrays_named_with_a_slash(tmp_path, extra):
    with pytest.raises(ValueError, match="extra_tensors must map names holding a '/' to arrays"):
        save_network(tmp_path / "m.safetensors", _network(), None, extra)
    assert not list(tmp_path.iterdir())


def test_save_replaces_atomically_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "m.safetensors"
    save_network(path, _network())
    with pytest.raises(TypeError, match="JSON-serializable"):
        save_network(path, _network(), {"bad": object()})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]
    load_network(path)  # the earlier file is intact


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and umask")
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_saved_files_get_the_umasks_permissions_not_owner_only(tmp_path, umask):
    """Model files, predictions, plots and checkpoints are written through a temporary file;
    mkstemp made every one of them 0o600 (unreadable by the group), where open() gives
    0o666 less the umask."""
    from glassnet.io.atomic import atomic_write_bytes
    from glassnet.io.checkpoint import _save_npz

    previous = os.umask(umask)
    try:
        save_network(tmp_path / "m.safetensors", _network())
        atomic_write_bytes(tmp_path / "p.csv", b"a\n1\n")
        _save_npz(tmp_path / "best.npz", [np.zeros(2)])
    finally:
        os.umask(previous)
    for name in ("m.safetensors", "p.csv", "best.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz", "m.safetensors", "p.csv"]


def _tamper_header(path, change):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    change(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + length :])


def _set_shape(header):
    header["layers.0.weights"]["shape"] = [4, 3]


def _set_dtype(header):
    header["layers.0.bias"]["dtype"] = "F32"


def _drop_metadata(header):
    header["__metadata__"] = {}


def _change_architecture(header):
    document = json.loads(header["__metadata__"]["glassnet"])
    document["architecture"]["layers"][0]["n_outputs"] = 5
    header["__metadata__"]["glassnet"] = json.dumps(document)


def _future_version(header):
    document = json.loads(header["__metadata__"]["glassnet"])
    document["format_version"] = 99
    header["__metadata__"]["glassnet"] = json.dumps(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set_shape, "tensor layers.0.weights should be F64"),
        (_set_dtype, "data_offsets that disagree with its shape and dtype"),
        (_drop_metadata, "not a glassnet model"),
        (_change_architecture, "should be F64 \\[3, 5\\]"),
        (_future_version, "version 99"),
    ],
)
def test_tampered_files_are_refused(tmp_path, change, message):
    path = tmp_path / "m.safetensors"
    save_network(path, _network())
    _tamper_header(path, change)
    with pytest.raises(ValueError, match=message) as error:
        load_network(path)
    assert "\n" not in str(error.value)


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    save_network(path, _network())
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated"):
        load_network(path)


def test_pickle_renamed_to_safetensors_is_refused_without_running_it(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="pickle"):
        load_network(path)


@pytest.mark.parametrize("content", [b"", b"abc", b"hello, this is text, not a model" * 3])
def test_foreign_files_are_refused(tmp_path, content):
    path = tmp_path / "m.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a safetensors model file|truncated"):
        load_network(path)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_network(tmp_path / "nope.safetensors")


# ----------------------------------------------------------------- penalties
PENALIZED = [gn.L2(0.01), gn.L1(1e-3), gn.L1L2(2e-3, 3e-3)]


def _penalized(penalties=PENALIZED) -> gn.Network:
    network = _network()
    network.penalties = list(penalties)
    return network


def _architecture(path) -> dict:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    return json.loads(header["__metadata__"]["glassnet"])["architecture"]


def test_penalties_are_saved_and_training_continues_bit_for_bit(tmp_path):
    """A loaded network trains on with the same penalties: one more epoch after the round
    trip gives exactly the never-saved network's weights (a network that lost them does not)."""
    rng = np.random.default_rng(4)
    X, labels = rng.normal(size=(24, 3)), rng.integers(0, 2, size=24)
    Y = np.eye(2)[labels]
    network, path = _penalized(), tmp_path / "m.safetensors"
    gn.save_network(path, network)
    assert _architecture(path)["penalties"] == [
        {"type": "L2", "l2": 0.01},
        {"type": "L1", "l1": 1e-3},
        {"type": "L1L2", "l1": 2e-3, "l2": 3e-3},
    ]
    loaded, stripped = gn.load_network(path)[0], gn.load_network(path)[0]
    assert [repr(p) for p in loaded.penalties] == [repr(p) for p in PENALIZED]
    assert [type(p) for p in loaded.penalties] == [gn.L2, gn.L1, gn.L1L2]
    stripped.penalties = []
    for net in (network, loaded, stripped):
        net.fit(X, Y, optimizer=gn.SGD(0.5, momentum=0.9), epochs=1, batch_size=4, rng=0)
    for a, b, c in zip(network.get_weights(), loaded.get_weights(), stripped.get_weights(),
                       strict=True):  # fmt: skip
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)  # the penalties make a difference here
    assert loaded.loss(X, Y) == network.loss(X, Y)


def test_files_without_penalties_load_with_none(tmp_path):
    path = tmp_path / "m.safetensors"
    save_network(path, _network())
    assert "penalties" not in _architecture(path)  # as every file written before
    assert load_network(path)[0].penalties == []


class _Scaled(gn.L2):
    """A custom penalty: a file cannot hold its code."""


@pytest.mark.parametrize(
    ("penalty", "name"),
    [(_Scaled(0.1), "_Scaled"), (object(), "object"), (gn.MaxNorm(), "MaxNorm")],
)
def test_saving_refuses_a_penalty_a_file_cannot_hold(tmp_path, penalty, name):
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=rf"penalties\[1\] cannot be saved .*\({name}\) is not one"):
        save_network(path, _penalized([gn.L2(0.01), penalty]))
    assert not path.exists()


def _set_penalties(value):
    def change(header):
        document = json.loads(header["__metadata__"]["glassnet"])
        document["architecture"]["penalties"] = value
        header["__metadata__"]["glassnet"] = json.dumps(document)

    return change


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"type": "L2", "l2": 0.1}, "penalties must be a list"),
        ([{"type": "Dropout", "rate": 0.5}], r"penalties\[0\] is not one of L1, L2, L1L2"),
        (["L2"], r"penalties\[0\] is not one of"),
        ([{"type": "L2"}], r"penalties\[0\] \(L2\) must hold exactly \('l2',\)"),
        ([{"type": "L1", "l1": 0.1, "code": "x"}], r"penalties\[0\] \(L1\) must hold exactly"),
        ([{"type": "L2", "l2": -1}], r"penalties\[0\] \(L2\) is malformed: l2 must be > 0"),
        ([{"type": "L1L2", "l1": True, "l2": 0}], "is malformed: l1 must be a real number"),
        ([{"type": "L2", "l2": "0.1"}], "is malformed: l2 must be a real number"),
    ],
)
def test_malformed_penalties_are_refused(tmp_path, value, message):
    path = tmp_path / "m.safetensors"
    save_network(path, _network())
    _tamper_header(path, _set_penalties(value))
    with pytest.raises(ValueError, match=message) as error:
        load_network(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


# ----------------------------------------------------------------- format versions
def _document(path) -> dict:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(json.loads(data[8 : 8 + length])["__metadata__"]["glassnet"])


def _set_version(version):
    def change(header):
        document = json.loads(header["__metadata__"]["glassnet"])
        document["format_version"] = version
        header["__metadata__"]["glassnet"] = json.dumps(document)

    return change


def test_version_2_exactly_when_a_version_1_reader_could_not_read_the_file(tmp_path):
    """A version-1 reader refuses tensors named with a '/' ("tensors do not match the
    architecture") and drops "penalties" silently: such files say 2, plain ones still 1."""
    path, extra = tmp_path / "m.safetensors", {"optimizer/layers.0.weights/m": np.zeros((3, 4))}
    cases = [
        (lambda: save_network(path, _network()), 1),
        (lambda: save_network(path, _penalized(), with_penalties=False), 1),
        (lambda: save_network(path, _penalized()), 2),
        (lambda: save_network(path, _network(), extra_tensors=extra), 2),
    ]
    for save, version in cases:
        save()
        assert _document(path)["format_version"] == version
        load_network(path)  # and this glassnet reads it
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    clf = gn.MLPClassifier((3,), max_iter=2, random_state=0, solver="sgd")
    with warnings.catch_warnings():  # 2 epochs: scikit-learn's ConvergenceWarning
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    clf.save(path)  # its training state is '/' tensors
    assert _document(path)["format_version"] == 2 and read_model_file(path)[2]


@pytest.mark.parametrize("version", [1, 2])
def test_both_versions_load_whatever_they_hold(tmp_path, version):
    """Files written before version 2 existed said 1 with penalties or '/' tensors too."""
    path = tmp_path / "m.safetensors"
    save_network(path, _penalized(), extra_tensors={"a/b": np.ones(2)})
    _tamper_header(path, _set_version(version))
    network, _, extra = read_model_file(path)
    assert [repr(p) for p in network.penalties] == [repr(p) for p in PENALIZED]
    assert list(extra) == ["a/b"]


@pytest.mark.parametrize("version", [3, 0, True, "2", None])
def test_other_versions_are_refused_saying_which_this_glassnet_reads(tmp_path, version):
    path = tmp_path / "m.safetensors"
    save_network(path, _network())
    _tamper_header(path, _set_version(version))
    with pytest.raises(ValueError) as error:
        load_network(path)
    text = str(error.value)
    assert text.startswith(f"{path} has model format version {version!r}; this glassnet reads")
    assert "reads versions 1 and 2" in text and "\n" not in text
    assert ("upgrade glassnet" in text) == (version == 3)
