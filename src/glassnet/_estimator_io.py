"""A fitted MLPClassifier / MLPRegressor in a glassnet model file (safetensors, no pickle).

The file is the one :meth:`glassnet.Network.save` writes (:mod:`glassnet.io`): the network's
parameters as tensors, and in its JSON metadata, under ``"estimator"``, the estimator's class,
its parameters (``get_params()``) and its fitted attributes (``classes_``, ``loss_curve_``,
``n_iter_``, ...). ``glassnet.Network.load`` reads such a file too (it gets the network).

It also holds the training state (:mod:`glassnet._estimator_state`: the optimizer's buffers,
step count and learning rate, the stopping count, the random generators), so ``partial_fit``
or a ``warm_start`` fit after loading gives bit for bit what it gives on the estimator that was
saved. A file written before glassnet saved that state still loads; training continues from it
with a fresh optimizer.

Loading checks the saved params against the saved network, which training continues on:
``hidden_layer_sizes``, ``activation``, ``output_activation``, ``dropout`` (layers and
rates), ``dtype`` and ``loss`` must describe it (a ValueError names the file and the first
that disagrees).

Not saved: ``callbacks`` (code, which a model file never holds: saving refuses them), and the
state of a generator that no file can hold (``random_state=None``, NumPy's global one).
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from ._estimator_architecture import check_architecture
from ._estimator_state import restore_training_state, training_state
from ._validation import check_int, describe
from .io import read_model_file, save_network

FITTED = (
    "n_iter_",
    "t_",
    "n_outputs_",
    "out_activation_",
    "n_features_in_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "loss_curve_",
    "validation_scores_",
    "validation_loss_curve_",
)
_NUMBERS = {"loss_", "best_loss_", "best_validation_score_"}  # may be ±inf: saved as text


def save_estimator(path: str | os.PathLike[str], estimator: Any) -> None:
    """Write the fitted ``estimator`` to the model file ``path`` (atomically)."""
    check_is_fitted(estimator, "network_")
    try:  # a file whose params contradict its network could not be loaded
        check_architecture(estimator, estimator.network_, "fitted network")
    except ValueError as error:
        raise ValueError(
            f"cannot save: {error}. set_params changed it since the last fit: fit again, or "
            "set it back, before saving"
        ) from None
    fitted: dict[str, Any] = {
        name: _plain(getattr(estimator, name)) for name in FITTED if hasattr(estimator, name)
    }
    for name in _NUMBERS:
        if isinstance(fitted.get(name), float) and not math.isfinite(fitted[name]):
            fitted[name] = repr(fitted[name])
    if hasattr(estimator, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(n) for n in estimator.feature_names_in_]
    if hasattr(estimator, "classes_"):
        fitted["classes_"] = _plain(estimator.classes_)
        fitted["y_type_"] = estimator._label_binarizer.y_type_
    else:
        fitted["y_was_1d"] = bool(estimator._y_was_1d)
    state, tensors = training_state(estimator)
    document = {
        "class": type(estimator).__name__,
        "params": _params(estimator),
        "fitted": fitted,
        "training_state": state,
    }
    # the network's penalties are the estimator's own (alpha, l1), re-created on load
    save_network(path, estimator.network_, {"estimator": document}, tensors, with_penalties=False)


def load_estimator(cls: type, path: str | os.PathLike[str]) -> Any:
    """Read a model file written by :func:`save_estimator` for ``cls``; ``ValueError`` if not."""
    network, metadata, extra = read_model_file(path)
    document = metadata.get("estimator")
    if not isinstance(document, dict) or document.get("class") != cls.__name__:
        found = document.get("class") if isinstance(document, dict) else "no estimator"
        raise ValueError(f"{path}: not a saved {cls.__name__} (the file holds {found})")
    try:
        estimator = _restore(cls, document, network)
    except (KeyError, TypeError, ValueError) as error:
        reason = f"missing entry {error}" if isinstance(error, KeyError) else str(error)
        reason = (reason.splitlines() or [type(error).__name__])[0]  # one line, a library's too
        raise ValueError(f"{path}: the saved estimator is malformed ({reason})") from None
    restore_training_state(estimator, document.get("training_state"), extra, path)
    return estimator


def _restore(cls: type, document: dict[str, Any], network: Any) -> Any:
    """The estimator ``document`` describes, around ``network``; raises KeyError, TypeError or
    ValueError for anything malformed (:func:`load_estimator` names the file)."""
    params, fitted = document["params"], document["fitted"]
    for name, entry in (("params", params), ("fitted", fitted)):
        if not isinstance(entry, dict):
            raise TypeError(f"{name} must be a JSON object, got {describe(entry)}")
    estimator = cls(**_unplain_params(params))
    _check_fitted(fitted, network, is_classifier(estimator))
    estimator.network_ = network
    network.penalties = estimator._make_penalties()
    for name in FITTED:
        value = fitted[name]
        number = name in _NUMBERS and value is not None
        setattr(estimator, name, float(value) if number else value)
    if "feature_names_in_" in fitted:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if "classes_" in fitted:
        _restore_labels(estimator, fitted)
    else:
        estimator._y_was_1d = bool(fitted.get("y_was_1d", True))
    check_architecture(estimator, network, "saved network", "the file")
    return estimator


def _check_fitted(fitted: dict[str, Any], network: Any, classifier: bool) -> None:
    """Every fitted attribute (save writes them all) of the right kind, and the sizes against
    the saved network's. KeyError names a missing one."""
    for name in (*FITTED, "classes_") if classifier else FITTED:
        if name not in fitted:
            raise KeyError(name)
    sizes = {"n_features_in_": network.n_inputs, "n_outputs_": network.n_outputs}
    for name, minimum in (("n_iter_", 0), ("t_", 0), ("n_features_in_", 1), ("n_outputs_", 1)):
        value = check_int(fitted[name], name, minimum)
        if name in sizes and value != sizes[name]:
            raise ValueError(f"{name} is {value}, but the saved network has {sizes[name]}")
    if not isinstance(fitted["out_activation_"], str):
        raise TypeError(f"out_activation_ must be text, got {describe(fitted['out_activation_'])}")
    for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
        curve = fitted[name]  # the validation curves are None without early stopping
        if (curve is None and name == "loss_curve_") or not _is_curve(curve):
            raise TypeError(f"{name} must be a list of numbers, got {describe(curve)}")
    for name in _NUMBERS:
        number = fitted.get(name)
        if number is not None and not (_is_real(number) or isinstance(number, str)):
            raise TypeError(f"{name} must be a number, got {describe(number)}")


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_curve(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(map(_is_real, value)))


