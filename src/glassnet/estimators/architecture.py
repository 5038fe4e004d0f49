"""Do an estimator's parameters still describe its network?

A fitted ``MLPClassifier``/``MLPRegressor`` trains on in its network (``warm_start``,
``partial_fit``) and is saved with it, so ``set_params`` of an architecture parameter since the
last fit, or a model file edited by hand, leaves parameters that no longer say what the network
is. :func:`check_architecture` finds that and names the parameter.
"""

from __future__ import annotations

from typing import Any

from sklearn.base import is_classifier

from ..checks import as_dtype, check_in_range
from ..layers import Dense, Dropout
from .params import (
    ACTIVATIONS,
    _hidden_layer_sizes,
    classifier_output_activation,
)


def check_architecture(estimator: Any, network: Any, where: str, holder: str = "") -> None:
    """The params must describe ``network``, which training continues on: its hidden layer
    sizes and activations, output activation, dropout layers and rates, dtype and loss.

    ValueError names the first parameter that disagrees and what ``network`` has instead
    (``where``: "saved network", "fitted network"; ``holder``, what "has" it, defaults to
    "the " + ``where``). Used when loading a model file, saving one
    and continuing training (``warm_start``, ``partial_fit``). Other params are checked by
    ``fit`` (a saved estimator may hold any, as one may after ``set_params``)."""
    sizes = _hidden_layer_sizes(estimator.hidden_layer_sizes)
    dense = [layer for layer in network.layers if type(layer) is Dense]
    check = _Agreement(estimator, where, holder or f"the {where}")
    check("hidden_layer_sizes", "hidden layer sizes", sizes, [d.n_outputs for d in dense[:-1]])
    hidden = [ACTIVATIONS[name] for name in estimator._hidden_activations(len(sizes))]
    check("activation", "hidden activations", hidden, [d.activation.name for d in dense[:-1]])
    saved = estimator.out_activation_
    try:  # _output_activation and the classifier's rule set out_activation_: put it back after
        _check_output(estimator, dense[-1], saved, check)
    finally:
        estimator.out_activation_ = saved
    rate = float(check_in_range(estimator.dropout, "dropout", 0.0, 1.0))
    per_hidden = [Dense, Dropout] if rate else [Dense]
    check("dropout", "layers", per_hidden * len(sizes) + [Dense], [type(x) for x in network.layers])
    rates = [layer.rate for layer in network.layers if type(layer) is Dropout]
    check("dropout", "dropout rates", [rate] * len(rates), rates)
    if estimator.dtype is not None:
        check("dtype", "dtype", as_dtype(estimator.dtype).name, network.dtype.name)
    check("loss", "loss", estimator._loss_name(), network.loss_function.name)


def _check_output(estimator: Any, last: Dense, saved: str, check: _Agreement) -> None:
    if is_classifier(estimator):  # the regressor's _output_activation sets it from its param
        kind = estimator._label_binarizer.y_type_
        estimator.out_activation_ = classifier_output_activation(estimator.output_activation, kind)
    output = estimator._output_activation()
    check("output_activation", "out_activation_ (saved)", estimator.out_activation_, saved)
    check("output_activation", "output activation", output, last.activation.name)


class _Agreement:
    """``check(param, what, expected, found)``: ValueError naming ``param`` (and its value)
    when what the params make differs from what the network has."""

    def __init__(self, estimator: Any, where: str, holder: str) -> None:
        self.estimator, self.where, self.holder = estimator, where, holder

    def __call__(self, param: str, what: str, expected: Any, found: Any) -> None:
        if expected != found:
            value = getattr(self.estimator, param)
            raise ValueError(
                f"the params disagree with the {self.where}: {param}={value!r} makes the "
                f"{what} {_names(expected)}, but {self.holder} has {_names(found)}"
            )


def _names(value: Any) -> str:
    """Layer classes by name, anything else as its repr."""
    if isinstance(value, list) and value and all(isinstance(v, type) for v in value):
        return "[" + ", ".join(v.__name__ for v in value) + "]"
    return repr(value)
