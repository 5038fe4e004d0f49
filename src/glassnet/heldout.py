"""Held-out data and what ``fit`` measures on it: the validation split, class weights, metrics.

NumPy only. The split is stratified for classification (each class keeps its share in both
parts) and shuffled with the run's generator, so a seeded run is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import check_in_range, describe

if TYPE_CHECKING:
    from .network import Network

Metric = Callable[[np.ndarray, np.ndarray], float]
Data = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def is_classifier(network: Network) -> bool:
    """True when the loss is a cross-entropy, so targets are classes."""
    return "CrossEntropy" in type(network.loss_function).__name__


def class_labels(y: np.ndarray) -> np.ndarray:
    """Integer classes of targets ``y`` ``(n_samples, n_outputs)``: the argmax of one-hot rows,
    or ``y >= 0.5`` for a single output."""
    if y.shape[1] == 1:
        return (y[:, 0] >= 0.5).astype(np.intp)
    return np.argmax(y, axis=1)


def class_weight_to_sample_weight(
    class_weight: Any, labels: np.ndarray, n_classes: int
) -> np.ndarray:
    """Per-sample weights from ``class_weight``: a dict ``{class: weight}`` (classes absent
    from it weigh 1) or ``"balanced"``, ``n_samples / (n_classes · count(class))`` as in
    scikit-learn, over the classes present."""
    counts = np.bincount(labels, minlength=n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be a dict or 'balanced', got {class_weight!r}")
        present = counts > 0
        weights = np.ones(n_classes)
        weights[present] = labels.shape[0] / (present.sum() * counts[present])
        return weights[labels]
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict or 'balanced', got {describe(class_weight)}")
    weights = np.ones(n_classes)
    for key, value in class_weight.items():
        if (
            isinstance(key, bool)
            or not isinstance(key, (int, np.integer))
            or not 0 <= key < n_classes
        ):
            raise ValueError(
                f"class_weight has unknown class {describe(key)}; classes are 0 to {n_classes - 1}"
            )
        weights[key] = check_in_range(value, f"class_weight[{key}]", 0.0, np.inf)
    return weights[labels]


def split_indices(
    n_samples: int, fraction: float, labels: np.ndarray | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(train, validation)`` row indices: ``round(fraction · n)`` rows held out, per class
    when ``labels`` are given. ``fraction`` must be in [0, 1): :func:`prepare_datasets`, fit's
    door for its data, checks it."""
    groups = (
        [np.arange(n_samples)]
        if labels is None
        else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    )
    held: list[np.ndarray] = []
    for group in groups:
        shuffled = rng.permutation(group)
        held.append(shuffled[: round(fraction * group.shape[0])])
    validation = np.sort(np.concatenate(held))
    train = np.setdiff1d(np.arange(n_samples), validation, assume_unique=True)
    if validation.size == 0 or train.size == 0:
        raise ValueError(
            f"validation_split={describe(fraction)} of {n_samples} samples leaves "
            f"{train.size} for training and {validation.size} for validation; both must be > 0"
        )
    return train, validation


def accuracy(y_pred: np.ndarray, y: np.ndarray) -> float:
    """Share of samples whose predicted class (argmax, or ``>= 0.5`` for one output) is right."""
    return float(np.mean(class_labels(y_pred) == class_labels(y)))


def mean_squared_error(y_pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((y_pred - y) ** 2))


def mean_absolute_error(y_pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.abs(y_pred - y)))


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error,
    "mean_absolute_error": mean_absolute_error,
}


def resolve_metrics(metrics: Sequence[Any]) -> dict[str, Metric]:
    """``{name: metric}`` from names in :data:`METRICS` or callables ``(y_pred, y) -> float``."""
    if metrics is None:
        metrics = []
    elif isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    elif not isinstance(metrics, (list, tuple)):
        raise TypeError(f"metrics must be a list of names or callables, got {describe(metrics)}")
    resolved: dict[str, Metric] = {}
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"unknown metric {metric!r}; known metrics: {', '.join(METRICS)}")
            resolved[metric] = METRICS[metric]
        elif callable(metric):
            resolved[getattr(metric, "__name__", type(metric).__name__)] = metric
        else:
            raise TypeError(f"metrics must hold names or callables, got {describe(metric)}")
    return resolved


def epoch_logs(
    network: Network,
    loss: float,
    train: Data,
    validation: Data | None,
    metrics: dict[str, Metric],
) -> dict[str, float]:
    """One epoch's logs in :func:`glassnet.fit`: ``loss`` (the epoch's mean batch loss), the
    metrics on the training data, then ``val_loss`` and the metrics on ``validation``."""
    logs = {"loss": loss}
    if metrics:
        y_pred = network.predict(train[0])
        logs.update({name: float(f(y_pred, train[1])) for name, f in metrics.items()})
    if validation is not None:
        xv, yv, wv = validation
        y_pred = network.predict(xv)
        logs["val_loss"] = network.loss(xv, yv, wv)
        logs.update({f"val_{name}": float(f(y_pred, yv)) for name, f in metrics.items()})
    return logs


def prepare_datasets(
    network: Network,
    X: Any,
    Y: Any,
    sample_weight: Any,
    class_weight: Any,
    validation_data: Any,
    validation_split: float,
    rng: np.random.Generator,
) -> tuple[Data, Data | None]:
    """``fit``'s door for its data: validate it, hold out the validation data, and weight the
    classes of the training part (as Keras, the validation loss uses ``sample_weight`` only)."""
    x = network.check_inputs(X)
    y = network.check_targets(Y, x.shape[0])
    train: Data = (x, y, network.check_sample_weight(sample_weight, x.shape[0]))
    validation: Data | None = None
    validation_split = check_in_range(validation_split, "validation_split", 0.0, 1.0)
    if validation_data is not None:
        validation = _check_validation_data(network, validation_data)
    elif validation_split:
        split_labels = class_labels(y) if is_classifier(network) else None
        rows, held = split_indices(x.shape[0], validation_split, split_labels, rng)
        train, validation = _rows(train, rows), _rows(train, held)
    if class_weight is not None:
        train = _weigh_classes(network, train, class_weight)
    return train, validation


def _check_validation_data(network: Network, validation_data: Any) -> Data:
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be (X_val, Y_val) or (X_val, Y_val, sample_weight), "
            f"got {type(validation_data).__name__}"
        )
    xv = network.check_inputs(validation_data[0], "X_val")
    yv = network.check_targets(validation_data[1], xv.shape[0], "Y_val")
    wv = validation_data[2] if len(validation_data) == 3 else None
    return xv, yv, network.check_sample_weight(wv, xv.shape[0])


def _weigh_classes(network: Network, data: Data, class_weight: Any) -> Data:
    if not is_classifier(network):
        raise ValueError("class_weight needs a cross-entropy loss (a classifier)")
    x, y, w = data
    n_classes = max(2, y.shape[1])
    extra = class_weight_to_sample_weight(class_weight, class_labels(y), n_classes)
    extra = extra.astype(x.dtype)
    return x, y, extra if w is None else w * extra


def _rows(data: Data, rows: np.ndarray) -> Data:
    x, y, w = data
    return x[rows], y[rows], None if w is None else w[rows]
