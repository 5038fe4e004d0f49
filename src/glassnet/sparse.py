"""Sparse inputs (SciPy's CSR/CSC matrices and arrays) in the engine, without importing SciPy.

The engine recognises a sparse matrix by what it does (duck typing): it has ``tocsr`` and a
``format`` such as ``'csr'`` or ``'csc'``. Only the first :class:`glassnet.Dense` layer sees one:
``x @ W`` of a sparse ``x`` and a dense ``W`` is dense, and so is ``xᵀ @ δ``, so every layer
after it works on dense arrays and the data is never densified. Rows are taken from a CSR
matrix (``x[rows]``), which is why :func:`checked_sparse` converts to CSR.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def is_sparse(x: Any) -> bool:
    """Whether ``x`` is a SciPy sparse matrix or array (anything with ``tocsr`` and a
    ``format``), told apart by duck typing so that the engine need not import SciPy."""
    return hasattr(x, "tocsr") and isinstance(getattr(x, "format", None), str)


def checked_sparse(x: Any, name: str, dtype: np.dtype) -> Any:
    """``x`` as a 2-D CSR matrix of ``dtype`` holding finite numbers, or a clear error.

    Only the stored values are checked and converted: memory stays proportional to the
    non-zeros. A CSR matrix of the right dtype is returned as it is.
    """
    shape = getattr(x, "shape", ())
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D sparse matrix, got shape {shape}")
    if 0 in shape:
        raise ValueError(f"{name} must not be empty, got shape {shape}")
    kind = np.dtype(x.dtype).kind
    if kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got a sparse matrix of {x.dtype}")
    csr = x.tocsr() if x.format != "csr" else x
    if csr.dtype != dtype:
        csr = csr.astype(dtype)
    data = np.asarray(csr.data)
    if not np.isfinite(data).all():
        bad = int(data.size - np.count_nonzero(np.isfinite(data)))
        raise ValueError(
            f"{name} must contain only finite numbers, got {bad} NaN or infinite value(s)"
        )
    return csr


def largest_magnitude(x: Any) -> float:
    """``max |x|`` of a dense or sparse ``x`` (for error messages)."""
    if is_sparse(x):
        data = np.asarray(x.data)
        return float(np.abs(data).max()) if data.size else 0.0
    return float(np.abs(x).max())
