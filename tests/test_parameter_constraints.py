"""The estimators accept exactly what scikit-learn's MLP accepts, parameter by parameter.

Values are drawn from scikit-learn's own constraints (its ``generate_valid_param`` and
``generate_invalid_param_val``) and from just outside them (boundaries, infinities, NaN, wrong
types), and each is fitted by glassnet's estimator and scikit-learn's with the same settings:
both succeed, or both refuse (with ``InvalidParameterError`` wherever scikit-learn's is).
glassnet's extra solvers are compared with scikit-learn's adam (whose parameters they share).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils._param_validation import (
    InvalidParameterError,
    generate_invalid_param_val,
    generate_valid_param,
    make_constraint,
)

from glassnet import MLPClassifier, MLPRegressor

PAIRS = [(MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)]
SOLVERS = ["sgd", "adam", "lbfgs", "adamw", "rmsprop", "adagrad", "adadelta"]
# sgd's schedules and the held-out split read more parameters (power_t, validation_fraction)
SGD_RULES = [dict(learning_rate="invscaling", early_stopping=True), dict(learning_rate="adaptive")]
# just outside (and on) the constraints' edges, and values of the wrong kind
EDGES = [0, 1, -1, 0.0, 1.0, 0.5, 1.5, 2, np.int64(3), np.float32(0.5), np.inf, -np.inf,
         np.nan, 1e-12, True, False, np.True_, None, "auto", "1", [1], (2,)]  # fmt: skip


def _candidates(sk_class: type, name: str) -> list:
    values = list(EDGES)
    for constraint in sk_class._parameter_constraints[name]:
        constraint = make_constraint(constraint)
        values.append(generate_valid_param(constraint))
        try:
            values.append(generate_invalid_param_val(constraint))
        except NotImplementedError:  # no value just outside (a type, or "array-like")
            pass
    return values


def _outcome(estimator, X, y):
    """None when fit succeeded, else the exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning, overflow on extreme values
        try:
            with np.errstate(all="ignore"):
                estimator.fit(X, y)
        except Exception as error:  # the outcome is what is compared
            return error
    return None


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int)


CASES = [dict(solver=solver) for solver in SOLVERS] + [dict(solver="sgd", **r) for r in SGD_RULES]


@pytest.mark.parametrize("settings", CASES, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p[0].__name__)
def test_acceptance_equals_scikit_learns_for_every_parameter(pair, settings):
    cls, sk_class = pair
    X, y = _data()
    base = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0, **settings)
    solver = settings["solver"]
    sk_solver = solver if solver in ("sgd", "adam", "lbfgs") else "adam"
    disagreements = []
    for name in sk_class._parameter_constraints:
        if name == "solver" or name in settings:
            continue  # glassnet's extra solvers are the one deliberate widening
        for value in _candidates(sk_class, name):
            if name == "max_iter" and isinstance(value, int) and value > 50:
                continue
            mine = _outcome(cls(**{**base, name: value}), X, y)
            theirs = _outcome(sk_class(**{**base, "solver": sk_solver, name: value}), X, y)
            agree = (mine is None) == (theirs is None) and (
                not isinstance(theirs, InvalidParameterError)
                or isinstance(mine, InvalidParameterError)
            )
            if not agree:
                disagreements.append((name, value, repr(mine), repr(theirs)))
    assert not disagreements, "\n".join(map(str, disagreements))


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_n_iter_no_change_inf_turns_the_stop_off(cls):
    """scikit-learn's way to never stop on the no-improvement rule."""
    X, y = _data()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        est = cls(n_iter_no_change=np.inf, tol=10.0, max_iter=12, random_state=0).fit(X, y)
    assert est.n_iter_ == 12


def test_checks_apply_only_where_scikit_learn_has_a_constraint():
    """The sgd-only momentum is checked under lbfgs as scikit-learn does (its constraints
    apply to every solver), and glassnet's own extras keep their checks."""
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="momentum"):
        MLPClassifier(solver="lbfgs", momentum=2.0).fit(X, y)
    with pytest.raises(ValueError, match="dropout must be in"):
        MLPClassifier(dropout=1.5).fit(X, y)
    with pytest.raises(TypeError, match="restore_best_weights"):
        MLPClassifier(restore_best_weights="yes").fit(X, y)


def test_a_model_file_keeps_n_iter_no_change_inf(tmp_path):
    """JSON has no infinity: the value scikit-learn accepts survives save and load."""
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((3,), n_iter_no_change=np.inf, max_iter=3, random_state=0).fit(X, y)
    clf.save(tmp_path / "m.safetensors")
    again = MLPClassifier.load(tmp_path / "m.safetensors")
    assert again.n_iter_no_change == np.inf
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
