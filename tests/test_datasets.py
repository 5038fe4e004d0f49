"""The loaders: IDX header checks on hand-made files, then the real shared MNIST files."""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from glassnet.io import datasets

from .conftest import require_datasets


def write_idx(path: Path, array: np.ndarray, code: int, compress: bool = False) -> Path:
    """An IDX file written by hand from the format's definition (big-endian)."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    body = array.astype(datasets.IDX_DTYPES[code]).tobytes()
    data = header + body
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    ("code", "dtype"), [(0x08, np.uint8), (0x0B, np.int16), (0x0D, np.float32)]
)
def test_load_idx_round_trips(tmp_path, compress, code, dtype):
    array = (np.arange(24).reshape(2, 3, 4) * 3 - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "a.idx", array, code, compress)
    loaded = datasets.load_idx(path)
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_load_idx_reads_big_endian_values(tmp_path):
    path = write_idx(tmp_path / "a.idx", np.array([1, 256, -2], dtype=np.int32), 0x0C)
    assert datasets.load_idx(path).tolist() == [1, 256, -2]


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b"\x01" + b[1:], "not an IDX file"),
        (lambda b: b[:2] + b"\x07" + b[3:], "unknown IDX dtype byte 0x07"),
        (lambda b: b[:-1], "truncated or corrupt"),
        (lambda b: b + b"\x00", "truncated or corrupt"),
        (lambda b: b[:13], "truncated or corrupt"),
        (lambda b: b[:2], "not an IDX file"),
        (lambda b: b[:3] + b"\x09", "ends first"),
    ],
)
def test_load_idx_rejects_corrupt_headers(tmp_path, mangle, message):
    good = write_idx(tmp_path / "good", np.zeros((2, 3), np.uint8), 0x08).read_bytes()
    bad = tmp_path / "bad"
    bad.write_bytes(mangle(good))
    with pytest.raises(ValueError, match=message):
        datasets.load_idx(bad)


def test_load_idx_rejects_a_truncated_gzip(tmp_path):
    path = write_idx(tmp_path / "a.gz", np.zeros((50, 50), np.uint8), 0x08, compress=True)
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(ValueError, match="corrupt gzip"):
        datasets.load_idx(path)


def test_load_mnist_layout_from_raw_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 5, dtype=np.uint8)
    for stem in datasets.MNIST_FILES:
        array = images if "images" in stem else labels
        write_idx(tmp_path / stem, array, 0x08)
    X_train, _, X_test, y_test = datasets.load_mnist(tmp_path, scale=True)
    assert X_train.shape == X_test.shape == (5, 784)
    assert X_train.dtype == np.float32
    np.testing.assert_allclose(X_train, images.reshape(5, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_test, labels)


def test_load_mnist_rejects_mismatched_counts(tmp_path):
    for stem in datasets.MNIST_FILES:
        array = np.zeros((4, 2, 2) if "images" in stem else (3,), np.uint8)
        write_idx(tmp_path / stem, array, 0x08)
    with pytest.raises(ValueError, match="expected images"):
        datasets.load_mnist(tmp_path)


def test_load_mnist_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="directory must be a folder"):
        datasets.load_mnist(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.load_mnist(tmp_path)
    with pytest.raises(TypeError, match="scale must be True or False"):
        datasets.load_mnist(tmp_path, scale="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("loader", "folder"),
    [(datasets.load_mnist, "mnist"), (datasets.load_fashion_mnist, "fashion-mnist")],
)
def test_shared_files_load_with_documented_shapes(loader, folder):
    X_train, y_train, X_test, y_test = loader(require_datasets(folder))
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert X_train.max() == 255 and X_train.min() == 0
    if folder == "mnist":
        assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
        assert np.bincount(y_test).tolist() == [
            980,
            1135,
            1032,
            1010,
            982,
            892,
            958,
            1028,
            974,
            1009,
        ]
    else:
        assert np.bincount(y_train).tolist() == [6000] * 10


def test_shared_mnist_scaled_is_float32_in_unit_interval():
    X_train, _, X_test, _ = datasets.load_mnist(require_datasets("mnist"), scale=True)
    assert X_train.dtype == X_test.dtype == np.float32
    assert X_test.min() == 0.0 and X_test.max() == 1.0


def test_a_corrupted_copy_of_a_shared_file_is_rejected(tmp_path):
    source = require_datasets("mnist", "t10k-labels-idx1-ubyte.gz")
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    with gzip.open(source) as src, open(raw, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert datasets.load_idx(raw).shape == (10000,)
    raw.write_bytes(raw.read_bytes()[:-100])
    with pytest.raises(ValueError, match="9900 bytes|10008 bytes"):
        datasets.load_idx(raw)


@pytest.mark.parametrize(
    ("loader", "shape", "n_classes"),
    [
        (datasets.load_digits, (1797, 64), 10),
        (datasets.load_iris, (150, 4), 3),
        (datasets.load_wine, (178, 13), 3),
        (datasets.load_breast_cancer, (569, 30), 2),
    ],
)
def test_sklearn_wrappers(loader, shape, n_classes):
    X, y = loader()
    assert X.shape == shape and X.dtype == np.float64
    assert np.unique(y).tolist() == list(range(n_classes))


def test_diabetes_is_regression():
    X, y = datasets.load_diabetes()
    assert X.shape == (442, 10) and y.shape == (442,)
    assert y.dtype.kind == "f" and len(np.unique(y)) > 100
