"""How the estimators train: one :class:`Solver` per ``solver`` name, resolved once in ``fit``.

:class:`StochasticSolver` (every solver but lbfgs) configures the engine's one epoch loop,
:class:`glassnet.loop.Training`, with scikit-learn's rules, so the loop never asks which solver
it runs:

- :class:`ScikitLearnOrder`: the sample order scikit-learn draws (one ``RandomState.shuffle``
  per epoch, composed with the previous epoch's order, as its ``utils.shuffle`` of the arrays);
- :class:`ScikitLearnStep`: ``train_step`` on a batch, its loss as scikit-learn reports it;
- :class:`ScikitLearnEpoch`: the fitted attributes after each epoch (``n_iter_``, ``t_``,
  ``loss_curve_``; with ``early_stopping`` the held-out score and loss);
- :class:`ScikitLearnStopping`: ``n_iter_no_change`` epochs without an improvement by ``tol``
  of the training loss (or, with ``early_stopping``, of the held-out score) stop training; with
  sgd's ``'adaptive'`` rate they divide the rate by 5 instead while it is above 1e-6;
- for sgd's ``'invscaling'``, :class:`glassnet.schedules.EpochEnd` of ``InverseScaling``:
  after each epoch the rate becomes ``learning_rate_init / (t_ + 1) ** power_t``.

:class:`glassnet.estimators.lbfgs.LBFGSSolver` is the other kind: SciPy on the whole batch.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..callbacks import as_callbacks
from ..loop import IN_ORDER, BatchOrder, EpochSchedule, StoppingRule, Training
from ..optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from ..schedules import EpochEnd, InverseScaling
from ..training import TrainingDiverged, train_step
from .training import evaluate_loss, reported_loss

if TYPE_CHECKING:
    from .base import BaseMLP

Data = tuple[np.ndarray, np.ndarray, np.ndarray | None]
# held-out data: x, y decoded (for the score), sample weights, y encoded (for the loss)
Validation = tuple[np.ndarray, Any, np.ndarray | None, np.ndarray]


class Solver:
    """How an estimator trains its ``network_`` on checked arrays ``x``, ``y``, ``w``."""

    stochastic = True

    def fit(
        self, est: BaseMLP, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, incremental: bool
    ) -> None:
        raise NotImplementedError


class StochasticSolver(Solver):
    """Epochs of mini-batches, by scikit-learn's rules, on :class:`glassnet.loop.Training`.

    ``make_optimizer(est)`` is the engine optimizer the solver stands for (``est`` typed Any
    there: mypy cannot type the estimator's parameters through the import cycle).
    """

    def __init__(self, make_optimizer: Callable[[Any], Optimizer]) -> None:
        self.make_optimizer = make_optimizer

    def epoch_schedule(self, est: BaseMLP) -> EpochSchedule | None:
        """The learning-rate rule at each epoch's end; only sgd has any."""
        return None

    def adaptive(self, est: BaseMLP) -> bool:
        """Whether no improvement divides the rate by 5 instead of stopping (sgd only)."""
        return False

    def fit(
        self, est: BaseMLP, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, incremental: bool
    ) -> None:
        """Train by scikit-learn's rules, calling the callbacks; with early stopping or
        ``restore_best_weights``, end with the best weights."""
        if not incremental or not hasattr(est, "_optimizer"):
            est._optimizer = self.make_optimizer(est)
        if est.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if (est.validation_scores_ is not None) != bool(est.early_stopping):
            est._reset_stopping()  # early_stopping switched since the last fit: start afresh
        train, validation = split(est, x, y, w)
        training = self.training(est, train, validation, incremental)
        try:
            training.run()
        except TrainingDiverged:
            if incremental:
                raise  # scikit-learn's partial_fit ends its one epoch, then finds NaN weights
            kept_best = run_out_diverged(est, train[0].shape[0])
            _warn_max_iter(est)
            if not kept_best:
                raise  # _fit raises scikit-learn's "non-finite parameter weights" error
            return
        if not (training.stopped or incremental) and est.n_iter_ == est.max_iter:
            _warn_max_iter(est)

    def training(
        self, est: BaseMLP, train: Data, validation: Validation | None, incremental: bool
    ) -> Training:
        """The engine's loop, configured with scikit-learn's rules (``partial_fit``: one epoch)."""
        hooks = as_callbacks(est.callbacks)
        est._best_weights = est.network_.get_weights()
        restore = est.early_stopping or (est.restore_best_weights and not incremental)
        est.n_iter_ = 0
        training = Training(
            est.network_, est._optimizer, train,
            epochs=1 if incremental else est.max_iter,
            batch_size=resolve_batch_size(est.batch_size, train[0].shape[0]),
            order=ScikitLearnOrder(est._random_state) if est.shuffle else IN_ORDER,
            step=ScikitLearnStep(est),
            measure=ScikitLearnEpoch(est, train[0].shape[0], validation),
            epoch_schedule=self.epoch_schedule(est),
            stopping=ScikitLearnStopping(est, self.adaptive(est), restore),
            callbacks=hooks,
            samples_seen=est.t_,
        )  # fmt: skip
        training.history.planned_epochs = est.max_iter
        return training


def _warn_max_iter(est: BaseMLP) -> None:
    warnings.warn(
        f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and "
        "the optimization hasn't converged yet.",
        ConvergenceWarning,
        stacklevel=5,  # the caller of fit (fit, _fit, Solver.fit, here)
    )


def run_out_diverged(est: BaseMLP, n_samples: int) -> bool:
    """Finish a diverged fit as scikit-learn does (its issue #29504).

    It trains on to ``max_iter`` on NaN: every remaining epoch records a NaN loss (and with
    ``early_stopping`` a NaN validation score, which never counts as "no improvement", so it
    never stops early), then it warns that ``max_iter`` was reached. With ``early_stopping``
    it ends with the best weights, so ``predict`` works; without (or when even the best
    weights are not finite: a dead unit may hide an infinite weight from the score), ``fit``
    raises (see ``BaseMLP._fit``). glassnet skips the NaN epochs' work but records the same
    attributes; the network holds its last finite parameters meanwhile (the loop restored
    them). Returns whether the network now holds the best weights (``fit`` may return).
    """
    remaining = max(est.max_iter - est.n_iter_, 0)
    nan = float("nan")
    est.n_iter_ += remaining
    est.t_ += remaining * n_samples
    est.loss_ = nan
    est.loss_curve_.extend([nan] * remaining)
    if est.early_stopping:
        assert est.validation_scores_ is not None and est.validation_loss_curve_ is not None
        est.validation_scores_.extend([nan] * remaining)
        est.validation_loss_curve_.extend([nan] * remaining)
        if all(np.isfinite(w).all() for w in est._best_weights):
            est.network_.set_weights(est._best_weights)
            return True
    return False


class SGDSolver(StochasticSolver):
    """sgd: its ``learning_rate`` rule ('constant', 'invscaling', 'adaptive')."""

    def epoch_schedule(self, est: BaseMLP) -> EpochSchedule | None:
        if est.learning_rate == "invscaling":
            return EpochEnd(InverseScaling(_real(est.learning_rate_init), _real(est.power_t)))
        return None

    def adaptive(self, est: BaseMLP) -> bool:
        return est.learning_rate == "adaptive"


class ScikitLearnOrder:
    """scikit-learn's order: each epoch shuffles the previous epoch's order with
    ``random_state.shuffle`` (its ``utils.shuffle`` of the arrays, seen as indices)."""

    def __init__(self, random_state: np.random.RandomState) -> None:
        self.random_state = random_state
        self.indices: np.ndarray | None = None

    def order(self, n_samples: int) -> np.ndarray:
        permutation = np.arange(n_samples)
        self.random_state.shuffle(permutation)
        previous = np.arange(n_samples) if self.indices is None else self.indices
        self.indices = previous[permutation]
        return self.indices


_ORDER: type[BatchOrder] = ScikitLearnOrder  # it is a BatchOrder (checked by mypy)


class ScikitLearnStep:
    """``train_step`` on one batch; the loss as scikit-learn reports it
    (:func:`glassnet.estimators.training.reported_loss`)."""

    def __init__(self, est: BaseMLP) -> None:
        self.network, self.optimizer = est.network_, est._optimizer
        self.divisor = est._loss_divisor()

    def __call__(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> float:
        value = train_step(self.network, self.optimizer, x, y, w)
        return reported_loss(value, self.network, self.divisor)


class ScikitLearnEpoch:
    """After each epoch: scikit-learn's fitted attributes, and the logs callbacks see
    (``loss``; with early stopping ``val_loss`` and ``val_score``)."""

    def __init__(self, est: BaseMLP, n_samples: int, validation: Validation | None) -> None:
        self.est, self.n_samples, self.validation = est, n_samples, validation

    def __call__(self, loss: float) -> dict[str, float]:
        est = self.est
        est.loss_ = loss
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        logs = {"loss": float(loss)}
        if self.validation is not None:
            logs.update(self.held_out(*self.validation))
        return logs

    def held_out(
        self, x: np.ndarray, y: Any, w: np.ndarray | None, y_encoded: np.ndarray
    ) -> dict[str, float]:
        est = self.est
        score = est._validation_score(x, y, w)
        val_loss = evaluate_loss(est.network_, x, y_encoded, w, est._loss_divisor())
        assert est.validation_scores_ is not None and est.validation_loss_curve_ is not None
        est.validation_scores_.append(score)
        est.validation_loss_curve_.append(val_loss)
        if est.verbose:
            print(f"Validation score: {score:f}")
        return {"val_loss": val_loss, "val_score": score}


class ScikitLearnStopping(StoppingRule):
    """scikit-learn's rule: no improvement when the held-out score is below ``best + tol``
    (early stopping) or the loss above ``best - tol``; more than ``n_iter_no_change`` such
    epochs in a row stop training, or with ``adaptive`` divide the rate by 5 (floor 1e-6).
    Keeps the best weights, and ends with them when ``restore``."""

    def __init__(self, est: BaseMLP, adaptive: bool, restore: bool) -> None:
        self.est, self.adaptive, self.restore = est, adaptive, restore

    def update(self, logs: dict[str, float]) -> None:
        est = self.est
        if "val_score" in logs:
            score = logs["val_score"]
            assert est.best_validation_score_ is not None
            improved = not score < est.best_validation_score_ + est.tol
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_weights = est.network_.get_weights()
        else:
            assert est.best_loss_ is not None
            improved = not est.loss_ > est.best_loss_ - est.tol
            if est.restore_best_weights and est.loss_ < est.best_loss_:
                est._best_weights = est.network_.get_weights()
            est.best_loss_ = min(est.best_loss_, est.loss_)
        est._no_improvement_count = 0 if improved else est._no_improvement_count + 1

    def should_stop(self) -> bool:
        est = self.est
        if est._no_improvement_count <= est.n_iter_no_change:
            return False
        optimizer = est._optimizer
        if self.adaptive and optimizer.current_learning_rate > 1e-6:
            optimizer.learning_rate = optimizer.current_learning_rate / 5.0
            est._no_improvement_count = 0
            return False
        return True

    def finish(self) -> None:
        if self.restore:
            self.est.network_.set_weights(self.est._best_weights)


def resolve_batch_size(batch_size: Any, n_samples: int) -> int:
    """scikit-learn's ``batch_size``: 'auto' is ``min(200, n_samples)``; clipped to
    ``[1, n_samples]`` with a warning."""
    if batch_size == "auto":
        return min(200, n_samples)
    if not isinstance(batch_size, (int, np.integer)):  # True is 1 to scikit-learn
        raise ValueError(f"batch_size must be 'auto' or an int, got {batch_size!r}")
    if batch_size < 1 or batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
            stacklevel=6,  # the caller of fit (fit, _fit, Solver.fit, training, here)
        )
    return int(np.clip(batch_size, 1, n_samples))


def split(
    est: BaseMLP, x: np.ndarray, y: np.ndarray, w: np.ndarray | None
) -> tuple[Data, Validation | None]:
    """scikit-learn's validation split (stratified for single-output classifiers)."""
    if not est.early_stopping:
        return (x, y, w), None
    # scikit-learn stratifies on its encoded labels as booleans: an error about a class names
    # it 'True' or 'False', as there (the split is the same as on 0.0/1.0)
    stratify = y.astype(bool) if est._stratify() else None
    arrays = [x, y] if w is None else [x, y, w]
    parts = train_test_split(
        *arrays,
        random_state=est._random_state,
        test_size=_real(est.validation_fraction),  # scikit-learn refuses NumPy floats here
        stratify=stratify,
    )
    x_train, x_val, y_train, y_val = parts[:4]
    w_train, w_val = (parts[4], parts[5]) if w is not None else (None, None)
    if x_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the size "
            "of your dataset."
        )
    return (x_train, y_train, w_train), (x_val, est._decode(y_val), w_val, y_val)