def _restore_labels(estimator: Any, fitted: dict[str, Any]) -> None:
    """The classifier's labels; their number must match the network's outputs (one output for
    two classes, else one per class or label)."""
    classes, kind = np.asarray(fitted["classes_"]), fitted["y_type_"]
    if kind not in ("binary", "multiclass", "multilabel-indicator") or classes.ndim != 1:
        raise ValueError(f"y_type_ {describe(kind)} with classes_ {describe(fitted['classes_'])}")
    outputs = classes.size if kind == "multilabel-indicator" or classes.size > 2 else 1
    if outputs != estimator.network_.n_outputs:
        raise ValueError(
            f"{classes.size} classes ({kind}) make a network of {outputs} outputs, but the "
            f"saved network has {estimator.network_.n_outputs}"
        )
    if kind == "multilabel-indicator":
        binarizer = LabelBinarizer().fit(np.eye(len(classes), dtype=int))
    else:
        binarizer = LabelBinarizer().fit(classes)
    estimator._label_binarizer = binarizer
    estimator.classes_ = binarizer.classes_


def _params(estimator: Any) -> dict[str, Any]:
    params = estimator.get_params(deep=False)
    if params.get("callbacks"):
        raise TypeError(
            "callbacks cannot be saved in a model file (it holds no code); set callbacks=None "
            f"before saving, got {params['callbacks']!r}"
        )
    if params.get("dtype") is not None:
        params["dtype"] = np.dtype(params["dtype"]).name
    seed = params.get("random_state")
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        params["random_state"] = int(seed)  # NumPy integers too
    elif seed is not None:  # a RandomState: its state is in the training state
        params["random_state"] = None
    weights = params.get("class_weight")
    if isinstance(weights, dict):  # JSON keys are text; labels may be numbers
        params["class_weight"] = {"pairs": [[_plain(k), float(v)] for k, v in weights.items()]}
    return {name: _plain(value) for name, value in params.items()}


def _unplain_params(params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    weights = params.get("class_weight")
    if isinstance(weights, dict):
        params["class_weight"] = {k: v for k, v in weights["pairs"]}
    return params


def _plain(value: Any) -> Any:
    """``value`` as JSON data: NumPy scalars and arrays become numbers and lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
