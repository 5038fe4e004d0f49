"""The estimators' stochastic training (every solver but lbfgs), by scikit-learn's rules.

Functions of the estimator (``est``): the epoch loop with scikit-learn's shuffling, batch
sizes, validation split, stopping count and learning-rate changes between epochs, plus
glassnet's callbacks, ``restore_best_weights`` and ``validation_loss_curve_``. Each batch is
the engine's ``train_step`` (see :func:`glassnet._estimator_training.run_epoch`); and
:func:`make_optimizer`, the engine optimizer a ``solver`` stands for.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._estimator_training import evaluate_loss, run_epoch
from .callbacks import TrainingState, as_callbacks, overrides_batch_hooks
from .optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .training import History


def fit_stochastic(
    est: Any, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, incremental: bool
) -> None:
    """Train ``est.network_`` with a stochastic solver by scikit-learn's rules, calling the
    callbacks; with early stopping or ``restore_best_weights``, end with the best weights."""
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_optimizer(est)
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    if (est.validation_scores_ is not None) != bool(est.early_stopping):
        est._reset_stopping()  # early_stopping switched since the last fit: start afresh
    hooks = as_callbacks(est.callbacks)
    train, validation = split(est, x, y, w)
    est._best_weights = est.network_.get_weights()
    state = TrainingState(est.network_, est._optimizer, History(planned_epochs=est.max_iter))
    state.n_samples = train[0].shape[0]
    for hook in hooks:
        hook.on_train_begin(state)
    try:
        run_epochs(est, train, validation, incremental, hooks, state)
        if est.early_stopping or (est.restore_best_weights and not incremental):
            est.network_.set_weights(est._best_weights)
    finally:  # after the restore: a callback's on_train_end has the last word
        for hook in hooks:
            hook.on_train_end(state)


def run_epochs(
    est: Any, train: Any, validation: Any, incremental: bool, hooks: list[Any], state: Any
) -> None:
    """scikit-learn's epoch loop, with the callbacks' hooks around each epoch."""
    n_samples = train[0].shape[0]
    batch_size = resolve_batch_size(est, n_samples)
    batch_hooks = [hook for hook in hooks if overrides_batch_hooks(hook)]
    order = np.arange(n_samples)
    est.n_iter_ = 0
    for epoch in range(est.max_iter):
        state.epoch = epoch
        for hook in hooks:
            hook.on_epoch_begin(state)
        state.history.learning_rate.append(est._optimizer.current_learning_rate)
        if est.shuffle:  # scikit-learn's utils.shuffle: one RandomState.shuffle per epoch
            permutation = np.arange(n_samples)
            est._random_state.shuffle(permutation)
            order = order[permutation]
        est.loss_ = run_epoch(
            est.network_, est._optimizer, est._penalty, train, order if est.shuffle else None,
            batch_size, batch_hooks, state, est._loss_divisor(),
        )  # fmt: skip
        end_epoch(est, validation, n_samples, hooks, state)
        # a callback said stop, scikit-learn's rule (which may instead divide an adaptive rate
        # by 5, even in partial_fit: evaluated before `incremental`), or partial_fit's one pass
        if state.stop_training or est_converged(est) or incremental:
            break
        if est.n_iter_ == est.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and "
                "the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=5,
            )


def end_epoch(est: Any, validation: Any, n_samples: int, hooks: list[Any], state: Any) -> None:
    """scikit-learn's bookkeeping after an epoch, then the callbacks' ``on_epoch_end``."""
    est.n_iter_ += 1
    est.t_ += n_samples
    est.loss_curve_.append(est.loss_)
    if est.verbose:
        print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
    state.logs = update_no_improvement_count(est, validation)
    end_of_epoch_learning_rate(est)
    state.history.record(state.logs)
    for hook in hooks:
        hook.on_epoch_end(state)


def est_converged(est: Any) -> bool:
    """scikit-learn's stopping rule: ``n_iter_no_change`` epochs without improvement."""
    return bool(est._no_improvement_count > est.n_iter_no_change and should_stop(est))


def resolve_batch_size(est: Any, n_samples: int) -> int:
    if est.batch_size == "auto":
        return min(200, n_samples)
    if not isinstance(est.batch_size, (int, np.integer)) or isinstance(est.batch_size, bool):
        raise ValueError(f"batch_size must be 'auto' or an int, got {est.batch_size!r}")
    if est.batch_size < 1 or est.batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
            stacklevel=6,
        )
    return int(np.clip(est.batch_size, 1, n_samples))


def split(est: Any, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> tuple[Any, Any]:
    """scikit-learn's validation split (stratified for single-output classifiers)."""
    if not est.early_stopping:
        return (x, y, w), None
    stratify = y if est._stratify() else None
    arrays = [x, y] if w is None else [x, y, w]
    parts = train_test_split(
        *arrays,
        random_state=est._random_state,
        test_size=float(est.validation_fraction),  # scikit-learn refuses NumPy floats here
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


def update_no_improvement_count(est: Any, validation: Any) -> dict[str, float]:
    """scikit-learn's rule: no improvement when the score is below ``best + tol`` (early
    stopping) or the loss above ``best - tol``. Returns the epoch's logs for callbacks."""
    logs = {"loss": float(est.loss_)}
    if validation is not None:
        x_val, y_val, w_val, y_encoded = validation
        score = est._validation_score(x_val, y_val, w_val)
        val_loss = evaluate_loss(
            est.network_, est._penalty, x_val, y_encoded, w_val, est._loss_divisor()
        )
        assert est.validation_scores_ is not None and est.best_validation_score_ is not None
        assert est.validation_loss_curve_ is not None
        est.validation_scores_.append(score)
        est.validation_loss_curve_.append(val_loss)
        logs.update(val_loss=val_loss, val_score=score)
        if est.verbose:
            print(f"Validation score: {score:f}")
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
    return logs


def end_of_epoch_learning_rate(est: Any) -> None:
    if est.solver == "sgd" and est.learning_rate == "invscaling":
        est._optimizer.learning_rate = est.learning_rate_init / (est.t_ + 1) ** est.power_t


def should_stop(est: Any) -> bool:
    """Stop, unless sgd with 'adaptive' can still divide its rate by 5 (floor 1e-6)."""
    adaptive = est.solver == "sgd" and est.learning_rate == "adaptive"
    if adaptive and est._optimizer.current_learning_rate > 1e-6:
        est._optimizer.learning_rate = est._optimizer.current_learning_rate / 5.0
        est._no_improvement_count = 0
        return False
    return True


def make_optimizer(est: Any) -> Optimizer:
    """The engine's optimizer for ``solver``; 'sgd' and 'adam' are scikit-learn's rules,
    the others are glassnet's additions (with their usual defaults besides the rate)."""
    rate, eps = est.learning_rate_init, est.epsilon
    if est.solver == "sgd":
        nesterov = bool(est.nesterovs_momentum) and est.momentum > 0
        return SGD(rate, momentum=est.momentum, nesterov=nesterov)
    factories: dict[str, Any] = {
        "adam": lambda: Adam(rate, est.beta_1, est.beta_2, eps),
        "adamw": lambda: AdamW(rate, est.beta_1, est.beta_2, eps),
        "rmsprop": lambda: RMSprop(rate, epsilon=eps),
        "adagrad": lambda: Adagrad(rate),
        "adadelta": lambda: Adadelta(rate),
    }
    optimizer: Optimizer = factories[est.solver]()
    return optimizer