def _real(value: Any) -> Any:
    """A number as a float (scikit-learn accepts True for 1, and integers, where the engine's
    checks refuse bools as likely mistakes); anything else as it is, for those checks."""
    return float(value) if isinstance(value, numbers.Real) else value


def _sgd(est: Any) -> Optimizer:
    momentum = _real(est.momentum)
    if not isinstance(momentum, float):  # (a saved state's) the engine's check says what
        return SGD(_real(est.learning_rate_init), momentum=momentum)
    nesterov = bool(est.nesterovs_momentum) and momentum > 0
    optimizer = SGD(_real(est.learning_rate_init), momentum=min(momentum, 0.5), nesterov=nesterov)
    # scikit-learn accepts momentum=1 (a velocity that never decays), which the engine's SGD
    # refuses as a user's likely mistake; the estimator follows scikit-learn
    optimizer.momentum = momentum
    return optimizer


def _adam(cls: type[Adam] | type[AdamW]) -> Callable[[Any], Optimizer]:
    """Adam or AdamW from scikit-learn's parameters."""
    return lambda e: cls(
        _real(e.learning_rate_init), _real(e.beta_1), _real(e.beta_2), _real(e.epsilon)
    )


# 'sgd' and 'adam' are scikit-learn's rules, the others glassnet's additions (with their usual
# defaults besides the rate); lbfgs is added by glassnet.estimators.lbfgs
SOLVERS: dict[str, Solver] = {
    "sgd": SGDSolver(_sgd),
    "adam": StochasticSolver(_adam(Adam)),
    "adamw": StochasticSolver(_adam(AdamW)),
    "rmsprop": StochasticSolver(
        lambda e: RMSprop(_real(e.learning_rate_init), epsilon=_real(e.epsilon))
    ),
    "adagrad": StochasticSolver(lambda e: Adagrad(_real(e.learning_rate_init))),
    "adadelta": StochasticSolver(lambda e: Adadelta(_real(e.learning_rate_init))),
}


def make_optimizer(est: Any) -> Optimizer:
    """The engine's optimizer for ``est.solver``; ``KeyError`` for lbfgs or an unknown name."""
    solver = SOLVERS[est.solver]
    if not isinstance(solver, StochasticSolver):
        raise KeyError(est.solver)
    return solver.make_optimizer(est)
