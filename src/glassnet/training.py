"""Steps 2-7: one training step (:func:`train_step`), and :func:`fit`, the engine's
configuration of THE epoch loop.

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
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .callbacks import Callback, EarlyStopping, ProgressBar, as_callbacks
from .checks import as_rng, check_bool, check_int
from .heldout import epoch_logs, prepare_datasets, resolve_metrics
from .history import History
from .lbfgs import fit_full_batch, refuse_callbacks, refuse_epoch_options
from .loop import IN_ORDER, Shuffled, Training, TrainingDiverged
from .optimizers import SGD, Optimizer, as_optimizer
from .recording import NO_RECORDER, Recorder
from .stopping import check_stopping

if TYPE_CHECKING:
    from .network import Network


def train_step(
    network: Network,
    optimizer: Optimizer,
    x: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    recorder: Recorder = NO_RECORDER,
) -> float:
    """Run steps 2-5 once on one batch; return the batch loss (before the update).

    ``recorder`` sees every number of the step (see :mod:`glassnet.recording`); ``grad`` is
    ``∂L/∂y_pred``, or ``∂L/∂z`` of the output layer when the loss is taken from its logits
    (:mod:`glassnet.output_loss`).
    """
    recorder.batch(x, y, sample_weight)
    y_pred = network.forward(x, training=True, recorder=recorder)  # step 2: forward
    value = network.loss_value(y_pred, y, sample_weight, recorder)  # step 3: loss
    if not math.isfinite(value):  # never let a non-finite loss update the parameters
        raise TrainingDiverged(f"the loss became {value}; lower the learning rate")
    grad = network.loss_gradient(y_pred, y, sample_weight)
    network.backward(grad, recorder, sample_weight)  # step 4: backward
    optimizer.step(network.parameters(), recorder)  # step 5: update
    return value


def fit(
    network: Network,
    X: Any,
    Y: Any,
    optimizer: Optimizer | None = None,
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
    verbose: bool = False,
) -> History:
    """Train ``network`` on ``X``, ``Y``: steps 2-5 on each batch, for ``epochs`` epochs.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_inputs)
    Y : array-like, shape (n_samples, n_outputs); 1-D integer labels are one-hot encoded
        for a multi-output cross-entropy network.
    optimizer : Optimizer, optional
        Default: the optimizer of the previous ``fit`` (its state kept, so training continues
        where it stopped), or ``SGD(learning_rate=0.01)``. A full-batch method
        (:class:`glassnet.lbfgs.LBFGS`) trains on all of ``X`` with its own stopping rule;
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
    verbose : bool
        Show a progress bar (tqdm).

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        If a batch loss becomes NaN or infinite. The parameters are restored to those at the
        start of that epoch, which were finite (with ``restore_best_weights``, the best ones).
    """
    generator = as_rng(rng)
    epochs = check_int(epochs, "epochs")
    shuffle = check_bool(shuffle, "shuffle")
    verbose = check_bool(verbose, "verbose")
    restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
    callbacks = as_callbacks(callbacks)
    tol, patience = check_stopping(tol, patience)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size")
    train, validation = prepare_datasets(
        network, X, Y, sample_weight, class_weight, validation_data, validation_split, generator
    )
    if callable(getattr(optimizer, "minimize", None)):  # a full-batch method such as LBFGS
        refuse_callbacks(optimizer, callbacks)
        given = dict(
            epochs=epochs, batch_size=batch_size, tol=tol, patience=patience,
            restore_best_weights=restore_best_weights, monitor=monitor, verbose=verbose,
        )  # fmt: skip
        refuse_epoch_options(optimizer, {k: (v, FIT_DEFAULTS[k]) for k, v in given.items()})
        return fit_full_batch(optimizer, network, train, validation, resolve_metrics(metrics))
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
    hooks = fit_callbacks(callbacks, tol, patience, verbose, monitor, restore_best_weights, epochs)
    n_samples = train[0].shape[0]
    shuffled = shuffle and (batch_size or n_samples) < n_samples  # one batch: no order to draw
    metric_functions = resolve_metrics(metrics)
    return Training(
        network, optimizer, train, epochs=epochs, batch_size=batch_size,
        order=Shuffled(generator) if shuffled else IN_ORDER, callbacks=hooks,
        measure=lambda loss: epoch_logs(network, loss, train, validation, metric_functions),
    ).run()  # fmt: skip


FIT_DEFAULTS = {name: p.default for name, p in inspect.signature(fit).parameters.items()}


def resolve_optimizer(network: Network, optimizer: Any) -> Optimizer:
    """``optimizer`` checked; None is the network's previous optimizer (state kept) or
    ``SGD(learning_rate=0.01)``. The Dask loops use it too."""
    if optimizer is None:
        optimizer = getattr(network, "optimizer", None) or SGD(learning_rate=0.01)
    return as_optimizer(optimizer)


def fit_callbacks(
    callbacks: Callback | Sequence[Callback] | None,
    tol: float | None,
    patience: int,
    verbose: bool,
    monitor: str = "loss",
    restore_best_weights: bool = False,
    epochs: int = 0,
) -> list[Callback]:
    """The user's callbacks, after early stopping (from ``tol``) and a progress bar; the Dask
    loops use it too. ``epochs`` matters only with ``restore_best_weights`` and no ``tol``.

    ``tol`` and ``patience`` come checked from the door of fit (or of a Dask loop), by
    :func:`glassnet.stopping.check_stopping`.
    """
    hooks: list[Callback] = []
    if tol is not None or restore_best_weights:
        stop_patience = patience if tol is not None else epochs + 1
        min_delta = 0.0 if tol is None else tol
        hooks.append(EarlyStopping(monitor, min_delta, stop_patience, restore_best_weights))
    if verbose:
        hooks.append(ProgressBar())
    return hooks + as_callbacks(callbacks)
