"""Steps 2-7: :func:`fit`, the engine's configuration of THE epoch loop, which runs one
training step (:func:`train_step`, steps 2-5, defined in :mod:`glassnet.step`) on each batch.

The design (issue 16): there is one epoch loop, :class:`glassnet.loop.Training`. It owns
batching and shuffling, the epoch's logs (validation data or split and metrics, measured by the
``measure`` it is given), stopping, restoring the best weights, callbacks, progress,
divergence (``TrainingDiverged`` with the last finite parameters restored) and interruption (a
``KeyboardInterrupt`` mid-epoch puts back the last completed epoch's parameters, sets
``History.interrupted`` and is raised again for the caller to decide). It can be stepped from
outside: ``for logs in Training(...).epochs(): ...`` yields after every epoch, so a front end
may stop it (``training.stop()``), save or redraw between epochs; :func:`fit` is
``Training(...).run()`` and ``Network.partial_fit`` is one pass of it.

Front ends differ only in configuration, objects resolved once at their door, so no loop asks
which solver it runs: a batch order (``Shuffled(rng)``, the engine's Generator permutation;
scikit-learn's ``RandomState.shuffle`` order for the estimators), a stopping rule (the engine's
``tol``/``patience`` on ``monitor`` as the :class:`~glassnet.callbacks.EarlyStopping`
callback; scikit-learn's ``n_iter_no_change`` rule, which with ``'adaptive'`` divides the rate
by 5 instead, as a :class:`glassnet.loop.StoppingRule`), a learning-rate rule at the epoch's
end (scikit-learn's ``invscaling`` as :class:`glassnet.schedules.EpochEnd`), and the step of one
batch (``train_step`` by default; a front end whose data lives elsewhere passes a
:class:`glassnet.loop.BatchSource` and a step that computes the gradient there and applies the
optimizer). See :mod:`glassnet.loop` for the table of what each front end plugs in.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .batches import batch_rows, check_batch_size
from .callbacks import Callback, EarlyStopping, ProgressLog, as_callbacks
from .checks import as_rng, check_bool, check_int, describe, typed
from .fullbatch import FullBatchMethod, is_full_batch, refuse_callbacks, refuse_epoch_options
from .heldout import epoch_logs, prepare_datasets, resolve_metrics
from .history import History
from .loop import IN_ORDER, Shuffled, Training
from .optimizers import SGD, Optimizer, as_optimizer
from .step import TrainingDiverged, train_step
from .stopping import check_stopping

if TYPE_CHECKING:
    from .network import Network

__all__ = [  # train_step and TrainingDiverged live in glassnet.step, below the loop
    "FIT_DEFAULTS",
    "History",
    "TrainingDiverged",
    "check_verbose",
    "fit",
    "fit_callbacks",
    "resolve_optimizer",
    "train_step",
]


def fit(
    network: Network,
    X: Any,
    Y: Any,
    optimizer: Optimizer | FullBatchMethod | None = None,
    epochs: int = 1,
    batch_size: int | None = 32,
    shuffle: bool = True,
    rng: Any = None,
    tol: float | None = None,
    patience: int = 10,
    sample_weight: Any = None,
    class_weight: Any = None,
    validation_data: tuple[Any, ...] | None = None,
    validation_split: float = 0.0,
    metrics: Sequence[Any] = (),
    callbacks: Callback | Sequence[Callback] | None = (),
    restore_best_weights: bool = False,
    monitor: str | None = None,
    verbose: bool | int = False,
) -> History:
    """Train ``network`` on ``X``, ``Y``: steps 2-5 on each batch, for ``epochs`` epochs.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_inputs)
    Y : array-like, shape (n_samples, n_outputs); 1-D integer labels are one-hot encoded
        for a multi-output cross-entropy network.
    optimizer : Optimizer, optional
        Default: the optimizer of the previous ``fit`` (its state kept, so training continues
        where it stopped), or ``SGD()`` (its default rate, 0.01). A full-batch method
        (one with ``fit_full_batch``, see :mod:`glassnet.fullbatch`, such as
        :class:`glassnet.lbfgs.LBFGS`) trains on all of ``X`` with its own stopping rule;
        each of its iterations is logged as an epoch (``loss``; ``val_loss`` and ``metrics``
        when asked for), and data, weights, validation and ``rng`` (the split) work as here.
        Options of the epoch loop, which it does not have, are a ``ValueError`` when set,
        never silently skipped: ``epochs``, ``batch_size`` (None is allowed: full batch),
        ``tol``, ``patience``, ``restore_best_weights``, ``monitor``, ``verbose`` and any
        ``callbacks``. ``shuffle`` has no effect on a full batch.
    epochs : int
        Passes over the data, unless a stopping rule or callback ends training earlier.
    batch_size : int or None
        Samples per step; 1 is online learning, None is full batch.
    shuffle : bool
        Visit the samples in a new random order every epoch.
    rng : int, Generator or None
        The run's randomness: shuffling, the validation split and dropout masks (layers
        without a generator of their own). A seed repeats the run bit for bit.
    tol, patience : float or None, int
        Step 6, convergence: stop when ``monitor`` has not improved by more than ``tol`` for
        ``patience`` epochs in a row. ``tol=None`` (default) never stops early. (L-BFGS's
        own gradient tolerance is ``LBFGS(tol=...)``, not this one.)
    sample_weight : array-like, shape (n_samples,), optional
        Each sample's weight in the loss (a weighted mean).
    class_weight : dict or "balanced", optional
        Weight of each class (0 to n_classes - 1), multiplied into ``sample_weight``;
        ``"balanced"`` is ``n_samples / (n_classes · count(class))``.
    validation_data : (X_val, Y_val) or (X_val, Y_val, sample_weight_val), optional
    validation_split : float in [0, 1)
        Hold out this share of the samples instead (stratified for classification, drawn with
        ``rng``). Ignored when ``validation_data`` is given.
    metrics : sequence of str or callable
        ``"accuracy"``, ``"mse"``, ``"mae"`` or ``f(y_pred, y) -> float``, recorded per epoch.
    callbacks : Callback, list or tuple of Callback, or None
        See :mod:`glassnet.callbacks` (the rule: :func:`glassnet.callbacks.as_callbacks`).
    restore_best_weights : bool
        End with the parameters of the epoch with the best ``monitor``.
    monitor : str, optional
        What ``tol`` and ``restore_best_weights`` watch: ``"val_loss"`` when there is
        validation data, else ``"loss"``.
    verbose : bool or int
        0 or False: silent (default). 1, 2 or True: one line per epoch on standard error (the
        epoch, its loss, ``val_loss`` and metrics, seconds), as Keras's ``verbose=2``. A tqdm
        bar is the callback :class:`glassnet.io.ProgressBar`.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        If a batch loss becomes NaN or infinite. The parameters are restored to those at the
        start of that epoch, which were finite (with ``restore_best_weights``, the best ones).
    """
    generator, given_verbose = as_rng(rng), verbose
    epochs = check_int(epochs, "epochs")
    shuffle = check_bool(shuffle, "shuffle")
    verbose = check_verbose(verbose)
    restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
    callbacks = as_callbacks(callbacks)
    tol, patience = check_stopping(tol, patience)
    batch_size = check_batch_size(batch_size)
    train, validation = prepare_datasets(
        network, X, Y, sample_weight, class_weight, validation_data, validation_split, generator
    )
    if is_full_batch(optimizer):  # such as LBFGS: it trains on all of train itself
        refuse_callbacks(optimizer, callbacks)
        given = dict(
            epochs=epochs, batch_size=batch_size, tol=tol, patience=patience,
            restore_best_weights=restore_best_weights, monitor=monitor,
            verbose=given_verbose if verbose else False,
        )  # fmt: skip
        refuse_epoch_options(optimizer, {k: (v, FIT_DEFAULTS[k]) for k, v in given.items()})
        metric_functions = resolve_metrics(metrics)
        return optimizer.fit_full_batch(network, train, validation, metric_functions)
    optimizer = resolve_optimizer(network, optimizer)
    network.optimizer = optimizer  # type: ignore[attr-defined]
    for layer in network.layers:
        if callable(getattr(layer, "use_rng", None)):
            layer.use_rng(generator)
    monitor = monitor or ("val_loss" if validation else "loss")
    if monitor.startswith("val_") and validation is None:
        raise ValueError(
            f"monitor={monitor!r} needs validation_data or validation_split > 0, got neither"
        )
    progress = ProgressLog() if verbose else None
    hooks = fit_callbacks(callbacks, tol, patience, progress, monitor, restore_best_weights, epochs)
    n_samples = train[0].shape[0]
    shuffled = shuffle and batch_rows(batch_size, n_samples) < n_samples  # one batch: no order
    metric_functions = resolve_metrics(metrics)
    return Training(
        network, optimizer, train, epochs=epochs, batch_size=batch_size,
        order=Shuffled(generator) if shuffled else IN_ORDER, callbacks=hooks,
        measure=lambda loss: epoch_logs(network, loss, train, validation, metric_functions),
    ).run()  # fmt: skip


FIT_DEFAULTS = {name: p.default for name, p in inspect.signature(fit).parameters.items()}


def resolve_optimizer(network: Network, optimizer: Any) -> Optimizer:
    """``optimizer`` checked; None is the network's previous optimizer (state kept) or
    ``SGD()`` at its default rate. The Dask loops use it too."""
    if optimizer is None:
        optimizer = getattr(network, "optimizer", None) or SGD()
    return as_optimizer(optimizer)


def check_verbose(verbose: Any) -> int:
    """``verbose`` as Keras takes it: 0, 1 or 2, or a bool (True is 1); 1 and 2 both print
    one line per epoch."""
    if isinstance(verbose, (bool, np.bool_)):
        return int(verbose)
    if not isinstance(verbose, numbers.Integral):
        raise TypeError(f"verbose must be True, False, 0, 1 or 2, got {typed(verbose)}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be True, False, 0, 1 or 2, got {describe(verbose)}")
    return int(verbose)


def fit_callbacks(
    callbacks: Callback | Sequence[Callback] | None,
    tol: float | None,
    patience: int,
    progress: Callback | None,
    monitor: str = "loss",
    restore_best_weights: bool = False,
    epochs: int = 0,
) -> list[Callback]:
    """The user's callbacks, after early stopping (from ``tol``) and ``progress`` (fit's
    :class:`~glassnet.callbacks.ProgressLog`, the Dask loops' tqdm bar); the Dask loops use it
    too. ``epochs`` matters only with ``restore_best_weights`` and no ``tol``.

    ``tol`` and ``patience`` come checked from the door of fit (or of a Dask loop), by
    :func:`glassnet.stopping.check_stopping`.
    """
    hooks: list[Callback] = []
    if tol is not None or restore_best_weights:
        stop_patience = patience if tol is not None else epochs + 1
        min_delta = 0.0 if tol is None else tol
        hooks.append(EarlyStopping(monitor, min_delta, stop_patience, restore_best_weights))
    if progress is not None:
        hooks.append(progress)
    return hooks + as_callbacks(callbacks)
