"""The estimators' additions to scikit-learn: class_weight, restore_best_weights, callbacks,
output_activation, loss choices, validation_loss_curve_, and the L2 penalty after fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import glassnet as gn
import glassnet.estimators.stochastic as estimator_base
from glassnet import MLPClassifier, MLPRegressor
from glassnet.callbacks import Callback, EarlyStopping

QUIET = pytest.mark.filterwarnings(f"ignore::{ConvergenceWarning.__module__}.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), np.array(["setosa", "versicolor", "virginica"])[y]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:120], (y[:120] - y.mean()) / y.std()


class Recorder(Callback):
    """Counts every hook and keeps a copy of the weights after each epoch."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.weights: list[list[np.ndarray]] = []

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def on_train_begin(self, state):
        self._count("train_begin")

    def on_train_end(self, state):
        self._count("train_end")

    def on_epoch_begin(self, state):
        self._count("epoch_begin")

    def on_epoch_end(self, state):
        self._count("epoch_end")
        self.weights.append(state.network.get_weights())

    def on_batch_end(self, state):
        self._count("batch_end")


# ----------------------------------------------------------------- the L2 penalty after fit
@QUIET
def test_penalty_after_fit_divides_by_the_evaluated_batch(diabetes):
    X, y = diabetes  # 120 rows in batches of 50: the last training batch has 20 rows
    reg = MLPRegressor(
        hidden_layer_sizes=(5,), solver="sgd", alpha=3.0, batch_size=50, max_iter=3, random_state=0
    )
    reg.fit(X, y)
    squares = sum(float((w**2).sum()) for w in reg.coefs_)
    residual = reg.predict(X) - y
    expected = 0.5 * np.mean(residual**2) + 0.5 * 3.0 * squares / len(X)
    assert reg.network_.loss(X, y.reshape(-1, 1)) == pytest.approx(expected, rel=1e-12)
    with_penalty = reg.network_.gradients(X[:7], y[:7].reshape(-1, 1))
    reg.network_.penalties[0].alpha = 0.0
    without = reg.network_.gradients(X[:7], y[:7].reshape(-1, 1))
    for (gw, _), (g0, _), w in zip(with_penalty, without, reg.coefs_, strict=True):
        np.testing.assert_allclose(gw - g0, 3.0 * w / 7, rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------- class_weight
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_class_weight_is_sample_weight_by_class(iris, solver):
    X, y = iris
    kw = dict(hidden_layer_sizes=(4,), solver=solver, max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = MLPClassifier(class_weight={"setosa": 3.0, "virginica": 0.5}, **kw).fit(X, y)
        by_hand = np.select([y == "setosa", y == "virginica"], [3.0, 0.5], 1.0)
        reference = MLPClassifier(**kw).fit(X, y, sample_weight=by_hand)
        plain = MLPClassifier(**kw).fit(X, y)
    for a, b in zip(weighted.coefs_, reference.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.allclose(weighted.coefs_[0], plain.coefs_[0])


@QUIET
def test_class_weight_balanced_matches_scikit_learns_weights(iris):
    X, y = iris[0][:110], iris[1][:110]  # 50, 50 and 10 samples: unbalanced
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=10, random_state=0)
    balanced = MLPClassifier(class_weight="balanced", **kw).fit(X, y)
    reference = MLPClassifier(**kw).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_allclose(balanced.coefs_[1], reference.coefs_[1], rtol=1e-12)


def test_class_weight_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match="class_weight has label 'rose'"):
        MLPClassifier(class_weight={"rose": 2.0}, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be a dict or 'balanced'"):
        MLPClassifier(class_weight="auto", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="multilabel"):
        MLPClassifier(class_weight="balanced", max_iter=1).fit(X, np.eye(3)[[0, 1, 2] * 50])
    with pytest.raises(ValueError, match="partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=np.unique(y))


# ----------------------------------------------------------------- callbacks
def test_callbacks_see_every_hook_and_can_stop_training(iris):
    X, y = iris

    class StopAtThird(Recorder):
        def on_epoch_end(self, state):
            super().on_epoch_end(state)
            assert state.logs["loss"] == state.history.loss[-1]
            state.stop_training = state.epoch == 2

    hook = StopAtThird()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a callback's stop is no failure
        clf = MLPClassifier((4,), batch_size=40, max_iter=50, callbacks=[hook], random_state=0)
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert hook.calls == {
        "train_begin": 1,
        "epoch_begin": 3,
        "batch_end": 3 * 4,  # 150 rows in batches of 40
        "epoch_end": 3,
        "train_end": 1,
    }


def test_a_callback_may_change_the_learning_rate(iris):
    X, y = iris

    class Freeze(Recorder):
        def on_epoch_end(self, state):
            super().on_epoch_end(state)
            state.optimizer.learning_rate = 1e-300  # adam's steps become ~0 from epoch 2 on

    hook = Freeze()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((4,), max_iter=4, callbacks=[hook], random_state=0).fit(X, y)
    first, last = hook.weights[0], clf.network_.get_weights()
    for a, b in zip(first, last, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-250)
    assert clf._optimizer.learning_rate == 1e-300


def test_callbacks_must_be_callbacks(iris):
    X, y = iris
    with pytest.raises(TypeError, match="callbacks must be None, a Callback or a list of Callback"):
        MLPClassifier(callbacks=[print], max_iter=1).fit(X, y)


# ----------------------------------------------------------------- restore_best_weights
def test_restore_best_weights_ends_with_the_lowest_loss_epoch(diabetes):
    X, y = diabetes
    hook = Recorder()
    kw = dict(solver="sgd", learning_rate_init=0.5, batch_size=20, max_iter=12, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(
            hidden_layer_sizes=(8,), restore_best_weights=True, callbacks=[hook], **kw
        ).fit(X, y)
        last = MLPRegressor(hidden_layer_sizes=(8,), **kw).fit(X, y)
    best = int(np.argmin(reg.loss_curve_))
    assert best != len(reg.loss_curve_) - 1  # the test needs a best epoch before the last
    for a, b in zip(reg.network_.get_weights(), hook.weights[best], strict=True):
        np.testing.assert_array_equal(a, b)
    assert reg.loss_curve_ == last.loss_curve_  # training itself is unchanged
    assert not np.array_equal(last.coefs_[0], reg.coefs_[0])
    with pytest.raises(TypeError, match="restore_best_weights"):
        MLPRegressor(restore_best_weights="yes").fit(X, y)


# ----------------------------------------------------------------- validation_loss_curve_
@QUIET
def test_validation_loss_curve_is_the_loss_on_the_held_out_data(diabetes, monkeypatch):
    X, y = diabetes
    held_out = {}

    def spy(*arrays, **options):
        parts = estimator_base.train_test_split.__wrapped__(*arrays, **options)
        held_out["x"], held_out["y"] = parts[1], parts[3]
        return parts

    spy.__wrapped__ = estimator_base.train_test_split  # type: ignore[attr-defined]
    monkeypatch.setattr(estimator_base, "train_test_split", spy)
    hook = Recorder()
    reg = MLPRegressor(
        hidden_layer_sizes=(6,),
        early_stopping=True,
        alpha=0.5,
        max_iter=4,
        callbacks=[hook],
        random_state=0,
    ).fit(X, y)
    assert len(reg.validation_loss_curve_) == len(reg.validation_scores_) == reg.n_iter_ == 4
    for weights, recorded in zip(hook.weights, reg.validation_loss_curve_, strict=True):
        reg.network_.set_weights(weights)
        assert reg.network_.loss(held_out["x"], held_out["y"]) == pytest.approx(recorded, 1e-12)
    assert MLPRegressor(max_iter=1).fit(X, y).validation_loss_curve_ is None


# ----------------------------------------------------------------- output_activation and loss
@QUIET
@pytest.mark.parametrize(("name", "low", "high"), [("logistic", 0, 1), ("tanh", -1, 1)])
def test_regressor_output_activation_bounds_the_predictions(diabetes, name, low, high):
    X, y = diabetes
    reg = MLPRegressor(
        hidden_layer_sizes=(6,), output_activation=name, max_iter=5, random_state=0
    ).fit(X, 10 * y)
    assert reg.out_activation_ == name
    prediction = reg.predict(X)
    assert (prediction > low).all() and (prediction < high).all()


@QUIET
def test_classifier_output_activation(iris):
    X, y = iris
    clf = MLPClassifier((6,), output_activation="logistic", max_iter=200, random_state=0)
    clf.learning_rate_init = 0.02
    clf.fit(X, y)
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape == (6, 3)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match="output_activation='softmax' needs a multiclass"):
        MLPClassifier(output_activation="softmax", max_iter=1).fit(X, y == "setosa")
    with pytest.raises(ValueError, match="output_activation must be None, 'logistic'"):
        MLPClassifier(output_activation="tanh", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="output_activation must be None or one of"):
        MLPRegressor(output_activation="cube", max_iter=1).fit(X, np.arange(150.0))


def huber(r):
    return np.where(np.abs(r) <= 1, 0.5 * r**2, np.abs(r) - 0.5)


@QUIET
@pytest.mark.parametrize(
    ("loss", "per_sample"),
    [("squared_error", lambda r: 0.5 * r**2), ("absolute_error", np.abs), ("huber", huber)],
)
def test_regression_losses(diabetes, loss, per_sample):
    X, y = diabetes
    reg = MLPRegressor(
        hidden_layer_sizes=(5,), loss=loss, solver="lbfgs", alpha=0.0, max_iter=20, random_state=0
    )
    reg.fit(X, 3 * y)
    assert reg.loss_ == pytest.approx(np.mean(per_sample(reg.predict(X) - 3 * y)), rel=1e-10)


@QUIET
def test_classifier_squared_error_loss(iris):
    X, y = iris
    clf = MLPClassifier((5,), loss="squared_error", solver="lbfgs", alpha=0.0, max_iter=20)
    clf.set_params(random_state=0).fit(X, y)
    onehot = (y[:, None] == clf.classes_).astype(float)
    expected = np.mean(0.5 * ((clf.predict_proba(X) - onehot) ** 2).sum(axis=1))
    assert clf.loss_ == pytest.approx(expected, rel=1e-10)
    with pytest.raises(ValueError, match="loss must be 'log_loss' or 'squared_error'"):
        MLPClassifier(loss="hinge", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="loss must be one of"):
        MLPRegressor(loss="hinge", max_iter=1).fit(X, np.arange(150.0))


@QUIET
def test_the_engines_early_stopping_callback_works_on_the_validation_loss(diabetes):
    X, y = diabetes
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    reg = MLPRegressor(hidden_layer_sizes=(6,), solver="sgd", learning_rate_init=0.5)
    reg.set_params(early_stopping=True, n_iter_no_change=100, callbacks=[stop], random_state=0)
    reg.fit(X, y)
    assert stop.stopped_epoch == reg.n_iter_ - 1 < 199  # the callback, not max_iter, stopped it
    best = int(np.argmin(reg.validation_loss_curve_))
    assert best == reg.n_iter_ - 3  # patience 2: two epochs without improvement after the best
    for a, b in zip(reg.network_.get_weights(), stop.best_weights, strict=True):
        np.testing.assert_array_equal(a, b)  # the callback's restore comes last


@QUIET
@pytest.mark.parametrize(
    ("loss", "output_activation"),
    [("huber", "tanh"), ("absolute_error", "logistic"), ("squared_error", "relu")],
)
def test_fitted_network_gradients_match_central_differences(diabetes, loss, output_activation):
    X, y = diabetes
    reg = MLPRegressor(hidden_layer_sizes=(4,), loss=loss, output_activation=output_activation)
    reg.set_params(alpha=2.0, max_iter=3, random_state=0).fit(X, y)
    checks = gn.gradcheck(reg.network_, X[:9], 0.3 * y[:9, None])  # the penalty over 9 rows
    assert max(c.relative_error for c in checks) < 1e-6


def test_lbfgs_checks_callbacks_and_warns_it_calls_none(iris):
    """The estimator checks callbacks for every solver; lbfgs calls none, and says so (a
    warning, not an error: a search over ``solver`` keeps the callbacks set)."""
    X, y = iris
    with pytest.raises(TypeError, match="callbacks must be None, a Callback or a list"):
        MLPClassifier(solver="lbfgs", callbacks=[print], max_iter=1).fit(X, y)
    hook = Recorder()
    with pytest.warns(UserWarning, match="callbacks are not called with solver='lbfgs'") as seen:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            MLPClassifier((3,), solver="lbfgs", callbacks=hook, max_iter=3).fit(X, y)
    assert seen[0].filename == __file__  # points at the caller's fit
    assert hook.calls == {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier((3,), solver="lbfgs", callbacks=[], max_iter=3).fit(X, y)  # no warning
