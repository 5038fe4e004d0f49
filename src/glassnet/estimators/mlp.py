"""Drop-in replacements for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``.

Change ``from sklearn.neural_network import MLPClassifier`` to ``from glassnet import
MLPClassifier``: same parameters, defaults, fitted attributes and training rules. With the same
``random_state`` the initial weights, the shuffling order and the validation split are
scikit-learn's, so sgd and adam follow scikit-learn's trajectory to rounding error.

The fitted model is a :class:`glassnet.Network` in ``network_``; ``coefs_`` and
``intercepts_`` are live views of its parameters (``warm_start=True`` continues from them).

Deliberate differences from scikit-learn
----------------------------------------
* ``activation`` may be a list, one name per hidden layer.
* ``solver`` may also be ``'adamw'``, ``'rmsprop'``, ``'adagrad'`` or ``'adadelta'`` (the
  engine's optimizers, with ``learning_rate_init``; rmsprop also uses ``epsilon``).
* Extra parameters, off by default: ``l1`` (``l1 Σ|W|`` added to every batch loss, via
  :class:`glassnet.regularizers.L1`), ``dropout`` (a :class:`glassnet.Dropout` of that rate
  after each hidden layer) and ``dtype`` (the network's precision; default: ``X``'s).
* More extras, off by default:

  - ``output_activation``: the output layer's activation instead of scikit-learn's choice.
  - ``loss``: the classifier's ``'log_loss'`` (default) or ``'squared_error'``; the regressor's
    ``'squared_error'`` (default), ``'absolute_error'`` or ``'huber'`` (δ = 1).
  - ``class_weight`` (classifier): a dict ``{label: weight}`` or ``'balanced'``
    (``n_samples / (n_classes · count(label))``), multiplied into ``sample_weight`` (the
    engine's :func:`glassnet.heldout.class_weight_to_sample_weight`). With
    ``early_stopping`` the held-out score and loss are weighted too.
  - ``restore_best_weights``: without ``early_stopping``, ``fit`` ends with the parameters
    after the epoch with the lowest training loss (with ``early_stopping`` scikit-learn
    already restores the best validation score's). Not used by ``partial_fit`` or lbfgs.
  - ``callbacks``: None, a :class:`glassnet.callbacks.Callback` or a list or tuple of them
    (:func:`glassnet.fit`'s rule, :func:`glassnet.callbacks.as_callbacks`); sgd/adam-style
    solvers call their hooks with a :class:`~glassnet.callbacks.TrainingState` whose ``logs``
    hold ``loss`` (and ``val_loss``, ``val_score`` with ``early_stopping``). A callback may
    set ``state.stop_training`` (no ``ConvergenceWarning`` then) or
    ``state.optimizer.learning_rate``. lbfgs calls no callbacks (``fit`` warns if
    there are any). ``partial_fit`` calls all
    hooks for its one epoch; ``clone`` (so ``GridSearchCV``) fits copies of the callbacks.

* ``validation_loss_curve_``: with ``early_stopping``, the loss (penalty included) on the
  held-out data after each epoch; None otherwise.
* After ``fit``, ``network_.loss(X, y)`` divides the ``alpha`` penalty by ``len(X)``, the
  batch being evaluated (training divides by each batch's weight sum, as scikit-learn).
* The regressor's network loss is ``½ Σ_j (y_j - p_j)²`` per sample (mean over samples): its
  gradient is exactly scikit-learn's. scikit-learn reports that loss averaged over the outputs
  instead, and so do ``loss_``, ``loss_curve_``, ``best_loss_``, ``validation_loss_curve_`` and
  the ``tol`` rule here (so a multi-output fit stops at scikit-learn's epoch); only
  ``network_.loss(X, y)`` is ``n_outputs`` times that.
* A ``warm_start`` fit (or ``partial_fit``) after ``set_params`` switched ``early_stopping``
  starts its stopping bookkeeping afresh (``validation_scores_``, ``best_validation_score_``,
  ``validation_loss_curve_``, ``best_loss_`` and the count); scikit-learn fails there. After
  ``set_params(loss=...)`` it trains on the new loss (``loss`` is checked at every fit),
  with fresh stopping bookkeeping too. After ``set_params`` of what shapes the network
  (``hidden_layer_sizes``, ``activation``, ``output_activation``, ``dropout``, ``dtype``), a
  ``warm_start`` fit, ``partial_fit`` and ``save`` raise a ValueError naming the parameter:
  the fitted network is not what the parameters describe (``warm_start=False`` builds anew).
* The classifier's ``loss_`` is the log-loss computed from the logits; scikit-learn clips the
  probabilities to ``[eps, 1 - eps]``, so the two differ once predictions saturate (the
  gradients, hence the weights, do not).
* After a diverging fit the network keeps its last finite parameters (scikit-learn's are NaN);
  a classifier whose outputs are not finite scores NaN on held-out data (scikit-learn scores
  the labels its NaN outputs decode to).

As in scikit-learn: sparse ``X`` (CSR/CSC, matrix or array; only the first layer sees it, see
:mod:`glassnet.sparse`), ``MLPRegressor(loss='poisson')``, the parameter constraints
(``_parameter_constraints``, scikit-learn's own) and a divergence's warnings and errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier as ScikitLearnClassifier
from sklearn.neural_network import MLPRegressor as ScikitLearnRegressor
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from ..heldout import class_labels, class_weight_to_sample_weight
from .base import BaseMLP
from .params import class_weight_by_index, classifier_output_activation, parameter_constraints

# scikit-learn-style names -> the engine's names
REGRESSION_LOSSES = {
    "squared_error": "half_squared_error",
    "absolute_error": "mean_absolute_error",
    "huber": "huber",
    "poisson": "half_poisson_deviance",
}
OUTPUT_ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "softmax": "softmax",
    "exp": "exp",
}


def _is_stochastic(estimator: BaseMLP) -> bool:
    """``partial_fit`` exists for sgd and adam only (one epoch has no meaning for L-BFGS)."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers; {estimator.solver!r} "
            "is not stochastic"
        )
    return True


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier trained with log-loss (scikit-learn's parameters).

    Binary targets get one logistic output, multiclass a softmax output, multilabel (a 0/1
    indicator matrix) one logistic output per label. Labels may be of any type (strings too).
    Loss per batch: ``-Σ y log p / s + ½ α Σ‖W‖² / s`` with ``s`` the batch's weight sum.

    Besides scikit-learn's parameters (see the module docstring for all extras):

    loss : {'log_loss', 'squared_error'}, default 'log_loss'
        ``'squared_error'`` is ``½ Σ_k (y_k - p_k)²`` on the predicted probabilities.
    output_activation : {None, 'logistic', 'softmax'}, default None
        None is scikit-learn's choice; 'logistic' on a multiclass target gives one-vs-rest
        outputs (``predict_proba`` normalises their rows to sum 1); 'softmax' needs 3+ classes.
    class_weight : dict {label: weight}, 'balanced' or None, default None
        Not for multilabel targets; ``partial_fit`` accepts only a dict.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=2000, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict[str, Any] = parameter_constraints(
        ScikitLearnClassifier,
        loss=[StrOptions({"log_loss", "squared_error"})],
        class_weight="no_validation",
    )

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        l1: float = 0.0,
        dropout: float = 0.0,
        dtype: Any = None,
        output_activation: str | None = None,
        restore_best_weights: bool = False,
        callbacks: Any = None,
        loss: str = "log_loss",
        class_weight: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            l1=l1,
            dropout=dropout,
            dtype=dtype,
            output_activation=output_activation,
            restore_best_weights=restore_best_weights,
            callbacks=callbacks,
        )
        self.loss = loss
        self.class_weight = class_weight

    def _loss_name(self) -> str:
        if self.loss not in ("log_loss", "squared_error"):
            raise ValueError(f"loss must be 'log_loss' or 'squared_error', got {self.loss!r}")
        if self.loss == "squared_error":  # ½ Σ (y - p)² on the probabilities (Brier-like)
            return "half_squared_error"
        if self.out_activation_ == "logistic":
            return "binary_cross_entropy"
        return "categorical_cross_entropy"

    def _output_activation(self) -> str:
        return "sigmoid" if self.out_activation_ == "logistic" else "softmax"

    def _weigh_classes(self, y: np.ndarray, w: np.ndarray | None, incremental: bool) -> Any:
        """``sample_weight`` times ``class_weight[class of the sample]`` (the engine's rule)."""
        if self.class_weight is None:
            return w
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets, got one")
        if incremental and isinstance(self.class_weight, str):
            raise ValueError(
                f"class_weight={self.class_weight!r} is not supported by partial_fit (one "
                "chunk's class counts are not the data's); pass a dict {label: weight}"
            )
        extra = class_weight_to_sample_weight(
            class_weight_by_index(self.class_weight, self.classes_),
            class_labels(y),
            max(len(self.classes_), 1),
        )
        return extra if w is None else w * extra

    def _stratify(self) -> bool:
        return self.n_outputs_ == 1

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        x, y = self._validate_xy(X, y, reset, multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        # scikit-learn's type_of_target casts float labels to int64 to see whether they are
        # whole numbers; labels beyond int64 (2**63) make that cast warn, though its answer is
        # right. Only that cast's warning is silenced; bad labels still raise.
        with np.errstate(invalid="ignore", over="ignore"):
            return self._encode_labels(x, y, incremental, reset)

    def _encode_labels(self, x: np.ndarray, y: np.ndarray, incremental: bool, reset: bool) -> Any:
        if reset and not incremental:
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        elif incremental and not hasattr(self, "classes_"):
            raise ValueError("classes must be passed on the first call to partial_fit")
        elif self.warm_start and not incremental:
            if set(unique_labels(y)) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has "
                    f"{unique_labels(y)}"
                )
        elif not set(unique_labels(y)) <= set(self.classes_):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {unique_labels(y)}."
            )
        self.out_activation_ = classifier_output_activation(
            self.output_activation, self._label_binarizer.y_type_
        )
        return x, self._label_binarizer.transform(y).astype(x.dtype)

    def _decode(self, y: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(y)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Fit the model to ``X`` (n_samples, n_features) and labels ``y``."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_is_stochastic)
    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> MLPClassifier:
        """One epoch over ``X``, ``y``; ``classes`` (all labels) is required on the first call."""
        if "network_" not in self.__dict__ or not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self.classes_ = np.unique(np.asarray(classes))
            with np.errstate(invalid="ignore", over="ignore"):  # see _validate_input
                self._label_binarizer = LabelBinarizer().fit(self.classes_)
                if type_of_target(y) == "multilabel-indicator":
                    self._label_binarizer = LabelBinarizer().fit(y)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call ({self.classes_!r})"
            )
        return self._fit(X, y, sample_weight, incremental=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes)."""
        p = self._forward(X)
        if p.shape[1] == 1 and len(self.classes_) <= 2:
            return np.hstack([1.0 - p, p])
        if self.out_activation_ == "logistic" and self._label_binarizer.y_type_ == "multiclass":
            return p / np.maximum(p.sum(axis=1, keepdims=True), np.finfo(p.dtype).tiny)
        return p

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log`` of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The predicted labels (an indicator matrix for multilabel targets)."""
        return self._decode_output(self._forward(X))

    def _decode_output(self, p: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(p.ravel() if self.n_outputs_ == 1 else p)

    def _score_predictions(self, y: Any, predicted: np.ndarray, w: np.ndarray | None) -> float:
        """Accuracy, as :meth:`score` (scikit-learn's early stopping scores with it)."""
        return float(accuracy_score(y, predicted, sample_weight=w))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor: identity output and squared error, or exp output and
    half Poisson deviance (scikit-learn's parameters). Loss per batch: ``½ Σ_j (y_j - p_j)²``
    averaged over samples, plus ``½ α Σ‖W‖² / s``.

    Besides scikit-learn's parameters (see the module docstring for all extras):

    loss : {'squared_error', 'poisson', 'absolute_error', 'huber'}, default 'squared_error'
        Per sample ``½ Σ_j r_j²``, ``mean_j |r_j|`` or ``mean_j huber(r_j)`` with
        ``r = p - y`` and ``huber(r) = ½ r²`` if ``|r| <= 1`` else ``|r| - ½``. 'poisson' is
        scikit-learn's: half the Poisson deviance ``Σ_j y_j log(y_j / p_j) - y_j + p_j`` with
        the log link (an ``exp`` output); it requires ``y >= 0``.
    output_activation : {None, 'identity', 'logistic', 'sigmoid', 'tanh', 'relu', 'softmax', 'exp'}
        None is scikit-learn's 'identity' ('exp' for 'poisson'); e.g. 'logistic' keeps
        predictions in (0, 1).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(hidden_layer_sizes=(20,), solver="lbfgs", alpha=1.0, max_iter=2000,
    ...                    random_state=0)
    >>> reg.fit(X, y / 100).score(X, y / 100) > 0.4
    True
    """

    _parameter_constraints: dict[str, Any] = parameter_constraints(
        ScikitLearnRegressor, loss=[StrOptions(set(REGRESSION_LOSSES))]
    )
    out_activation_ = "identity"
    _y_was_1d: bool = True

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        l1: float = 0.0,
        dropout: float = 0.0,
        dtype: Any = None,
        output_activation: str | None = None,
        restore_best_weights: bool = False,
        callbacks: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            l1=l1,
            dropout=dropout,
            dtype=dtype,
            output_activation=output_activation,
            restore_best_weights=restore_best_weights,
            callbacks=callbacks,
        )
        self.loss = loss

    def _loss_name(self) -> str:
        if self.loss not in REGRESSION_LOSSES:
            raise ValueError(f"loss must be one of {sorted(REGRESSION_LOSSES)}, got {self.loss!r}")
        return REGRESSION_LOSSES[self.loss]

    def _output_activation(self) -> str:
        """scikit-learn's link (identity; exp for ``loss='poisson'``) unless overridden."""
        link = "exp" if self.loss == "poisson" else "identity"
        choice = link if self.output_activation is None else self.output_activation
        if choice not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation must be None or one of {sorted(OUTPUT_ACTIVATIONS)}, "
                f"got {self.output_activation!r}"
            )
        self.out_activation_ = {"sigmoid": "logistic"}.get(choice, choice)
        return OUTPUT_ACTIVATIONS[choice]

    def _stratify(self) -> bool:
        return False

    def _loss_divisor(self) -> int:
        return self.n_outputs_ if self.loss == "squared_error" else 1

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        x, y = self._validate_xy(X, y, reset, multi_output=True, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        y = np.asarray(y, dtype=x.dtype)
        if self.loss == "poisson" and (y < 0).any():  # scikit-learn documents it, then gets nan
            raise ValueError(
                f"loss='poisson' requires y >= 0 (counts or rates), got a minimum of {y.min():g}"
            )
        self._y_was_1d = y.ndim == 1 if reset else self._y_was_1d
        return x, y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode(self, y: np.ndarray) -> np.ndarray:
        return y.ravel() if self._y_was_1d else y

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Fit the model to ``X`` (n_samples, n_features) and targets ``y``."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_is_stochastic)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``X``, ``y``, continuing from the current parameters."""
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, shape (n_samples,) or (n_samples, n_outputs)."""
        return self._decode_output(self._forward(X))

    def _decode_output(self, p: np.ndarray) -> np.ndarray:
        return p.ravel() if p.shape[1] == 1 and self._y_was_1d else p

    def _score_predictions(self, y: Any, predicted: np.ndarray, w: np.ndarray | None) -> float:
        """R², as :meth:`score` (scikit-learn's early stopping scores with it)."""
        return float(r2_score(y, predicted, sample_weight=w))
