"""A fitted MLPClassifier / MLPRegressor in a glassnet model file (safetensors, no pickle).

The file is the one :func:`glassnet.save_network` writes (:mod:`glassnet.io`): the network's
parameters as tensors, and in its JSON metadata, under ``"estimator"``, the estimator's class,
its parameters (``get_params()``) and its fitted attributes (``classes_``, ``loss_curve_``,
``n_iter_``, ...). ``glassnet.load_network`` reads such a file too (it gets the network).

It also holds the training state (:mod:`glassnet.estimators.state`: the optimizer's buffers,
step count and learning rate, the stopping count, the random generators), so ``partial_fit``
or a ``warm_start`` fit after loading gives bit for bit what it gives on the estimator that was
saved. A file written before glassnet saved that state still loads; training continues from it
with a fresh optimizer.

Reading the file checks its fitted attributes against the saved network (their kinds, sizes,
labels against outputs: :func:`glassnet.io.model_schema.check_estimator_document`, the schema every
model-file reader shares). Loading then checks the saved params against the saved network,
which training continues on:
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
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from ..checks import describe
from ..io.model_files import read_model_file, save_network
from ..io.model_schema import FITTED, NUMBERS
from .architecture import check_architecture
from .state import restore_training_state, training_state


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
    for name in NUMBERS:
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
    estimator = cls(**_unplain_params(params))  # fitted was checked by model_schema
    estimator.network_ = network
    network.penalties = estimator._make_penalties()
    for name in FITTED:
        value = fitted[name]
        number = name in NUMBERS and value is not None
        setattr(estimator, name, float(value) if number else value)
    if "feature_names_in_" in fitted:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if "classes_" in fitted:
        _restore_labels(estimator, fitted)
    else:
        estimator._y_was_1d = bool(fitted.get("y_was_1d", True))
    check_architecture(estimator, network, "saved network", "the file")
    return estimator


def _restore_labels(estimator: Any, fitted: dict[str, Any]) -> None:
    """The classifier's labels (their kind and number against the network were checked by
    :func:`glassnet.io.model_schema.check_estimator_document`)."""
    classes, kind = np.asarray(fitted["classes_"]), fitted["y_type_"]
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
    for name, value in params.items():  # scikit-learn accepts n_iter_no_change=np.inf, ...
        if isinstance(value, float) and not math.isfinite(value):  # JSON has no infinity
            params[name] = {"float": repr(value)}
    weights = params.get("class_weight")
    if isinstance(weights, dict):  # JSON keys are text; labels may be numbers
        params["class_weight"] = {"pairs": [[_plain(k), float(v)] for k, v in weights.items()]}
    return {name: _plain(value) for name, value in params.items()}


def _unplain_params(params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    for name, value in params.items():
        if isinstance(value, dict) and set(value) == {"float"}:
            params[name] = float(value["float"])  # "inf", "-inf" or "nan"; anything else fails
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
