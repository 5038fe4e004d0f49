"""MLPClassifier / MLPRegressor: the scikit-learn API on a glassnet Network."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import glassnet as gn
from glassnet import MLPClassifier, MLPRegressor

QUIET = pytest.mark.filterwarnings(f"ignore::{ConvergenceWarning.__module__}.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_parameters_and_defaults_are_sklearns():
    from sklearn.neural_network import MLPClassifier as Sk
    from sklearn.neural_network import MLPRegressor as SkR

    extras = {  # glassnet's, off by default
        "l1": 0.0,
        "dropout": 0.0,
        "dtype": None,
        "output_activation": None,
        "restore_best_weights": False,
        "callbacks": None,
    }
    classifier_extras = {**extras, "loss": "log_loss", "class_weight": None}
    assert MLPClassifier().get_params() == {**Sk().get_params(), **classifier_extras}
    assert MLPRegressor().get_params() == {**SkR().get_params(), **extras}


@QUIET
def test_string_labels_multiclass_probabilities(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier((8,), max_iter=200, learning_rate_init=0.02, random_state=0).fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3 and clf.n_layers_ == 3
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert (clf.predict(X) == clf.classes_[proba.argmax(axis=1)]).all()
    assert clf.score(X, names) > 0.9


@QUIET
def test_binary_has_one_logistic_output_and_multilabel_one_per_label(iris):
    X, y = iris
    binary = MLPClassifier((4,), max_iter=20, random_state=0).fit(X, np.where(y == 0, "a", "b"))
    assert binary.out_activation_ == "logistic" and binary.coefs_[-1].shape == (4, 1)
    assert binary.predict_proba(X).shape == (150, 2)
    Xm, Ym = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    multi = MLPClassifier((6,), max_iter=20, random_state=0).fit(Xm, Ym)
    assert multi.out_activation_ == "logistic" and multi.predict(Xm).shape == (60, 3)
    assert set(np.unique(multi.predict(Xm))) <= {0, 1}


@QUIET
def test_coefs_are_live_views_and_warm_start_continues_from_them(iris):
    X, y = iris
    clf = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    clf.coefs_[0][:] = 0.0  # writing into the view changes the network
    assert (clf.network_.layers[0].weights.value == 0).all()
    clf.coefs_ = [np.ones_like(c) for c in clf.coefs_]
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    ones_predictions = clf.predict_proba(X)
    np.testing.assert_allclose(ones_predictions, 1 / 3)  # all-equal weights: uniform softmax
    rng = np.random.default_rng(0)
    start = [rng.normal(size=c.shape) for c in clf.coefs_]
    clf.coefs_ = start
    clf.set_params(warm_start=True, max_iter=1, solver="sgd", momentum=0.0)
    clf.fit(X, y)
    change = max(np.abs(c - s).max() for c, s in zip(clf.coefs_, start, strict=True))
    assert 0 < change < 0.1  # trained from `start`, not re-initialized


@QUIET
def test_network_is_a_glassnet_network_with_the_same_predictions(iris):
    X, _ = iris
    reg = MLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=50, random_state=0).fit(
        X[:, :3], X[:, 3]
    )
    net = reg.network_
    assert isinstance(net, gn.Network)
    np.testing.assert_allclose(net.predict(X[:, :3]).ravel(), reg.predict(X[:, :3]))
    checks = gn.gradcheck(net, X[:10, :3], X[:10, 3:])
    assert max(c.relative_error for c in checks) < 1e-6


@QUIET
def test_partial_fit_labels(iris):
    X, y = iris
    clf = MLPClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and clf.t_ == 50 and list(clf.classes_) == [0, 1, 2]
    clf.partial_fit(X[50:], y[50:])
    assert clf.t_ == 150
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X[:3], [0, 1, 7])
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")


def test_bad_input_is_a_clear_error(iris):
    X, y = iris
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    Xnan = X.copy()
    Xnan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(max_iter=1).fit(Xnan, y)
    clf = MLPClassifier((3,), solver="lbfgs", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])
    with pytest.raises(ValueError, match="activation"):
        MLPClassifier((3, 3), activation=["tanh"]).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier((0,)).fit(X, y)


def test_convergence_warning_when_max_iter_ends_training(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_lbfgs_convergence_warning_points_at_the_callers_line(iris, cls):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge") as caught:
        cls(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=2, random_state=0).fit(X, y)
    assert [w.filename for w in caught] == [__file__]


@QUIET
def test_per_layer_activations(iris):
    X, y = iris
    clf = MLPClassifier((4, 3), activation=["tanh", "logistic"], max_iter=3, random_state=0)
    clf.fit(X, y)
    names = [type(layer.activation).__name__ for layer in clf.network_.layers]
    assert names == ["Tanh", "Sigmoid", "Softmax"]


@QUIET
def test_pickle_clone_pipeline_gridsearch_and_dataframes(iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = MLPClassifier((5,), max_iter=30, learning_rate_init=0.05, random_state=0)
    clf.fit(frame, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(frame), clf.predict_proba(frame))
    fresh = clone(clf)
    assert "network_" not in vars(fresh) and fresh.get_params() == clf.get_params()
    pipe = make_pipeline(StandardScaler(), clf)
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.7
    search = GridSearchCV(clf, {"alpha": [1e-4, 1e-1]}, cv=3).fit(X, y)
    assert search.best_params_["alpha"] in (1e-4, 1e-1)


@QUIET
def test_float32_input_keeps_float32(iris):
    X, y = iris
    clf = MLPClassifier((4,), max_iter=3, random_state=0).fit(X.astype(np.float32), y)
    assert clf.coefs_[0].dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32


@QUIET
@pytest.mark.parametrize("solver", ["adamw", "rmsprop", "adagrad", "adadelta"])
def test_extra_solvers_are_the_engines_optimizers_and_learn(iris, solver):
    X, y = iris
    rate = {"adadelta": 1.0, "adagrad": 0.1}.get(solver, 0.01)
    clf = MLPClassifier((8,), solver=solver, learning_rate_init=rate, max_iter=80, random_state=0)
    clf.fit(X, y)
    assert type(clf._optimizer).__name__.lower() == solver
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85


@QUIET
def test_learners_trace_runs_on_the_fitted_network(iris):
    X, y = iris
    clf = MLPClassifier((4,), solver="sgd", max_iter=3, random_state=0).fit(X, y)
    before = [c.copy() for c in clf.coefs_]
    Y = clf._label_binarizer.transform(y[:2]).astype(float)
    trace = gn.trace_step(clf.network_, X[:2], Y, optimizer=gn.SGD(learning_rate=0.1), dry_run=True)
    assert "forward" in str(trace).lower()
    for now, then in zip(clf.coefs_, before, strict=True):
        np.testing.assert_array_equal(now, then)  # dry_run leaves the estimator as it was


@QUIET
def test_dropout_l1_and_dtype_extras(iris):
    X, y = iris
    clf = MLPClassifier(
        (8,),
        dropout=0.2,
        l1=1e-3,
        dtype="float32",
        max_iter=60,
        learning_rate_init=0.02,
        random_state=0,
    ).fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.network_.layers]
    assert kinds == ["Dense", "Dropout", "Dense"] and clf.n_layers_ == 3
    assert clf.coefs_[0].dtype == np.float32 and len(clf.network_.penalties) == 2
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba, clf.predict_proba(X))  # no dropout when predicting
    assert clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match="dropout must be in"):
        MLPClassifier(dropout=1.0).fit(X, y)


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_early_stopping_on_a_dataframe_gives_no_feature_name_warning(iris, cls):
    """The held-out score is computed on arrays fit has checked; scoring them through
    ``score`` warned 'X does not have valid feature names' (an error under pytest)."""
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    estimator = cls(hidden_layer_sizes=(4,), max_iter=5, early_stopping=True, random_state=0)
    estimator.fit(frame, y)
    assert len(estimator.validation_scores_) == estimator.n_iter_ == 5
    assert estimator.best_validation_score_ == max(estimator.validation_scores_)


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_the_held_out_score_is_the_classes_own_score(iris, cls):
    """Accuracy for the classifier, R² for the regressor, weighted as ``score`` weighs."""
    X, y = iris
    estimator = cls(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    held_out = estimator._validation_score(X, y, w)
    assert held_out == pytest.approx(estimator.score(X, y, sample_weight=w), rel=1e-12)
    assert held_out != pytest.approx(estimator.score(X, y), rel=1e-12)  # w is used


# ----------------------------------------------------------------- on/off parameters
FLAGS = ("shuffle", "verbose", "warm_start", "nesterovs_momentum", "early_stopping")
FLAG_VALUES = [True, False, np.True_, np.False_, 0, 1, 2, -1, np.int64(1), 1.0, 0.0]
FLAG_VALUES += ["yes", "", None, [True], np.array(True), np.array([True])]


def _scikit_learn_accepts(cls, name, value, X, y):
    """Whether scikit-learn's own MLP of the same kind fits with ``name=value``."""
    from sklearn.neural_network import MLPClassifier as Sk
    from sklearn.neural_network import MLPRegressor as SkR
    from sklearn.utils._param_validation import InvalidParameterError

    sk = Sk if cls is MLPClassifier else SkR
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk(hidden_layer_sizes=(2,), max_iter=1, random_state=0, **{name: value}).fit(X, y)
    except InvalidParameterError:
        return False
    return True


