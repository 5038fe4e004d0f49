"""Real data for examples and benchmarks: IDX files (MNIST, Fashion-MNIST) and scikit-learn's sets.

Nothing here downloads: every loader reads files you already have.

- MNIST: the four ``*-idx?-ubyte.gz`` files published by Y. LeCun, C. Cortes and C. J. C. Burges
  (``yann.lecun.com/exdb/mnist/``; MD5s as listed in torchvision's ``MNIST.resources``).
- Fashion-MNIST: the same four file names, from ``github.com/zalandoresearch/fashion-mnist``
  (``data/fashion/``, MIT licence, Zalando SE), or Debian's ``dataset-fashion-mnist`` package.
- scikit-learn's bundled sets (digits, iris, wine, breast cancer, diabetes) ship inside its wheel.

The IDX format (big-endian): two zero bytes, a dtype byte, a byte ``ndim``, then ``ndim``
unsigned 32-bit sizes, then ``prod(sizes)`` items of that dtype, and nothing else.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "IDX_DTYPES",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_fashion_mnist",
    "load_idx",
    "load_iris",
    "load_mnist",
    "load_wine",
]

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
"""The IDX dtype byte (third byte of the file) and the NumPy type it names."""

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file, gzip-compressed (``.gz``) or raw, checking its header against its size.

    Parameters
    ----------
    path : str or path-like
        The file. Compression is detected from its first two bytes, not from its name.

    Returns
    -------
    ndarray, shape ``sizes`` from the header
        In the file's dtype, converted to native byte order (uint8 for MNIST).

    Raises
    ------
    ValueError
        If the file is not IDX (magic), names an unknown dtype, or its length differs from
        ``4 + 4 * ndim + prod(sizes) * itemsize`` (truncated or with trailing bytes), or the
        gzip stream itself is corrupt.
    FileNotFoundError
        If ``path`` does not exist.
    """
    data = _read_bytes(Path(path))
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: expected two zero bytes then a dtype byte, "
            f"got {data[:4]!r}"
        )
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX dtype byte 0x{code:02X}, expected one of {known}")
    dtype = IDX_DTYPES[code]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: header promises {ndim} dimensions but the file ends first")
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{path}: header says shape {shape} of {dtype.name} ({expected} bytes in all), "
            f"but the file has {len(data)} bytes; it is truncated or corrupt"
        )
    array = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def _read_bytes(path: Path) -> bytes:
    """The file's contents, gunzipped when it starts with the gzip magic ``1f 8b``."""
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError; truncation
        # an EOFError; a damaged deflate block a zlib.error
        raise ValueError(f"{path}: corrupt gzip stream ({error})") from error


def load_mnist(
    directory: str | os.PathLike[str], scale: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load MNIST from ``directory`` holding the four original files (``.gz`` or uncompressed).

    The files are ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally ending ``.gz``,
    as published at ``yann.lecun.com/exdb/mnist/`` (mirrored by torchvision and Keras).

    Parameters
    ----------
    directory : str or path-like
    scale : bool, default False
        False: pixels as uint8 in 0..255. True: float32 ``pixels / 255`` in [0, 1].

    Returns
    -------
    X_train : ndarray, shape (60000, 784)
    y_train : ndarray of uint8, shape (60000,), values 0..9
    X_test : ndarray, shape (10000, 784)
    y_test : ndarray of uint8, shape (10000,)
    """
    return _load_idx_set(directory, scale, "MNIST")


def load_fashion_mnist(
    directory: str | os.PathLike[str], scale: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load Fashion-MNIST: same file names, shapes and ``scale`` as :func:`load_mnist`.

    The files come from ``github.com/zalandoresearch/fashion-mnist`` (``data/fashion/``).
    Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot.
    """
    return _load_idx_set(directory, scale, "Fashion-MNIST")


def _load_idx_set(
    directory: str | os.PathLike[str], scale: bool, name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read the four MNIST-layout files and check that images and labels agree."""
    if not isinstance(scale, bool):
        raise TypeError(f"scale must be True or False, got {scale!r}")
    folder = Path(directory)
    if not folder.is_dir():
        raise ValueError(f"directory must be a folder holding the {name} files, got {folder}")
    arrays = [load_idx(_find(folder, stem, name)) for stem in MNIST_FILES]
    images, labels = arrays[0::2], arrays[1::2]
    for stem, x, y in zip(MNIST_FILES[0::2], images, labels, strict=True):
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"{folder / stem}: expected images (n, rows, cols) and labels (n,), "
                f"got {x.shape} and {y.shape}"
            )
    X_train, X_test = (_flatten(x, scale) for x in images)
    return X_train, labels[0], X_test, labels[1]


def _find(folder: Path, stem: str, name: str) -> Path:
    """``folder/stem.gz`` or ``folder/stem``, whichever exists."""
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} file {stem}[.gz] not found in {folder}")


def _flatten(images: np.ndarray, scale: bool) -> np.ndarray:
    """(n, rows, cols) -> (n, rows * cols); scaled to float32 in [0, 1] when asked."""
    x = images.reshape(images.shape[0], int(np.prod(images.shape[1:])))  # -1 fails for n = 0
    return (x / np.float32(255.0)).astype(np.float32) if scale else x


# --------------------------------------------------------- scikit-learn's bundled datasets
def _sklearn(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets  # optional dependency: only these wrappers need it

    bunch: Any = getattr(datasets, f"load_{name}")()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (UCI optdigits): X (1797, 64) floats 0..16, y (1797,) 0..9."""
    return _sklearn("digits")


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's iris: X (150, 4) in cm, y (150,) classes 0..2."""
    return _sklearn("iris")


def load_wine() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's wine: X (178, 13), y (178,) classes 0..2."""
    return _sklearn("wine")


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's breast cancer (Wisconsin): X (569, 30), y (569,) 0 malignant, 1 benign."""
    return _sklearn("breast_cancer")


def load_diabetes() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's diabetes regression: X (442, 10) standardised, y (442,) progression."""
    return _sklearn("diabetes")
