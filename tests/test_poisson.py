"""MLPRegressor(loss='poisson'): scikit-learn's exp output and half Poisson deviance, followed
to rounding error from the same start."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SkRegressor

from glassnet import MLPRegressor

SOLVERS = [
    dict(solver="sgd", learning_rate_init=0.01),
    dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.01, nesterovs_momentum=False),
    dict(solver="adam", learning_rate_init=0.01),
    dict(solver="adam", early_stopping=True),
    dict(solver="lbfgs"),
]


def _counts(n_outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 6))
    rate = np.exp(0.5 * X[:, :n_outputs] - 0.2)
    y = rng.poisson(rate).astype(float)
    return X, (y.ravel() if n_outputs == 1 else y)


def _fit(estimator, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **kw)


@pytest.mark.parametrize("settings", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_poisson_regressor_follows_sklearn(settings, n_outputs):
    X, y = _counts(n_outputs)
    kw = dict(loss="poisson", hidden_layer_sizes=(8,), random_state=0, max_iter=15, **settings)
    glass, sk = _fit(MLPRegressor(**kw), X, y), _fit(SkRegressor(**kw), X, y)
    assert glass.out_activation_ == sk.out_activation_ == "exp"
    for mine, theirs in zip(
        glass.coefs_ + glass.intercepts_, sk.coefs_ + sk.intercepts_, strict=True
    ):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-8)
    assert glass.n_iter_ == sk.n_iter_
    assert glass.loss_ == pytest.approx(sk.loss_, rel=1e-10)
    if hasattr(sk, "loss_curve_"):
        np.testing.assert_allclose(glass.loss_curve_, sk.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(glass.predict(X), sk.predict(X), rtol=1e-8)
    assert glass.score(X, y) == pytest.approx(sk.score(X, y), abs=1e-10)


def test_poisson_with_sample_weight_and_sparse_input_follows_sklearn():
    X, y = _counts(seed=1)
    X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    kw = dict(loss="poisson", hidden_layer_sizes=(5,), random_state=3, max_iter=10)
    glass = _fit(MLPRegressor(**kw), X, y, sample_weight=w)
    sk = _fit(SkRegressor(**kw), X, y, sample_weight=w)
    np.testing.assert_allclose(glass.coefs_[0], sk.coefs_[0], rtol=0, atol=1e-8)
    assert glass.loss_ == pytest.approx(sk.loss_, rel=1e-10)


def test_poisson_partial_fit_follows_sklearn():
    X, y = _counts(seed=4)
    kw = dict(loss="poisson", hidden_layer_sizes=(6,), random_state=0, solver="sgd")
    glass, sk = MLPRegressor(**kw), SkRegressor(**kw)
    for rows in (slice(0, 150), slice(150, 300)):
        glass.partial_fit(X[rows], y[rows])
        sk.partial_fit(X[rows], y[rows])
    np.testing.assert_allclose(glass.coefs_[1], sk.coefs_[1], rtol=0, atol=1e-10)


def test_poisson_refuses_negative_targets():
    X, y = _counts()
    y[3] = -1.0
    with pytest.raises(ValueError, match=r"loss='poisson' requires y >= 0.*-1"):
        MLPRegressor(loss="poisson").fit(X, y)


def test_poisson_model_file_round_trip(tmp_path):
    X, y = _counts(seed=5)
    reg = _fit(MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=5), X, y)
    reg.save(tmp_path / "poisson.safetensors")
    again = MLPRegressor.load(tmp_path / "poisson.safetensors")
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    assert again.out_activation_ == "exp"