@pytest.mark.parametrize("value", FLAG_VALUES, ids=repr)
@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_flags_accept_exactly_what_scikit_learn_accepts(iris, cls, name, value):
    """A drop-in refuses at fit what scikit-learn refuses (bool and NumPy bool only; verbose
    also any integer >= 0) and accepts what it accepts."""
    X, y = iris
    estimator = cls(hidden_layer_sizes=(2,), max_iter=1, random_state=0, **{name: value})
    if _scikit_learn_accepts(cls, name, value, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.fit(X, y)
        assert estimator.n_iter_ == 1
    else:
        with pytest.raises((TypeError, ValueError), match=f"^{name} must be True"):
            estimator.fit(X, y)


def test_flag_errors_say_what_was_received(iris):
    X, y = iris
    with pytest.raises(TypeError, match="^shuffle must be True or False, got str 'yes'$"):
        MLPClassifier(shuffle="yes").fit(X, y)
    with pytest.raises(TypeError, match="^early_stopping must be True or False, got int 1$"):
        MLPRegressor(early_stopping=1).fit(X, y)
    with pytest.raises(ValueError, match="^verbose must be True, False or an integer >= 0, got -1"):
        MLPClassifier(verbose=-1).fit(X, y)
    with pytest.raises(TypeError, match="^verbose must be .* got float 1.0$"):
        MLPClassifier(verbose=1.0).partial_fit(X, y, classes=[0, 1, 2])
