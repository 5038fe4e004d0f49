"""The network's checks at the door: inputs, targets, sample weights and layer sizes.

Each takes the network and raises ``ValueError``/``TypeError`` naming the argument, what was
expected and what was received; :class:`glassnet.Network` calls them from its public methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .activations import row_sums
from .checks import as_array, as_float_array
from .sparse import checked_sparse, is_sparse

if TYPE_CHECKING:
    from .network import Network


def inputs(network: Network, X: Any, name: str = "X") -> np.ndarray:
    """Validate ``X`` as ``(n_samples, n_inputs)`` finite numbers of the network's dtype.

    A SciPy sparse ``X`` (CSR or CSC, matrix or array) stays sparse: it is returned as CSR
    (:func:`glassnet.sparse.checked_sparse`), which only the first Dense layer sees.
    """
    if is_sparse(X):
        sparse = checked_sparse(X, name, network.dtype)
        if sparse.shape[1] != network.n_inputs:
            raise ValueError(
                f"{name} has {sparse.shape[1]} features per sample; the network expects "
                f"{network.n_inputs}"
            )
        return sparse
    x = as_float_array(X, name, network.dtype, ndim=(1, 2))
    if x.ndim == 1:
        if x.shape[0] != network.n_inputs:
            raise ValueError(
                f"{name} has {x.shape[0]} values; the network expects {network.n_inputs} features "
                "(pass a 2-D array of shape (n_samples, n_features))"
            )
        x = x.reshape(1, -1)
    if x.shape[1] != network.n_inputs:
        raise ValueError(
            f"{name} has {x.shape[1]} features per sample; the network expects {network.n_inputs}"
        )
    return x


def targets(network: Network, Y: Any, n_samples: int, name: str = "Y") -> np.ndarray:
    """Validate ``Y`` as ``(n_samples, n_outputs)``.

    Class labels given as a 1-D array are one-hot encoded when the network has several
    outputs: integer labels for any loss, float labels (``[0., 2., 1.]``) for
    categorical cross-entropy, where they must be whole numbers ``0 .. n_outputs - 1`` (a 1-D
    array of ``n_outputs`` values for one sample stays one row). Binary cross-entropy
    targets must lie in [0, 1].
    """
    raw = as_array(Y, name) if not isinstance(Y, np.ndarray) else Y
    if raw.ndim == 1 and network.n_outputs > 1 and raw.dtype.kind in "iub" and raw.size > 0:
        y = _one_hot(raw.astype(np.int64), network.n_outputs, network.dtype, name)  # bools: 0, 1
    elif _float_labels(network, raw, n_samples):
        y = _one_hot(
            _whole_labels(raw, network.n_outputs, name), network.n_outputs, network.dtype, name
        )
    else:
        y = as_float_array(Y, name, network.dtype, ndim=(1, 2))
        if y.ndim == 1:
            y = y.reshape(-1, 1) if network.n_outputs == 1 else y.reshape(1, -1)
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} samples but X has {n_samples}")
    if y.shape[1] != network.n_outputs:
        raise ValueError(
            f"{name} has {y.shape[1]} outputs per sample; the network has {network.n_outputs}"
        )
    if _loss_name(network) == "binary_cross_entropy":
        _check_probabilities(y, name)
    if _loss_name(network) == "half_poisson_deviance" and (y < 0).any():
        raise ValueError(
            f"{name} must be >= 0 for half_poisson_deviance (counts or rates), got a minimum "
            f"of {y.min():g}"
        )
    if network.uses_logits and type(network.output_layer.activation).__name__ == "Softmax":
        sums = row_sums(y)
        if not np.allclose(sums, 1.0, atol=1e-3 if network.dtype == np.float32 else 1e-6):
            raise ValueError(
                f"{name} rows must be one-hot or probabilities summing to 1 for "
                f"categorical_cross_entropy; got row sums from {sums.min():g} to {sums.max():g}"
            )
    return y


def sample_weight(network: Network, sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """Validate ``sample_weight`` as ``(n_samples,)`` non-negative weights, not all zero."""
    if sample_weight is None:
        return None
    w = as_float_array(sample_weight, "sample_weight", network.dtype, ndim=1)
    if w.shape[0] != n_samples:
        raise ValueError(f"sample_weight has {w.shape[0]} entries but X has {n_samples} samples")
    if (w < 0).any() or not w.sum() > 0:
        raise ValueError("sample_weight must be >= 0 with a positive sum")
    return w


def layer_sizes(layers: list[Any]) -> None:
    """Each layer's ``n_inputs`` equals the previous layer's ``n_outputs``; one Dense layer at
    least."""
    previous = None
    for index, layer in enumerate(layers):
        n_inputs = getattr(layer, "n_inputs", None)
        if previous is not None and n_inputs is not None and n_inputs != previous:
            raise ValueError(
                f"layers[{index}] expects {n_inputs} inputs but layers[{index - 1}] produces "
                f"{previous} outputs"
            )
        previous = getattr(layer, "n_outputs", previous)
    if not any(hasattr(layer, "n_outputs") for layer in layers):
        raise ValueError("layers must include at least one Dense layer")


def _loss_name(network: Network) -> str:
    return str(getattr(network.loss_function, "name", ""))


def _float_labels(network: Network, raw: np.ndarray, n_samples: int) -> bool:
    """Whether a 1-D float ``Y`` is class labels: several outputs with categorical
    cross-entropy, and not one sample's row of ``n_outputs`` values."""
    return (
        raw.ndim == 1
        and raw.dtype.kind == "f"
        and raw.size > 0
        and network.n_outputs > 1
        and _loss_name(network) == "categorical_cross_entropy"
        and not (n_samples == 1 and raw.size == network.n_outputs)
    )


def _whole_labels(raw: np.ndarray, n_classes: int, name: str) -> np.ndarray:
    whole = np.isfinite(raw) & (np.mod(raw, 1) == 0)
    if not whole.all():
        raise ValueError(
            f"{name} is 1-D, so it holds class labels for categorical_cross_entropy: integers "
            f"0 to {n_classes - 1} (or pass one-hot rows of shape (n_samples, {n_classes})); got "
            f"{float(raw[~whole][0])!r}"
        )
    return raw.astype(np.int64)


def _check_probabilities(y: np.ndarray, name: str) -> None:
    outside = y[(y < 0) | (y > 1)]
    if outside.size:
        shown = ", ".join(f"{v:g}" for v in np.unique(outside)[:5])
        raise ValueError(
            f"{name} must be in [0, 1] for binary_cross_entropy (labels 0/1 or probabilities); "
            f"got {outside.size} value(s) outside it: {shown}"
        )


def _one_hot(labels: np.ndarray, n_classes: int, dtype: np.dtype, name: str) -> np.ndarray:
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"{name} class labels must be integers in [0, {n_classes}), got values from "
            f"{labels.min()} to {labels.max()}"
        )
    y = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    y[np.arange(labels.shape[0]), labels] = 1.0
    return y
