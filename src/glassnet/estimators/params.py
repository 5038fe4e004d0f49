"""Checks of the estimators' parameters, and copying arrays into live parameters."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.sparse import issparse
from sklearn.utils._param_validation import (
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_sample_weight

from ..callbacks import as_callbacks
from ..checks import (
    check_bool,
    check_in_range,
    check_int,
    check_positive,
    describe,
    typed,
)

# scikit-learn's activation names -> the engine's
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
SOLVERS = ("lbfgs", "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta")
# glassnet's parameters beyond scikit-learn's (the classifier adds class_weight)
EXTRAS = ("l1", "dropout", "dtype", "output_activation", "restore_best_weights", "callbacks")


def parameter_constraints(sklearn_class: type, **changes: Any) -> dict[str, Any]:
    """scikit-learn's ``_parameter_constraints`` of ``sklearn_class`` (its own objects, so
    glassnet accepts exactly what the installed scikit-learn accepts), with ``changes``:
    glassnet's wider choices for scikit-learn's parameters, and its extra parameters, which
    are ``"no_validation"`` there and checked by :func:`check_parameters` as before."""
    theirs: dict[str, Any] = getattr(sklearn_class, "_parameter_constraints")  # noqa: B009
    extras = dict.fromkeys(EXTRAS, "no_validation")
    shared = {
        "activation": [*theirs["activation"], list, tuple],
        "solver": [StrOptions(set(SOLVERS))],
    }
    return {**theirs, **shared, **extras, **changes}


def check_parameters(estimator: Any) -> list[int]:
    """Check the parameters; return ``hidden_layer_sizes`` as a list of ints.

    Called by ``fit`` and ``partial_fit``, not ``__init__`` (scikit-learn's convention).
    scikit-learn's parameters are checked against the class's ``_parameter_constraints``
    (scikit-learn's own, see :func:`parameter_constraints`), so a value is refused exactly
    when scikit-learn refuses it, with its ``InvalidParameterError`` (a ``ValueError`` and a
    ``TypeError``); where glassnet has its own wording for the refusal, the error carries it.
    glassnet's extras go through the engine's checks in :mod:`glassnet.checks`.
    """
    _check_as_scikit_learn(estimator)
    sizes = _hidden_layer_sizes(estimator.hidden_layer_sizes)  # scikit-learn: "must be > 0"
    check_in_range(estimator.l1, "l1", 0.0, math.inf)
    check_in_range(estimator.dropout, "dropout", 0.0, 1.0)
    check_bool(estimator.restore_best_weights, "restore_best_weights")
    _check_callbacks(estimator.callbacks, estimator.solver)
    return sizes


def _check_as_scikit_learn(estimator: Any) -> None:
    """Each constrained parameter against scikit-learn's constraint; a refusal is raised in
    glassnet's words when it has a check for that parameter that refuses the value too."""
    name_of_class = type(estimator).__name__
    for name, constraint in estimator._parameter_constraints.items():
        if constraint == "no_validation":
            continue
        value = getattr(estimator, name)
        try:
            validate_parameter_constraints({name: constraint}, {name: value}, name_of_class)
        except InvalidParameterError:
            if name == "loss" and isinstance(value, str):
                _own_wording(name, value, lambda v, n: estimator._loss_name())
            _own_wording(name, value, _OWN_CHECKS.get(name))
            raise


def _own_wording(name: str, value: Any, check: Callable[[Any, str], Any] | None) -> None:
    """Raise glassnet's error for a value scikit-learn refused, if glassnet's ``check`` for
    ``name`` refuses it too; the type stays scikit-learn's ``InvalidParameterError``."""
    if check is None:
        return
    try:
        check(value, name)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(str(error)) from None


def _check_patience(value: Any) -> None:
    """scikit-learn's ``n_iter_no_change``: an integer >= 1, or ``np.inf`` (never stop)."""
    if isinstance(value, numbers.Real) and value == math.inf:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"n_iter_no_change must be an integer or np.inf, got {typed(value)}")
    if value < 1:
        raise ValueError(f"n_iter_no_change must be >= 1 or np.inf, got {describe(value)}")


def _check_choice(choices: tuple[str, ...]) -> Callable[[Any, str], None]:
    def check(value: Any, name: str) -> None:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"{name} must be one of {choices}, got {describe(value)}")

    return check


def _check_activation(value: Any, name: str) -> None:
    """Called once scikit-learn's constraint refused ``value`` (lists are checked at fit)."""
    if not (isinstance(value, str) and value in ACTIVATIONS):
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)} or a list of them (one per "
            f"hidden layer), got {describe(value)}"
        )


