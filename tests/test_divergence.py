"""A diverging fit behaves as scikit-learn's (after its issue #29504), with its messages.

With ``early_stopping`` the fit finishes: NaN validation scores, scikit-learn's
``ConvergenceWarning``, the best finite weights kept, so ``predict`` works. Without it, ``fit``
raises scikit-learn's ValueError (its text first; glassnet's explanation follows).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from glassnet import MLPClassifier, MLPRegressor

NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)
MAX_ITER = "Stochastic Optimizer: Maximum iterations (15) reached and the optimization hasn't converged yet."  # noqa: E501


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    return X, X @ np.array([1.0, 2.0, 3.0, 4.0]) * 100


def _diverging(cls, nesterov=True, **kw):
    """sgd at a rate that overflows (adam's steps are bounded by its rate: it does not)."""
    settings = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.5)
    return cls(**settings, nesterovs_momentum=nesterov, max_iter=15, random_state=0, **kw)


def _fit(estimator, X, y):
    """The exception (or None) and the ConvergenceWarnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=RuntimeWarning)  # scikit-learn's overflow
        try:
            estimator.fit(X, y)
            error = None
        except ValueError as raised:
            error = raised
    return error, [str(w.message) for w in caught if w.category is ConvergenceWarning]


@pytest.mark.parametrize("nesterov", [True, False])
def test_early_stopping_finishes_with_nan_scores_and_the_best_weights(nesterov):
    X, y = _data()
    glass = _diverging(MLPRegressor, nesterov, early_stopping=True)
    sk = _diverging(SkRegressor, nesterov, early_stopping=True)
    (mine, my_warnings), (theirs, their_warnings) = _fit(glass, X, y), _fit(sk, X, y)
    assert mine is None and theirs is None
    assert my_warnings == their_warnings == [MAX_ITER]
    assert glass.n_iter_ == sk.n_iter_ == 15 and glass.t_ == sk.t_
    assert np.isnan(glass.validation_scores_).any()
    np.testing.assert_allclose(glass.validation_scores_, sk.validation_scores_, rtol=1e-10)
    assert np.isnan(glass.loss_curve_[-1]) and len(glass.loss_curve_) == len(sk.loss_curve_)
    np.testing.assert_allclose(glass.predict(X), sk.predict(X), rtol=1e-10)
    assert glass.best_validation_score_ == pytest.approx(sk.best_validation_score_, rel=1e-12)


@pytest.mark.parametrize("nesterov", [True, False])
def test_without_early_stopping_fit_raises_scikit_learns_error(nesterov):
    X, y = _data()
    glass, sk = _diverging(MLPRegressor, nesterov), _diverging(SkRegressor, nesterov)
    (mine, my_warnings), (theirs, their_warnings) = _fit(glass, X, y), _fit(sk, X, y)
    assert type(mine) is type(theirs) is ValueError
    assert str(theirs) == NON_FINITE
    assert str(mine).startswith(NON_FINITE + " glassnet stopped training: the loss became")
    assert my_warnings == their_warnings == [MAX_ITER]
    assert all(np.isfinite(c).all() for c in glass.coefs_)  # the last finite parameters


def test_partial_fit_divergence_raises_without_a_max_iter_warning():
    X, y = _data()
    glass = _diverging(MLPRegressor)
    sk = _diverging(SkRegressor)
    outcomes = []
    for estimator in (glass, sk):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            with pytest.raises(ValueError, match=re.escape(NON_FINITE)):
                for _ in range(10):
                    estimator.partial_fit(X, y)
        outcomes.append([w for w in caught if w.category is ConvergenceWarning])
    assert outcomes == [[], []]


def _saturating(cls, rate):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4)) * 1e3
    settings = dict(solver="sgd", learning_rate_init=rate, momentum=0.99, early_stopping=True)
    return cls((5,), max_iter=15, random_state=0, **settings), X, (X[:, 0] > 0).astype(int)


def test_classifier_whose_loss_grows_finite_stops_as_scikit_learn():
    """At 1e5 the loss grows to 1e166 but stays finite: the held-out score stops training."""
    (glass, X, y), (sk, _, _) = _saturating(MLPClassifier, 1e5), _saturating(SkClassifier, 1e5)
    assert _fit(glass, X, y) == _fit(sk, X, y) == (None, [])
    assert glass.n_iter_ == sk.n_iter_
    np.testing.assert_array_equal(glass.validation_scores_, sk.validation_scores_)
    np.testing.assert_array_equal(glass.predict(X), sk.predict(X))


def test_classifier_with_nan_weights_keeps_the_best_finite_ones():
    """The remaining difference: scikit-learn scores a classifier whose weights are NaN (its
    labels are then all the first class), may keep those weights as the best, and raises.
    glassnet scores non-finite outputs NaN, as scikit-learn does for regressors and #29504
    intends, and keeps the best finite weights."""
    (glass, X, y), (sk, _, _) = _saturating(MLPClassifier, 1e30), _saturating(SkClassifier, 1e30)
    (mine, my_warnings), (theirs, their_warnings) = _fit(glass, X, y), _fit(sk, X, y)
    assert mine is None and str(theirs) == NON_FINITE
    assert my_warnings == their_warnings == [MAX_ITER]
    assert np.isnan(glass.validation_scores_[-1]) and glass.n_iter_ == sk.n_iter_ == 15
    assert all(np.isfinite(c).all() for c in glass.coefs_)
    assert glass.best_validation_score_ == sk.validation_scores_[0] == 0.2
    assert glass.predict(X).shape == y.shape  # predict works


@pytest.mark.parametrize("labels", [[True, False], [1, 0], ["a", "b"]], ids=["bool", "int", "str"])
def test_stratified_split_error_names_the_class_as_scikit_learn(labels):
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.array([labels[0]] + [labels[1]] * 19)
    messages = []
    for cls in (MLPClassifier, SkClassifier):
        with pytest.raises(ValueError) as caught:
            cls(early_stopping=True, max_iter=2).fit(X, y)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert re.search(r"Classes with too few members are: \['(True|False)'\]", messages[0])
