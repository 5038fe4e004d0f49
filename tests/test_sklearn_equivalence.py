"""glassnet follows scikit-learn's training: same starting coefs, same parameters after."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from glassnet import MLPClassifier, MLPRegressor

SOLVERS = [
    dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate_init=0.05),
    dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.05),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5),
    dict(solver="adam", learning_rate_init=0.01),
    dict(solver="adam", early_stopping=True),
    dict(solver="lbfgs"),
]


def _digits():
    X, y = datasets.load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _diabetes():
    X, y = datasets.load_diabetes(return_X_y=True)
    return X, (y - y.mean()) / y.std()


def _train_both(glass, sk, X, y):
    """Fit glassnet one epoch, copy its coefs into scikit-learn, then warm-start both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        glass.set_params(max_iter=1).fit(X, y)
        sk.set_params(max_iter=1).fit(X, y)
        sk.coefs_ = [c.copy() for c in glass.coefs_]
        sk.intercepts_ = [b.copy() for b in glass.intercepts_]
        glass.set_params(warm_start=True, max_iter=8).fit(X, y)
        sk.set_params(warm_start=True, max_iter=8).fit(X, y)


def _assert_same(glass, sk):
    for mine, theirs in zip(
        glass.coefs_ + glass.intercepts_, sk.coefs_ + sk.intercepts_, strict=True
    ):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-8)
    assert glass.n_iter_ == sk.n_iter_
    assert glass.loss_ == pytest.approx(sk.loss_, rel=1e-10)


@pytest.mark.parametrize("settings", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
def test_classifier_follows_sklearn_on_digits(settings):
    X, y = _digits()
    kw = dict(hidden_layer_sizes=(16,), random_state=3, **settings)
    glass, sk = MLPClassifier(**kw), SkClassifier(**kw)
    _train_both(glass, sk, X, y)
    _assert_same(glass, sk)
    if "loss_curve_" in vars(sk):
        np.testing.assert_allclose(glass.loss_curve_, sk.loss_curve_, rtol=1e-10)
    assert glass.score(X, y) == sk.score(X, y)
    np.testing.assert_allclose(glass.predict_proba(X), sk.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("settings", SOLVERS[:4], ids=lambda s: "-".join(map(str, s.values())))
def test_regressor_follows_sklearn_on_diabetes(settings):
    X, y = _diabetes()
    kw = dict(hidden_layer_sizes=(8, 4), activation="tanh", random_state=1, **settings)
    glass, sk = MLPRegressor(**kw), SkRegressor(**kw)
    _train_both(glass, sk, X, y)
    _assert_same(glass, sk)
    assert glass.score(X, y) == pytest.approx(sk.score(X, y), abs=1e-10)


def test_same_random_state_gives_sklearn_initial_weights_and_shuffling():
    X, y = _digits()
    kw = dict(hidden_layer_sizes=(12,), activation="logistic", solver="sgd", max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        glass = MLPClassifier(random_state=7, **kw).fit(X, y)
        sk = SkClassifier(random_state=7, **kw).fit(X, y)
    _assert_same(glass, sk)


def test_adaptive_learning_rate_and_stopping_rule_match_sklearn():
    X, y = _digits()
    kw = dict(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate="adaptive",
        tol=0.5,
        n_iter_no_change=2,
        max_iter=40,
        random_state=0,
        learning_rate_init=0.2,
    )
    glass, sk = MLPClassifier(**kw).fit(X, y), SkClassifier(**kw).fit(X, y)
    assert glass.n_iter_ == sk.n_iter_ < 40  # stopped by the rule, not by max_iter
    assert glass._optimizer.learning_rate == pytest.approx(sk._optimizer.learning_rate)
    _assert_same(glass, sk)


@pytest.mark.parametrize(
    ("load", "cls", "sk_cls"),
    [
        (datasets.load_digits, MLPClassifier, SkClassifier),
        (datasets.load_breast_cancer, MLPClassifier, SkClassifier),
        (datasets.load_iris, MLPClassifier, SkClassifier),
        (datasets.load_wine, MLPClassifier, SkClassifier),
        (datasets.load_diabetes, MLPRegressor, SkRegressor),
    ],
    ids=["digits", "breast_cancer", "iris", "wine", "diabetes"],
)
def test_held_out_score_at_least_sklearns_averaged_over_seeds(load, cls, sk_cls):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if cls is MLPRegressor:
        y = (y - y.mean()) / y.std()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    kw = dict(hidden_layer_sizes=(32,), max_iter=60, learning_rate_init=0.01)
    mine, theirs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(3):
            mine.append(cls(random_state=seed, **kw).fit(X_train, y_train).score(X_test, y_test))
            theirs.append(
                sk_cls(random_state=seed, **kw).fit(X_train, y_train).score(X_test, y_test)
            )
    assert np.mean(mine) >= np.mean(theirs) - 1e-9
    assert np.mean(mine) > (0.9 if cls is MLPClassifier else 0.2)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_prints_what_sklearn_prints(capsys, early_stopping):
    X, y = _digits()
    kw = dict(hidden_layer_sizes=(8,), max_iter=3, verbose=True, random_state=0,
              early_stopping=early_stopping)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(**kw).fit(X, y)
        mine = capsys.readouterr().out
        SkClassifier(**kw).fit(X, y)
        theirs = capsys.readouterr().out
    assert mine == theirs and mine.count("Iteration") == 3
    assert ("Validation score" in mine) == early_stopping


def test_max_fun_limits_lbfgs_as_in_sklearn():
    from sklearn.preprocessing import StandardScaler

    X, y = _diabetes()
    X = StandardScaler().fit_transform(X)
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=50,
              random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        glass = MLPRegressor(max_fun=7, **kw).fit(X, y)
        sk = SkRegressor(max_fun=7, **kw).fit(X, y)
        unlimited = MLPRegressor(**kw).fit(X, y)
    assert glass.n_iter_ == sk.n_iter_ < unlimited.n_iter_ == 50
    _assert_same(glass, sk)


@pytest.mark.parametrize(
    "settings",
    [dict(solver="adam", learning_rate_init=0.01), dict(solver="sgd", alpha=0.5),
     dict(solver="adam", early_stopping=True)],
    ids=["adam-tol-rule", "sgd-alpha", "adam-early-stopping"],
)  # fmt: skip
def test_multi_output_regressor_reports_sklearns_loss_and_stops_at_its_epoch(settings):
    """scikit-learn's reported squared error averages over outputs (its gradient does not):
    loss_, the loss curve and so the tol rule must use that average to stop where it does."""
    X, Y = datasets.make_regression(300, 5, n_targets=3, noise=5.0, random_state=0)
    Y = Y / Y.std()
    kw = dict(hidden_layer_sizes=(8,), random_state=0, max_iter=300, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        glass, sk = MLPRegressor(**kw).fit(X, Y), SkRegressor(**kw).fit(X, Y)
    _assert_same(glass, sk)
    np.testing.assert_allclose(glass.loss_curve_, sk.loss_curve_, rtol=1e-10)
    if "early_stopping" not in settings:
        assert glass.best_loss_ == pytest.approx(sk.best_loss_, rel=1e-10)
    if settings["solver"] == "adam" and "early_stopping" not in settings:
        assert glass.n_iter_ < 300  # stopped by the tol rule, at scikit-learn's epoch
    # the network's own loss is the sum over outputs, whose gradient both follow
    summed = 0.5 * ((glass.predict(X) - Y) ** 2).sum(axis=1).mean()
    penalty = glass.network_.penalties[0]
    assert glass.network_.loss(X, Y) - penalty.last_value == pytest.approx(summed, rel=1e-12)
