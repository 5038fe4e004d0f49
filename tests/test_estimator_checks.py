"""scikit-learn's own estimator checks, over both estimators and every solver.

No check is expected to fail. (scikit-learn's sample-weight equivalence check passes too: its
datasets fit in one 'auto' batch, where weights and repeated rows give the same gradients.)
"""

from __future__ import annotations

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet import MLPClassifier, MLPRegressor
from glassnet.callbacks import Callback

# max_iter is small to keep the checks fast, so the ConvergenceWarning is expected here.
pytestmark = pytest.mark.filterwarnings(
    f"ignore::{ConvergenceWarning.__module__}.ConvergenceWarning"
)

SETTINGS = [
    dict(
        hidden_layer_sizes=(10,),
        max_iter=100,
        learning_rate_init=0.01,
        random_state=0,
        solver=solver,
    )
    for solver in ("adam", "sgd", "lbfgs")
]
# glassnet's additions, switched on (class_weight="balanced" is left out: it weighs by class
# counts, which the checks' repeated-rows-versus-sample-weight equivalence changes on purpose).
ADDITIONS = [
    MLPClassifier(**SETTINGS[0], loss="squared_error", restore_best_weights=True),
    MLPRegressor(**SETTINGS[0], loss="huber", output_activation="identity", callbacks=[Callback()]),
]
# glassnet's extra solvers (the engine's optimizers), each on both estimators
EXTRA_SOLVERS = [
    dict(SETTINGS[0], solver=solver, learning_rate_init=rate)
    for solver, rate in (("rmsprop", 0.01), ("adagrad", 0.1), ("adadelta", 1.0), ("adamw", 0.01))
]
ESTIMATORS = [
    cls(**kw) for cls in (MLPClassifier, MLPRegressor) for kw in SETTINGS + EXTRA_SOLVERS
] + ADDITIONS


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
