"""Sparse X (SciPy CSR/CSC, matrix and array types): the first Dense layer multiplies it
directly, and the estimators follow scikit-learn's MLP on it as on dense data."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

import glassnet as gn
from glassnet import MLPClassifier, MLPRegressor

FORMATS = [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array]
SOLVERS = [
    dict(solver="sgd", learning_rate_init=0.1),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5, shuffle=False),
    dict(solver="adam", learning_rate_init=0.01),
    dict(solver="adam", early_stopping=True),
    dict(solver="lbfgs"),
]
EXTRA_SOLVERS = ["adamw", "rmsprop", "adagrad", "adadelta"]


def _data(n=240, d=60, density=0.08, seed=0):
    X = sp.random(n, d, density=density, format="csr", random_state=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return X, rng.integers(0, 3, n), X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)


def _fit_quietly(estimator, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **kw)


def _assert_same(glass, sk):
    for mine, theirs in zip(
        glass.coefs_ + glass.intercepts_, sk.coefs_ + sk.intercepts_, strict=True
    ):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-8)
    assert glass.n_iter_ == sk.n_iter_
    assert glass.loss_ == pytest.approx(sk.loss_, rel=1e-10)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("settings", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
def test_classifier_on_sparse_follows_sklearn(settings, fmt):
    X, y, _ = _data()
    kw = dict(hidden_layer_sizes=(12,), random_state=2, max_iter=6, **settings)
    glass = _fit_quietly(MLPClassifier(**kw), fmt(X), y)
    sk = _fit_quietly(SkClassifier(**kw), fmt(X), y)
    _assert_same(glass, sk)
    np.testing.assert_allclose(glass.predict_proba(fmt(X)), sk.predict_proba(fmt(X)), atol=1e-8)
    np.testing.assert_array_equal(glass.predict(fmt(X)), sk.predict(fmt(X)))
    assert glass.score(fmt(X), y) == sk.score(fmt(X), y)


@pytest.mark.parametrize("settings", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
def test_regressor_on_sparse_follows_sklearn(settings):
    X, _, t = _data(seed=1)
    kw = dict(hidden_layer_sizes=(8, 4), activation="tanh", random_state=1, max_iter=6)
    glass = _fit_quietly(MLPRegressor(**kw, **settings), X, t)
    sk = _fit_quietly(SkRegressor(**kw, **settings), X, t)
    _assert_same(glass, sk)
    np.testing.assert_allclose(glass.predict(X), sk.predict(X), atol=1e-8)
    assert glass.score(X, t) == pytest.approx(sk.score(X, t), abs=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_on_sparse_follows_sklearn(solver):
    X, y, _ = _data(seed=3)
    kw = dict(hidden_layer_sizes=(10,), random_state=0, solver=solver)
    glass, sk = MLPClassifier(**kw), SkClassifier(**kw)
    for start in range(0, 240, 80):
        rows = slice(start, start + 80)
        glass.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        sk.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    _assert_same(glass, sk)


@pytest.mark.parametrize("solver", EXTRA_SOLVERS)
def test_extra_solvers_train_on_sparse_as_on_dense(solver):
    """glassnet's own solvers have no scikit-learn counterpart: sparse gives the dense fit."""
    X, y, _ = _data(seed=4)
    kw = dict(hidden_layer_sizes=(10,), random_state=0, max_iter=4, solver=solver)
    sparse = _fit_quietly(MLPClassifier(**kw), sp.csc_matrix(X), y)
    dense = _fit_quietly(MLPClassifier(**kw), X.toarray(), y)
    for a, b in zip(sparse.coefs_, dense.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sparse.predict_proba(X), dense.predict_proba(X.toarray()))


def test_float32_sparse_trains_in_float32():
    X, y, _ = _data(seed=5)
    X32 = X.astype(np.float32)
    glass = _fit_quietly(MLPClassifier((8,), random_state=0, max_iter=3), X32, y)
    sk = _fit_quietly(SkClassifier((8,), random_state=0, max_iter=3), X32, y)
    assert glass.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(glass.coefs_[0], sk.coefs_[0], atol=1e-5)


def test_sparse_with_nan_or_wrong_width_is_refused():
    X, y, _ = _data()
    bad = X.copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(max_iter=1).fit(bad, y)
    glass = _fit_quietly(MLPClassifier((4,), max_iter=1, random_state=0), X, y)
    with pytest.raises(ValueError, match="features"):
        glass.predict(sp.csr_matrix((3, 7)))


# ----------------------------------------------------------------------- the engine
def _network():
    return gn.Network(
        [gn.Dense(60, 7, "tanh", rng=0), gn.Dense(7, 3, "softmax", rng=1)],
        loss="categorical_cross_entropy",
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
def test_network_forward_and_backward_on_sparse_equal_dense(fmt):
    X, y, _ = _data()
    net = _network()
    np.testing.assert_allclose(net.predict(fmt(X)), net.predict(X.toarray()), atol=1e-14)
    sparse, dense = net.gradients(fmt(X), y), net.gradients(X.toarray(), y)
    for (gw, gb), (dw, db) in zip(sparse, dense, strict=True):
        np.testing.assert_allclose(gw, dw, atol=1e-14)
        np.testing.assert_allclose(gb, db, atol=1e-14)
    assert net.loss(fmt(X), y) == pytest.approx(net.loss(X.toarray(), y), rel=1e-13)


def test_network_fits_sparse_as_dense():
    X, y, _ = _data()
    sparse_net, dense_net = _network(), _network()
    sparse_net.fit(X, y, epochs=3, batch_size=32, shuffle=True, rng=0)
    dense_net.fit(X.toarray(), y, epochs=3, batch_size=32, shuffle=True, rng=0)
    for a, b in zip(sparse_net.get_weights(), dense_net.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_network_checks_sparse_inputs():
    net = _network()
    bad = sp.random(4, 60, density=0.5, format="csr", random_state=0)
    bad.data[1] = np.inf
    with pytest.raises(ValueError, match="X must contain only finite numbers"):
        net.predict(bad)
    with pytest.raises(ValueError, match="X has 5 features per sample; the network expects 60"):
        net.predict(sp.csr_matrix((2, 5)))
    with pytest.raises(TypeError, match="real numbers"):
        net.predict(sp.csr_matrix(np.ones((2, 60), dtype=complex)))


def test_engine_does_not_import_scipy_for_sparse_support():
    code = (
        "import sys, glassnet.sparse, glassnet.layers, glassnet.inputs;"
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_memory_stays_proportional_to_the_non_zeros():
    """20,000 x 200,000 at 5e-5 density: 200,000 non-zeros (about 3 MB as CSR); dense it would
    take 32 GB. Training and prediction stay far below even one dense row block of 200 rows."""
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 20_000, 200_000), rng.integers(0, 200_000, 200_000)
    X = sp.csr_matrix((rng.random(200_000), (rows, cols)), shape=(20_000, 200_000))
    y = np.arange(20_000) % 2
    tracemalloc.start()
    try:
        glass = _fit_quietly(MLPClassifier((4,), max_iter=1, random_state=0), X, y)
        glass.predict(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # weights 200,000 x 4 (6.4 MB), their gradient, Adam's moments, the loop's checkpoints and
    # the best weights: about 60 MB; one
    # densified 200-row batch alone would be 320 MB
    assert peak < 100e6
