"""A warm-start fit (or partial_fit) after set_params changed how training is judged:
``early_stopping`` switched on or off, or a different ``loss``; or changed the network's
shape, which continuing training (and saving) refuses."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from glassnet import MLPClassifier, MLPRegressor

QUIET = pytest.mark.filterwarnings(f"ignore::{ConvergenceWarning.__module__}.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return {MLPClassifier: (X, y), MLPRegressor: (X[:, :3], X[:, 3])}


def _estimator(cls, **params):
    defaults = dict(hidden_layer_sizes=(6,), max_iter=20, batch_size=16, learning_rate_init=0.01)
    return cls(**(defaults | params), random_state=0)


# ----------------------------------------------------------------- switching early_stopping
@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_switching_early_stopping_on_starts_validation_tracking_at_that_fit(data, cls):
    X, y = data[cls]
    est = _estimator(cls, max_iter=1).fit(X, y)
    est.set_params(early_stopping=True, warm_start=True, max_iter=20, n_iter_no_change=10)
    est.fit(X, y)
    # fresh bookkeeping: one score and one held-out loss per epoch of this fit only
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == est.n_iter_
    assert est.best_loss_ is None and len(est.loss_curve_) == 1 + est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    # and the fit ends with the best epoch's weights: the held-out part is scikit-learn's split
    # by a fresh RandomState(0) (a warm start draws no initial weights before it), not
    # stratified (3 outputs)
    _, x_val, _, y_val = train_test_split(
        X, y, test_size=0.1, random_state=np.random.RandomState(0)
    )
    assert len(set(est.validation_scores_)) > 1  # so the best epoch is not just any epoch
    assert est.score(x_val, y_val) == pytest.approx(est.best_validation_score_, abs=1e-12)


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_switching_early_stopping_off_tracks_the_training_loss_again(data, cls, how):
    X, y = data[cls]
    est = _estimator(cls, early_stopping=True).fit(X, y)
    first_epochs = est.n_iter_
    est.set_params(early_stopping=False, warm_start=True)
    est.fit(X, y) if how == "warm_start" else est.partial_fit(X, y)
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    assert est.validation_loss_curve_ is None
    assert len(est.loss_curve_) == first_epochs + est.n_iter_
    assert est.best_loss_ == min(est.loss_curve_[first_epochs:])  # this fit's losses only


# ----------------------------------------------------------------- changing the loss
LOSSES = {MLPClassifier: ("log_loss", "squared_error"), MLPRegressor: ("squared_error", "huber")}


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_loss_is_checked_at_every_fit(data, cls, how):
    X, y = data[cls]
    est = _estimator(cls, max_iter=2).fit(X, y)
    est.set_params(loss="bogus", warm_start=True)
    with pytest.raises(ValueError, match="loss must be .*got 'bogus'"):
        est.fit(X, y) if how == "warm_start" else est.partial_fit(X, y)


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_a_warm_start_after_changing_the_loss_trains_on_the_new_loss(data, cls):
    X, y = data[cls]
    old, new = LOSSES[cls]
    est = _estimator(cls, loss=old, max_iter=3).fit(X, y)
    first_epochs = est.n_iter_
    # the same starting weights in an estimator built with the new loss
    reference = _estimator(cls, loss=new, max_iter=1).fit(X, y)
    reference.coefs_, reference.intercepts_ = est.coefs_, est.intercepts_
    for model in (est, reference):
        model.set_params(loss=new, warm_start=True, max_iter=4).fit(X, y)
    mine, theirs = est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_
    for p, q in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(p, q)
    assert est.network_.loss_function.name == reference.network_.loss_function.name
    assert est.loss_curve_[first_epochs:] == reference.loss_curve_[1:]
    assert est.best_loss_ == min(est.loss_curve_[first_epochs:])  # the old loss's best is gone


# ----------------------------------------------------------------- changing the network's shape
SHAPE_CHANGES = [
    ("hidden_layer_sizes", (7,)),
    ("activation", "tanh"),
    ("dropout", 0.2),
    ("dtype", "float32"),
]


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize(("param", "value"), SHAPE_CHANGES)
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_continuing_after_changing_the_networks_shape_is_refused(data, cls, param, value, how):
    X, y = data[cls]
    est = _estimator(cls, dtype="float64").fit(X, y)
    before = [p.copy() for p in est.coefs_]
    est.set_params(**{param: value}, warm_start=True)
    with pytest.raises(ValueError, match=rf"{param}=.*the fitted network has.*warm_start=False"):
        est.fit(X, y) if how == "warm_start" else est.partial_fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, est.coefs_, strict=True))
    est.set_params(warm_start=False).fit(X, y)  # what the message advises works
    assert est.get_params()[param] == value


@QUIET
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize(("param", "value"), SHAPE_CHANGES)
def test_saving_after_changing_the_networks_shape_is_refused_and_writes_nothing(
    data, cls, param, value, tmp_path
):
    X, y = data[cls]
    est = _estimator(cls, dtype="float64").fit(X, y)
    est.set_params(**{param: value})
    with pytest.raises(ValueError, match=rf"cannot save: .*{param}=.*fit again"):
        est.save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []
    est.set_params(**{param: _estimator(cls, dtype="float64").get_params()[param]})
    est.save(tmp_path / "m.safetensors")  # set back: saves, and loads
    assert type(est).load(tmp_path / "m.safetensors").get_params()[param] != value


@QUIET
def test_a_refused_output_activation_change_leaves_out_activation_unchanged(data, tmp_path):
    X, y = data[MLPClassifier]
    est = _estimator(MLPClassifier).fit(X, y)
    est.set_params(output_activation="logistic")
    with pytest.raises(ValueError, match="output_activation"):
        est.save(tmp_path / "m.safetensors")
    assert est.out_activation_ == "softmax"
    np.testing.assert_array_equal(est.predict(X), est.set_params(output_activation=None).predict(X))
