"""Checks of the estimators' parameters, and copying arrays into live parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

from .callbacks import Callback

SOLVERS = ("lbfgs", "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta")


def check_parameters(estimator: Any) -> list[int]:
    """Check scikit-learn's parameters; return ``hidden_layer_sizes`` as a list of ints."""
    sizes = estimator.hidden_layer_sizes
    sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
    if any(int(s) != s or s <= 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be positive integers, got {sizes}")
    if estimator.solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {estimator.solver!r}")
    if estimator.learning_rate not in ("constant", "invscaling", "adaptive"):
        raise ValueError(
            "learning_rate must be 'constant', 'invscaling' or 'adaptive', "
            f"got {estimator.learning_rate!r}"
        )
    for name in ("max_iter", "n_iter_no_change", "max_fun"):
        value = getattr(estimator, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    for name in ("learning_rate_init", "epsilon"):
        if not getattr(estimator, name) > 0:
            raise ValueError(f"{name} must be > 0, got {getattr(estimator, name)!r}")
    ranges = {
        "alpha": (lambda v: v >= 0, ">= 0"),
        "tol": (lambda v: v >= 0, ">= 0"),
        "power_t": (lambda v: v >= 0, ">= 0"),
        "momentum": (lambda v: 0 <= v <= 1, "in [0, 1]"),
        "beta_1": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "beta_2": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "l1": (lambda v: v >= 0, ">= 0"),
        "dropout": (lambda v: 0 <= v < 1, "in [0, 1)"),
    }
    for name, (valid, expected) in ranges.items():
        value = getattr(estimator, name)
        if not valid(value):
            raise ValueError(f"{name} must be {expected}, got {value!r}")
    if not isinstance(estimator.restore_best_weights, (bool, np.bool_)):
        raise TypeError(
            f"restore_best_weights must be True or False, got {estimator.restore_best_weights!r}"
        )
    fraction = estimator.validation_fraction
    if not 0 < fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction!r}")
    return [int(s) for s in sizes]


def check_callbacks(callbacks: Any) -> list[Callback]:
    """``callbacks`` as a list: None, or a sequence of :class:`glassnet.callbacks.Callback`."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, (list, tuple)) or not all(
        isinstance(c, Callback) for c in callbacks
    ):
        raise TypeError(
            f"callbacks must be None or a list of glassnet.callbacks.Callback, got {callbacks!r}"
        )
    return list(callbacks)


def classifier_output_activation(choice: Any, y_type: str) -> str:
    """The classifier's ``out_activation_``: scikit-learn's choice (softmax for a multiclass
    target, else logistic) when ``choice`` is None, else the checked override."""
    multiclass = y_type == "multiclass"
    choice = {"sigmoid": "logistic"}.get(choice, choice)
    if choice is None:
        return "softmax" if multiclass else "logistic"
    if choice not in ("logistic", "softmax"):
        raise ValueError(
            "output_activation must be None, 'logistic' or 'softmax' for a classifier, "
            f"got {choice!r}"
        )
    if choice == "softmax" and not multiclass:
        raise ValueError(
            "output_activation='softmax' needs a multiclass target (3 or more classes), "
            f"got a {y_type} target; use 'logistic'"
        )
    return str(choice)


def class_weight_by_index(class_weight: Any, classes: np.ndarray) -> Any:
    """A ``{label: weight}`` dict re-keyed by each label's index in ``classes`` (the engine's
    helper counts classes from 0); 'balanced' and anything else pass through to it."""
    if not isinstance(class_weight, dict):
        return class_weight
    by_index = {}
    for label, weight in class_weight.items():
        matches = np.flatnonzero(classes == label)
        if matches.size != 1:
            raise ValueError(
                f"class_weight has label {label!r}, which is not among the classes {list(classes)}"
            )
        by_index[int(matches[0])] = weight
    return by_index


def copy_into(parameters: list[Any], values: list[Any], name: str) -> None:
    if len(values) != len(parameters):
        raise ValueError(f"{name} must be a list of {len(parameters)} arrays, got {len(values)}")
    for parameter, value in zip(parameters, values, strict=True):
        array = np.asarray(value, dtype=parameter.dtype)
        if array.shape != parameter.shape:
            raise ValueError(f"{name} entry must have shape {parameter.shape}, got {array.shape}")
        np.copyto(parameter.value, array)


def unpack(parameters: list[Any], flat: np.ndarray) -> None:
    start = 0
    for parameter in parameters:
        size = parameter.value.size
        parameter.value[...] = flat[start : start + size].reshape(parameter.shape)
        start += size