_OWN_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "activation": _check_activation,
    "solver": _check_choice(SOLVERS),
    "learning_rate": _check_choice(("constant", "invscaling", "adaptive")),
    "max_iter": check_int,
    "n_iter_no_change": lambda v, n: _check_patience(v),
    "max_fun": check_int,
    "learning_rate_init": check_positive,
    "epsilon": check_positive,
    "alpha": lambda v, n: check_in_range(v, n, 0.0, math.inf),
    "tol": lambda v, n: check_in_range(v, n, 0.0, math.inf),
    "power_t": lambda v, n: check_in_range(v, n, 0.0, math.inf),
    "beta_1": lambda v, n: check_in_range(v, n, 0.0, 1.0),
    "beta_2": lambda v, n: check_in_range(v, n, 0.0, 1.0),
    "validation_fraction": lambda v, n: check_in_range(v, n, 0.0, 1.0),
    "momentum": lambda v, n: check_in_range(v, n, 0.0, 1.0, include_high=True),
    "shuffle": lambda v, n: _check_boolean(v, n),
    "warm_start": lambda v, n: _check_boolean(v, n),
    "nesterovs_momentum": lambda v, n: _check_boolean(v, n),
    "early_stopping": lambda v, n: _check_boolean(v, n),
    "verbose": lambda v, n: _check_verbose(v),
    "hidden_layer_sizes": lambda v, n: _hidden_layer_sizes(v),
}


def _check_callbacks(callbacks: Any, solver: str) -> None:
    """The engine's rule (:func:`~glassnet.callbacks.as_callbacks`) for every solver; with
    lbfgs, which calls no callbacks, a ``UserWarning`` if there are any. Not an error as in
    :func:`glassnet.fit`: ``solver`` is a hyperparameter a search may vary while the
    callbacks stay set, as scikit-learn's MLP leaves its sgd-only parameters unused."""
    if as_callbacks(callbacks) and solver == "lbfgs":
        warnings.warn(
            "callbacks are not called with solver='lbfgs' (SciPy's L-BFGS-B runs to its own "
            "stopping rule); only the epoch-based solvers call them",
            UserWarning,
            stacklevel=5,  # the caller of fit (fit, _fit, check_parameters, here)
        )


def _check_boolean(value: Any, name: str) -> None:
    """scikit-learn's "boolean" rule: a bool or a NumPy bool, nothing else (not 0 or 1, unlike
    the engine's :func:`~glassnet.checks.check_bool`: scikit-learn refuses them, and a
    drop-in must not accept what it refuses)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {typed(value)}")


def _check_verbose(value: Any) -> None:
    """scikit-learn's "verbose" rule: a bool, a NumPy bool or an integer >= 0."""
    if isinstance(value, (bool, np.bool_)):
        return
    if not isinstance(value, numbers.Integral):
        raise TypeError(f"verbose must be True, False or an integer >= 0, got {typed(value)}")
    if value < 0:
        raise ValueError(f"verbose must be True, False or an integer >= 0, got {describe(value)}")


def _hidden_layer_sizes(sizes: Any) -> list[int]:
    """``hidden_layer_sizes`` (an int or a sequence of ints >= 1) as a list of ints."""
    if isinstance(sizes, (str, bytes)) or not (
        isinstance(sizes, numbers.Real) or hasattr(sizes, "__iter__")
    ):
        raise TypeError(
            f"hidden_layer_sizes must be an int or a sequence of ints, got {typed(sizes)}"
        )
    listed = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
    for size in listed:
        whole = (
            isinstance(size, numbers.Real)
            and not isinstance(size, (bool, np.bool_))
            and math.isfinite(float(size))
            and float(size).is_integer()
        )
        if not whole or size < 1:
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {describe(listed)}"
            )
    return [int(size) for size in listed]


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


def real_sample_weight(sample_weight: Any, x: np.ndarray) -> np.ndarray:
    """scikit-learn's check, after refusing complex weights (it would cast them to real with a
    ComplexWarning, dropping the imaginary part)."""
    try:
        kind = np.asarray(sample_weight).dtype.kind
    except (ValueError, TypeError):  # ragged and the like: scikit-learn's check reports it
        kind = "O"
    if kind == "c":
        raise TypeError(f"sample_weight must hold real numbers, got {describe(sample_weight)}")
    weights: np.ndarray = _check_sample_weight(sample_weight, x, dtype=x.dtype)
    return weights


def cast(values: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    """``values`` in the network's dtype; ``ValueError`` if they do not fit (1e39 in float32).
    A sparse matrix stays sparse: only its stored values are cast and checked."""
    if values.dtype == dtype:
        return values
    with np.errstate(over="ignore"):
        cast = values.astype(dtype)
    stored = cast.data if issparse(cast) else cast
    if not np.isfinite(stored).all():
        raise ValueError(
            f"{name} has values beyond the range of {dtype.name} (the network's dtype); "
            "scale them or use dtype=None"
        )
    return cast
