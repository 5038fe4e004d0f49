"""The shared core of :class:`~glassnet.MLPClassifier` and :class:`~glassnet.MLPRegressor`.

Parameters, defaults and meanings are scikit-learn's. The model is a :class:`glassnet.Network`
(``network_``); ``coefs_`` and ``intercepts_`` are live views of its weights and biases.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted, validate_data

from ..checks import as_dtype, describe
from ..layers import Dense, Dropout
from ..losses import get_loss
from ..network import Network
from ..regularizers import L1
from ..training import TrainingDiverged
from .architecture import check_architecture
from .lbfgs import LBFGSSolver
from .params import (
    ACTIVATIONS,
    cast,
    check_parameters,
    copy_into,
    real_sample_weight,
)
from .stochastic import SOLVERS, Solver
from .training import BatchL2, Remembered

# scikit-learn's MLP accepts these sparse formats; the first Dense layer multiplies them
SPARSE = ["csr", "csc"]

# scikit-learn's text (its users may match on it); glassnet's own explanation may follow
NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)

# every solver name, resolved to its object once per fit (check_parameters checked the name)
_SOLVERS: dict[str, Solver] = {**SOLVERS, "lbfgs": LBFGSSolver()}


class BaseMLP(BaseEstimator):
    """scikit-learn's MLP parameters on a glassnet network; see the public subclasses.

    Its solver (:class:`glassnet.estimators.stochastic.Solver`) trains ``network_``; the fitted
    attributes the solvers read and write are declared here.
    """

    network_: Network
    n_iter_: int
    t_: int
    loss_: float
    loss_curve_: list[float]
    best_loss_: float | None
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    validation_loss_curve_: list[float] | None
    _optimizer: Any
    _penalty: BatchL2
    _random_state: np.random.RandomState
    _best_weights: list[np.ndarray]
    _no_improvement_count: int

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
    ) -> None:
        self.output_activation = output_activation
        self.restore_best_weights = restore_best_weights
        self.callbacks = callbacks
        self.l1 = l1
        self.dropout = dropout
        self.dtype = dtype
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # ------------------------------------------------------------- live parameters
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices, ``coefs_[i]`` of shape (n_units[i], n_units[i+1]); live views."""
        return [layer.weights.value for layer in self._dense()]

    @coefs_.setter
    def coefs_(self, values: list[Any]) -> None:
        copy_into([layer.weights for layer in self._dense()], values, "coefs_")

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, ``intercepts_[i]`` of shape (n_units[i+1],); live views."""
        return [layer.bias.value for layer in self._dense()]

    @intercepts_.setter
    def intercepts_(self, values: list[Any]) -> None:
        copy_into([layer.bias for layer in self._dense()], values, "intercepts_")

    @property
    def n_layers_(self) -> int:
        return len(self._dense()) + 1

    def _dense(self) -> list[Dense]:
        if "network_" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no parameters before fit")
        return [layer for layer in self.network_.layers if isinstance(layer, Dense)]

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle; parameters loaded from a read-only memory map become writable copies."""
        self.__dict__.update(state)
        for layer in self._dense() if "network_" in state else []:
            for parameter in layer.parameters():
                if not parameter.value.flags.writeable:
                    parameter.value = parameter.value.copy()
                if not parameter.grad.flags.writeable:
                    parameter.grad = parameter.grad.copy()
            layer._workspace.clear()

    # ------------------------------------------------------------- model files
    def save(self, path: Any) -> None:
        """Write the fitted estimator to a model file (safetensors, as ``save_network``; no
        pickle): parameters, fitted attributes and the training state, so that training
        after :meth:`load` continues exactly as here. Callbacks are not saved."""
        from .files import save_estimator

        save_estimator(path, self)

    @classmethod
    def load(cls, path: Any) -> Any:
        """Read an estimator written by :meth:`save`; ``ValueError`` for any other file."""
        from .files import load_estimator

        return load_estimator(cls, path)

    # ------------------------------------------------------------- building the network
    def _hidden_activations(self, n_hidden: int) -> list[str]:
        activation = self.activation
        if isinstance(activation, str):
            names = [activation] * n_hidden
        else:
            names = list(activation) if isinstance(activation, (list, tuple)) else []
        if len(names) != n_hidden or any(
            not isinstance(n, str) or n not in ACTIVATIONS for n in names
        ):
            raise InvalidParameterError(  # a ValueError (and TypeError), as scikit-learn's
                f"activation must be one of {sorted(ACTIVATIONS)} or a list of {n_hidden} of "
                f"them (one per hidden layer), got {describe(activation)}"
            )
        return names

    def _build_network(self, units: list[int], dtype: np.dtype) -> Network:
        """scikit-learn's initialization: every weight and bias ``~ U(-r, r)``,
        ``r = √(f / (fan_in + fan_out))`` with ``f = 2`` for logistic and 6 otherwise,
        drawn layer by layer (weights, then bias) from ``self._random_state``."""
        hidden = self._hidden_activations(len(units) - 2)
        activations = [ACTIVATIONS[a] for a in hidden] + [self._output_activation()]
        layers: list[Any] = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(units)):
            # scikit-learn's factor follows the hidden activation (``self.activation`` when
            # hidden_layer_sizes=() leaves no hidden layer)
            activation = hidden[min(i, len(hidden) - 1)] if hidden else self.activation
            factor = 2.0 if activation == "logistic" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            w = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            b = self._random_state.uniform(-bound, bound, fan_out)
            layers.append(Dense(fan_in, fan_out, activations[i], weights=w, bias=b, dtype=dtype))
            if self.dropout and i < len(hidden):  # after each hidden layer, never the output
                layers.append(Dropout(self.dropout, rng=self._random_state.randint(2**31)))
        return Network(layers, loss=self._loss_name(), penalties=self._make_penalties())

    def _make_penalties(self) -> list[Any]:
        """scikit-learn's L2 (``alpha``), then glassnet's ``l1`` if any."""
        self._penalty = BatchL2(self.alpha)
        return [self._penalty, *([Remembered(L1(self.l1))] if self.l1 else [])]

    def _loss_divisor(self) -> int:
        """What scikit-learn divides the data term of its reported loss by (see
        :func:`glassnet.estimators.training.reported_loss`): 1 but for a multi-output
        regressor's squared error."""
        return 1

    # ------------------------------------------------------------- fitting
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> BaseMLP:
        sizes = check_parameters(self)
        first_pass = "network_" not in self.__dict__ or not (self.warm_start or incremental)
        x, y2 = self._validate_input(X, y, incremental, reset=first_pass)
        with np.errstate(invalid="ignore", over="ignore"):  # see _validate_xy
            w = None if sample_weight is None else real_sample_weight(sample_weight, x)
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            dtype = x.dtype if self.dtype is None else as_dtype(self.dtype)
            self.network_ = self._build_network([x.shape[1], *sizes, y2.shape[1]], dtype)
            self.n_iter_, self.t_ = 0, 0
            self.n_outputs_ = y2.shape[1]
            self._reset_curves()
        self._use_current_loss()
        if not first_pass:
            self._check_continuation()
        dtype = self.network_.dtype
        x, y2 = cast(x, dtype, "X"), cast(y2, dtype, "y")
        w = self._weigh_classes(y2, w, incremental)
        w = None if w is None else cast(w, dtype, "sample_weight")
        self._penalty.alpha = self.alpha
        try:  # overflow shows up as TrainingDiverged or non-finite weights, not as warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self._solver().fit(self, x, y2, w, incremental)
        except TrainingDiverged as error:
            raise ValueError(
                f"{NON_FINITE} glassnet stopped training: {error} (learning_rate_init="
                f"{self.learning_rate_init!r}); the network keeps its last finite parameters."
            ) from None
        if not all(np.isfinite(p.value).all() for p in self.network_.parameters()):
            raise ValueError(NON_FINITE)
        return self

    def _solver(self) -> Solver:
        """The object ``solver`` names (checked by ``check_parameters``), resolved once per fit."""
        return _SOLVERS[self.solver]

    def _use_current_loss(self) -> None:
        """Check ``loss`` at every fit. A warm start after ``set_params(loss=...)`` trains on
        the new loss (the parameters are the truth, as in scikit-learn), with fresh stopping
        bookkeeping: the old loss's best is no yardstick for the new one."""
        name = self._loss_name()
        if self.network_.loss_function.name != name:
            self.network_.loss_function = get_loss(name)
            self._reset_stopping()

    def _check_continuation(self) -> None:
        """``warm_start`` and ``partial_fit`` train on in the fitted network: the parameters
        that shape it must not have changed since (``loss`` may: see _use_current_loss)."""
        try:
            check_architecture(self, self.network_, "fitted network")
        except ValueError as error:
            raise ValueError(
                f"{error}: warm_start and partial_fit continue training the fitted network; "
                "use warm_start=False (fit) to build a new one"
            ) from None

    def _weigh_classes(self, y: np.ndarray, w: np.ndarray | None, incremental: bool) -> Any:
        """Sample weights times class weights; the regressor has none."""
        return w

    def _reset_curves(self) -> None:
        self.loss_curve_: list[float] = []
        self._reset_stopping()

    def _reset_stopping(self) -> None:
        """Fresh stopping bookkeeping for the current ``early_stopping``: a held-out score
        and loss curve with it, the best training loss without it."""
        self.validation_loss_curve_: list[float] | None = [] if self.early_stopping else None
        self._no_improvement_count = 0
        self.validation_scores_: list[float] | None = [] if self.early_stopping else None
        self.best_validation_score_: float | None = -np.inf if self.early_stopping else None
        self.best_loss_: float | None = None if self.early_stopping else np.inf

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # CSR and CSC, as scikit-learn's MLP
        return tags

    # ------------------------------------------------------------- prediction
    def _forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "network_")
        with np.errstate(invalid="ignore", over="ignore"):  # see _validate_xy
            x = validate_data(
                self, X, accept_sparse=SPARSE, dtype=(np.float64, np.float32), reset=False
            )
        return self.network_.predict(cast(x, self.network_.dtype, "X"))

    def _validation_score(self, x: np.ndarray, y: Any, w: np.ndarray | None) -> float:
        """``score`` on held-out arrays that ``fit`` has validated already, as scikit-learn's
        early stopping scores them: no second input check (which, after a DataFrame fit,
        would warn that the array has no feature names). Each estimator class scores in
        ``_score_predictions``, as its ``score`` does: accuracy, or R²."""
        try:
            predicted = self.network_.predict(x)
        except ValueError:  # outputs overflowed: scikit-learn scores non-finite outputs NaN
            return float("nan")
        return self._score_predictions(y, self._decode_output(predicted), w)

    def _validate_xy(self, X: Any, y: Any, reset: bool, **kwargs: Any) -> tuple[Any, Any]:
        # scikit-learn checks finiteness with a sum: inf + -inf makes it warn "invalid value
        # encountered in reduce" before it raises its clear "Input X contains infinity"
        with np.errstate(invalid="ignore", over="ignore"):
            x, y = validate_data(
                self, X, y, reset=reset, accept_sparse=SPARSE, dtype=(np.float64, np.float32),
                **kwargs,
            )  # fmt: skip
        # the loop takes rows (x[rows]): CSR's; a copy the size of the non-zeros for CSC
        return (x.tocsr() if issparse(x) else x), y
