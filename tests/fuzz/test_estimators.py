"""Fuzz the scikit-learn estimators: constructor parameters, fit, partial_fit, predict.

scikit-learn's conventions are the contract: bad parameters or data raise ValueError or
TypeError (messages may span lines, as scikit-learn's own do), predicting before fitting
raises NotFittedError (a ValueError), and the only warnings are scikit-learn's documented ones
(ConvergenceWarning when max_iter is reached, DataConversionWarning for a column-vector y, the
batch-size clipping UserWarning) and glassnet's UserWarning that lbfgs calls no callbacks. A
RuntimeWarning from NumPy, another exception type, or a hang fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

import glassnet as gn

from ._strategies import ANY_FLOAT, check_outcome, junk, matrices
from .conftest import count, fuzz, no_hang

TOLERATED = (ConvergenceWarning, DataConversionWarning, UserWarning)
VALUE = st.one_of(ANY_FLOAT, st.integers(-3, 5), junk())
# Layer sizes stay small: a size of 10**9 is valid input that asks for gigabytes, which is a
# memory test, not a fuzz test.
SMALL_SIZE_VALUE = VALUE.filter(lambda v: not (isinstance(v, (int, float)) and abs(v) > 64))
PARAMETERS = {
    "hidden_layer_sizes": st.one_of(
        st.just((3,)),
        st.just((2, 2)),
        st.just(()),
        SMALL_SIZE_VALUE,
        st.lists(st.integers(-1, 3), max_size=2).map(tuple),
    ),
    "activation": st.one_of(st.sampled_from(["relu", "tanh", "logistic", "identity"]), VALUE),
    "solver": st.one_of(
        st.sampled_from(["adam", "sgd", "lbfgs", "rmsprop", "adagrad", "adadelta", "adamw"]), VALUE
    ),
    "alpha": VALUE,
    "batch_size": st.one_of(st.just("auto"), st.integers(-1, 10), VALUE),
    "learning_rate": st.one_of(st.sampled_from(["constant", "invscaling", "adaptive"]), VALUE),
    "learning_rate_init": st.one_of(st.sampled_from([1e-3, 0.1, 10.0, 1e10]), VALUE),
    "power_t": VALUE,
    "tol": VALUE,
    "momentum": VALUE,
    "early_stopping": st.one_of(st.booleans(), VALUE),
    "shuffle": st.one_of(st.booleans(), VALUE),
    "verbose": st.one_of(st.booleans(), VALUE),
    "warm_start": st.one_of(st.booleans(), VALUE),
    "nesterovs_momentum": st.one_of(st.booleans(), VALUE),
    "validation_fraction": VALUE,
    "beta_1": VALUE,
    "beta_2": VALUE,
    "epsilon": VALUE,
    "n_iter_no_change": VALUE,
    "l1": VALUE,
    "dropout": VALUE,
    "dtype": st.one_of(st.sampled_from([None, np.float32, "float64"]), VALUE),
    "restore_best_weights": st.one_of(st.booleans(), VALUE),
    "output_activation": st.one_of(st.sampled_from([None, "softmax", "logistic"]), VALUE),
    "class_weight": st.one_of(st.sampled_from([None, "balanced", {0: 2.0}]), VALUE),
    "callbacks": st.one_of(st.none(), VALUE),
}
PARAMETER_NAMES = [
    *PARAMETERS,
    "X",
    "y",
    "sample_weight",
    "classes",
    "sample",
    "feature",
    "class",
    "label",
    "target",
    "Solver",
    "batch",
]
CLASSIFIER_ONLY = ("output_activation", "class_weight")


def _estimator(kind: str, data: st.DataObject) -> Any:
    names = [n for n in PARAMETERS if kind == "classifier" or n not in CLASSIFIER_ONLY]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=3), label="set")
    params: dict[str, Any] = {
        "max_iter": 3,
        "max_fun": 30,
        "random_state": 0,
        "hidden_layer_sizes": (3,),
    }
    params |= {name: data.draw(PARAMETERS[name], label=name) for name in chosen}
    cls = gn.MLPClassifier if kind == "classifier" else gn.MLPRegressor
    return cls(**params)


LABELS = st.one_of(
    st.lists(st.integers(0, 2), min_size=0, max_size=8).map(np.array),
    st.lists(st.sampled_from(["a", "b", "ü"]), min_size=0, max_size=8).map(np.array),
    st.lists(ANY_FLOAT, min_size=0, max_size=8).map(np.array),
    matrices(2),
    junk(),
)


def _call(estimator: Any, method: str, X: Any, y: Any, w: Any) -> Any:
    if method == "fit":
        return estimator.fit(X, y, sample_weight=w)
    if method == "partial_fit":
        if isinstance(estimator, gn.MLPClassifier):
            return estimator.partial_fit(X, y, classes=[0, 1, 2], sample_weight=w)
        return estimator.partial_fit(X, y, sample_weight=w)
    return estimator.predict(X)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("method", ["fit", "partial_fit", "predict"])
@fuzz(25)
@given(
    X=matrices(3),
    y=LABELS,
    w=st.one_of(st.none(), st.lists(ANY_FLOAT, max_size=8), junk()),
    fitted_first=st.booleans(),
    data=st.data(),
)
def test_estimator_fit_partial_fit_predict(kind, method, X, y, w, fitted_first, data) -> None:
    count(f"MLP{kind.title()}.{method}")
    estimator = check_outcome(lambda: _estimator(kind, data), names=PARAMETER_NAMES)
    if estimator is None:
        return
    with no_hang(30):
        if method == "predict" and fitted_first:  # else: predicting before fit
            good_x = np.random.default_rng(0).normal(size=(12, 3))
            fitted = check_outcome(
                lambda: estimator.fit(good_x, np.arange(12) % 2),
                names=PARAMETER_NAMES,
                one_line=False,
                tolerated_warnings=TOLERATED,
            )
            if fitted is None:
                return
        # partial_fit is absent (AttributeError, scikit-learn's way) for solver='lbfgs'
        allowed = (ValueError, TypeError) + ((AttributeError,) if method == "partial_fit" else ())
        result = check_outcome(
            lambda: _call(estimator, method, X, y, w),
            one_line=False,
            tolerated_warnings=TOLERATED,
            allowed=allowed,
        )
    if result is None:
        return
    if method == "predict":
        assert len(result) == np.asarray(X).reshape(-1, 3).shape[0]
    else:
        for parameter in estimator.network_.parameters():
            assert np.isfinite(parameter.value).all()
